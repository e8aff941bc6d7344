#include "models/k8s/job_controller.hpp"

#include <algorithm>
#include <cmath>

namespace kubetwin::models {

namespace {

std::string_view action_name(PodFailurePolicyRule::Action a) {
  switch (a) {
    case PodFailurePolicyRule::Action::FailJob:
      return "FailJob";
    case PodFailurePolicyRule::Action::Ignore:
      return "Ignore";
    case PodFailurePolicyRule::Action::Count:
      return "Count";
  }
  return "Count";
}

}  // namespace

JobController::JobController(sim::Engine& engine, ControlPlane& cp, sim::RandomStream& failures)
    : engine_(engine), cp_(cp), random_(failures) {
  cp_.job_started.connect([this](const JobState& unit) { on_started(unit); });
  cp_.job_completed.connect([this](const JobState& unit) { on_completed(unit); });
  cp_.job_terminated.connect(
      [this](const JobState& unit, const PodTermination& why) { on_terminated(unit, why); });
  cp_.job_failed.connect(
      [this](const JobState&, std::string_view reason, std::string_view message) {
        if (!creating_) return;
        creation_failure_[0] = reason;
        creation_failure_[1] = message;
      });
}

double JobController::backoff_delay(int failures) {
  // Upstream: DefaultJobPodFailureBackOff 10 s, doubled per failure, MaxJobPodFailureBackOff 360 s.
  if (failures <= 0) return 0;
  return std::min(360.0, 10.0 * std::ldexp(1.0, std::min(failures - 1, 30)));
}

int JobController::matching_rule(const BatchJobSpec& batch, const PodTermination& why) {
  for (std::size_t i = 0; i < batch.pod_failure_policy.size(); ++i) {
    const PodFailurePolicyRule& rule = batch.pod_failure_policy[i];
    if (rule.on_disruption) {
      if (why.disruption) return static_cast<int>(i);
      continue;
    }
    if (why.disruption) continue;  // no container exit code to match
    const bool in = std::find(rule.exit_codes.begin(), rule.exit_codes.end(), why.exit_code) !=
                    rule.exit_codes.end();
    if (in != rule.exit_codes_not_in) return static_cast<int>(i);
  }
  return -1;
}

void JobController::at(double t, const BatchJob& job, std::function<void(BatchJob&)> step,
                       std::uint64_t* timer) {
  const std::string name = job.spec.id;
  const std::uint64_t uid = job.uid;
  const std::uint64_t id = engine_.schedule_at(t, [this, name, uid, step = std::move(step)] {
    auto it = jobs_.find(name);
    if (it == jobs_.end() || it->second.uid != uid) return;
    step(it->second);
  });
  if (timer != nullptr) *timer = id;
}

void JobController::submit(JobSpec spec, std::string owner) {
  auto [it, fresh] = jobs_.try_emplace(spec.id);
  if (!fresh) {  // the API server refuses a second Job of the same name
    BatchJob dup;
    dup.spec = std::move(spec);
    dup.owner = std::move(owner);
    dup.end_time = engine_.now();
    job_created.emit(dup);
    job_failed.emit(dup, "AlreadyExists", "a Job named \"" + dup.spec.id + "\" already exists");
    return;
  }
  BatchJob& job = it->second;
  job.spec = std::move(spec);
  job.owner = std::move(owner);
  job.uid = next_uid_++;
  if (job.batch().indexed)
    job.index_state.assign(static_cast<std::size_t>(job.batch().completions), 0);
  job_created.emit(job);
  if (job.batch().active_deadline) {
    at(
        engine_.now() + *job.batch().active_deadline, job,
        [this](BatchJob& j) {
          j.deadline_timer = kNoTimer;
          finish(j, "DeadlineExceeded", "Job was active longer than specified deadline");
        },
        &job.deadline_timer);
  }
  sync(job);
}

void JobController::sync(BatchJob& job) {
  if (engine_.now() < job.not_before) {
    if (job.backoff_timer == kNoTimer) {
      at(
          job.not_before, job,
          [this](BatchJob& j) {
            j.backoff_timer = kNoTimer;
            sync(j);
          },
          &job.backoff_timer);
    }
    return;
  }
  const BatchJobSpec& b = job.batch();
  if (job.gang()) {
    if (job.active == 0 && job.succeeded < b.completions) create_pod(job, -1);
    return;
  }
  if (b.indexed) {
    for (int i = 0; i < b.completions && job.active < b.parallelism; ++i) {
      if (job.index_state[static_cast<std::size_t>(i)] == 0 && !create_pod(job, i)) return;
    }
    return;
  }
  while (job.active < std::min(b.parallelism, b.completions - job.succeeded)) {
    if (!create_pod(job, -1)) return;
  }
}

bool JobController::create_pod(BatchJob& job, int index) {
  JobSpec pod = job.spec;
  pod.batch.reset();
  pod.failures = {};
  pod.owner = job.spec.id;
  pod.submit_time = engine_.now();
  if (!job.gang()) {  // one unit per pod; a gang is one unit of all its pods
    pod.pods.resize(1);
    pod.pods[0].replicas = 1;
    pod.id = job.spec.id + "-" + std::to_string(index >= 0 ? index : job.created);
  }
  ++job.created;
  ++job.active;
  if (index >= 0) job.index_state[static_cast<std::size_t>(index)] = 1;
  creating_ = true;
  const std::uint64_t seq = cp_.submit(std::move(pod));
  creating_ = false;
  const JobState* unit = cp_.find(seq);
  if (unit == nullptr) {  // refused at once (it could never fit): the Job fails with that reason
    --job.active;
    finish(job, creation_failure_[0], creation_failure_[1]);
    return false;
  }
  units_[seq] = Unit{job.spec.id, index};
  job.units.push_back(seq);
  if (job.replacements_due > 0) {
    --job.replacements_due;
    ++pods_recreated_;
    pod_recreated.emit(job, *unit, engine_.now() - job.last_failure);
  }
  return true;
}

BatchJob* JobController::take_unit(std::uint64_t seq, Unit* out) {
  auto u = units_.find(seq);
  if (u == units_.end()) return nullptr;
  *out = u->second;
  units_.erase(u);
  BatchJob& job = jobs_.find(out->job)->second;
  std::erase(job.units, seq);
  --job.active;
  if (out->index >= 0 && job.index_state[static_cast<std::size_t>(out->index)] == 1) {
    job.index_state[static_cast<std::size_t>(out->index)] = 0;  // to do again unless it succeeded
  }
  return &job;
}

void JobController::on_started(const JobState& unit) {
  auto u = units_.find(unit.seq);
  if (u == units_.end()) return;
  BatchJob& job = jobs_.find(u->second.job)->second;
  if (job.start_time < 0) {
    job.start_time = engine_.now();
    job_started.emit(job);
  }
  const auto k = static_cast<std::size_t>(job.pod_starts++);
  const PodFailureSpec& f = job.spec.failures;
  double after = -1;
  int code = f.exit_code;
  std::size_t pod = 0;
  if (k < f.fail_at.size()) {
    after = f.fail_at[k].after;
    code = f.fail_at[k].exit_code;
  } else if (f.probability > 0 && random_.uniform01() < f.probability) {
    after = random_.uniform01() * (unit.expected_end - engine_.now());  // somewhere in its run
    if (unit.pod_nodes.size() > 1)
      pod = static_cast<std::size_t>(random_.below(unit.pod_nodes.size()));
  }
  if (after < 0) return;
  // A failure due at or after the pod's end finds it completed (its completion timer runs first).
  const std::uint64_t seq = unit.seq;
  engine_.schedule_in(after, [this, seq, pod, code] {
    const JobState* running = cp_.find(seq);
    if (running == nullptr || !running->started()) return;
    cp_.terminate(seq, PodTermination{"Error", pod, code, false, true});
  });
}

void JobController::on_completed(const JobState& unit) {
  Unit u;
  BatchJob* job = take_unit(unit.seq, &u);
  if (job == nullptr) return;
  job->succeeded += job->gang() ? job->batch().completions : 1;
  if (u.index >= 0) job->index_state[static_cast<std::size_t>(u.index)] = 2;
  job->failures_since_success = 0;
  if (job->succeeded >= job->batch().completions) {
    finish(*job, {}, {});
    return;
  }
  sync(*job);
}

void JobController::on_terminated(const JobState& unit, const PodTermination& why) {
  Unit u;
  BatchJob* job = take_unit(unit.seq, &u);
  if (job == nullptr || !why.failed) return;  // not ours, or deleted by us
  ++pod_failures_;
  const int rule = matching_rule(job->batch(), why);
  const auto action = rule < 0
                          ? PodFailurePolicyRule::Action::Count
                          : job->batch().pod_failure_policy[static_cast<std::size_t>(rule)].action;
  if (action == PodFailurePolicyRule::Action::Count) {
    ++job->failed;
    ++job->failures_since_success;
  }
  pod_failed.emit(*job, unit, why, action_name(action));
  if (action == PodFailurePolicyRule::Action::FailJob) {
    finish(*job, "PodFailurePolicy",
           "Pod " + unit.pod_name(why.pod) +
               (why.disruption ? " has condition DisruptionTarget"
                               : " failed with exit code " + std::to_string(why.exit_code)) +
               " matching FailJob rule at index " + std::to_string(rule));
    return;
  }
  if (job->failed > job->batch().backoff_limit) {
    finish(*job, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    return;
  }
  ++job->replacements_due;
  job->last_failure = engine_.now();
  if (action == PodFailurePolicyRule::Action::Count) {
    job->not_before =
        std::max(job->not_before, engine_.now() + backoff_delay(job->failures_since_success));
  }
  sync(*job);
}

void JobController::finish(BatchJob& job, std::string_view reason, std::string_view message) {
  job.end_time = engine_.now();
  if (job.backoff_timer != kNoTimer) engine_.cancel(job.backoff_timer);
  if (job.deadline_timer != kNoTimer) engine_.cancel(job.deadline_timer);
  job.backoff_timer = job.deadline_timer = kNoTimer;
  const std::vector<std::uint64_t> live = job.units;  // terminating edits the list
  for (std::uint64_t seq : live) {
    cp_.terminate(seq, PodTermination{reason.empty() ? std::string_view("Deleted") : reason, 0, 0,
                                      false, false});
  }
  const std::string name = job.spec.id;
  if (reason.empty()) {
    job_completed.emit(job);
  } else {
    job_failed.emit(job, reason, message);
  }
  jobs_.erase(name);
}

void JobController::remove(const std::string& name) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return;
  BatchJob& job = it->second;
  if (job.backoff_timer != kNoTimer) engine_.cancel(job.backoff_timer);
  if (job.deadline_timer != kNoTimer) engine_.cancel(job.deadline_timer);
  const std::vector<std::uint64_t> live = job.units;
  for (std::uint64_t seq : live) cp_.terminate(seq, PodTermination{"Deleted", 0, 0, false, false});
  jobs_.erase(name);
}

std::size_t JobController::running_jobs() const {
  return static_cast<std::size_t>(std::count_if(jobs_.begin(), jobs_.end(), [](const auto& kv) {
    return kv.second.start_time >= 0 && kv.second.owner.empty();
  }));
}

}  // namespace kubetwin::models
