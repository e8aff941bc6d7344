#pragma once
// A strict reader of the OpenMetrics 1.0 text format (what ExpositionWriter writes and what
// Prometheus backfill reads), for the conformance cases that decide from a run's metrics file the
// way a monitoring system would. It rejects, with "source:line: reason": a missing or misplaced
// "# EOF", comment lines other than HELP/TYPE/UNIT, metadata after a family's samples or twice, a
// family that reappears after another one (interleaving), sample names that do not fit their
// family's type (a counter's must end in _total or _created, a histogram's in _bucket, _count, _sum
// or _created), bad metric or label names, duplicate labels, bad escapes, unparsable values or
// timestamps, negative or NaN counters, a series whose timestamps do not increase, and histogram
// points whose buckets lack `le`, are not in ascending order, decrease, lack +Inf or disagree with
// `_count`.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kubetwin::models {

struct ParsedSample {
  std::string name;  ///< as written: "vllm:request_success_total", "x_bucket"
  std::vector<std::pair<std::string, std::string>> labels;  ///< in written order, unescaped
  double value = 0;
  std::optional<double> timestamp;  ///< seconds
  int line = 0;
  /// The value of label `key`, or an empty view.
  std::string_view label(std::string_view key) const;
};

struct ParsedFamily {
  std::string name;
  std::string type = "unknown";  ///< counter, gauge, histogram, gaugehistogram, stateset, info, summary, unknown
  std::string help, unit;
  std::vector<ParsedSample> samples;  ///< in file order
};

struct ParsedExposition {
  std::vector<ParsedFamily> families;
  /// The family named `name`, or nullptr.
  const ParsedFamily* find(std::string_view name) const;
};

/// Parses `text`; throws sim::InputError "<source>:<line>: <reason>" at the first problem.
ParsedExposition parse_openmetrics(std::string_view text, const std::string& source);

}  // namespace kubetwin::models
