#pragma once
// How long the control plane takes, in simulated time: API writes, watch delivery, the
// scheduler's client-side rate limit and its cycle cost, and the kubelet's pod lifecycle.
// Everything zero (the default) keeps the control plane instantaneous and synchronous, as unit
// tests expect; calibrated() is the profile scenarios get (docs/scheduler-framework.md, "Time in
// the control plane", says where each number comes from).

namespace kubetwin::models {

struct ControlPlaneTiming {
  double api_latency = 0;    ///< seconds for a write (the binding) to be committed
  double watch_latency = 0;  ///< seconds from a commit until a watcher (the kubelet) sees it
  /// Client-side token bucket on the scheduler's binding calls (client-go's flowcontrol):
  /// `bind_qps` tokens per second, at most `bind_burst` saved up; 0 qps means unlimited.
  double bind_qps = 0;
  int bind_burst = 1;
  /// One scheduling cycle costs base + per filtered node + per scored node (+ what filter
  /// plugins declare per node, FilterPlugin::simulated_filter_seconds_per_node).
  double cycle_base = 0;
  double cycle_per_filtered_node = 0;
  double cycle_per_scored_node = 0;
  /// Whether the per-node seconds filter plugins declare are charged (off: zero timing is zero).
  bool plugin_filter_costs = false;
  /// Bytes per second one node pulls images at; 0 means pulls take no time.
  double image_pull_bandwidth = 0;
  double container_start = 0;    ///< seconds from image present to container running
  double readiness = 0;          ///< seconds from running to ready (the job starts when all are ready)
  double termination_grace = 0;  ///< seconds a completed pod still holds its node's resources

  /// The defaults scenarios get: scheduler throughput calibrated to kube-scheduler's
  /// scheduler_perf (SchedulingBasic, 5,000 nodes: about 810 pods/s).
  static ControlPlaneTiming calibrated() {
    ControlPlaneTiming t;
    t.api_latency = 0.02;             // assumption; upstream SLO: mutating calls p99 <= 1 s
    t.watch_latency = 0.05;           // assumption
    t.bind_qps = 5000;                // assumption: high enough not to throttle (stock: 50)
    t.bind_burst = 5000;              //   (stock kube-scheduler clientConnection burst: 100)
    t.cycle_base = 235e-6;            // calibrated: 235 us + 500 x 1 us + 500 x 1 us = 1/810 s
    t.cycle_per_filtered_node = 1e-6;
    t.cycle_per_scored_node = 1e-6;
    t.plugin_filter_costs = true;     // DynamicResources: calibrated to SchedulingWithResourceClaimTemplate
    t.image_pull_bandwidth = 100e6;   // assumption: 100 MB/s per node from a registry mirror
    t.container_start = 1.0;          // assumption; upstream SLO: startup p99 <= 5 s without pulls
    t.readiness = 0;                  // assumption: batch pods have no readiness probe
    t.termination_grace = 0;          // a pod that exits is not killed: no grace period to wait
    return t;
  }
  /// True if nothing takes time: the control plane then acts synchronously.
  bool instantaneous() const {
    return api_latency == 0 && watch_latency == 0 && bind_qps == 0 && cycle_base == 0 &&
           cycle_per_filtered_node == 0 && cycle_per_scored_node == 0 && !plugin_filter_costs &&
           image_pull_bandwidth == 0 &&
           container_start == 0 && readiness == 0 && termination_grace == 0;
  }
};

}  // namespace kubetwin::models
