#pragma once
// The fabric in the run folder, for readers such as the GUI's fabric view: fabric.json (the
// switches and shared links as the contention model sees them, and which leaves each node's NICs
// reach) and fabric-usage.jsonl (the modelled load of every shared link each time a job that
// crosses it starts or ends). Written only for scenarios with a /fabric.

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "models/cluster/cluster.hpp"
#include "models/perf/fabric_contention.hpp"
#include "models/topology/fabric_builder.hpp"

namespace kubetwin::scenarios {

/// A fabric name as a label value ("pod0/rail0" -> "pod0.rail0": values may not hold '/').
std::string fabric_label_value(std::string name);

/// fabric.json: kind, achieved-capacity efficiency, core count, blocks (name, spines, usable
/// capacity to the core per direction), leaves (name, block, usable capacity to the spines per
/// direction) and one line per node with the leaves its NICs connect to. Server i is node i.
void write_fabric_json(std::ostream& out, const models::FabricSpec& spec, const models::FabricIndex& index,
                       const models::Cluster& cluster, double efficiency);

/// One line of fabric-usage.jsonl: at `t`, `job` started (or ended) crossing `crossed`; every
/// crossed resource's load and demand after the change, from `contention`.
void append_fabric_usage(std::string& out, double t, std::string_view job, bool started,
                         std::span<const models::ResourceDemand> crossed, const models::FabricContention& contention);

}  // namespace kubetwin::scenarios
