#include "models/k8s/gpu_driver_stack.hpp"

#include <algorithm>
#include <cmath>

namespace kubetwin::models {

namespace {
// What a CUDA application exits with when cudaErrorInsufficientDriver (35) stops it at its first
// CUDA call.
constexpr int kInsufficientDriverExitCode = 1;
}  // namespace

GpuDriverStack::GpuDriverStack(sim::Engine& engine, Cluster& cluster, ControlPlane& cp, GpuDriverConfig config)
    : engine_(engine),
      cluster_(cluster),
      cp_(cp),
      config_(std::move(config)),
      installed_(cluster.pool_count()),
      drift_since_(cluster.pool_count()),
      relabel_pending_(cluster.pool_count(), 0) {
  for (std::size_t p = 0; p < cluster_.pool_count() && p < config_.pools.size(); ++p) {
    installed_[p] = config_.pools[p];
    if (installed_[p]) cluster_.set_pool_labels(p, driver_labels(*installed_[p]));  // GFD's first run
  }
  for (const DriverUpgrade& u : config_.upgrades) {
    engine_.schedule_at(u.at, [this, &u] { upgrade(u); });
  }
  cp_.pod_running.connect([this](const JobState& job, std::size_t pod, ControlPlane::ImagePull) { check_pod_start(job, pod); });
}

void GpuDriverStack::upgrade(const DriverUpgrade& u) {
  ++upgrades_;
  const DriverVersions from = *installed_[u.pool];
  DriverVersions to = u.to;
  if (to.container_toolkit.empty()) to.container_toolkit = from.container_toolkit;
  installed_[u.pool] = to;
  driver_upgraded.emit(u.pool, from, to);
  validate(u.pool);
  if (config_.discovery.oneshot || relabel_pending_[u.pool]) return;
  // GFD's next tick: ticks fall on multiples of sleepInterval from the nodes' start.
  const double interval = config_.discovery.sleep_interval;
  const double next = (std::floor(engine_.now() / interval) + 1) * interval;
  relabel_pending_[u.pool] = 1;
  engine_.schedule_at(next, [this, pool = u.pool] { relabel(pool); });
}

void GpuDriverStack::relabel(std::size_t pool) {
  relabel_pending_[pool] = 0;
  cluster_.set_pool_labels(pool, driver_labels(*installed_[pool]));
  validate(pool);
  cp_.on_nodes_changed();  // pods waiting for these labels may fit now
}

void GpuDriverStack::validate(std::size_t pool) {
  const auto advertised = advertised_driver(cluster_, cluster_.first_node_of_pool(pool));
  const bool drift = advertised != installed_[pool];
  if (drift && !drift_since_[pool]) {
    ++drifts_;
    drift_since_[pool] = engine_.now();
    drift_detected.emit(pool, advertised.value_or(DriverVersions{}), *installed_[pool]);
  } else if (drift && drift_since_[pool]) {
    // Still drifting (a second upgrade before the relabel): already reported.
  } else if (!drift && drift_since_[pool]) {
    const double seconds = engine_.now() - *drift_since_[pool];
    ++resolved_;
    longest_drift_ = std::max(longest_drift_, seconds);
    drift_since_[pool].reset();
    drift_resolved.emit(pool, *installed_[pool], seconds);
  }
}

void GpuDriverStack::check_pod_start(const JobState& job, std::size_t pod) {
  const NodeIndex node = job.pod_nodes[pod];
  const std::size_t pool = cluster_.pool_of(node);
  const PodGroupSpec& group = job.group_of(pod);
  const auto& required = group.requires_cuda;
  const bool uses_gpus = group.requests.gpus > 0 || group.requests.gpu_milli > 0 || !group.resource_claims.empty();
  if (!required && !uses_gpus) return;  // no CUDA in it: nothing to check
  const CudaCompatibility result = check_cuda(installed_[pool], required);
  ++checks_[static_cast<int>(result)];
  pod_checked.emit(job, pod, result, installed_[pool]);
  if (result != CudaCompatibility::Incompatible) return;
  // The container exits at its first CUDA call; the kubelet reports the pod Failed. Done from a
  // timer at the same instant, not inside the control plane's pod_running emission.
  engine_.schedule_at(engine_.now(), [this, seq = job.seq, pod] {
    if (cp_.find(seq) != nullptr) cp_.terminate(seq, PodTermination{"Error", pod, kInsufficientDriverExitCode, false, true});
  });
}

}  // namespace kubetwin::models
