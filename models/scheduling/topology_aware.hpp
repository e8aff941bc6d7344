#pragma once
// TopologyAware: places the pods of a group (a gang, or any multi-pod group) in the narrowest
// domain of the network fabric that can hold them all (one node, one NVLink domain, one leaf, one
// spine block), in the manner of Kueue's Topology Aware Scheduling and KAI-Scheduler's topology
// plugin. Levels are node label keys, widest first (TopologyAwareArgs.levels; default
// topology.kubetwin.io/block, /leaf, /nvlink-domain, kubernetes.io/hostname); a domain at a level
// is the set of nodes sharing the values of that level and of every wider one.
//
// PreFilter makes the plan for a group of several pods (or one with a required level), once per
// cycle, in one pass over the nodes: how many more pods of the group each node can take (free
// CPU, memory and GPUs, nodeSelector, taints), summed per domain; where the group's pods already
// placed (assumed or bound) are. The target is the narrowest
// domain that holds the placed pods and has room for the rest; at the first level where some
// domain has room, the one with the least room that suffices wins (best fit), the lowest domain
// on ties. Then:
//   - a required level (pod group topology.required) confines the pods to the target's domain at
//     that level; if no domain of that level can hold them, the pod is unschedulable;
//   - a group of several pods is confined to the target's domain at its preferred level (or at
//     the target's, when the target had to be wider), so that the later pods follow the first;
//     pods whose fit the plan cannot judge (required pod (anti-)affinity, DoNotSchedule spread
//     constraints, DRA claims) are only steered by Score there;
//   - Score gives 100 to the nodes of the target and, to the others, a share for each level of
//     the target's path they have in common with it.
// A single pod without a required level is planned in PreScore among the feasible nodes: its
// target is the one it fits most tightly.
// A group without settings prefers `defaultPreferredLevel` (default: the narrowest level).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/scheduling/framework.hpp"
#include "models/scheduling/scheduler_config.hpp"

namespace kubetwin::models {

/// The domains of every level, node by node: label levels from the node's labels (the fabric's
/// are set per node, others come from its pool), kubernetes.io/hostname as the node itself. Domain ids are dense per level and hierarchical (a leaf named
/// "l1" under two blocks is two domains).
class TopologyLevels {
 public:
  static constexpr std::int32_t kNone = -1;
  TopologyLevels(const Cluster& cluster, std::span<const std::string> levels);

  std::size_t level_count() const { return domain_count_.size(); }
  /// The node's domain at `level`, or kNone if it lacks that level's label or a wider one (every
  /// node is a domain of kubernetes.io/hostname).
  std::int32_t of(NodeIndex node, std::size_t level) const {
    if (level == node_level_) return static_cast<std::int32_t>(node);
    return node_domain_[static_cast<std::size_t>(node) * level_count() + level];
  }
  std::size_t domain_count(std::size_t level) const { return domain_count_[level]; }
  bool by_node(std::size_t level) const { return level == node_level_; }

  /// What the cache compares: the same cluster object with the same shape.
  bool built_for(const Cluster& cluster) const {
    return cluster_ == &cluster && node_count_ == cluster.node_count();
  }

 private:
  const Cluster* cluster_;
  std::size_t node_level_;                  // index of kubernetes.io/hostname, or past the end
  std::size_t node_count_ = 0;
  std::vector<std::int32_t> node_domain_;   // [node * levels + level]
  std::vector<std::size_t> domain_count_;
};

/// What PreFilter decided for the pod, read by Filter and Score.
struct TopologyPlan {
  static constexpr int kNoLevel = -1;
  int target_level = kNoLevel;              ///< the narrowest level whose domain can hold the group
  std::vector<std::int32_t> target_path;    ///< the target's domain at levels 0..target_level
  std::int64_t target_room = 0;             ///< pods of the group the target can still take
  int confine_level = kNoLevel;             ///< Filter keeps the nodes of target_path[confine_level]
  bool required = false;                    ///< the confinement is the group's required level
  int remaining = 0;                        ///< pods of the group still to place, this one included
  int placed = 0;                           ///< pods of the group already placed
  const TopologyLevels* levels = nullptr;   ///< owned by the plugin
};

class TopologyAware final : public PreFilterPlugin, public FilterPlugin, public PreScorePlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "TopologyAware";
  static constexpr const char* kReasonOutsideDomain = "node(s) were outside the pod group's topology domain";
  static constexpr const char* kReasonMissingLabel = "node(s) didn't have the pod group's required topology label";

  explicit TopologyAware(const ProfileConfig& profile);
  std::string_view name() const override { return kName; }

  /// Makes the plan; Skip if the pod is not confined (Score may still steer it); rejects the pod
  /// if its required level cannot be met or names no level of the profile.
  Status pre_filter(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot) const override;
  /// True only if every level the pod may be confined to is a pool label (not hostname, not the
  /// fabric's per-node topology.kubetwin.io/ labels).
  bool pool_constant(const PodGroupSpec& pod) const override;
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
  bool passes(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
              NodeIndex node) const override;

  /// Reuses PreFilter's plan (or makes one, if only Score is enabled); Skip without a target.
  Status pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                   std::span<const NodeIndex> feasible) const override;
  /// 100 in the target domain; else 100 x (levels shared with the target) / (target level + 1).
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                     NodeIndex node) const override;

  /// The plan for `pod` on `snapshot`, or the reason its required level cannot be met (the
  /// tests and PreScore call it directly).
  Status plan(TopologyPlan& out, const PodGroupSpec& pod, const ClusterSnapshot& snapshot) const;

 private:
  struct Settings {
    int required = TopologyPlan::kNoLevel;
    int preferred = TopologyPlan::kNoLevel;  // at least as narrow as required
  };
  /// The pod's levels, or nothing when it names a level the profile lacks.
  std::optional<Settings> settings_of(const PodGroupSpec& pod) const;
  /// Whether the plan can judge the pod's fit on a node by resources, nodeSelector and taints.
  static bool fit_is_predictable(const PodGroupSpec& pod);
  /// A single pod without a required level: never confined, planned among the feasible nodes.
  bool single_pod_scored_only(const PodGroupSpec& pod) const;
  void plan_single_pod(TopologyPlan& out, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                       std::span<const NodeIndex> feasible) const;
  const TopologyLevels& levels_for(const Cluster& cluster) const;
  const char* rejection(const CycleState& state, NodeIndex node) const;

  std::vector<std::string> levels_;
  int default_preferred_ = TopologyPlan::kNoLevel;
  int node_level_ = TopologyPlan::kNoLevel;  // kubernetes.io/hostname's index, if listed
  // Domains depend only on node labels, which are set before the run starts: built once per cluster.
  mutable std::optional<TopologyLevels> levels_cache_;
  // Per-cycle scratch, kept to avoid allocating on every pod.
  struct Scratch {
    std::vector<NodeIndex> members;
    std::vector<std::vector<std::int64_t>> room;        // [level][domain]
    std::vector<std::vector<NodeIndex>> witness;        // [level][domain]: a node with room there
  };
  mutable Scratch scratch_;
};

}  // namespace kubetwin::models
