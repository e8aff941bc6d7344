#pragma once
// The in-tree plugins the foundation needs, with upstream names and wording. Each is a filter
// (can the pod run on this node?) and/or a score (how good is the node, 0..100).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "models/scheduling/status.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

inline constexpr std::int64_t kMaxNodeScore = 100;

/// Every plugin has an upstream-style name; it implements one or more extension points below.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;
};

class FilterPlugin : public virtual Plugin {
 public:
  /// True if the verdict for `pod` is the same on every node of a pool, so the framework may
  /// evaluate it once per pool.
  virtual bool pool_constant(const PodGroupSpec& pod) const = 0;
  virtual Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const = 0;
  /// filter(...).ok() without building the Status; the scheduling hot path calls this.
  virtual bool passes(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const {
    return filter(pod, cluster, node).ok();
  }
};

class ScorePlugin : public virtual Plugin {
 public:
  /// The raw score of a node that passed every filter.
  virtual std::int64_t score(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const = 0;
  /// NormalizeScore: brings the raw scores of all feasible nodes to 0..kMaxNodeScore (default: as is).
  virtual void normalize(std::span<std::int64_t> /*scores*/) const {}
};

/// Upstream helper.DefaultNormalizeScore: scales to 0..kMaxNodeScore by the maximum; `reverse`
/// makes the lowest raw score the best.
void default_normalize_score(std::span<std::int64_t> scores, bool reverse);

/// nodeSelector matching (the nodeSelector part of upstream NodeAffinity).
class NodeAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec& pod) const override;
  Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;
};

/// NoSchedule and NoExecute taints block pods that do not tolerate them (filter); nodes with fewer
/// untolerated PreferNoSchedule taints score higher (score).
class TaintToleration final : public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec&) const override { return true; }
  Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;
  std::int64_t score(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;
  void normalize(std::span<std::int64_t> scores) const override { default_normalize_score(scores, true); }
};

/// Resource fit (filter) and LeastAllocated / MostAllocated / RequestedToCapacityRatio scoring over
/// weighted resources (NodeResourcesFitArgs.scoringStrategy).
class NodeResourcesFit final : public FilterPlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "NodeResourcesFit";
  explicit NodeResourcesFit(const SchedulerConfig& config);
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec&) const override { return false; }
  Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;
  bool passes(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override {
    return pod.requests.fits_in(cluster.free(node));
  }
  std::int64_t score(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;

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
  explicit NodeResourcesBalancedAllocation(const SchedulerConfig& config);
  std::string_view name() const override { return kName; }
  std::int64_t score(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;

 private:
  bool cpu_ = false, memory_ = false, gpu_ = false;
};

}  // namespace kubetwin::models
