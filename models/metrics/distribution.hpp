#pragma once
// Exact summary statistics of a sample (mean and percentiles), kept as the raw values: 8 bytes
// per finished job, which is what exact percentiles cost.

#include <optional>
#include <vector>

namespace kubetwin::models {

struct DistributionSummary {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;
};

class Distribution {
 public:
  void add(double x) { values_.push_back(x); }
  std::size_t count() const { return values_.size(); }
  /// Percentiles by linear interpolation between closest ranks; nothing if empty.
  std::optional<DistributionSummary> summarize() const;

 private:
  std::vector<double> values_;
};

}  // namespace kubetwin::models
