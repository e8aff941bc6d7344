#pragma once
// The FGD inflation experiment on the openb trace (../shared/reference/fgd-protocol.md, 1.2):
// pods arrive one by one in a seeded order, inflated to `tune` x the cluster's GPU capacity; each is
// placed at once by the chosen policy or fails (no queue, no retry, pods never finish). After
// every pod the GPU allocation and fragmentation are sampled against the arrived GPU request.

#include <cstdint>
#include <string>
#include <vector>

#include "models/gpushare/openb_trace.hpp"

namespace kubetwin::scenarios {

struct FgdCurvePoint {
  int arrived_pct = 0;         ///< bucket: round(arrived GPU request / capacity x 100)
  double alloc_pct = 0;        ///< allocated milli-GPU / capacity
  double frag_ratio_pct = 0;   ///< fragment / free milli-GPU
  double frag_amount_pct = 0;  ///< fragment / capacity
};

struct FgdRunResult {
  std::vector<FgdCurvePoint> curve;  ///< arrived 0..round(100 x tune), one point each
  std::int64_t pods_submitted = 0;
  std::int64_t pods_scheduled = 0;
  std::int64_t capacity_milli = 0;
  std::size_t typical_tasks = 0;
  double alloc_pct_at(int arrived_pct) const;
};

/// The curve as CSV: `arrived_pct,alloc_pct,frag_ratio_pct,frag_amount_pct`, one row per point.
std::string fgd_curve_csv(const std::vector<FgdCurvePoint>& curve);

/// Runs one experiment. Throws sim::InputError for an unknown policy name.
FgdRunResult run_fgd_experiment(const std::vector<models::gpushare::OpenbNode>& nodes,
                                const std::vector<models::gpushare::OpenbPod>& pods,
                                const std::string& policy, std::uint64_t seed, double tune = 1.3);

}  // namespace kubetwin::scenarios
