#include "models/k8s/pod_status_writer.hpp"

namespace kubetwin::models {

PodStatusWriter::PodStatusWriter(sim::Engine& engine, ApiServer& api, ControlPlane& cp, sim::RandomStream& failures,
                                 std::string client)
    : engine_(engine), api_(api), cp_(cp), random_(failures), client_(std::move(client)), pods_(engine, api, client_, "Pod") {
  pods_.added.connect([this](const ObjectPtr& p) { on_added(p); });
  pods_.deleted.connect([this](const ObjectPtr& p) { on_deleted(p); });
  cp_.pod_bound.connect([this](const JobState& unit, std::size_t pod) {
    if (find(unit.seq) == nullptr) return;
    set_status(unit.seq, {{"phase", "Pending"}, {"nodeName", cp_.cluster().node_name(unit.pod_nodes[pod])}}, false);
  });
  cp_.job_started.connect([this](const JobState& unit) {
    Pod* p = find(unit.seq);
    if (p == nullptr) return;
    set_status(unit.seq, {{"phase", "Running"}, {"startTime", engine_.now()}}, false);
    draw_failure(unit, *p);
  });
  cp_.job_completed.connect([this](const JobState& unit) {
    if (find(unit.seq) == nullptr) return;
    set_status(unit.seq, {{"phase", "Succeeded"}, {"finishTime", engine_.now()}}, true);
  });
  cp_.job_terminated.connect([this](const JobState& unit, const PodTermination& why) {
    Pod* p = find(unit.seq);
    if (p == nullptr) return;
    if (!why.failed) {  // deleted through the API: nothing left to write
      by_seq_.erase(unit.seq);
      by_key_.erase(p->ns + "/" + p->name);
      return;
    }
    set_status(unit.seq,
               {{"phase", "Failed"}, {"reason", why.reason}, {"exitCode", why.exit_code},
                {"disruption", why.disruption}, {"finishTime", engine_.now()}},
               true);
  });
  cp_.job_failed.connect([this](const JobState&, std::string_view reason, std::string_view message) {
    if (!submitting_) return;
    refusal_[0] = reason;
    refusal_[1] = message;
  });
}

PodStatusWriter::Pod* PodStatusWriter::find(std::uint64_t seq) {
  auto it = by_seq_.find(seq);
  return it == by_seq_.end() ? nullptr : &by_key_.at(it->second);
}

void PodStatusWriter::on_added(const ObjectPtr& obj) {
  const std::string key = obj->meta.ns + "/" + obj->meta.name;
  const std::string phase = obj->status.is_object() ? obj->status.value("phase", "") : "";
  if (by_key_.count(key) || phase == "Succeeded" || phase == "Failed" || phase == "Running" || !obj->workload) return;
  Pod& pod = by_key_[key];
  pod.ns = obj->meta.ns;
  pod.name = obj->meta.name;
  auto label = obj->meta.labels.find(kJobNameLabel);
  if (label == obj->meta.labels.end()) label = obj->meta.labels.find(kTrainJobNameLabel);
  pod.job = label == obj->meta.labels.end() ? obj->meta.name : label->second;
  JobSpec unit = *obj->workload;
  unit.failures = {};  // drawn here, as the kubelet sees the container exit
  unit.id = obj->meta.name;
  unit.owner = pod.job;
  unit.submit_time = engine_.now();
  submitting_ = true;
  refusal_[0].clear();
  const std::uint64_t seq = cp_.submit(std::move(unit));
  submitting_ = false;
  pod.seq = seq;
  by_seq_[seq] = key;
  if (cp_.find(seq) == nullptr) {  // refused at once (it could never fit): the pod fails unschedulable
    set_status(seq, {{"phase", "Failed"}, {"reason", refusal_[0]}, {"message", refusal_[1]}, {"unschedulable", true},
                     {"finishTime", engine_.now()}},
               true);
  }
}

void PodStatusWriter::on_deleted(const ObjectPtr& obj) {
  auto it = by_key_.find(obj->meta.ns + "/" + obj->meta.name);
  if (it == by_key_.end()) return;
  const std::uint64_t seq = it->second.seq;
  const bool live = by_seq_.count(seq) && cp_.find(seq) != nullptr;
  by_seq_.erase(seq);
  by_key_.erase(it);
  if (live) cp_.terminate(seq, PodTermination{"Deleted", 0, 0, false, false});
}

void PodStatusWriter::set_status(std::uint64_t seq, nlohmann::json fields, bool final) {
  auto it = by_seq_.find(seq);
  const std::string key = it->second;
  if (final) by_seq_.erase(it);  // the unit is gone from the control plane; the write goes on
  Pod& pod = by_key_.at(key);
  if (!pod.desired.is_object()) pod.desired = nlohmann::json::object();
  for (auto& [k, v] : fields.items()) pod.desired[k] = v;
  flush(key);
}

void PodStatusWriter::flush(const std::string& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  Pod& pod = it->second;
  if (pod.in_flight || pod.desired == pod.written) return;
  pod.in_flight = true;
  nlohmann::json sent = pod.desired;
  api_.patch_status(client_, "Pod", pod.ns, pod.name, sent, [this, key, sent](const ApiReply& r) {
    auto p = by_key_.find(key);
    if (p == by_key_.end()) return;
    Pod& rec = p->second;
    rec.in_flight = false;
    if (r.status.code == 404) {  // deleted meanwhile
      if (!by_seq_.count(rec.seq)) by_key_.erase(p);
      return;
    }
    if (!r.status.ok()) {
      ++failed_writes_;
      engine_.schedule_in(ApiServer::client_backoff(++rec.failures), [this, key] { flush(key); });
      return;
    }
    rec.failures = 0;
    rec.written = sent;
    const std::string phase = rec.written.value("phase", "");
    if (rec.desired == rec.written && (phase == "Succeeded" || phase == "Failed")) {
      by_key_.erase(p);  // final and written: nothing more will happen to it
      return;
    }
    flush(key);
  });
}

void PodStatusWriter::draw_failure(const JobState& unit, Pod& pod) {
  ObjectPtr obj = pods_.get(pod.ns, pod.name);
  if (!obj || !obj->workload) return;
  const PodFailureSpec& f = obj->workload->failures;
  const auto k = static_cast<std::size_t>(starts_[pod.job]++);
  double after = -1;
  int code = f.exit_code;
  if (k < f.fail_at.size()) {
    after = f.fail_at[k].after;
    code = f.fail_at[k].exit_code;
  } else if (f.probability > 0 && random_.uniform01() < f.probability) {
    after = random_.uniform01() * (unit.expected_end - engine_.now());  // somewhere in its run
  }
  if (after < 0) return;
  const std::uint64_t seq = unit.seq;
  engine_.schedule_in(after, [this, seq, code] {
    const JobState* running = cp_.find(seq);
    if (running == nullptr || !running->started()) return;
    cp_.terminate(seq, PodTermination{"Error", 0, code, false, true});
  });
}

}  // namespace kubetwin::models
