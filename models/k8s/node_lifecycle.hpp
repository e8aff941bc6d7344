#pragma once
// Node faults and the node lifecycle controller (upstream pkg/controller/nodelifecycle and its
// taint manager), in virtual time. A fault stops a node's kubelet from reporting at `at`; once the
// node-monitor grace period has passed without a report, the controller marks the node NotReady
// (Ready=False) or Unknown (unreachable) and taints it with node.kubernetes.io/not-ready (or
// .../unreachable), NoSchedule and NoExecute: the scheduler's TaintToleration filter keeps new pods
// off it. Pods on it that do not tolerate the NoExecute taint are evicted after tolerationSeconds
// (the DefaultTolerationSeconds admission plugin gives every pod 300 s; a pod that tolerates the
// key without a limit stays). When the fault ends the kubelet reports Ready again and the taints
// go. Node faults are model events, never exceptions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/k8s/control_plane.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

struct NodeFault {
  NodeIndex node = 0;
  double at = 0;                   ///< when the kubelet stops reporting
  std::optional<double> duration;  ///< how long; none: the node never comes back
  bool unreachable = false;        ///< Ready=Unknown (no report at all) rather than NotReady
};

struct NodeLifecycleConfig {
  double node_monitor_grace_period = 40;  ///< kube-controller-manager --node-monitor-grace-period
  double default_toleration_seconds =
      300;  ///< kube-apiserver --default-not-ready-toleration-seconds
};

class NodeLifecycleController {
 public:
  NodeLifecycleController(sim::Engine& engine, Cluster& cluster, ControlPlane& control_plane,
                          NodeLifecycleConfig config, std::vector<NodeFault> faults);
  NodeLifecycleController(const NodeLifecycleController&) = delete;
  NodeLifecycleController& operator=(const NodeLifecycleController&) = delete;

  static constexpr const char* kNotReadyTaint = "node.kubernetes.io/not-ready";
  static constexpr const char* kUnreachableTaint = "node.kubernetes.io/unreachable";

  /// The node was marked NotReady and tainted (`taint` is the key).
  sim::Signal<NodeIndex, std::string_view /*taint*/> node_not_ready;
  sim::Signal<NodeIndex> node_ready;
  /// The taint manager evicted pod `pod` of `job` from `node`.
  sim::Signal<const JobState&, std::size_t /*pod*/, NodeIndex> pod_evicted;

  bool is_ready(NodeIndex node) const { return tainted_[node] == 0; }

 private:
  void mark_not_ready(std::size_t fault);
  void evict(std::size_t fault);
  void recover(std::size_t fault);

  sim::Engine& engine_;
  Cluster& cluster_;
  ControlPlane& cp_;
  const NodeLifecycleConfig config_;
  std::vector<NodeFault> faults_;
  std::vector<std::uint8_t> tainted_;     // per node
  std::vector<std::uint64_t> evictions_;  // per fault: the pending eviction timer
};

}  // namespace kubetwin::models
