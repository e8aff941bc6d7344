#pragma once
// In-tree plugins with upstream names, semantics and wording: PrioritySort (QueueSort),
// SchedulingGates (PreEnqueue), NodeAffinity, TaintToleration, NodeResourcesFit,
// NodeResourcesBalancedAllocation (Filter and/or Score) and DefaultBinder (Bind).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "models/scheduling/framework.hpp"
#include "models/scheduling/status.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

/// Upstream PrioritySort: higher priority first, then earlier submission.
class PrioritySort final : public QueueSortPlugin {
 public:
  static constexpr std::string_view kName = "PrioritySort";
  std::string_view name() const override { return kName; }
  bool less(const QueuedJob& a, const QueuedJob& b) const override {
    return a.priority != b.priority ? a.priority > b.priority : a.seq < b.seq;
  }
};

/// Upstream SchedulingGates: a job whose pods carry scheduling gates stays out of the queue
/// (SchedulingGated) until every gate is removed.
class SchedulingGates final : public PreEnqueuePlugin {
 public:
  static constexpr std::string_view kName = "SchedulingGates";
  std::string_view name() const override { return kName; }
  Status pre_enqueue(const JobSpec& job) const override;
};

/// Upstream DefaultBinder: binds the pod to the node (the API call itself is the control plane's).
class DefaultBinder final : public BindPlugin {
 public:
  static constexpr std::string_view kName = "DefaultBinder";
  std::string_view name() const override { return kName; }
  Status bind(const PodInfo& /*pod*/, NodeIndex /*node*/, FrameworkHandle& /*handle*/) const override {
    return Status::success();
  }
};

/// nodeSelector matching (the nodeSelector part of upstream NodeAffinity).
class NodeAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec& pod) const override;
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
};

/// NoSchedule and NoExecute taints block pods that do not tolerate them (filter); nodes with fewer
/// untolerated PreferNoSchedule taints score higher (score).
class TaintToleration final : public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec&) const override { return true; }
  bool reads_node_taints() const override { return true; }
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
  /// The first NoSchedule or NoExecute taint of `taints` the pod does not tolerate, if any.
  static const Taint* untolerated(const PodGroupSpec& pod, std::span<const Taint> taints);
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                     NodeIndex node) const override;
  void normalize(const CycleState& /*state*/, std::span<std::int64_t> scores) const override {
    default_normalize_score(scores, true);
  }
};

/// Resource fit (filter) and LeastAllocated / MostAllocated / RequestedToCapacityRatio scoring over
/// weighted resources (NodeResourcesFitArgs.scoringStrategy).
class NodeResourcesFit final : public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesFit";
  explicit NodeResourcesFit(const ProfileConfig& config);
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec&) const override { return false; }
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
  bool passes(const CycleState& /*state*/, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
              NodeIndex node) const override {
    const Cluster& cluster = snapshot.cluster();
    return pod.requests.fits_in(cluster.free(node)) && (pod.requests.gpu_milli == 0 || cluster.gpus_fit(node, pod.requests));
  }
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                     NodeIndex node) const override;

 private:
  std::int64_t resource_score(std::int64_t requested, std::int64_t capacity) const;

  ScoringStrategy strategy_;
  std::int64_t weight_cpu_ = 0, weight_memory_ = 0, weight_gpu_ = 0;
  std::vector<UtilizationShapePoint> shape_;  // scores scaled to 0..100
};

/// Favours nodes whose resource utilization stays balanced across resources after placement:
/// score = (1 - standard deviation of the requested/allocatable fractions) x 100.
class NodeResourcesBalancedAllocation final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesBalancedAllocation";
  explicit NodeResourcesBalancedAllocation(const ProfileConfig& config);
  std::string_view name() const override { return kName; }
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                     NodeIndex node) const override;

 private:
  bool cpu_ = false, memory_ = false, gpu_ = false;
};

}  // namespace kubetwin::models
