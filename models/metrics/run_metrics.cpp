#include "models/metrics/run_metrics.hpp"

namespace kubetwin::models {

RunMetrics::RunMetrics(sim::Engine& engine, ControlPlane& cp)
    : engine_(engine), cp_(cp), last_capacity_(cp.cluster().total_gpus()) {
  cp.nodes_changed.connect([this] { account_gpus(); });
  // Pods a controller owns are not jobs: their controller's objects are counted (track()).
  cp.job_submitted.connect([this](const JobState& job) { submitted_ += job.spec.owner.empty(); });
  cp.pod_bound.connect([this](const JobState&, std::size_t) { account_gpus(); });
  cp.job_started.connect([this](const JobState& job) {
    if (job.starts == 1 && job.spec.owner.empty()) {  // first start only
      queueing_.add(job.start_time - job.spec.submit_time);
      by_priority_[job.spec.priority].queueing.add(job.start_time - job.spec.submit_time);
    }
  });
  cp.job_preempted.connect([this](const JobState&, const JobState&, NodeIndex) {
    account_gpus();
    ++preemptions_;
  });
  cp.job_evicted.connect([this](const JobState&, std::string_view) {  // an admission controller's eviction
    account_gpus();
    ++preemptions_;
  });
  cp.job_terminated.connect([this](const JobState&, const PodTermination&) { account_gpus(); });
  cp.job_completed.connect([this](const JobState& job) {
    account_gpus();
    if (!job.spec.owner.empty()) return;
    ++completed_;
    jct_.add(job.end_time - job.spec.submit_time);
    by_priority_[job.spec.priority].jct.add(job.end_time - job.spec.submit_time);
  });
  cp.job_failed.connect([this](const JobState& job, std::string_view reason, std::string_view) {
    if (!job.spec.owner.empty()) return;
    ++failed_;
    auto it = failure_reasons_.find(reason);
    if (it == failure_reasons_.end()) it = failure_reasons_.emplace(std::string(reason), 0).first;
    ++it->second;
  });
}

template <class Controller>
void RunMetrics::count_jobs(Controller& jobs) {
  // A JobSet's child Jobs are not counted: the JobSet is (track(JobSetController&)).
  jobs.job_created.connect([this](const BatchJob& job) { submitted_ += job.owner.empty(); });
  jobs.job_started.connect([this](const BatchJob& job) {
    if (!job.owner.empty()) return;
    queueing_.add(job.start_time - job.spec.submit_time);
    by_priority_[job.spec.priority].queueing.add(job.start_time - job.spec.submit_time);
  });
  jobs.job_completed.connect([this](const BatchJob& job) {
    if (!job.owner.empty()) return;
    ++completed_;
    jct_.add(job.end_time - job.spec.submit_time);
    by_priority_[job.spec.priority].jct.add(job.end_time - job.spec.submit_time);
  });
  jobs.job_failed.connect([this](const BatchJob& job, std::string_view reason, std::string_view) {
    if (!job.owner.empty()) return;
    count_failure(reason);
  });
}

void RunMetrics::track(JobController& jobs) {
  jobs_ = &jobs;
  count_jobs(jobs);
}

void RunMetrics::track(ApiJobController& jobs) {
  api_jobs_ = &jobs;
  count_jobs(jobs);
}

void RunMetrics::track(JobSetController& sets) {
  sets_ = &sets;
  sets.created.connect([this](const JobSetState&) { ++submitted_; });
  sets.started.connect([this](const JobSetState& set) { queueing_.add(set.start_time - set.submit_time); });
  sets.completed.connect([this](const JobSetState& set) {
    ++completed_;
    jct_.add(set.end_time - set.submit_time);
  });
  sets.failed.connect([this](const JobSetState&, std::string_view reason, std::string_view) { count_failure(reason); });
}

void RunMetrics::count_failure(std::string_view reason) {
  ++failed_;
  auto it = failure_reasons_.find(reason);
  if (it == failure_reasons_.end()) it = failure_reasons_.emplace(std::string(reason), 0).first;
  ++it->second;
}

void RunMetrics::account_gpus() {
  const double now = engine_.now();
  gpu_seconds_ += static_cast<double>(last_allocated_) / 1000.0 * (now - last_change_);
  capacity_seconds_ += static_cast<double>(last_capacity_) * (now - last_change_);
  last_capacity_ = cp_.cluster().total_gpus();
  last_change_ = now;
  last_allocated_ = cp_.cluster().allocated_gpu_milli();  // GPU shares count by their share
}

nlohmann::ordered_json RunMetrics::summary(double end_time) const {
  auto stats = [](const Distribution& d) -> nlohmann::ordered_json {
    const auto s = d.summarize();
    if (!s) return {{"count", 0}, {"mean", nullptr}, {"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}};
    return {{"count", d.count()}, {"mean", s->mean}, {"p50", s->p50}, {"p90", s->p90}, {"p99", s->p99}};
  };
  // Running: jobs of the control plane that are no controller's pods, and the controller's started Jobs.
  std::uint64_t running = (jobs_ != nullptr ? jobs_->running_jobs() : 0) + (sets_ != nullptr ? sets_->running_sets() : 0) +
                          (api_jobs_ != nullptr ? api_jobs_->running_jobs() : 0);
  for (const auto& [seq, job] : cp_.live_jobs()) running += job.started() && job.spec.owner.empty();
  const std::uint64_t pending = submitted_ - completed_ - failed_ - running;
  const double gpu_seconds = gpu_seconds_ + static_cast<double>(last_allocated_) / 1000.0 * (end_time - last_change_);
  const double capacity = capacity_seconds_ + static_cast<double>(last_capacity_) * (end_time - last_change_);

  nlohmann::ordered_json j;
  j["jobs"] = {{"submitted", submitted_}, {"completed", completed_}, {"failed", failed_},
               {"running", running}, {"pending", pending}};
  j["failureReasons"] = nlohmann::ordered_json::object();
  for (const auto& [reason, n] : failure_reasons_) j["failureReasons"][reason] = n;
  j["jct"] = stats(jct_);
  j["queueingDelay"] = stats(queueing_);
  j["gpuUtilization"] = capacity > 0 ? gpu_seconds / capacity : 0.0;
  j["preemptions"] = preemptions_;
  if (by_priority_.size() > 1) {  // per priority class, highest first
    nlohmann::ordered_json classes = nlohmann::ordered_json::object();
    for (auto it = by_priority_.rbegin(); it != by_priority_.rend(); ++it) {
      classes[std::to_string(it->first)] = {{"jct", stats(it->second.jct)}, {"queueingDelay", stats(it->second.queueing)}};
    }
    j["byPriority"] = classes;
  }
  return j;
}

}  // namespace kubetwin::models
