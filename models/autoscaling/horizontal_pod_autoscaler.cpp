#include "models/autoscaling/horizontal_pod_autoscaler.hpp"

#include <algorithm>
#include <cmath>

namespace kubetwin::models {

HorizontalPodAutoscaler::HorizontalPodAutoscaler(sim::Engine& engine,
                                                 DeploymentController& deployments,
                                                 std::size_t deployment, HpaSpec spec,
                                                 HpaControllerConfig config)
    : engine_(engine),
      deployments_(deployments),
      deployment_(deployment),
      spec_(std::move(spec)),
      config_(config) {}

void HorizontalPodAutoscaler::start() {
  engine_.schedule_in(config_.sync_period, [this] {
    sync();
    start();
  });
}

int HorizontalPodAutoscaler::replicas_for_metric(int current, int ready, int unready, double load,
                                                 double target, double tolerance) {
  // Each ready pod reports load / ready requests per second; pending pods report nothing.
  const double usage_ratio = load / ready / target;
  const bool scale_up_with_unready = unready > 0 && usage_ratio > 1.0;
  if (!scale_up_with_unready) {
    if (std::abs(1.0 - usage_ratio) <= tolerance) return current;
    return static_cast<int>(std::ceil(usage_ratio * ready));
  }
  // Scaling up with pods still pending: they count as using nothing.
  const int counted = ready + unready;
  const double new_ratio = load / counted / target;
  if (std::abs(1.0 - new_ratio) <= tolerance || new_ratio < 1.0) return current;
  const int replicas = static_cast<int>(std::ceil(new_ratio * counted));
  return replicas < current ? current : replicas;
}

int HorizontalPodAutoscaler::change_in_period(const std::vector<Timed>& events,
                                              double period) const {
  const double cutoff = engine_.now() - period;
  int change = 0;
  for (const Timed& e : events) {
    if (e.t > cutoff) change += e.value;
  }
  return change;
}

int HorizontalPodAutoscaler::scale_up_limit(int current) const {
  const HpaScalingRules& rules = spec_.scale_up;
  if (rules.select == HpaScalingRules::Select::Disabled) return current;
  const bool pick_min = rules.select == HpaScalingRules::Select::Min;
  int result = pick_min ? INT_MAX : INT_MIN;
  for (const HpaScalingPolicy& p : rules.policies) {
    const int start = current - change_in_period(scale_up_events_, p.period) +
                      change_in_period(scale_down_events_, p.period);
    const int proposed = p.type == HpaScalingPolicy::Type::Pods
                             ? start + p.value
                             : static_cast<int>(std::ceil(start * (1.0 + p.value / 100.0)));
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

int HorizontalPodAutoscaler::scale_down_limit(int current) const {
  const HpaScalingRules& rules = spec_.scale_down;
  if (rules.select == HpaScalingRules::Select::Disabled) return current;
  // Max selects the policy allowing the biggest change: the lowest limit.
  const bool pick_max_limit = rules.select == HpaScalingRules::Select::Min;
  int result = pick_max_limit ? INT_MIN : INT_MAX;
  for (const HpaScalingPolicy& p : rules.policies) {
    const int start = current - change_in_period(scale_up_events_, p.period) +
                      change_in_period(scale_down_events_, p.period);
    const int proposed = p.type == HpaScalingPolicy::Type::Pods
                             ? start - p.value
                             : static_cast<int>(start * (1.0 - p.value / 100.0));
    result = pick_max_limit ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

int HorizontalPodAutoscaler::normalize(int current, int desired, std::string* reason) {
  const double now = engine_.now();
  // Stabilization: scale up no further than the lowest recommendation of the scale-up window,
  // down no further than the highest of the scale-down window.
  int up = desired, down = desired;
  for (const Timed& r : recommendations_) {
    if (r.t > now - spec_.scale_up.stabilization_window) up = std::min(up, r.value);
    if (r.t > now - spec_.scale_down.stabilization_window) down = std::max(down, r.value);
  }
  const double keep =
      std::max(spec_.scale_up.stabilization_window, spec_.scale_down.stabilization_window);
  std::erase_if(recommendations_, [&](const Timed& r) { return r.t <= now - keep; });
  recommendations_.push_back({now, desired});
  int stabilized = std::clamp(current, up, std::max(up, down));
  if (stabilized != desired)
    *reason = desired > stabilized ? "ScaleUpStabilized" : "ScaleDownStabilized";

  // Rate limits and bounds.
  if (stabilized > current) {
    const int limit = std::max(scale_up_limit(current), current);
    const int allowed = std::min(spec_.max_replicas, limit);
    if (stabilized > allowed) {
      *reason = limit < spec_.max_replicas ? "ScaleUpLimit" : "TooManyReplicas";
      return allowed;
    }
  } else if (stabilized < current) {
    const int limit = std::min(scale_down_limit(current), current);
    const int allowed = std::max(spec_.min_replicas, limit);
    if (stabilized < allowed) {
      *reason = limit > spec_.min_replicas ? "ScaleDownLimit" : "TooFewReplicas";
      return allowed;
    }
  }
  return stabilized;
}

void HorizontalPodAutoscaler::sync() {
  const int current = deployments_.replicas(deployment_);
  if (current == 0) return;  // scaled to zero by hand: autoscaling is off
  int desired = current;
  std::string reason;
  double metric = 0;
  const int ready = deployments_.ready(deployment_);
  if (current > spec_.max_replicas) {
    desired = spec_.max_replicas;
    reason = "TooManyReplicas";
  } else if (current < spec_.min_replicas) {
    desired = spec_.min_replicas;
    reason = "TooFewReplicas";
  } else {
    if (ready == 0) return;  // no pod reports the metric yet (FailedGetPodsMetric)
    const double load = deployments_.load(deployment_);
    metric = load / ready;
    const int proposal = replicas_for_metric(current, ready, deployments_.pods(deployment_) - ready,
                                             load, spec_.target_per_replica, config_.tolerance);
    reason = metric > spec_.target_per_replica ? "pods metric requests_per_second above target"
                                               : "pods metric requests_per_second below target";
    desired = normalize(current, proposal, &reason);
  }
  if (ready > 0)
    metric = deployments_.load(deployment_) / ready;  // reported with bound-only rescales too
  if (desired == current) return;
  if (desired > current) {
    scale_up_events_.push_back({engine_.now(), desired - current});
  } else {
    scale_down_events_.push_back({engine_.now(), current - desired});
  }
  const double oldest =
      engine_.now() - 3600;  // longer than any policy period (at most 1800 s upstream)
  std::erase_if(scale_up_events_, [&](const Timed& e) { return e.t <= oldest; });
  std::erase_if(scale_down_events_, [&](const Timed& e) { return e.t <= oldest; });
  rescaled.emit(deployment_, current, desired, metric, reason);
  deployments_.scale(deployment_, desired);
}

}  // namespace kubetwin::models
