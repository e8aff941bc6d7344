#pragma once
// The parts of NVIDIA's GPU Operator that keep a GPU node's driver and what the cluster knows of
// it in step, and what a CUDA workload meets when they are not:
// - the driver: per node pool, the installed driver / CUDA / container-toolkit versions, replaced
//   in place at the times of /driverUpgrades (the new version is what containers get at once);
// - GPU feature discovery: writes the installed versions as node labels at node start and then on
//   each sleepInterval tick (every 60 s by default), so after an upgrade the labels lag by up to
//   one interval; with `oneshot` it never relabels;
// - the validator: compares the advertised labels with the installed driver whenever either
//   changes and reports drift (DriverDrift) and its end (DriverDriftResolved);
// - the pod-start check: a container needing CUDA X that starts where the installed CUDA is older
//   fails (CUDA error 35, cudaErrorInsufficientDriver: exit code 1) and its pod is terminated; a
//   node with no known driver gives Unknown, which is not a failure.
// The scheduler keeps pods needing CUDA X off nodes whose labels advertise less (NodeAffinity,
// models/scheduling/plugins.cpp), so it trusts the labels: while they lag, it judges by them.
// GFD's ticks are counted from time 0 (the nodes' start), for every pool alike.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "models/cluster/gpu_driver.hpp"
#include "models/k8s/control_plane.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

class GpuDriverStack {
 public:
  /// Labels every node of a pool with a driver (GFD at node start) and schedules the upgrades.
  GpuDriverStack(sim::Engine& engine, Cluster& cluster, ControlPlane& cp, GpuDriverConfig config);
  GpuDriverStack(const GpuDriverStack&) = delete;
  GpuDriverStack& operator=(const GpuDriverStack&) = delete;

  /// What is installed on pool p's nodes; nullopt for an accelerator without a known driver.
  const std::optional<DriverVersions>& installed(std::size_t pool) const { return installed_[pool]; }
  /// Seconds pool p's labels have differed from its driver, if they do now.
  std::optional<double> drift_since(std::size_t pool) const { return drift_since_[pool]; }

  /// At an upgrade, before the validator looks: from, to.
  sim::Signal<std::size_t /*pool*/, const DriverVersions&, const DriverVersions&> driver_upgraded;
  /// The validator found the pool's labels advertising something else than what is installed.
  sim::Signal<std::size_t /*pool*/, const DriverVersions& /*advertised*/, const DriverVersions& /*installed*/> drift_detected;
  /// GFD relabelled the pool and the labels match again; `seconds` the drift lasted.
  sim::Signal<std::size_t /*pool*/, const DriverVersions&, double /*seconds*/> drift_resolved;
  /// The pod-start check of a pod that uses GPUs or needs CUDA; `installed` nullopt when Unknown.
  sim::Signal<const JobState&, std::size_t /*pod*/, CudaCompatibility, const std::optional<DriverVersions>& /*installed*/>
      pod_checked;

  std::uint64_t upgrades() const { return upgrades_; }
  std::uint64_t drifts() const { return drifts_; }
  std::uint64_t drifts_resolved() const { return resolved_; }
  double longest_drift() const { return longest_drift_; }
  /// Pod-start checks by result (Compatible, Incompatible, Unknown).
  std::uint64_t checks(CudaCompatibility c) const { return checks_[static_cast<int>(c)]; }

 private:
  void upgrade(const DriverUpgrade& u);
  void relabel(std::size_t pool);
  void validate(std::size_t pool);
  void check_pod_start(const JobState& job, std::size_t pod);

  sim::Engine& engine_;
  Cluster& cluster_;
  ControlPlane& cp_;
  GpuDriverConfig config_;
  std::vector<std::optional<DriverVersions>> installed_;
  std::vector<std::optional<double>> drift_since_;
  std::vector<std::uint8_t> relabel_pending_;
  std::uint64_t upgrades_ = 0, drifts_ = 0, resolved_ = 0;
  double longest_drift_ = 0;
  std::uint64_t checks_[3] = {0, 0, 0};
};

}  // namespace kubetwin::models
