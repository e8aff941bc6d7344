#pragma once
// The DynamicResources scheduler plugin (upstream's name): allocates the devices of a pod's
// ResourceClaims from the ResourceSlices of the node it goes to (docs/dra.md).
//
//   PreFilter  gathers the pod's claims (Skip for a pod without claims: no cost at all);
//   Filter     can this node's free devices satisfy every request of every unallocated claim?
//              An allocated claim pins the pod to the node its devices are on;
//   Reserve    allocates: the same deterministic choice Filter found, recorded in the claims;
//   Unreserve  frees what Reserve took (generated claims are deleted);
//   PreBind    adds the pod to status.reservedFor of its claims.
//
// The plugin reads and changes only the DraState it is given, never the control plane.

#include <string_view>

#include "models/dra/dra_state.hpp"
#include "models/scheduling/framework.hpp"
#include "models/scheduling/plugin_registry.hpp"

namespace kubetwin::models::dra {

class DynamicResources final : public PreFilterPlugin, public FilterPlugin, public ReservePlugin, public PreBindPlugin {
 public:
  static constexpr std::string_view kName = "DynamicResources";
  /// Upstream's Filter reasons.
  static constexpr const char* kCannotAllocate = "cannot allocate all claims";
  static constexpr const char* kNotOnNode = "resourceclaim not available on the node";

  /// `state` null: no DRA objects exist, so every pod with claims is unschedulable.
  explicit DynamicResources(DraState* state) : state_(state) {}

  std::string_view name() const override { return kName; }

  Status pre_filter(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot) const override;
  bool pool_constant(const PodGroupSpec& pod) const override { return pod.resource_claims.empty(); }
  /// Matching a claim's devices against every slice of a node is by far the costliest filter:
  /// calibrated so that a 500-node cluster schedules claim-template pods at about 48 pods/s, inside
  /// scheduler_perf's 40 to 56 pods/s (SchedulingWithResourceClaimTemplate, 500 nodes).
  double simulated_filter_seconds_per_node() const override { return kSecondsPerNode; }
  static constexpr double kSecondsPerNode = 87.5e-6;
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
  bool passes(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
              NodeIndex node) const override;
  Status reserve(CycleState& state, const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const override;
  void unreserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const override;
  Status pre_bind(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const override;

 private:
  DraState* state_;
};

/// Makes `registry`'s DynamicResources plugin use `state` (call it on a copy of the built-in
/// registry, then hand that copy to the ControlPlane). `state` must outlive the control plane.
void bind_dynamic_resources(PluginRegistry& registry, DraState& state);

}  // namespace kubetwin::models::dra
