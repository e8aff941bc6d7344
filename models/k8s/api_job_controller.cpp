#include "models/k8s/api_job_controller.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "models/k8s/pod_status_writer.hpp"

namespace kubetwin::models {

namespace {

constexpr const char* kNamespace = "default";
/// Upstream's ExpectationsTimeout: expectations not met within 5 minutes are dropped.
constexpr double kExpectationsTimeout = 300;

std::string_view action_name(int rule, const BatchJobSpec& b) {
  if (rule < 0) return "Count";
  switch (b.pod_failure_policy[static_cast<std::size_t>(rule)].action) {
    case PodFailurePolicyRule::Action::FailJob: return "FailJob";
    case PodFailurePolicyRule::Action::Ignore: return "Ignore";
    case PodFailurePolicyRule::Action::Count: return "Count";
  }
  return "Count";
}

std::string phase_of(const ApiObject& pod) { return pod.status.is_object() ? pod.status.value("phase", "") : ""; }

/// How a Failed pod ended, as its status says; `reason` must outlive the result.
PodTermination termination_of(const ApiObject& pod, std::string& reason) {
  reason = pod.status.value("reason", "Error");
  return PodTermination{reason, 0, pod.status.value("exitCode", 0), pod.status.value("disruption", false), true};
}

std::string condition_of(const nlohmann::json& status) {
  if (!status.is_object() || !status.contains("conditions")) return {};
  for (const auto& c : status["conditions"]) return c.value("type", "");
  return {};
}

}  // namespace

ApiJobController::ApiJobController(sim::Engine& engine, ApiServer& api, std::string client)
    : engine_(engine), api_(api), client_(std::move(client)), jobs_(engine, api, client_, "Job", kNamespace),
      pods_(engine, api, client_, "Pod", kNamespace) {
  jobs_.added.connect([this](const ObjectPtr& j) { queue_.add(j->meta.name); });
  jobs_.updated.connect([this](const ObjectPtr&, const ObjectPtr& j) { queue_.add(j->meta.name); });
  jobs_.deleted.connect([this](const ObjectPtr& j) { tracked_.erase(j->meta.name); });
  auto job_of = [](const ObjectPtr& p) -> std::string {
    auto it = p->meta.labels.find(kJobNameLabel);
    return it == p->meta.labels.end() ? std::string() : it->second;
  };
  pods_.added.connect([this, job_of](const ObjectPtr& p) {
    const std::string job = job_of(p);
    if (job.empty()) return;
    pods_of_[job].insert(p->meta.name);
    if (auto t = tracked_.find(job); t != tracked_.end()) t->second.expected.erase(p->meta.name);
    queue_.add(job);
  });
  pods_.updated.connect([this, job_of](const ObjectPtr&, const ObjectPtr& p) {
    if (const std::string job = job_of(p); !job.empty()) queue_.add(job);
  });
  pods_.deleted.connect([this, job_of](const ObjectPtr& p) {
    const std::string job = job_of(p);
    if (job.empty()) return;
    if (auto it = pods_of_.find(job); it != pods_of_.end()) it->second.erase(p->meta.name);
    queue_.add(job);
  });
  // As upstream's workers, it acts once both caches have synced: then every Job is looked at.
  auto all = [this] {
    if (!caches_ready()) return;
    for (const auto& [key, job] : jobs_.cache()) queue_.add(key.second);
  };
  jobs_.synced.connect(all);
  pods_.synced.connect(all);
}

void ApiJobController::start() {
  jobs_.start();
  pods_.start();
}

void ApiJobController::restart(double downtime) {
  queue_.reset();
  ++restarts_;
  jobs_.stop();
  pods_.stop();
  pods_of_.clear();
  tracked_.clear();
  const std::uint64_t inc = queue_.generation();
  engine_.schedule_in(downtime, [this, inc] {
    if (inc == queue_.generation()) start();
  });
}

BatchJob ApiJobController::view(const ApiObject& job) const {
  BatchJob b;
  b.spec = *job.workload;
  const nlohmann::json& s = job.status;
  if (s.is_object()) {
    b.start_time = s.value("startTime", -1.0);
    b.end_time = s.value("completionTime", -1.0);
    b.succeeded = s.value("succeeded", 0);
    b.failed = s.value("failed", 0);
    b.active = s.value("active", 0);
  }
  return b;
}

void ApiJobController::submit(JobSpec spec) {
  ApiObject job;
  job.meta.kind = "Job";
  job.meta.ns = kNamespace;
  job.meta.name = spec.id;
  const BatchJobSpec& b = *spec.batch;
  job.spec = {{"parallelism", b.parallelism},
              {"completions", b.completions},
              {"completionMode", b.indexed ? "Indexed" : "NonIndexed"},
              {"backoffLimit", b.backoff_limit}};
  job.workload = std::make_shared<const JobSpec>(std::move(spec));
  create_job(std::make_shared<const ApiObject>(std::move(job)), 0);
}

void ApiJobController::create_job(std::shared_ptr<const ApiObject> job, int failures) {
  // The user's client retries until the API server answers (a failed create is not applied).
  api_.create("job-submitter", *job, [this, job, failures](const ApiReply& r) {
    if (r.status.ok()) {
      ++live_;
      job_created.emit(view(*r.object));
    } else if (r.status.reason == std::string_view("AlreadyExists")) {
      BatchJob dup = view(*job);
      dup.end_time = engine_.now();
      job_created.emit(dup);
      job_failed.emit(dup, "AlreadyExists", "a Job named \"" + job->meta.name + "\" already exists");
    } else {
      engine_.schedule_in(ApiServer::client_backoff(failures + 1), [this, job, failures] { create_job(job, failures + 1); });
    }
  });
}

void ApiJobController::sync(const std::string& name, ObjectPtr fresh) {
  if (!caches_ready()) return;
  ObjectPtr job = jobs_.get(kNamespace, name);
  if (fresh && (!job || fresh->meta.resource_version > job->meta.resource_version)) job = fresh;
  if (!job || !job->workload || !job->workload->batch) {
    tracked_.erase(name);
    return;
  }
  Tracked& t = tracked_[name];
  if (t.writing) {
    t.dirty = true;
    return;
  }
  const double now = engine_.now();
  const BatchJobSpec& b = *job->workload->batch;
  const nlohmann::json old = job->status.is_object() ? job->status : nlohmann::json::object();
  const bool finished = !condition_of(old).empty();

  std::set<std::string> counted;
  if (old.contains("countedPods")) {
    for (const auto& n : old["countedPods"]) counted.insert(n.get<std::string>());
  }
  int succeeded = 0, active = 0, failed = old.value("failed", 0);
  const auto completions = static_cast<std::size_t>(b.completions);
  std::vector<std::uint8_t> index_done(b.indexed ? completions : 0), index_active(index_done.size());
  double first_start = std::numeric_limits<double>::infinity(), last_success = -1;
  std::vector<double> count_failures;  // finish times of failures counted against backoffLimit
  std::string verdict, verdict_message;
  std::vector<std::string> live_pods;
  std::set<std::string> taken = t.expected;
  for (const std::string& pod_name : pods_of_[name]) {
    taken.insert(pod_name);
    ObjectPtr p = pods_.get(kNamespace, pod_name);
    if (!p || std::find(p->meta.owner_uids.begin(), p->meta.owner_uids.end(), job->meta.uid) == p->meta.owner_uids.end()) {
      continue;  // a pod of an earlier Job of the same name
    }
    const std::string phase = phase_of(*p);
    const int index = p->spec.is_object() ? p->spec.value("index", -1) : -1;
    if (p->status.is_object() && p->status.contains("startTime")) first_start = std::min(first_start, p->status["startTime"].get<double>());
    if (phase == "Succeeded") {
      ++succeeded;
      if (index >= 0 && static_cast<std::size_t>(index) < index_done.size()) index_done[static_cast<std::size_t>(index)] = 1;
      last_success = std::max(last_success, p->status.value("finishTime", now));
    } else if (phase == "Failed") {
      std::string reason;
      const PodTermination why = termination_of(*p, reason);
      const int rule = JobController::matching_rule(b, why);
      const std::string_view action = action_name(rule, b);
      if (action == "Count") count_failures.push_back(p->status.value("finishTime", now));
      if (p->status.value("unschedulable", false) && verdict.empty()) {
        verdict = reason;  // the pod could never run (ExceedsClusterCapacity...): neither can the Job
        verdict_message = p->status.value("message", "");
      }
      if (counted.insert(pod_name).second) {
        if (action == "Count") ++failed;
        if (action == "FailJob" && verdict.empty()) {
          verdict = "PodFailurePolicy";
          verdict_message = "Pod " + pod_name +
                            (why.disruption ? " has condition DisruptionTarget"
                                            : " failed with exit code " + std::to_string(why.exit_code)) +
                            " matching FailJob rule at index " + std::to_string(rule);
        }
      }
    } else {
      ++active;
      live_pods.push_back(pod_name);
      if (index >= 0 && static_cast<std::size_t>(index) < index_active.size()) index_active[static_cast<std::size_t>(index)] = 1;
    }
  }

  if (finished) {  // a restarted controller may find pods its predecessor did not get to delete
    for (const std::string& pod : live_pods) delete_pod(pod, 0);
    return;
  }
  nlohmann::json status = old;
  status["active"] = active;
  status["succeeded"] = succeeded;
  status["failed"] = failed;
  status["countedPods"] = counted;
  if (std::isfinite(first_start) && !status.contains("startTime")) status["startTime"] = first_start;

  const bool complete = b.indexed ? std::all_of(index_done.begin(), index_done.end(), [](std::uint8_t d) { return d == 1; })
                                  : succeeded >= b.completions;
  std::string type;
  if (!verdict.empty()) {
    type = "Failed";
  } else if (failed > b.backoff_limit) {
    type = "Failed";
    verdict = "BackoffLimitExceeded";
    verdict_message = "Job has reached the specified backoff limit";
  } else if (complete) {
    type = "Complete";
  } else if (b.active_deadline && now >= job->meta.creation_timestamp + *b.active_deadline) {
    type = "Failed";
    verdict = "DeadlineExceeded";
    verdict_message = "Job was active longer than specified deadline";
  }
  if (!type.empty()) {
    status["conditions"] = nlohmann::json::array({{{"type", type}, {"reason", verdict}, {"message", verdict_message}}});
    status["completionTime"] = now;
  } else {
    if (b.active_deadline) queue_.add_at(name, t.wake_at, job->meta.creation_timestamp + *b.active_deadline);
    // The pod-failure backoff: 10 s doubled per counted failure since the last success.
    int since_success = 0;
    double last_failure = -1;
    for (double f : count_failures) {
      if (f > last_success) {
        ++since_success;
        last_failure = std::max(last_failure, f);
      }
    }
    const double not_before = since_success > 0 ? last_failure + JobController::backoff_delay(since_success) : now;
    if (!t.expected.empty() && now >= t.expected_since + kExpectationsTimeout) t.expected.clear();
    if (now < not_before) {
      queue_.add_at(name, t.wake_at, not_before);
    } else if (!t.expected.empty()) {
      queue_.add_at(name, t.wake_at, t.expected_since + kExpectationsTimeout);  // the pods it made will show before then
    } else {
      auto lowest_free = [&taken](const std::string& prefix) {
        for (int n = 0;; ++n) {
          std::string candidate = prefix + std::to_string(n);
          if (!taken.count(candidate)) return candidate;
        }
      };
      if (b.indexed) {
        for (std::size_t i = 0; i < completions && active < b.parallelism; ++i) {
          if (index_done[i] || index_active[i]) continue;
          const std::string pod = lowest_free(name + "-" + std::to_string(i) + "-");
          taken.insert(pod);
          create_pod(*job, pod, static_cast<int>(i));
          ++active;
        }
      } else {
        for (int want = std::min(b.parallelism, b.completions - succeeded) - active; want > 0; --want) {
          const std::string pod = lowest_free(name + "-");
          taken.insert(pod);
          create_pod(*job, pod, -1);
        }
      }
    }
  }
  if (status != old) write_status(name, *job, std::move(status));
}

void ApiJobController::create_pod(const ApiObject& job, const std::string& pod_name, int index) {
  JobSpec pod = *job.workload;
  pod.batch.reset();
  pod.owner = job.meta.name;
  pod.pods.resize(1);
  pod.pods[0].replicas = 1;
  pod.id = pod_name;  // failures stay: the status writer draws them for the Job's pods
  ApiObject o;
  o.meta.kind = "Pod";
  o.meta.ns = job.meta.ns;
  o.meta.name = pod_name;
  o.meta.labels[kJobNameLabel] = job.meta.name;
  if (index >= 0) o.meta.labels["batch.kubernetes.io/job-completion-index"] = std::to_string(index);
  o.meta.owner_uids = {job.meta.uid};
  o.spec = {{"index", index}};
  o.workload = std::make_shared<const JobSpec>(std::move(pod));
  Tracked& t = tracked_[job.meta.name];
  if (t.expected.empty()) t.expected_since = engine_.now();
  t.expected.insert(pod_name);
  const std::uint64_t inc = queue_.generation();
  const ObjectMeta owner = job.meta;
  api_.create(client_, std::move(o), [this, inc, owner, pod_name](const ApiReply& r) {
    if (inc != queue_.generation()) return;  // the process that asked is gone; its successor relisted
    Tracked& tr = tracked_[owner.name];
    if (r.status.ok()) {
      ++pods_created_;
      api_.record(owner, "Normal", "SuccessfulCreate", "Created pod: " + pod_name, client_);
      return;
    }
    if (r.status.reason == std::string_view("AlreadyExists")) {  // made before: it will show (or has)
      if (pods_.get(kNamespace, pod_name)) tr.expected.erase(pod_name);
      queue_.add(owner.name);
      return;
    }
    tr.expected.erase(pod_name);  // not made: the next sync asks again, under the same name
    queue_.add_at(owner.name, tr.wake_at, engine_.now() + ApiServer::client_backoff(++tr.write_failures));
  });
}

void ApiJobController::delete_pod(const std::string& name, int attempt) {
  const std::uint64_t inc = queue_.generation();
  api_.remove(client_, "Pod", kNamespace, name, [this, inc, name, attempt](const ApiReply& r) {
    if (inc != queue_.generation() || r.status.ok() || r.status.code == 404) return;
    engine_.schedule_in(ApiServer::client_backoff(attempt + 1), [this, inc, name, attempt] {
      if (inc == queue_.generation()) delete_pod(name, attempt + 1);
    });
  });
}

void ApiJobController::write_status(const std::string& name, const ApiObject& job, nlohmann::json status) {
  ApiObject next = job;
  next.status = std::move(status);
  tracked_[name].writing = true;
  const std::uint64_t inc = queue_.generation();
  nlohmann::json before = job.status.is_object() ? job.status : nlohmann::json::object();
  api_.update(client_, std::move(next), [this, inc, name, before = std::move(before)](const ApiReply& r) {
    if (inc != queue_.generation()) return;
    Tracked& t = tracked_[name];
    t.writing = false;
    if (r.status.code == 409) {  // stale copy: read the current Job and decide again from it
      ++conflicts_;
      api_.get(client_, "Job", kNamespace, name, [this, inc, name](const ApiReply& g) {
        if (inc != queue_.generation()) return;
        if (g.status.ok()) {
          sync(name, g.object);
        } else if (g.status.code != 404) {
          Tracked& tr = tracked_[name];
          queue_.add_at(name, tr.wake_at, engine_.now() + ApiServer::client_backoff(++tr.write_failures));
        }
      });
      return;
    }
    if (r.status.code == 404) {
      tracked_.erase(name);
      return;
    }
    if (!r.status.ok()) {
      queue_.add_at(name, t.wake_at, engine_.now() + ApiServer::client_backoff(++t.write_failures));
      return;
    }
    t.write_failures = 0;
    // What this write made true is told now, once: it is in the store for any later incarnation.
    const ApiObject& stored = *r.object;
    const nlohmann::json& now = stored.status;
    const BatchJob b = view(stored);
    if (!before.contains("startTime") && now.contains("startTime")) {
      ++running_;
      job_started.emit(b);
    }
    std::set<std::string> was;
    if (before.contains("countedPods")) {
      for (const auto& n : before["countedPods"]) was.insert(n.get<std::string>());
    }
    for (const auto& n : now["countedPods"]) {
      const std::string pod = n.get<std::string>();
      if (was.count(pod)) continue;
      ObjectPtr p = pods_.get(kNamespace, pod);
      if (!p) continue;
      std::string reason;
      const PodTermination why = termination_of(*p, reason);
      ++pod_failures_;
      pod_failed.emit(b, pod, p->status.value("nodeName", ""), why,
                      action_name(JobController::matching_rule(*stored.workload->batch, why), *stored.workload->batch));
    }
    const std::string type = condition_of(now);
    if (condition_of(before).empty() && !type.empty()) {
      --live_;
      if (now.contains("startTime")) --running_;
      const nlohmann::json& c = now["conditions"][0];
      api_.record(stored.meta, type == "Complete" ? "Normal" : "Warning", type == "Complete" ? "Completed" : c.value("reason", ""),
                  type == "Complete" ? "Job completed" : c.value("message", ""), client_);
      if (type == "Complete") {
        job_completed.emit(b);
      } else {
        job_failed.emit(b, c.value("reason", ""), c.value("message", ""));
      }
      queue_.add(name);  // deletes the pods still running (a finished Job's sync does only that)
      return;
    }
    if (t.dirty) {
      t.dirty = false;
      queue_.add(name);
    }
  });
}

}  // namespace kubetwin::models
