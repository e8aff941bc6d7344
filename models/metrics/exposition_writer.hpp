#pragma once
// Collects scraped samples (series by metric family and label set, each a list of timestamped
// points) and writes them as one OpenMetrics 1.0 text file: every family once, with its # HELP and
// # TYPE lines, each series' points in time order, then "# EOF". That is the input of
// `promtool tsdb create-blocks-from openmetrics FILE DIR` (Prometheus backfill), and readable by
// exposition_parser. Timestamps are seconds (OpenMetrics), with millisecond resolution.
//
//   ExpositionWriter w;
//   auto util = w.family("DCGM_FI_DEV_GPU_UTIL", MetricType::Gauge, "GPU utilization (in %).");
//   w.record(util, {{"gpu", "0"}, {"Hostname", "node-0"}}, 30.0, 87);
//   w.write(out, 1.7e9);

#include <cstdint>
#include <map>
#include <ostream>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace kubetwin::models {

enum class MetricType { Gauge, Counter, Histogram };
const char* metric_type_name(MetricType t);  ///< "gauge", "counter", "histogram"

/// Label name-value pairs in the order they are written.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class ExpositionWriter {
 public:
  using FamilyId = std::size_t;
  /// Declares a family. A counter's samples are written as `<name>_total`; a histogram's as
  /// `_bucket` (one per upper bound in `buckets`, ascending, then +Inf), `_count` and `_sum`.
  FamilyId family(std::string name, MetricType type, std::string help, std::vector<double> buckets = {});
  /// One point of a gauge or counter series at simulated time `t` (not before its last point).
  void record(FamilyId family, const MetricLabels& labels, double t, double value);
  /// One point of a histogram series: `cumulative` holds the count at or below each bucket bound
  /// and then the total (the +Inf bucket, also `_count`); `sum` the sum of observations.
  void record_histogram(FamilyId family, const MetricLabels& labels, double t, std::span<const double> cumulative, double sum);

  /// Points recorded so far, over all series.
  std::size_t points() const { return points_; }
  /// Writes the OpenMetrics text; timestamps are `origin` + simulated time, in seconds.
  void write(std::ostream& out, double origin) const;

 private:
  struct Series {
    std::string labels;          // rendered: name="value",...
    std::vector<double> times;
    std::vector<double> values;  // one per point; a histogram's: buckets + 1 + sum per point
  };
  struct Family {
    std::string name, help;
    MetricType type;
    std::vector<double> buckets;
    std::vector<Series> series;  // in order of first appearance
    std::map<std::string, std::size_t> index;
  };
  Series& series(FamilyId family, const MetricLabels& labels, double t);

  std::vector<Family> families_;
  std::size_t points_ = 0;
};

/// `value` as OpenMetrics writes numbers: shortest round-trip form, "+Inf", "-Inf", "NaN".
std::string metric_number(double value);

}  // namespace kubetwin::models
