#pragma once
// A cluster autoscaler over node pools, in the manner of kubernetes/autoscaler's
// cluster-autoscaler: every scan interval it looks at pods the scheduler could not place, asks which
// autoscaled pools' node template would fit them, estimates by first-fit bin packing how many new
// nodes each pool needs (counting nodes already being provisioned), picks a pool with the expander,
// and provisions nodes that join after a provisioning delay. Empty nodes above a pool's minimum are
// removed once they have been unneeded for the scale-down-unneeded time, and not sooner than the
// scale-down delay after the last scale-up.
//
// Simplified: only empty nodes are scaled down (the real one also drains underused nodes whose pods
// fit elsewhere); node templates are checked with resources, taints and nodeSelector only.

#include <cstdint>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/k8s/control_plane.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

enum class Expander {
  Random,     ///< upstream's default: any pool that helps, uniformly
  LeastWaste, ///< the pool whose new nodes would leave the least CPU, memory and GPU idle
};

struct ClusterAutoscalerConfig {
  double scan_interval = 10;               ///< --scan-interval
  double provisioning_delay = 120;         ///< from the scale-up decision until the node is Ready
  double scale_down_unneeded_time = 600;   ///< --scale-down-unneeded-time
  double scale_down_delay_after_add = 600; ///< --scale-down-delay-after-add
  Expander expander = Expander::Random;
  /// false: no cluster autoscaler runs even where pools declare `autoscaling` (a deliberately
  /// broken platform for conformance checks: pools stay at their starting size).
  bool enabled = true;
};

class ClusterAutoscaler {
 public:
  ClusterAutoscaler(sim::Engine& engine, Cluster& cluster, ControlPlane& control_plane,
                    const ClusterAutoscalerConfig& config, sim::RandomStream& random);
  ClusterAutoscaler(const ClusterAutoscaler&) = delete;
  ClusterAutoscaler& operator=(const ClusterAutoscaler&) = delete;

  /// A scale-up decision: `nodes` new nodes of pool `pool`, Ready at `ready_at`.
  sim::Signal<std::size_t /*pool*/, int /*nodes*/, double /*ready_at*/> scaled_up;
  sim::Signal<NodeIndex> node_added;
  sim::Signal<NodeIndex> node_removed;

 private:
  void scan();
  void wake();
  bool idle() const;
  int existing_in_pool(std::size_t p) const;
  void scale_up();
  void scale_down();
  /// True if a new node of autoscaled pool `p` would pass `pod`'s filters and hold its requests.
  bool template_fits(std::size_t p, const PodGroupSpec& pod) const;
  /// New nodes of pool `p` needed for `pods` (first-fit decreasing bin packing); `waste` gets the
  /// idle share of those nodes (least-waste expander).
  int nodes_needed(std::size_t p, const std::vector<const PodGroupSpec*>& pods, std::int64_t* waste) const;

  sim::Engine& engine_;
  Cluster& cluster_;
  ControlPlane& cp_;
  const ClusterAutoscalerConfig config_;
  sim::RandomStream& random_;
  std::vector<std::uint8_t> provisioning_;  // per node slot: being provisioned
  std::vector<int> upcoming_;               // per pool: nodes being provisioned
  std::vector<double> unneeded_since_;      // per node: when it became empty; < 0 if in use
  double last_scale_up_ = -1e300;
  bool scanning_ = false;
};

}  // namespace kubetwin::models
