#pragma once
// What the observability cases share: the run's metrics.om read the way a monitoring system
// would, with the strict OpenMetrics parser (models/metrics/exposition_parser.hpp).

#include <optional>
#include <string>

#include "conformance/case.hpp"
#include "models/metrics/exposition_parser.hpp"

namespace kubetwin::conformance::cases {

/// Unix time of simulated time 0 in the cases' expositions (2026-01-01T00:00:00Z), so that their
/// files could be backfilled into a Prometheus with default retention settings.
inline constexpr double kMetricsOrigin = 1767225600;

/// The run's metrics.om, parsed; nullopt with `problem` saying why when it is missing or malformed.
std::optional<models::ParsedExposition> read_metrics(const SimulationResult& sim, std::string& problem);

}  // namespace kubetwin::conformance::cases
