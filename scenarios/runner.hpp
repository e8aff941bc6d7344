#pragma once
// The composition root: builds the engine, cluster, control plane and observers from a Scenario,
// runs the simulation and writes the result files. It only wires things together.

#include <filesystem>
#include <nlohmann/json.hpp>

#include "scenarios/scenario.hpp"

namespace kubetwin::scenarios {

struct RunOptions {
  std::filesystem::path out_dir = "kubetwin-out";
  bool progress = true;  ///< progress lines on stderr for runs longer than a few seconds
};

/// Runs `scenario` and writes summary.json, events.jsonl, timeline.json and series.csv into
/// options.out_dir, all or nothing. Returns the summary. Throws sim::InputError on bad input met
/// during the run (a bad trace line): then no result file is written.
nlohmann::ordered_json run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace kubetwin::scenarios
