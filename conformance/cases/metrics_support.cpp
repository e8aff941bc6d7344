#include "conformance/cases/metrics_support.hpp"

#include <stdexcept>

#include "sim/input_error.hpp"

namespace kubetwin::conformance::cases {

std::optional<models::ParsedExposition> read_metrics(const SimulationResult& sim, std::string& problem) {
  std::string text;
  try {
    text = sim.read_output("metrics.om");
  } catch (const std::runtime_error&) {
    problem = "the run wrote no metrics.om";
    return std::nullopt;
  }
  try {
    return models::parse_openmetrics(text, "metrics.om");
  } catch (const sim::InputError& e) {
    problem = std::string("metrics.om is not valid OpenMetrics: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace kubetwin::conformance::cases
