#pragma once
// Kueue's flavor assignment (pkg/scheduler/flavorassigner): for each pod set and each resource
// group of the ClusterQueue, the flavors are tried in order; a flavor whose node labels the pod
// set's nodeSelector contradicts, or whose taints it does not tolerate, is skipped; the first that
// fits wins (borrowing counts as fitting unless whenCanBorrow is TryNextFlavor); one where only
// preemption would make room is remembered and the search goes on (whenCanPreempt TryNextFlavor),
// the best remembered one being used if none fits.

#include <string>
#include <vector>

#include "models/queueing/kueue_state.hpp"

namespace kubetwin::models::queueing {

enum class FitMode { NoFit = 0, Preempt = 1, Fit = 2 };

struct Assignment {
  FitMode mode = FitMode::Fit;
  bool borrows = false;
  std::vector<std::array<int, kQuotaResources>> flavors;  ///< per pod set and resource, -1 none
  FrUsage usage;                                          ///< what admission would take
  std::vector<int> frs_need_preemption;
  std::string message;  ///< why it does not fit, in Kueue's words (empty unless asked to explain)
};

/// Assigns flavors to pending workload `wl` in its ClusterQueue. May simulate preemptions (the
/// state is unchanged on return). `explain`: fill Assignment::message (only needed while the
/// workload's reason has not been reported yet; building it for every re-evaluation was costly).
Assignment assign_flavors(KueueState& state, const Workload& wl, bool explain);

/// "a100" or "worker: cpu=default, nvidia.com/gpu=a100; ...", for events.
std::string describe_flavors(const KueueState& state, const Workload& wl, const Assignment& a);

}  // namespace kubetwin::models::queueing
