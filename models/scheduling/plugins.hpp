#pragma once
// The in-tree plugins the foundation needs, with upstream names and wording. Each is a filter
// (can the pod run on this node?) and/or a score (how good is the node, 0..100).

#include <cstdint>
#include <string_view>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "models/scheduling/status.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

inline constexpr std::int64_t kMaxNodeScore = 100;

class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;
  virtual std::string_view name() const = 0;
  /// True if the verdict for `pod` is the same on every node of a pool, so the framework may
  /// evaluate it once per pool.
  virtual bool pool_constant(const PodGroupSpec& pod) const = 0;
  virtual Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const = 0;
  /// filter(...).ok() without building the Status; the scheduling hot path calls this.
  virtual bool passes(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const {
    return filter(pod, cluster, node).ok();
  }
};

class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;
  virtual std::string_view name() const = 0;
  /// 0..kMaxNodeScore for a node that passed every filter.
  virtual std::int64_t score(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const = 0;
};

/// nodeSelector matching (the nodeSelector part of upstream NodeAffinity).
class NodeAffinity final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "NodeAffinity";
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec& pod) const override;
  Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;
};

/// NoSchedule and NoExecute taints block pods that do not tolerate them.
class TaintToleration final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "TaintToleration";
  std::string_view name() const override { return kName; }
  bool pool_constant(const PodGroupSpec&) const override { return true; }
  Status filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const override;
};

/// Resource fit (filter) and LeastAllocated/MostAllocated scoring over weighted resources.
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
  ScoringStrategy strategy_;
  std::int64_t weight_cpu_ = 0, weight_memory_ = 0, weight_gpu_ = 0;
};

}  // namespace kubetwin::models
