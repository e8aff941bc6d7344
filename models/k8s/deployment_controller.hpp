#pragma once
// Deployments for inference services (apps/v1 Deployment and its ReplicaSet, without rollouts): the
// controller keeps `replicas` pods of the template in existence, creating them through the control
// plane (so they are scheduled, and may make the cluster autoscaler add nodes) and replacing at
// once any that fails, is evicted or is preempted. Pods never complete. Scaling down deletes
// unscheduled and not-yet-running pods first, then the newest, as the ReplicaSet controller
// prefers.
//
// Each Deployment serves a load: requests per second over time (a LoadCurve); the per-replica
// metric an HPA reads is that load shared by the Ready replicas.

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/k8s/control_plane.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

/// Offered load over time: (seconds, requests per second) points, held before the first and after
/// the last; linear between points, or a step (each value holds until the next point).
struct LoadCurve {
  std::vector<std::pair<double, double>> points;
  bool step = false;
  double at(double t) const;
};

struct DeploymentSpec {
  std::string name;
  int replicas = 1;
  JobSpec pod;  ///< the pod template: one pod group of one replica
  LoadCurve load;
  double created_at = 0;  ///< when the Deployment object is created (its pods with it)
};

class DeploymentController {
 public:
  DeploymentController(sim::Engine& engine, ControlPlane& control_plane,
                       std::vector<DeploymentSpec> deployments);
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  /// Creates every Deployment's replicas now, or at its created_at if that is later.
  void start();
  /// Sets Deployment `d`'s replicas (spec.replicas), creating or deleting pods.
  void scale(std::size_t d, int replicas);

  std::size_t size() const { return deployments_.size(); }
  const DeploymentSpec& spec(std::size_t d) const { return deployments_[d].spec; }
  /// spec.replicas, pods that exist, and those Running and Ready.
  int replicas(std::size_t d) const { return deployments_[d].spec.replicas; }
  int pods(std::size_t d) const { return static_cast<int>(deployments_[d].pods.size()); }
  int ready(std::size_t d) const { return deployments_[d].ready; }
  /// Requests per second offered to Deployment `d` now.
  double load(std::size_t d) const { return deployments_[d].spec.load.at(engine_.now()); }
  /// Pods replaced after a failure, eviction or preemption, over all Deployments.
  std::uint64_t pods_replaced() const { return replaced_; }
  /// Integral of Ready replicas over time, per Deployment, up to now.
  double ready_replica_seconds(std::size_t d) const;

  /// The Deployment's pod was created (`replacement`: for one that failed).
  sim::Signal<std::size_t /*d*/, const JobState&, bool /*replacement*/> pod_created;
  /// One of its pods failed, was evicted or preempted (it is replaced at once).
  sim::Signal<std::size_t /*d*/, const JobState&, const PodTermination&> pod_failed;
  /// spec.replicas changed (ScalingReplicaSet).
  sim::Signal<std::size_t /*d*/, int /*from*/, int /*to*/> scaled;

 private:
  struct Deployment {
    DeploymentSpec spec;
    std::vector<std::uint64_t> pods;  // control-plane sequence numbers, oldest first
    int ready = 0;
    int created = 0;
    double ready_seconds = 0;
    double ready_since = 0;  // last change of `ready`
  };
  void create_pod(std::size_t d, bool replacement);
  void set_ready(Deployment& dep, int delta);

  sim::Engine& engine_;
  ControlPlane& cp_;
  std::vector<Deployment> deployments_;
  std::unordered_map<std::uint64_t, std::size_t> owner_;  // pod -> deployment
  std::uint64_t replaced_ = 0;
};

}  // namespace kubetwin::models
