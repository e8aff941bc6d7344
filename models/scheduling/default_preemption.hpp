#pragma once
// DefaultPreemption (PostFilter): when a pod fits no node, find the node where evicting the fewest
// and least important lower-priority pods would let it fit, with upstream's rules:
// - on each node, every pod of lower priority is a potential victim; if the pod does not fit even
//   with all of them gone, the node is no candidate;
// - victims are then reprieved one by one, most important first (higher priority, then earlier
//   start), as long as the pod still fits;
// - among candidates pick, in order: the lowest highest-victim priority, the lowest sum of victim
//   priorities, the fewest victims, the latest start of the most important victim, the first node.
//
// For a gang (minMember > 0) evicting room for one member at a time only loses the victims' work:
// the gang runs whole or not at all. Here (a kubetwin addition in the manner of gang-aware
// schedulers such as Volcano and KAI-Scheduler; upstream coscheduling does not preempt) the plan
// covers every member still unplaced: each member takes a node where it already fits, or the
// best candidate above with the pods chosen so far counted as gone; only if every member gets a
// node are the victims evicted, all at once. Otherwise nobody is evicted.

#include <cstdint>
#include <optional>
#include <span>
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
  /// `already_freed`: pods released from `cluster` by the caller (a gang's plan so far), which
  /// are no victims again.
  static std::optional<PreemptionCandidate> select(const PodGroupSpec& pod, std::int32_t priority, Scheduler& scheduler,
                                                   Cluster& cluster, const ClusterSnapshot& placed,
                                                   std::span<const RunningPod> already_freed = {});

  /// A gang's plan: the victims that give every unplaced member a node (`node`: where the first
  /// ones run), or nothing if no such set exists or none is needed. `cluster` is restored before
  /// returning.
  static std::optional<PreemptionCandidate> plan_gang(const std::vector<const PodGroupSpec*>& members,
                                                      std::int32_t priority, Scheduler& scheduler, Cluster& cluster,
                                                      const ClusterSnapshot& placed);
};

}  // namespace kubetwin::models
