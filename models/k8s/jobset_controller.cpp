#include "models/k8s/jobset_controller.hpp"

#include <algorithm>

namespace kubetwin::models {

namespace {

/// The replicated job a child belongs to, from its name <jobset>-<role>-<index>.
std::size_t role_of(const JobSetState& set, std::string_view child) {
  for (std::size_t r = 0; r < set.spec.replicated_jobs.size(); ++r) {
    const std::string prefix = set.spec.name + "-" + set.spec.replicated_jobs[r].name + "-";
    if (child.substr(0, prefix.size()) == prefix) return r;
  }
  return 0;
}

}  // namespace

JobSetController::JobSetController(sim::Engine& engine, JobController& jobs)
    : engine_(engine), jobs_(jobs) {
  jobs_.job_started.connect([this](const BatchJob& child) {
    auto it = sets_.find(child.owner);
    if (it == sets_.end()) return;
    JobSetState& set = it->second;
    if (set.start_time < 0) {
      set.start_time = engine_.now();
      started.emit(set);
    }
    const std::size_t role = role_of(set, child.spec.id);
    ++set.started[role];
    // InOrder: the next replicated job once every Job of this one has started.
    if (set.spec.in_order_startup && role + 1 == set.created_roles &&
        role + 1 < set.spec.replicated_jobs.size() &&
        set.started[role] == set.spec.replicated_jobs[role].replicas) {
      create_role(set, role + 1);
    }
  });
  jobs_.job_completed.connect([this](const BatchJob& child) {
    auto it = sets_.find(child.owner);
    if (it == sets_.end()) return;
    JobSetState& set = it->second;
    std::erase(set.live, child.spec.id);
    if (++set.completed < set.children()) return;
    // Reported after the Job controller has finished with the last child.
    const std::string name = set.spec.name;
    const std::uint64_t uid = set.uid;
    engine_.schedule_in(0, [this, name, uid] {
      auto found = sets_.find(name);
      if (found == sets_.end() || found->second.uid != uid) return;
      found->second.end_time = engine_.now();
      completed.emit(found->second);
      sets_.erase(found);
    });
  });
  jobs_.job_failed.connect([this](const BatchJob& child, std::string_view, std::string_view) {
    on_child_failed(child);
  });
}

void JobSetController::submit(JobSetSpec spec) {
  const std::string name = spec.name;
  JobSetState& set = sets_[name];
  set.spec = std::move(spec);
  set.submit_time = engine_.now();
  set.uid = next_uid_++;
  set.started.assign(set.spec.replicated_jobs.size(), 0);
  created.emit(set);
  if (set.spec.in_order_startup) {
    create_role(set, 0);
  } else {
    for (std::size_t r = 0; r < set.spec.replicated_jobs.size(); ++r) create_role(set, r);
  }
}

std::size_t JobSetController::running_sets() const {
  return static_cast<std::size_t>(std::count_if(
      sets_.begin(), sets_.end(), [](const auto& kv) { return kv.second.start_time >= 0; }));
}

void JobSetController::create_role(JobSetState& set, std::size_t role) {
  set.created_roles = std::max(set.created_roles, role + 1);
  const ReplicatedJobSpec& rjob = set.spec.replicated_jobs[role];
  for (int i = 0; i < rjob.replicas; ++i) {
    JobSpec child = rjob.job;
    child.id = set.spec.name + "-" + rjob.name + "-" + std::to_string(i);
    child.submit_time = engine_.now();
    if (!child.batch) {
      child.batch.emplace();
      child.batch->parallelism = child.batch->completions = child.total_pods();
    }
    set.live.push_back(child.id);
    jobs_.submit(std::move(child), set.spec.name);
  }
}

void JobSetController::delete_children(JobSetState& set) {
  const std::vector<std::string> live = set.live;
  for (const std::string& child : live) jobs_.remove(child);
  set.live.clear();
}

void JobSetController::on_child_failed(const BatchJob& child) {
  auto it = sets_.find(child.owner);
  if (it == sets_.end()) return;
  std::erase(it->second.live, child.spec.id);
  // Act after the Job controller has finished with the failed Job (its name is then free again).
  const std::string name = it->first;
  const std::uint64_t uid = it->second.uid;
  const int restarts = it->second.restarts;
  const std::string failed_job = child.spec.id;
  engine_.schedule_in(0, [this, name, uid, restarts, failed_job] {
    auto found = sets_.find(name);
    if (found == sets_.end() || found->second.uid != uid || found->second.restarts != restarts)
      return;
    JobSetState& set = found->second;
    delete_children(set);
    if (set.restarts < set.spec.max_restarts) {
      ++set.restarts;
      set.completed = 0;
      set.created_roles = 0;
      std::fill(set.started.begin(), set.started.end(), 0);
      restarted.emit(set, failed_job);
      if (set.spec.in_order_startup) {
        create_role(set, 0);
      } else {
        for (std::size_t r = 0; r < set.spec.replicated_jobs.size(); ++r) create_role(set, r);
      }
      return;
    }
    set.end_time = engine_.now();
    if (set.spec.max_restarts > 0) {
      failed.emit(set, "ReachedMaxRestarts",
                  "jobset failed due to reaching max number of restarts");
    } else {
      failed.emit(set, "FailedJobs", "jobset failed due to one or more job failures");
    }
    sets_.erase(name);
  });
}

}  // namespace kubetwin::models
