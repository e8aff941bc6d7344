#pragma once
// The fabric description file (`--fabric FILE`): a strict JSON object naming a builder and its
// parameters, in the scenario files' manner (camelCase keys, quantities with units, unknown keys
// are errors reported with their JSON pointer). See docs/topology.md for the fields.
//
//   {"topology": "railOptimized", "nodes": 128, "gpuModel": "H100-SXM-80GB",
//    "nicBandwidth": "400Gbps", "nodesPerPod": 32, "oversubscription": "2:1"}

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "models/hardware/gpu_catalog.hpp"
#include "models/topology/fabric_builder.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

/// Reads a fabric description; throws sim::InputError with one line per problem, each naming
/// `source` and the JSON pointer.
FabricSpec read_fabric_spec(const nlohmann::json& doc, const std::string& source,
                            const GpuCatalog& catalog = GpuCatalog::builtin());

/// Reads the fields of a fabric description object into `s` (its nodes, gpus_per_node and gpu_model
/// are the defaults when `nodes_required` is false: a scenario's /fabric takes them from the
/// cluster); problems go to `o`'s issue list. Call check_fabric_object once they all read cleanly.
void read_fabric_object(sim::StrictObject& o, FabricSpec& s, bool nodes_required,
                        const GpuCatalog& catalog = GpuCatalog::builtin());
/// Cross-field rules of a fabric description (NVLink domain size, NVLink bandwidth).
void check_fabric_object(sim::StrictObject& o, const FabricSpec& s, const GpuCatalog& catalog = GpuCatalog::builtin());

/// Reads and parses `path` (bad JSON: the line), then read_fabric_spec.
FabricSpec load_fabric_file(const std::filesystem::path& path, const GpuCatalog& catalog = GpuCatalog::builtin());

}  // namespace kubetwin::models
