#pragma once
// Which admitted workloads Kueue preempts so that a pending one fits
// (pkg/scheduler/preemption): candidates in the workload's own ClusterQueue by its
// withinClusterQueue policy, and in ClusterQueues of its cohort tree that borrow the contested
// flavor-resources by reclaimWithinCohort; ordered other queues first, then lowest priority, then
// most recently admitted; the fewest that make it fit, found by removing candidates in that order
// and then adding back, last first, any whose return still lets it fit. With fair sharing,
// workloads of other queues are preempted only while the preemptor's share after admission stays
// at or below theirs (Kueue's LessThanOrEqualToFinalShare, then LessThanInitialShare).

#include <string_view>
#include <vector>

#include "models/queueing/kueue_state.hpp"

namespace kubetwin::models::queueing {

inline constexpr std::string_view kInClusterQueue = "InClusterQueue";
inline constexpr std::string_view kInCohortReclamation = "InCohortReclamation";
inline constexpr std::string_view kInCohortReclaimWhileBorrowing = "InCohortReclaimWhileBorrowing";
inline constexpr std::string_view kInCohortFairSharing = "InCohortFairSharing";

/// The workloads to evict so that `usage` of pending workload `wl` fits ClusterQueue `cq`;
/// empty if no allowed set exists. `frs` are the flavor-resources that need preemption. The
/// state's usage is the same on return.
std::vector<PreemptionTarget> find_preemption_targets(KueueState& state, const Workload& wl, int cq, const FrUsage& usage,
                                                      const std::vector<int>& frs);
/// Whether some allowed set of workloads could be evicted so that `amount` of flavor-resource
/// `fr` fits (find_preemption_targets with that one flavor-resource, non-empty).
bool can_preempt_for(KueueState& state, const Workload& wl, int cq, int fr, Amount amount);

}  // namespace kubetwin::models::queueing
