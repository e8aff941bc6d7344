#include "models/k8s/node_lifecycle.hpp"

#include <algorithm>

#include "models/scheduling/plugins.hpp"

namespace kubetwin::models {

NodeLifecycleController::NodeLifecycleController(sim::Engine& engine, Cluster& cluster,
                                                 ControlPlane& cp, NodeLifecycleConfig config,
                                                 std::vector<NodeFault> faults)
    : engine_(engine),
      cluster_(cluster),
      cp_(cp),
      config_(config),
      faults_(std::move(faults)),
      tainted_(cluster.node_count(), 0),
      evictions_(faults_.size(), kNoTimer) {
  for (std::size_t f = 0; f < faults_.size(); ++f) {
    const NodeFault& fault = faults_[f];
    // A fault shorter than the grace period goes unnoticed: the kubelet reports again in time.
    if (!fault.duration || *fault.duration > config_.node_monitor_grace_period) {
      engine_.schedule_at(fault.at + config_.node_monitor_grace_period,
                          [this, f] { mark_not_ready(f); });
    }
    if (fault.duration) engine_.schedule_at(fault.at + *fault.duration, [this, f] { recover(f); });
  }
}

void NodeLifecycleController::mark_not_ready(std::size_t f) {
  const NodeFault& fault = faults_[f];
  if (tainted_[fault.node]++ > 0) return;  // already NotReady from an overlapping fault
  const char* key = fault.unreachable ? kUnreachableTaint : kNotReadyTaint;
  cluster_.add_node_taint(fault.node, Taint{key, "", TaintEffect::NoSchedule});
  cluster_.add_node_taint(fault.node, Taint{key, "", TaintEffect::NoExecute});
  node_not_ready.emit(fault.node, key);
  evictions_[f] = engine_.schedule_in(config_.default_toleration_seconds, [this, f] { evict(f); });
}

void NodeLifecycleController::evict(std::size_t f) {
  evictions_[f] = kNoTimer;
  const NodeIndex node = faults_[f].node;
  // Pods tolerating the NoExecute taint without a time limit stay; the rest got the default
  // toleration of default_toleration_seconds from admission, which has now run out.
  const Taint* no_execute = nullptr;
  for (const Taint& t : cluster_.node_taints(node)) {
    if (t.effect == TaintEffect::NoExecute) no_execute = &t;
  }
  if (no_execute == nullptr) return;
  const Taint taint = *no_execute;
  std::vector<std::pair<std::uint64_t, std::size_t>> victims;
  for (const RunningPod& p : cp_.snapshot().pods_on(node)) {
    if (TaintToleration::untolerated(*p.spec, std::span<const Taint>(&taint, 1)) != nullptr)
      victims.emplace_back(p.job, p.pod);
  }
  std::sort(victims.begin(), victims.end());
  for (const auto& [seq, pod] : victims) {
    const JobState* job = cp_.find(seq);
    if (job == nullptr || job->pod_nodes[pod] != node)
      continue;  // gone with an earlier pod of its job
    pod_evicted.emit(*job, pod, node);
    cp_.evict_pod(seq, pod, "Evicted");
  }
}

void NodeLifecycleController::recover(std::size_t f) {
  const NodeFault& fault = faults_[f];
  if (evictions_[f] != kNoTimer) engine_.cancel(evictions_[f]);
  evictions_[f] = kNoTimer;
  if (tainted_[fault.node] == 0 || --tainted_[fault.node] > 0)
    return;  // never marked, or still down
  cluster_.remove_node_taints(fault.node, fault.unreachable ? kUnreachableTaint : kNotReadyTaint);
  node_ready.emit(fault.node);
  cp_.on_nodes_changed();  // pending pods may fit on it again
}

}  // namespace kubetwin::models
