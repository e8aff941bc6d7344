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
#include "models/scheduling/framework.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

struct PreemptionCandidate {
  NodeIndex node = 0;
  std::vector<RunningPod> victims;
};

class DefaultPreemption final : public PostFilterPlugin {
 public:
  static constexpr std::string_view kName = "DefaultPreemption";
  std::string_view name() const override { return kName; }

  /// Evicts the victims of the best candidate node; Success if it evicted any.
  Status post_filter(const PodInfo& pod, Scheduler& profile, FrameworkHandle& handle) const override;

  /// The best candidate for `pod` of priority `priority`, or nothing. `cluster` is changed while
  /// evaluating and restored before returning; `placed` says which pods are on each node.
  static std::optional<PreemptionCandidate> select(const PodGroupSpec& pod, std::int32_t priority, Scheduler& scheduler,
                                                   Cluster& cluster, const ClusterSnapshot& placed);
};

}  // namespace kubetwin::models
