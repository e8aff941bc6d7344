#include "models/k8s/deployment_controller.hpp"

#include <algorithm>

namespace kubetwin::models {

double LoadCurve::at(double t) const {
  if (points.empty()) return 0;
  if (t <= points.front().first) return points.front().second;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const auto& [t1, v1] = points[i];
    if (t >= t1) continue;
    const auto& [t0, v0] = points[i - 1];
    return step ? v0 : v0 + (v1 - v0) * (t - t0) / (t1 - t0);
  }
  return points.back().second;
}

DeploymentController::DeploymentController(sim::Engine& engine, ControlPlane& cp,
                                           std::vector<DeploymentSpec> deployments)
    : engine_(engine), cp_(cp) {
  for (auto& spec : deployments)
    deployments_.push_back(Deployment{std::move(spec), {}, 0, 0, 0, 0});
  cp_.job_started.connect([this](const JobState& pod) {
    if (auto it = owner_.find(pod.seq); it != owner_.end()) set_ready(deployments_[it->second], +1);
  });
  cp_.job_terminated.connect([this](const JobState& pod, const PodTermination& why) {
    auto it = owner_.find(pod.seq);
    if (it == owner_.end()) return;
    const std::size_t d = it->second;
    Deployment& dep = deployments_[d];
    owner_.erase(it);
    std::erase(dep.pods, pod.seq);
    if (pod.started()) set_ready(dep, -1);
    if (!why.failed) return;  // deleted by a scale-down
    pod_failed.emit(d, pod, why);
    // The ReplicaSet controller replaces it in its next sync: a timer, not from inside the signal.
    engine_.schedule_in(0, [this, d] {
      if (pods(d) < replicas(d)) {
        ++replaced_;
        create_pod(d, true);
      }
    });
  });
}

void DeploymentController::set_ready(Deployment& dep, int delta) {
  dep.ready_seconds += static_cast<double>(dep.ready) * (engine_.now() - dep.ready_since);
  dep.ready_since = engine_.now();
  dep.ready += delta;
}

double DeploymentController::ready_replica_seconds(std::size_t d) const {
  const Deployment& dep = deployments_[d];
  return dep.ready_seconds + static_cast<double>(dep.ready) * (engine_.now() - dep.ready_since);
}

void DeploymentController::start() {
  for (std::size_t d = 0; d < deployments_.size(); ++d) {
    auto create = [this, d] {
      for (int i = 0; i < deployments_[d].spec.replicas; ++i) create_pod(d, false);
    };
    if (deployments_[d].spec.created_at > engine_.now()) engine_.schedule_at(deployments_[d].spec.created_at, create);
    else create();
  }
}

void DeploymentController::create_pod(std::size_t d, bool replacement) {
  Deployment& dep = deployments_[d];
  JobSpec pod = dep.spec.pod;
  pod.id = dep.spec.name + "-" + std::to_string(dep.created++);
  pod.owner = dep.spec.name;
  pod.runs_forever = true;
  pod.submit_time = engine_.now();
  const std::uint64_t seq = cp_.submit(std::move(pod));
  const JobState* created = cp_.find(seq);
  if (created == nullptr) return;  // refused: it could never fit (the control plane reported it)
  dep.pods.push_back(seq);
  owner_[seq] = d;
  pod_created.emit(d, *created, replacement);
}

void DeploymentController::scale(std::size_t d, int replicas) {
  Deployment& dep = deployments_[d];
  const int from = dep.spec.replicas;
  if (replicas == from) return;
  dep.spec.replicas = replicas;
  scaled.emit(d, from, replicas);
  while (pods(d) < replicas) create_pod(d, false);
  while (pods(d) > replicas) {
    // Not yet running before running, then the newest.
    auto victim = std::find_if(dep.pods.rbegin(), dep.pods.rend(), [&](std::uint64_t seq) {
      const JobState* p = cp_.find(seq);
      return p == nullptr || !p->started();
    });
    const std::uint64_t seq = victim != dep.pods.rend() ? *victim : dep.pods.back();
    if (!cp_.terminate(
            seq, PodTermination{"ScaledDown", 0, 0, false, false})) {  // not in the control plane
      owner_.erase(seq);
      std::erase(dep.pods, seq);
    }
  }
}

}  // namespace kubetwin::models
