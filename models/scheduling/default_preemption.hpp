#pragma once
// DefaultPreemption (PostFilter): when a pod fits no node, find the node where evicting the fewest
// and least important lower-priority pods would let it fit, with upstream's rules:
// - on each node, every pod of lower priority is a potential victim; if the pod does not fit even
//   with all of them gone, the node is no candidate;
// - victims are then reprieved one by one, most important first (higher priority, then earlier
//   start), as long as the pod still fits;
// - among candidates pick, in order: the lowest highest-victim priority, the lowest sum of victim
//   priorities, the fewest victims, the latest start of the most important victim, the first node.

#include <cstdint>
#include <optional>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

/// A pod running (bound) on a node, as preemption sees it.
struct RunningPod {
  std::uint64_t job = 0;  ///< the owning job's submission sequence number
  std::size_t pod = 0;    ///< index of the pod in its job
  std::int32_t priority = 0;
  double start_time = 0;  ///< when it was bound
  Resources requests;
};

struct PreemptionCandidate {
  NodeIndex node = 0;
  std::vector<RunningPod> victims;
};

class DefaultPreemption {
 public:
  static constexpr std::string_view kName = "DefaultPreemption";

  /// The best candidate for `pod` of priority `priority`, or nothing. `cluster` is changed while
  /// evaluating and restored before returning. `pods_on_node[n]` lists the pods bound to node n.
  static std::optional<PreemptionCandidate> select(const PodGroupSpec& pod, std::int32_t priority, Scheduler& scheduler,
                                                   Cluster& cluster,
                                                   const std::vector<std::vector<RunningPod>>& pods_on_node);
};

}  // namespace kubetwin::models
