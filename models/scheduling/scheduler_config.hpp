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

enum class ScoringStrategy { LeastAllocated, MostAllocated };

struct ResourceWeight {
  std::string name;  ///< "cpu", "memory" or "nvidia.com/gpu"
  int weight = 1;
};

struct SchedulerConfig {
  QueueingStrategy queueing = QueueingStrategy::BestEffortFIFO;
  ScoringStrategy scoring = ScoringStrategy::LeastAllocated;
  /// Upstream default: cpu and memory, weight 1 each.
  std::vector<ResourceWeight> scoring_resources{{"cpu", 1}, {"memory", 1}};
  /// 0 means the upstream adaptive default (50% minus 1% per 125 nodes, at least 5%).
  int percentage_of_nodes_to_score = 0;
  /// Skip retrying parked jobs that cannot place a single pod (see SchedulingQueue). Results are
  /// identical either way; off is only for checking that claim.
  bool queueing_hints = true;
};

}  // namespace kubetwin::models
