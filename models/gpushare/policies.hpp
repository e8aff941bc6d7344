#pragma once
// The six node-scoring policies of the FGD paper's experiment (../shared/reference/fgd-protocol.md,
// section 1.4): FGD, BestFit, DotProd, GpuPacking, GpuClustering and Random. Each scores one node
// that passed the filter and says which devices the pod would take there. Scores are integers, as
// in the artifact, because truncation decides ties and ties decide placements.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/gpushare/fragmentation.hpp"
#include "models/gpushare/gpu_share_node.hpp"

namespace kubetwin::models::gpushare {

/// Normalising maxima of the artifact's vector scores.
inline constexpr double kCpuNorm = 128000;  // milli-cores
inline constexpr double kGpuNorm = 8000;    // milli-GPU

struct NodeScore {
  std::int64_t score = 0;
  GpuChoice devices;
};

class ScoringPolicy {
 public:
  virtual ~ScoringPolicy() = default;
  virtual std::string_view name() const = 0;
  /// Scores feasible `node` for `pod`; `node_frag` is F(node) under the run's typical tasks.
  virtual NodeScore score(const GpuShareNode& node, double node_frag, const PodShape& pod) = 0;
  /// BestFit rescales the scores of all feasible nodes to 0..100 (min-max) before choosing.
  virtual bool min_max_normalized() const { return false; }
  /// Random picks a feasible node (and device) uniformly instead of scoring.
  virtual bool random_choice() const { return false; }
};

/// The command-line names, exactly: FGD, BestFit, DotProd, GpuPacking, GpuClustering, Random.
const std::vector<std::string_view>& policy_names();
/// The policy called `name`, or null if there is none. FGD scores with `tasks`.
std::unique_ptr<ScoringPolicy> make_policy(std::string_view name, std::span<const TypicalTask> tasks);

/// Min-max rescaling to 0..100 in integer arithmetic; all equal gives 0 (BestFit's NormalizeScore).
void normalize_min_max(std::span<std::int64_t> scores);

}  // namespace kubetwin::models::gpushare
