#pragma once
// Scheduler settings, in the shape of KubeSchedulerConfiguration: scheduler-wide queueing, and
// profiles (one per schedulerName) that enable plugins per extension point and configure them.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "models/cluster/node_pool.hpp"

namespace kubetwin::models {

enum class QueueingStrategy {
  /// kube-scheduler behaviour: a pod that does not fit is set aside and the next one is tried;
  /// set-aside pods are retried when resources are freed.
  BestEffortFIFO,
  /// Head-of-line blocking: nothing behind the first pending job is tried until it fits.
  StrictFIFO,
};

/// The framework's extension points, in the order a pod meets them.
enum class ExtensionPoint : std::size_t {
  QueueSort,
  PreEnqueue,
  PreFilter,
  Filter,
  PostFilter,
  PreScore,
  Score,
  Reserve,
  Permit,
  PreBind,
  Bind,
  PostBind,
};
inline constexpr std::size_t kExtensionPointCount = 12;
/// The point's key in KubeSchedulerConfiguration's `plugins` ("queueSort", "preFilter", ...).
std::string_view extension_point_key(ExtensionPoint point);
inline constexpr std::array<ExtensionPoint, kExtensionPointCount> kAllExtensionPoints{
    ExtensionPoint::QueueSort, ExtensionPoint::PreEnqueue, ExtensionPoint::PreFilter, ExtensionPoint::Filter,
    ExtensionPoint::PostFilter, ExtensionPoint::PreScore, ExtensionPoint::Score, ExtensionPoint::Reserve,
    ExtensionPoint::Permit, ExtensionPoint::PreBind, ExtensionPoint::Bind, ExtensionPoint::PostBind};

enum class ScoringStrategy { LeastAllocated, MostAllocated, RequestedToCapacityRatio };

struct ResourceWeight {
  std::string name;  ///< "cpu", "memory" or "nvidia.com/gpu"
  int weight = 1;
};

/// A point of RequestedToCapacityRatio's shape: utilization 0..100 % maps to score 0..10.
struct UtilizationShapePoint {
  int utilization = 0;
  int score = 0;
};

/// A plugin enabled at an extension point; the weight matters at Score only.
struct WeightedPlugin {
  std::string name;
  int weight = 1;
};

/// A typical pod of the workload, for the FGD plugin's fragmentation measure.
struct TypicalPod {
  std::int64_t cpu_milli = 0;
  int gpus = 0;             ///< devices
  int gpu_milli = 1000;     ///< per device; below 1000 for a fractional pod
  std::string gpu_model;    ///< empty: any model
  double weight = 0;        ///< popularity
};

/// One scheduling profile (KubeSchedulerProfile). The defaults are upstream's default profile
/// restricted to the plugins kubetwin implements, plus Coscheduling so that jobs declaring
/// minMember are gangs (the scheduler-plugins coscheduling profile does the same).
struct ProfileConfig {
  std::string scheduler_name = "default-scheduler";
  /// Enabled plugins per extension point, in the order they run.
  std::array<std::vector<WeightedPlugin>, kExtensionPointCount> plugins{
      std::vector<WeightedPlugin>{{"PrioritySort", 1}},                                         // QueueSort
      std::vector<WeightedPlugin>{{"SchedulingGates", 1}},                                      // PreEnqueue
      std::vector<WeightedPlugin>{{"PodTopologySpread", 1}, {"InterPodAffinity", 1}, {"DynamicResources", 1}},  // PreFilter
      std::vector<WeightedPlugin>{{"TaintToleration", 1}, {"NodeAffinity", 1}, {"NodeResourcesFit", 1},
                                  {"PodTopologySpread", 1}, {"InterPodAffinity", 1}, {"DynamicResources", 1}},  // Filter
      std::vector<WeightedPlugin>{{"DefaultPreemption", 1}, {"Coscheduling", 1}},               // PostFilter
      std::vector<WeightedPlugin>{{"PodTopologySpread", 1}, {"InterPodAffinity", 1}},           // PreScore
      std::vector<WeightedPlugin>{{"TaintToleration", 3}, {"NodeResourcesFit", 1}, {"PodTopologySpread", 2},
                                  {"InterPodAffinity", 2}, {"NodeResourcesBalancedAllocation", 1}},  // Score
      std::vector<WeightedPlugin>{{"DynamicResources", 1}, {"Coscheduling", 1}},               // Reserve
      std::vector<WeightedPlugin>{{"Coscheduling", 1}},                                         // Permit
      std::vector<WeightedPlugin>{{"DynamicResources", 1}},                                     // PreBind
      std::vector<WeightedPlugin>{{"DefaultBinder", 1}},                                        // Bind
      std::vector<WeightedPlugin>{},                                                            // PostBind
  };
  std::vector<WeightedPlugin>& at(ExtensionPoint p) { return plugins[static_cast<std::size_t>(p)]; }
  const std::vector<WeightedPlugin>& at(ExtensionPoint p) const { return plugins[static_cast<std::size_t>(p)]; }
  bool enabled(ExtensionPoint p, std::string_view name) const {
    for (const auto& wp : at(p)) {
      if (wp.name == name) return true;
    }
    return false;
  }

  // NodeResourcesFitArgs.scoringStrategy
  ScoringStrategy scoring = ScoringStrategy::LeastAllocated;
  /// Upstream default: cpu and memory, weight 1 each.
  std::vector<ResourceWeight> scoring_resources{{"cpu", 1}, {"memory", 1}};
  /// Upstream default shape: empty nodes score 10, full nodes 0 (i.e. spreading).
  std::vector<UtilizationShapePoint> requested_to_capacity_shape{{0, 10}, {100, 0}};
  // NodeResourcesBalancedAllocationArgs.resources
  std::vector<ResourceWeight> balanced_resources{{"cpu", 1}, {"memory", 1}};
  // InterPodAffinityArgs.hardPodAffinityWeight: what an existing pod's required affinity term
  // adds to the score of nodes in its domain for pods it matches.
  int hard_pod_affinity_weight = 1;
  // CoschedulingArgs.permitWaitingTimeSeconds: default wait of a gang's reserved pods at Permit.
  double permit_waiting_time_seconds = 60;
  /// The FGD plugin's typical pods; empty: learned from the pods submitted so far.
  std::vector<TypicalPod> fgd_typical_pods;
  // TopologyAwareArgs.levels: node label keys from the widest domain to the narrowest;
  // kubernetes.io/hostname, if listed, comes last.
  std::vector<std::string> topology_levels{kTopologyBlockLabel, kTopologyLeafLabel, kNvlinkDomainLabel,
                                           "kubernetes.io/hostname"};
  // TopologyAwareArgs.defaultPreferredLevel: what a pod group without topology settings prefers
  // (one of the levels); empty: such groups are left alone.
  std::string topology_default_preferred = "kubernetes.io/hostname";
  /// 0 means the upstream adaptive default (50% minus 1% per 125 nodes, at least 5%).
  int percentage_of_nodes_to_score = 0;
};

struct SchedulerConfig {
  QueueingStrategy queueing = QueueingStrategy::BestEffortFIFO;
  /// Skip retrying parked jobs that cannot place a single pod (see SchedulingQueue). Results are
  /// identical either way; off is only for checking that claim.
  bool queueing_hints = true;
  /// At least one; a job names its profile by schedulerName.
  std::vector<ProfileConfig> profiles{ProfileConfig{}};
};

}  // namespace kubetwin::models
