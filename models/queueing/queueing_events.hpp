#pragma once
// The typed records of events.jsonl for Kueue-style admission (docs/queueing.md), in the style of
// models/k8s/job_events.hpp. Kinds and reasons use Kueue's words.

#include <string_view>

#include "sim/json_writer.hpp"

namespace kubetwin::models::queueing {

/// Quota reserved and the workload admitted (no admission checks: both at once, as Kueue's
/// QuotaReserved and Admitted conditions would be).
struct AdmittedEvent {
  static constexpr std::string_view kType = "Admitted";
  std::string_view job, cluster_queue, flavors;
  double wait_time;  ///< seconds since submission
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("clusterQueue", cluster_queue).field("flavors", flavors).field("waitTime", wait_time);
  }
};

/// An admitted workload preempted by Kueue and requeued; reason is Kueue's: InClusterQueue,
/// InCohortReclamation, InCohortReclaimWhileBorrowing or InCohortFairSharing.
struct WorkloadPreemptedEvent {
  static constexpr std::string_view kType = "Evicted";
  std::string_view job, cluster_queue, reason, preemptor;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("clusterQueue", cluster_queue).field("reason", "Preempted").field("preemptionReason", reason)
        .field("preemptor", preemptor);
  }
};

/// The first time a workload is found inadmissible, with Kueue's Pending message (e.g.
/// "couldn't assign flavors to pod set worker: insufficient unused quota for nvidia.com/gpu in
/// flavor a100, 4 more needed").
struct WorkloadPendingEvent {
  static constexpr std::string_view kType = "Pending";
  std::string_view job, cluster_queue, message;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("clusterQueue", cluster_queue).field("message", message);
  }
};

}  // namespace kubetwin::models::queueing
