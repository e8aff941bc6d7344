#include "models/k8s/job_rates.hpp"

#include <map>

namespace kubetwin::models {

JobRates::JobRates(sim::Engine& engine, ControlPlane& cp, const JobRuntimeModel& runtime, const FabricIndex& fabric)
    : engine_(engine), cp_(cp), runtime_(runtime), fabric_(fabric), contention_(fabric) {
  cp.job_started.connect([this](const JobState& j) { on_start(j); });
  cp.job_completed.connect([this](const JobState& j) { on_end(j); });
  cp.job_preempted.connect([this](const JobState& j, const JobState&, NodeIndex) { on_end(j); });
  cp.job_evicted.connect([this](const JobState& j, std::string_view) { on_end(j); });
}

void JobRates::on_start(const JobState& job) {
  if (!job.spec.perf) return;
  Running r;
  r.alone = runtime_.predict_step(job.spec, job.pod_nodes, cp_.cluster());
  r.step = r.alone.step_seconds;
  r.iterations = static_cast<double>(job.spec.perf->iterations);
  r.since = engine_.now();
  running_[job.seq] = r;
  // The devices the job holds on each of its nodes.
  std::map<NodeIndex, std::vector<int>> held;
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    auto& d = held[job.pod_nodes[pod]];
    for (DeviceIndex x : job.pod_devices[pod]) d.push_back(x);
  }
  std::vector<int> nodes;
  std::vector<std::vector<int>> devices;
  for (auto& [n, d] : held) {
    if (d.empty()) continue;
    nodes.push_back(static_cast<int>(n));
    devices.push_back(std::move(d));
  }
  const auto changes = contention_.add(job.seq, job_demands(fabric_, nodes, devices));
  const auto crossed = contention_.demands(job.seq);
  if (!crossed.empty()) usage_changed.emit(job, true, crossed);
  apply(changes, job, true);
}

void JobRates::on_end(const JobState& job) {
  if (running_.erase(job.seq) == 0) return;
  const auto held = contention_.demands(job.seq);
  const std::vector<ResourceDemand> crossed(held.begin(), held.end());
  const auto changes = contention_.remove(job.seq);
  if (!crossed.empty()) usage_changed.emit(job, false, crossed);
  apply(changes, job, false);
}

void JobRates::apply(const std::vector<FabricContention::Change>& changes, const JobState& cause, bool started) {
  const double now = engine_.now();
  for (const auto& c : changes) {
    Running& r = running_.at(c.job);
    const JobState& job = cp_.live_jobs().at(c.job);
    r.iterations = std::max(0.0, r.iterations - (now - r.since) / r.step);
    r.since = now;
    const double old_step = r.step;
    r.step = r.alone.step_seconds + r.alone.network_seconds * (c.new_slowdown - 1);
    if (r.step == old_step) continue;  // a slower link on a part that does not bound the step
    cp_.reschedule_completion(c.job, now + r.iterations * r.step);
    ++rate_changes_;
    rate_changed.emit(job, old_step, r.step, cause, started);
  }
}

}  // namespace kubetwin::models
