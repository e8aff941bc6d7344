#pragma once
// Reads a scenario's `queueing` object (docs/queueing.md): Kueue's ResourceFlavors, Cohorts,
// ClusterQueues and LocalQueues with Kueue's field names, or hierarchical queues in the manner of
// KAI-Scheduler (`queues`), which are translated into the same objects. Every problem (a
// reference to a missing object, a cohort cycle, a quota that does not parse) is recorded with its
// JSON pointer; reading goes on so that all are reported at once.

#include <vector>

#include "models/queueing/queueing_config.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models::queueing {

/// Reads the object `queueing` refers to and calls its finish(). The result is only meaningful
/// when no issue was added.
QueueingConfig read_queueing(sim::StrictObject& queueing, std::vector<sim::JsonIssue>& issues);

}  // namespace kubetwin::models::queueing
