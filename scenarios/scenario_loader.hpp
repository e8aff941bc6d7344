#pragma once
// Reading scenario files strictly: unknown keys are errors, every error names its JSON pointer,
// and all errors are reported together (sim::InputError with one line per problem).

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/hardware/gpu_catalog.hpp"
#include "scenarios/scenario.hpp"

namespace kubetwin::scenarios {

/// Parses a scenario file into JSON; throws sim::InputError naming the file (and line for syntax).
nlohmann::json read_scenario_file(const std::filesystem::path& path);

/// The built-in default scenario (scenarios/examples/default.json, compiled in).
nlohmann::json default_scenario_document();

/// Applies "--set POINTER=VALUE": VALUE is parsed as JSON when it is valid JSON, else taken as a
/// string. Parent objects must exist. Throws sim::InputError naming the flag.
void apply_override(nlohmann::json& doc, const std::string& assignment);

/// Validates `doc` and builds the Scenario. `source` names the document in messages; relative
/// paths inside it are resolved against `base_dir`.
Scenario load_scenario(const nlohmann::json& doc, const std::string& source,
                       const std::filesystem::path& base_dir,
                       const models::GpuCatalog& catalog = models::GpuCatalog::builtin());

}  // namespace kubetwin::scenarios
