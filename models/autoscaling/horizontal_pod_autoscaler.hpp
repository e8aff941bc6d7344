#pragma once
// The HorizontalPodAutoscaler (autoscaling/v2, upstream pkg/controller/podautoscaler) for a
// Deployment on a per-pod custom metric: requests per second per replica. Every sync period it
// computes desired = ceil(ready * metric / target) (no change within the tolerance; pending pods
// count as zero usage when scaling up, as upstream's replica calculator does), stabilizes the
// recommendation (scale-down: the highest recommendation of the last 300 s; scale-up: none), and
// limits the rate with the behavior's policies (scale-up: the larger of 4 pods or 100% per 15 s;
// scale-down: 100% per 15 s), between minReplicas and maxReplicas. Defaults: docs/controllers.md.

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "models/k8s/deployment_controller.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

struct HpaScalingPolicy {
  enum class Type { Pods, Percent };
  Type type = Type::Pods;
  int value = 1;
  double period = 15;  ///< periodSeconds
};

struct HpaScalingRules {
  enum class Select { Max, Min, Disabled };
  double stabilization_window = 0;  ///< stabilizationWindowSeconds
  Select select = Select::Max;
  std::vector<HpaScalingPolicy> policies;

  /// Upstream defaults (pkg/apis/autoscaling/v2/defaults.go).
  static HpaScalingRules default_scale_up() {
    return {0,
            Select::Max,
            {{HpaScalingPolicy::Type::Pods, 4, 15}, {HpaScalingPolicy::Type::Percent, 100, 15}}};
  }
  static HpaScalingRules default_scale_down() {
    return {300, Select::Max, {{HpaScalingPolicy::Type::Percent, 100, 15}}};
  }
};

struct HpaSpec {
  int min_replicas = 1;
  int max_replicas = 1;
  double target_per_replica = 1;  ///< target averageValue of requests per second per pod
  HpaScalingRules scale_up = HpaScalingRules::default_scale_up();
  HpaScalingRules scale_down = HpaScalingRules::default_scale_down();
};

/// kube-controller-manager flags.
struct HpaControllerConfig {
  double sync_period = 15;  ///< --horizontal-pod-autoscaler-sync-period
  double tolerance = 0.1;   ///< --horizontal-pod-autoscaler-tolerance
  /// false: the HPA controller does not run (--controllers=-horizontalpodautoscaling); HPAs are
  /// accepted and ignored, as on a cluster without the controller (a broken platform for conformance).
  bool enabled = true;
};

class HorizontalPodAutoscaler {
 public:
  /// Scales Deployment `deployment` of `deployments`; syncs every sync period from then on.
  HorizontalPodAutoscaler(sim::Engine& engine, DeploymentController& deployments,
                          std::size_t deployment, HpaSpec spec, HpaControllerConfig config = {});
  HorizontalPodAutoscaler(const HorizontalPodAutoscaler&) = delete;
  HorizontalPodAutoscaler& operator=(const HorizontalPodAutoscaler&) = delete;

  /// Starts the periodic sync (the first one sync_period from now).
  void start();

  /// A rescale (SuccessfulRescale): from, to, the metric (per ready pod) and why.
  sim::Signal<std::size_t /*deployment*/, int /*from*/, int /*to*/, double /*metric*/,
              std::string_view /*reason*/>
      rescaled;

  /// The replica calculator: replicas wanted for `ready` pods serving `load` with `unready` pending
  /// ones, given `current` spec replicas (upstream calcPlainMetricReplicas).
  static int replicas_for_metric(int current, int ready, int unready, double load, double target,
                                 double tolerance);
  /// The behavior: stabilization window and rate limits applied to `desired` (upstream
  /// normalizeDesiredReplicasWithBehaviors); records the recommendation.
  int normalize(int current, int desired, std::string* reason);
  /// One sync, now.
  void sync();

 private:
  struct Timed {
    double t;
    int value;
  };
  int scale_up_limit(int current) const;
  int scale_down_limit(int current) const;
  /// Replicas added (or removed) by the events of the last `period` seconds.
  int change_in_period(const std::vector<Timed>& events, double period) const;

  sim::Engine& engine_;
  DeploymentController& deployments_;
  const std::size_t deployment_;
  const HpaSpec spec_;
  const HpaControllerConfig config_;
  std::vector<Timed> recommendations_;
  std::vector<Timed> scale_up_events_, scale_down_events_;
};

}  // namespace kubetwin::models
