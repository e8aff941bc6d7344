#pragma once
// Scheduler settings, named as in KubeSchedulerConfiguration and NodeResourcesFitArgs.

#include <string>
#include <vector>

namespace kubetwin::models {

enum class QueueingStrategy {
  /// kube-scheduler behaviour: a pod that does not fit is set aside and the next one is tried;
  /// set-aside pods are retried when resources are freed.
  BestEffortFIFO,
  /// Head-of-line blocking: nothing behind the first pending job is tried until it fits.
  StrictFIFO,
};

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

/// A score plugin of the profile and its weight.
struct WeightedPlugin {
  std::string name;
  int weight = 1;
};

/// The plugins of the scheduling profile, in the shape of KubeSchedulerConfiguration. The defaults
/// are upstream's default profile restricted to the plugins kubetwin implements.
struct SchedulerConfig {
  QueueingStrategy queueing = QueueingStrategy::BestEffortFIFO;
  /// Filter plugins in the order they run.
  std::vector<std::string> filter_plugins{"TaintToleration", "NodeAffinity", "NodeResourcesFit"};
  /// Score plugins; a node's score is the weighted sum of their normalized scores.
  std::vector<WeightedPlugin> score_plugins{
      {"TaintToleration", 3}, {"NodeResourcesFit", 1}, {"NodeResourcesBalancedAllocation", 1}};
  /// PostFilter plugins: DefaultPreemption evicts lower-priority pods for a pod that fits nowhere.
  std::vector<std::string> post_filter_plugins{"DefaultPreemption"};
  // NodeResourcesFitArgs.scoringStrategy
  ScoringStrategy scoring = ScoringStrategy::LeastAllocated;
  /// Upstream default: cpu and memory, weight 1 each.
  std::vector<ResourceWeight> scoring_resources{{"cpu", 1}, {"memory", 1}};
  /// Upstream default shape: empty nodes score 10, full nodes 0 (i.e. spreading).
  std::vector<UtilizationShapePoint> requested_to_capacity_shape{{0, 10}, {100, 0}};
  // NodeResourcesBalancedAllocationArgs.resources
  std::vector<ResourceWeight> balanced_resources{{"cpu", 1}, {"memory", 1}};
  /// 0 means the upstream adaptive default (50% minus 1% per 125 nodes, at least 5%).
  int percentage_of_nodes_to_score = 0;
  /// Skip retrying parked jobs that cannot place a single pod (see SchedulingQueue). Results are
  /// identical either way; off is only for checking that claim.
  bool queueing_hints = true;
};

}  // namespace kubetwin::models
