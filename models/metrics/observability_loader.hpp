#pragma once
// Reads /observability (the monitoring system, metrics_scraper.hpp) and a Deployment's `server`
// block (inference_server_metrics.hpp) from a scenario, strictly: every problem is an issue at its
// JSON pointer (docs/scenario-format.md).

#include <vector>

#include "models/metrics/inference_server_metrics.hpp"
#include "models/metrics/metrics_scraper.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

ObservabilityConfig read_observability(sim::StrictObject& o, std::vector<sim::JsonIssue>& issues);
InferenceServerSpec read_inference_server(sim::StrictObject& o);

}  // namespace kubetwin::models
