#include "models/metrics/distribution.hpp"

#include <algorithm>
#include <cmath>

namespace kubetwin::models {

std::optional<DistributionSummary> Distribution::summarize() const {
  if (values_.empty()) return std::nullopt;
  std::vector<double> v = values_;
  std::sort(v.begin(), v.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
  };
  double sum = 0;
  for (double x : v) sum += x;  // ascending order keeps the rounding the same run to run
  return DistributionSummary{sum / static_cast<double>(v.size()), quantile(0.5), quantile(0.9), quantile(0.99)};
}

}  // namespace kubetwin::models
