#include "models/workload/trace_format.hpp"

#include "models/cluster/node_pool.hpp"

namespace kubetwin::models {

namespace {

using sim::Dimension;
using sim::Required;
using sim::StrictObject;

std::vector<Toleration> read_tolerations(StrictObject& pod, std::vector<sim::JsonIssue>& issues) {
  std::vector<Toleration> out;
  const auto* list = pod.array("tolerations");
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject t((*list)[i], pod.pointer_of("tolerations") + "/" + std::to_string(i), issues);
    Toleration tol;
    tol.key = t.string("key").value_or("");
    const auto op = t.enumeration("operator", {"Equal", "Exists"}).value_or("Equal");
    tol.op = op == "Exists" ? Toleration::Operator::Exists : Toleration::Operator::Equal;
    tol.value = t.string("value").value_or("");
    if (auto e = t.enumeration("effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"})) {
      tol.any_effect = false;
      tol.effect = *parse_taint_effect(*e);
    }
    t.number("tolerationSeconds");  // accepted for compatibility; evictions are not modelled yet
    if (tol.key.empty() && tol.op == Toleration::Operator::Equal && t.valid()) {
      t.issue("operator", "must be Exists when key is empty");
    }
    t.finish();
    out.push_back(std::move(tol));
  }
  return out;
}

}  // namespace

JobSpec read_job_record(const nlohmann::json& record, const std::string& pointer,
                        const GpuCatalog& catalog, std::vector<sim::JsonIssue>& issues) {
  JobSpec job;
  StrictObject r(record, pointer, issues);
  if (!r.valid()) return job;
  job.id = r.string("jobId", Required::Yes).value_or("");
  if (r.has("jobId") && job.id.empty()) r.issue("jobId", "must not be empty");
  job.submit_time = r.quantity("submitTime", Dimension::Time, Required::Yes).value_or(0);
  job.queue = r.string("queue").value_or("default");
  job.priority = static_cast<std::int32_t>(
      r.integer("priority", Required::No, -2000000000, 2000000000).value_or(0));
  job.min_member = static_cast<int>(r.integer("minMember", Required::No, 1, 1000000).value_or(0));
  job.duration = r.quantity("duration", Dimension::Time, Required::No, 0);
  job.work = r.quantity("work", Dimension::Flops, Required::No, 0);
  if (r.has("duration") == r.has("work")) {
    r.issue("", "must give exactly one of \"duration\" (seconds) or \"work\" (FLOP)");
  }

  if (const auto* pods = r.array("pods", Required::Yes)) {
    if (pods->empty()) r.issue("pods", "must list at least one pod group");
    for (std::size_t i = 0; i < pods->size(); ++i) {
      StrictObject p((*pods)[i], r.pointer_of("pods") + "/" + std::to_string(i), issues);
      if (!p.valid()) continue;
      PodGroupSpec g;
      g.name = p.string("name").value_or(pods->size() == 1 ? "pod" : "group" + std::to_string(i));
      g.replicas = static_cast<int>(p.integer("replicas", Required::No, 1, 1000000).value_or(1));
      if (auto req = p.object("requests", Required::Yes)) {
        g.requests.cpu_milli = req->cpu_millis("cpu").value_or(0);
        g.requests.memory_bytes =
            static_cast<std::int64_t>(req->quantity("memory", Dimension::Bytes).value_or(0));
        g.requests.gpus = req->integer(kGpuResource, Required::No, 0, 1024).value_or(0);
        req->finish();
      }
      g.node_selector = p.string_map("nodeSelector");
      if (auto it = g.node_selector.find(kGpuProductLabel);
          it != g.node_selector.end() && catalog.find(it->second) == nullptr) {
        issues.push_back({p.pointer_of("nodeSelector") + "/" + sim::json_pointer_token(kGpuProductLabel),
                          "unknown GPU model \"" + it->second + "\" (known: " + catalog.names() + ")"});
      }
      g.tolerations = read_tolerations(p, issues);
      p.finish();
      job.pods.push_back(std::move(g));
    }
  }
  if (job.min_member > 0 && !job.pods.empty() && job.min_member > job.total_pods()) {
    r.issue("minMember", "is " + std::to_string(job.min_member) + " but the job has only " +
                             std::to_string(job.total_pods()) + " pods");
  }
  if (job.work && job.total_requests().gpus == 0) {
    r.issue("work", "needs GPUs to run on: request nvidia.com/gpu or give a duration instead");
  }
  r.finish();
  return job;
}

nlohmann::json job_record(const JobSpec& job) {
  nlohmann::json r = nlohmann::json::object();
  r["jobId"] = job.id;
  r["submitTime"] = job.submit_time;
  if (job.queue != "default") r["queue"] = job.queue;
  if (job.priority != 0) r["priority"] = job.priority;
  if (job.min_member > 0) r["minMember"] = job.min_member;
  if (job.duration) r["duration"] = *job.duration;
  if (job.work) r["work"] = *job.work;
  nlohmann::json pods = nlohmann::json::array();
  for (const auto& g : job.pods) {
    nlohmann::json p;
    p["name"] = g.name;
    if (g.replicas != 1) p["replicas"] = g.replicas;
    nlohmann::json req = nlohmann::json::object();
    if (g.requests.cpu_milli % 1000 == 0) {
      req["cpu"] = std::to_string(g.requests.cpu_milli / 1000);
    } else {
      req["cpu"] = std::to_string(g.requests.cpu_milli) + "m";
    }
    req["memory"] = g.requests.memory_bytes % (1LL << 30) == 0
                        ? std::to_string(g.requests.memory_bytes >> 30) + "Gi"
                        : std::to_string(g.requests.memory_bytes);
    if (g.requests.gpus > 0) req[kGpuResource] = g.requests.gpus;
    p["requests"] = req;
    if (!g.node_selector.empty()) p["nodeSelector"] = g.node_selector;
    if (!g.tolerations.empty()) {
      nlohmann::json tols = nlohmann::json::array();
      for (const auto& t : g.tolerations) {
        nlohmann::json tj;
        if (!t.key.empty()) tj["key"] = t.key;
        tj["operator"] = t.op == Toleration::Operator::Exists ? "Exists" : "Equal";
        if (!t.value.empty()) tj["value"] = t.value;
        if (!t.any_effect) tj["effect"] = taint_effect_name(t.effect);
        tols.push_back(tj);
      }
      p["tolerations"] = tols;
    }
    pods.push_back(p);
  }
  r["pods"] = pods;
  return r;
}

}  // namespace kubetwin::models
