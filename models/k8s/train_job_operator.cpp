#include "models/k8s/train_job_operator.hpp"

#include <algorithm>
#include <cctype>

namespace kubetwin::models {

namespace {

constexpr const char* kNamespace = "default";
/// Upstream's ExpectationsTimeout (controller-runtime operators use the same 5 minutes).
constexpr double kExpectationsTimeout = 300;
/// Pod names are <trainjob>-node-<i>: the name leaves room for the suffix in a 63-character label.
constexpr std::size_t kMaxNameLength = 50;

std::string pod_name(std::string_view train_job, int index) {
  return std::string(train_job) + "-node-" + std::to_string(index);
}

bool has_condition(const nlohmann::json& status, std::string_view type) {
  if (!status.is_object() || !status.contains("conditions")) return false;
  for (const auto& c : status["conditions"]) {
    if (c.value("type", "") == type) return true;
  }
  return false;
}

bool finished(const nlohmann::json& status) {
  return has_condition(status, "Succeeded") || has_condition(status, "Failed");
}

std::string phase_of(const ApiObject& pod) {
  return pod.status.is_object() ? pod.status.value("phase", "") : "";
}

bool is_dns1035_label(std::string_view s) {
  if (s.empty() || !std::islower(static_cast<unsigned char>(s.front())) || s.back() == '-')
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

}  // namespace

std::optional<std::string> validate_train_job(const ApiObject& tj,
                                              const std::vector<std::string>& runtimes) {
  const std::string& name = tj.meta.name;
  if (!is_dns1035_label(name) || name.size() > kMaxNameLength) {
    return "metadata.name: Invalid value: \"" + name +
           "\": must be a lowercase RFC 1035 label of at most " + std::to_string(kMaxNameLength) +
           " characters";
  }
  const std::string runtime =
      tj.spec.contains("runtimeRef") ? tj.spec["runtimeRef"].value("name", "") : "";
  if (std::find(runtimes.begin(), runtimes.end(), runtime) == runtimes.end()) {
    return "spec.runtimeRef.name: Not found: \"" + runtime +
           "\": no ClusterTrainingRuntime of that name";
  }
  const std::int64_t nodes =
      tj.spec.contains("trainer") ? tj.spec["trainer"].value("numNodes", std::int64_t{0}) : 0;
  if (nodes < 1)
    return "spec.trainer.numNodes: Invalid value: " + std::to_string(nodes) +
           ": must be greater than or equal to 1";
  if (!tj.workload || tj.workload->pods.size() != 1)
    return "spec.trainer: Required value: a pod template per node";
  return std::nullopt;
}

ApiObject train_job_object(const TrainJobSubmission& s) {
  ApiObject o;
  o.meta.kind = kTrainJobKind;
  o.meta.ns = kNamespace;
  o.meta.name = s.name;
  o.spec = {{"runtimeRef", {{"name", s.runtime}}}, {"trainer", {{"numNodes", s.num_nodes}}}};
  o.workload = s.node;
  return o;
}

TrainJobOperator::TrainJobOperator(sim::Engine& engine, ApiServer& api,
                                   TrainJobOperatorConfig config, std::string client)
    : engine_(engine),
      api_(api),
      config_(config),
      client_(std::move(client)),
      train_jobs_(engine, api, client_, kTrainJobKind, kNamespace),
      pods_(engine, api, client_, "Pod", kNamespace) {
  train_jobs_.added.connect([this](const ObjectPtr& tj) { queue_.add(tj->meta.name); });
  train_jobs_.updated.connect(
      [this](const ObjectPtr&, const ObjectPtr& tj) { queue_.add(tj->meta.name); });
  train_jobs_.deleted.connect([this](const ObjectPtr& tj) { tracked_.erase(tj->meta.name); });
  auto owner_of = [](const ObjectPtr& p) -> std::string {
    auto it = p->meta.labels.find(kTrainJobNameLabel);
    return it == p->meta.labels.end() ? std::string() : it->second;
  };
  pods_.added.connect([this, owner_of](const ObjectPtr& p) {
    const std::string tj = owner_of(p);
    if (tj.empty()) return;
    if (auto t = tracked_.find(tj); t != tracked_.end()) t->second.expected.erase(p->meta.name);
    queue_.add(tj);
  });
  pods_.updated.connect([this, owner_of](const ObjectPtr&, const ObjectPtr& p) {
    if (const std::string tj = owner_of(p); !tj.empty()) queue_.add(tj);
  });
  pods_.deleted.connect([this, owner_of](const ObjectPtr& p) {
    if (const std::string tj = owner_of(p); !tj.empty()) queue_.add(tj);
  });
  // Once both caches have synced (after every (re)start), every TrainJob they hold is reconciled.
  auto all = [this] {
    if (!caches_ready()) return;
    for (const auto& [key, tj] : train_jobs_.cache()) queue_.add(key.second);
  };
  train_jobs_.synced.connect(all);
  pods_.synced.connect(all);
  api_.committed.connect([this](WatchEventType type, const ObjectPtr& before,
                                const ObjectPtr& now) { observe(type, before, now); });
}

void TrainJobOperator::observe(WatchEventType type, const ObjectPtr& before, const ObjectPtr& now) {
  if (now->meta.kind != kTrainJobKind) return;
  if (type == WatchEventType::Added) {
    ++stored_;
    ++unfinished_;
    stored.emit(*now);
    return;
  }
  const nlohmann::json none = nlohmann::json::object();
  const nlohmann::json& was = before ? before->status : none;
  if (type == WatchEventType::Deleted) {
    if (!finished(was)) --unfinished_;
    return;
  }
  if (!now->status.is_object() || !now->status.contains("conditions")) return;
  for (const auto& c : now->status["conditions"]) {
    const std::string t = c.value("type", "");
    if (has_condition(was, t)) continue;
    if (!finished(was) && (t == "Succeeded" || t == "Failed")) {
      --unfinished_;
      ++(t == "Succeeded" ? succeeded_ : failed_);
    }
    condition_added.emit(*now, t, c.value("reason", ""), c.value("message", ""));
  }
}

void TrainJobOperator::start() {
  train_jobs_.start();
  pods_.start();
}

void TrainJobOperator::resume() {
  if (config_.relist_on_restart) {
    start();
    return;
  }
  // Broken on purpose: no relist, only the changes from now on.
  const std::uint64_t now = api_.resource_version();
  train_jobs_.start_watching_from(now);
  pods_.start_watching_from(now);
}

void TrainJobOperator::restart(double downtime) {
  queue_.reset();
  ++restarts_;
  train_jobs_.stop();
  pods_.stop();
  tracked_.clear();
  const std::uint64_t inc = queue_.generation();
  engine_.schedule_in(downtime, [this, inc] {
    if (inc == queue_.generation()) resume();
  });
}

void TrainJobOperator::submit(TrainJobSubmission submission) {
  ++submitted_;
  ++submitting_;
  create_train_job(std::make_shared<const ApiObject>(train_job_object(submission)), 0);
}

void TrainJobOperator::create_train_job(std::shared_ptr<const ApiObject> object, int failures) {
  api_.create("trainjob-submitter", *object, [this, object, failures](const ApiReply& r) {
    if (r.status.ok()) {
      --submitting_;
      return;
    }
    if (r.status.code == 403 || r.status.code == 409 ||
        r.status.code == 422) {  // final: a user would fix the object
      --submitting_;
      ++rejected_;
      rejected.emit(object->meta.name, r);
      return;
    }
    ++submit_retries_;
    engine_.schedule_in(ApiServer::client_backoff(failures + 1),
                        [this, object, failures] { create_train_job(object, failures + 1); });
  });
}

void TrainJobOperator::sync(const std::string& name, ObjectPtr fresh) {
  if (!caches_ready()) return;
  ObjectPtr tj = train_jobs_.get(kNamespace, name);
  if (fresh && (!tj || fresh->meta.resource_version > tj->meta.resource_version)) tj = fresh;
  if (!tj || !tj->workload) {
    tracked_.erase(name);
    return;
  }
  Tracked& t = tracked_[name];
  if (t.writing) {
    t.dirty = true;
    return;
  }
  const double now = engine_.now();
  const nlohmann::json old = tj->status.is_object() ? tj->status : nlohmann::json::object();
  if (auto invalid = validate_train_job(*tj, config_.runtimes); invalid && !finished(old)) {
    nlohmann::json status = old;
    status["conditions"] = nlohmann::json::array({{{"type", "Failed"},
                                                   {"status", "True"},
                                                   {"reason", "InvalidSpec"},
                                                   {"message", *invalid},
                                                   {"lastTransitionTime", now}}});
    status["completionTime"] = now;
    write_status(name, *tj, std::move(status));
    return;
  }
  const int nodes = static_cast<int>(tj->spec["trainer"].value("numNodes", std::int64_t{0}));
  int present = 0, started = 0, succeeded = 0, failed = 0;
  std::string failure;
  std::vector<int> missing;
  std::vector<std::string> live;
  for (int i = 0; i < nodes; ++i) {
    const std::string pod = pod_name(name, i);
    ObjectPtr p = pods_.get(kNamespace, pod);
    if (!p || std::find(p->meta.owner_uids.begin(), p->meta.owner_uids.end(), tj->meta.uid) ==
                  p->meta.owner_uids.end()) {
      if (!t.expected.count(pod))
        missing.push_back(i);  // (a pod of an earlier TrainJob of the name is the GC's)
      continue;
    }
    ++present;
    const std::string phase = phase_of(*p);
    if (p->status.is_object() && p->status.contains("startTime")) ++started;
    if (phase == "Succeeded") {
      ++succeeded;
    } else if (phase == "Failed") {
      ++failed;
      if (failure.empty())
        failure = "pod " + pod + " failed: " + p->status.value("reason", "Error");
    } else {
      live.push_back(pod);
    }
  }
  if (finished(old)) {  // a restarted operator may find pods its predecessor did not get to delete
    if (has_condition(old, "Failed")) {
      for (const std::string& pod : live) delete_pod(pod, 0);
    }
    return;
  }
  if (!t.expected.empty() && now >= t.expected_since + kExpectationsTimeout) t.expected.clear();
  if (!t.expected.empty()) {
    queue_.add_at(name, t.wake_at, t.expected_since + kExpectationsTimeout);  // the pods it made show before then
  } else if (failed == 0) {
    for (int i : missing) create_pod(*tj, i);
  }

  nlohmann::json status = old;
  status["nodes"] = {{"total", nodes},
                     {"active", present - succeeded - failed},
                     {"succeeded", succeeded},
                     {"failed", failed}};
  if (!status.contains("conditions")) status["conditions"] = nlohmann::json::array();
  auto add = [&](const char* type, const char* reason, std::string message) {
    if (has_condition(status, type)) return;
    status["conditions"].push_back({{"type", type},
                                    {"status", "True"},
                                    {"reason", reason},
                                    {"message", std::move(message)},
                                    {"lastTransitionTime", now}});
  };
  const std::string n = std::to_string(nodes);
  if (present == nodes) add("Created", "PodsCreated", "all " + n + " node pods created");
  if (started == nodes) add("Running", "AllNodesStarted", "all " + n + " node pods started");
  if (failed > 0) {
    add("Failed", "PodFailed", failure);
    status["completionTime"] = now;
  } else if (succeeded == nodes) {
    add("Succeeded", "AllNodesSucceeded", "all " + n + " node pods succeeded");
    status["completionTime"] = now;
  }
  if (status != old) write_status(name, *tj, std::move(status));
}

void TrainJobOperator::create_pod(const ApiObject& tj, int index) {
  const std::string name = pod_name(tj.meta.name, index);
  JobSpec pod = *tj.workload;
  pod.id = name;
  pod.owner = tj.meta.name;
  pod.pods.resize(1);
  pod.pods[0].replicas = 1;
  ApiObject o;
  o.meta.kind = "Pod";
  o.meta.ns = tj.meta.ns;
  o.meta.name = name;
  o.meta.labels[kTrainJobNameLabel] = tj.meta.name;
  o.meta.labels["trainer.kubeflow.org/node-index"] = std::to_string(index);
  o.meta.owner_uids = {tj.meta.uid};
  o.spec = {{"nodeIndex", index}};
  o.workload = std::make_shared<const JobSpec>(std::move(pod));
  Tracked& t = tracked_[tj.meta.name];
  if (t.expected.empty()) t.expected_since = engine_.now();
  t.expected.insert(name);
  const std::uint64_t inc = queue_.generation();
  const ObjectMeta owner = tj.meta;
  api_.create(client_, std::move(o), [this, inc, owner, name](const ApiReply& r) {
    if (inc != queue_.generation()) return;  // the process that asked is gone; its successor relisted
    Tracked& tr = tracked_[owner.name];
    if (r.status.ok()) {
      ++pods_created_;
      api_.record(owner, "Normal", "SuccessfulCreatePod", "Created pod: " + name, client_);
      return;
    }
    if (r.status.reason == std::string_view("AlreadyExists")) {  // made before: it shows (or has)
      ++pods_already_existed_;
      if (pods_.get(kNamespace, name)) tr.expected.erase(name);
      queue_.add(owner.name);
      return;
    }
    tr.expected.erase(name);  // not made: the next sync asks again, under the same name
    queue_.add_at(owner.name, tr.wake_at, engine_.now() + ApiServer::client_backoff(++tr.write_failures));
  });
}

void TrainJobOperator::delete_pod(const std::string& name, int attempt) {
  const std::uint64_t inc = queue_.generation();
  api_.remove(client_, "Pod", kNamespace, name, [this, inc, name, attempt](const ApiReply& r) {
    if (inc != queue_.generation() || r.status.ok() || r.status.code == 404) return;
    engine_.schedule_in(ApiServer::client_backoff(attempt + 1), [this, inc, name, attempt] {
      if (inc == queue_.generation()) delete_pod(name, attempt + 1);
    });
  });
}

void TrainJobOperator::write_status(const std::string& name, const ApiObject& tj,
                                    nlohmann::json status) {
  ApiObject next = tj;
  next.status = std::move(status);
  tracked_[name].writing = true;
  const std::uint64_t inc = queue_.generation();
  api_.update(client_, std::move(next), [this, inc, name](const ApiReply& r) {
    if (inc != queue_.generation()) return;
    Tracked& t = tracked_[name];
    t.writing = false;
    if (r.status.code == 409) {  // stale copy: read the current TrainJob and decide again from it
      ++conflicts_;
      api_.get(client_, kTrainJobKind, kNamespace, name, [this, inc, name](const ApiReply& g) {
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
    if (t.dirty) {
      t.dirty = false;
      queue_.add(name);
    }
  });
}

}  // namespace kubetwin::models
