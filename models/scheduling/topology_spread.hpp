#pragma once
// Upstream PodTopologySpread: spreads pods that match a constraint's selector evenly over the
// domains of its topology key (zones, racks, nodes).
//
// Filter (whenUnsatisfiable: DoNotSchedule): a node is rejected when placing the pod there makes
//   matching pods in the node's domain + (1 if the pod matches its own selector)
//     - the global minimum over eligible domains  >  maxSkew.
// Eligible domains are those of nodes that carry every DoNotSchedule constraint's key and pass
// the constraint's node inclusion policies (nodeAffinityPolicy Honor: the pod's nodeSelector;
// nodeTaintsPolicy Honor: the pod tolerates the node's NoSchedule/NoExecute taints). With fewer
// eligible domains than minDomains the global minimum is 0. Nodes without the key are rejected as
// unresolvable.
//
// Score (whenUnsatisfiable: ScheduleAnyway): the sum over constraints of
//   matching pods in the node's domain x log(domains + 2) + (maxSkew - 1),
// normalized so that the node with the fewest matching pods scores 100. Nodes lacking a key score
// 0.
//
// Counts are made once per scheduling cycle (PreFilter, PreScore), in one pass over the placed
// pods; Filter is then O(constraints) per node. Pods without constraints return Skip and cost
// nothing else. Not modelled: the system default constraints upstream applies to pods owned by a
// Service or ReplicaSet without constraints of their own (kubetwin has neither), matchLabelKeys,
// and the owner-reference shortcut upstream's scoring takes for pods with an owner.

#include <cstdint>
#include <span>
#include <string_view>

#include "models/scheduling/framework.hpp"

namespace kubetwin::models {

class PodTopologySpread final : public PreFilterPlugin,
                                public FilterPlugin,
                                public PreScorePlugin,
                                public ScorePlugin {
 public:
  static constexpr std::string_view kName = "PodTopologySpread";
  static constexpr const char* kReasonConstraintsNotMatch =
      "node(s) didn't match pod topology spread constraints";
  static constexpr const char* kReasonNodeLabelNotMatch =
      "node(s) didn't match pod topology spread constraints (missing required label)";
  /// The raw score of a node that lacks a ScheduleAnyway constraint's key; normalize() makes it 0.
  static constexpr std::int64_t kIgnoredNode = -1;

  std::string_view name() const override { return kName; }

  /// Counts matching pods per domain for the DoNotSchedule constraints; Skip if there are none.
  Status pre_filter(CycleState& state, const PodGroupSpec& pod,
                    const ClusterSnapshot& snapshot) const override;
  /// False when the pod has DoNotSchedule constraints: the verdict depends on the node's domain.
  bool pool_constant(const PodGroupSpec& pod) const override;
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
  bool passes(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
              NodeIndex node) const override;

  /// Counts matching pods per domain of the feasible nodes for the ScheduleAnyway constraints;
  /// Skip if there are none.
  Status pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                   std::span<const NodeIndex> feasible) const override;
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod,
                     const ClusterSnapshot& snapshot, NodeIndex node) const override;
  /// 100 x (max + min - score) / max over the scored nodes; kIgnoredNode becomes 0.
  void normalize(const CycleState& state, std::span<std::int64_t> scores) const override;

 private:
  /// Null if the node passes, else the reason (kReasonNodeLabelNotMatch means unresolvable).
  const char* rejection(const CycleState& state, const PodGroupSpec& pod, NodeIndex node) const;
};

}  // namespace kubetwin::models
