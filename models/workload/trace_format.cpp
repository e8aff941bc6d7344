#include "models/workload/trace_format.hpp"

#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

std::vector<std::string> read_strings(StrictObject& o, std::string_view key, std::vector<sim::JsonIssue>& issues) {
  std::vector<std::string> out;
  const auto* list = o.array(key);
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    if ((*list)[i].is_string()) {
      out.push_back((*list)[i].get<std::string>());
    } else {
      issues.push_back({o.pointer_of(key) + "/" + std::to_string(i), "must be a string, not " + sim::json_type_name((*list)[i])});
    }
  }
  return out;
}

/// metav1.LabelSelector; absent means "matches nothing".
std::optional<LabelSelector> read_label_selector(StrictObject& parent, std::vector<sim::JsonIssue>& issues) {
  auto o = parent.object("labelSelector");
  if (!o || !o->valid()) return std::nullopt;
  LabelSelector sel;
  sel.match_labels = o->string_map("matchLabels");
  if (const auto* list = o->array("matchExpressions")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject e((*list)[i], o->pointer_of("matchExpressions") + "/" + std::to_string(i), issues);
      if (!e.valid()) continue;
      LabelSelectorRequirement r;
      r.key = e.string("key", Required::Yes).value_or("");
      if (e.has("key") && r.key.empty()) e.issue("key", "must not be empty");
      const auto op = e.enumeration("operator", {"In", "NotIn", "Exists", "DoesNotExist"}, Required::Yes);
      r.values = read_strings(e, "values", issues);
      if (op == "In" || op == "NotIn") {
        r.op = op == "In" ? LabelSelectorRequirement::Operator::In : LabelSelectorRequirement::Operator::NotIn;
        if (r.values.empty()) e.issue("values", "must list at least one value for operator " + *op);
      } else if (op) {
        r.op = op == "Exists" ? LabelSelectorRequirement::Operator::Exists : LabelSelectorRequirement::Operator::DoesNotExist;
        if (!r.values.empty()) e.issue("values", "must be empty for operator " + *op);
      }
      e.finish();
      sel.match_expressions.push_back(std::move(r));
    }
  }
  o->finish();
  return sel;
}

std::string read_topology_key(StrictObject& o) {
  std::string key = o.string("topologyKey", Required::Yes).value_or("");
  if (o.has("topologyKey") && key.empty()) o.issue("topologyKey", "must not be empty");
  return key;
}

std::vector<TopologySpreadConstraint> read_spread_constraints(StrictObject& pod, std::vector<sim::JsonIssue>& issues) {
  std::vector<TopologySpreadConstraint> out;
  const auto* list = pod.array("topologySpreadConstraints");
  if (list == nullptr) return out;
  const auto policy = [](StrictObject& o, std::string_view key, NodeInclusionPolicy fallback) {
    const auto v = o.enumeration(key, {"Honor", "Ignore"});
    if (!v) return fallback;
    return *v == "Honor" ? NodeInclusionPolicy::Honor : NodeInclusionPolicy::Ignore;
  };
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject c((*list)[i], pod.pointer_of("topologySpreadConstraints") + "/" + std::to_string(i), issues);
    if (!c.valid()) continue;
    TopologySpreadConstraint t;
    t.max_skew = static_cast<int>(c.integer("maxSkew", Required::Yes, 1, 1000000).value_or(1));
    t.topology_key = read_topology_key(c);
    const auto when = c.enumeration("whenUnsatisfiable", {"DoNotSchedule", "ScheduleAnyway"}, Required::Yes);
    t.when_unsatisfiable = when == "ScheduleAnyway" ? UnsatisfiableConstraintAction::ScheduleAnyway
                                                    : UnsatisfiableConstraintAction::DoNotSchedule;
    t.label_selector = read_label_selector(c, issues);
    if (auto m = c.integer("minDomains", Required::No, 1, 1000000)) t.min_domains = static_cast<int>(*m);
    if (t.min_domains && when == "ScheduleAnyway") {
      c.issue("minDomains", "can only be set with whenUnsatisfiable DoNotSchedule");
    }
    t.node_affinity_policy = policy(c, "nodeAffinityPolicy", NodeInclusionPolicy::Honor);
    t.node_taints_policy = policy(c, "nodeTaintsPolicy", NodeInclusionPolicy::Ignore);
    c.finish();
    out.push_back(std::move(t));
  }
  return out;
}

PodAffinityTerm read_affinity_term(StrictObject& o, std::vector<sim::JsonIssue>& issues) {
  PodAffinityTerm t;
  t.label_selector = read_label_selector(o, issues);
  t.topology_key = read_topology_key(o);
  return t;
}

/// podAffinity or podAntiAffinity.
PodAffinityRules read_affinity_rules(StrictObject& affinity, std::string_view key, std::vector<sim::JsonIssue>& issues) {
  PodAffinityRules rules;
  auto o = affinity.object(key);
  if (!o || !o->valid()) return rules;
  constexpr std::string_view kRequired = "requiredDuringSchedulingIgnoredDuringExecution";
  constexpr std::string_view kPreferred = "preferredDuringSchedulingIgnoredDuringExecution";
  if (const auto* list = o->array(kRequired)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject t((*list)[i], o->pointer_of(kRequired) + "/" + std::to_string(i), issues);
      if (!t.valid()) continue;
      rules.required.push_back(read_affinity_term(t, issues));
      t.finish();
    }
  }
  if (const auto* list = o->array(kPreferred)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject w((*list)[i], o->pointer_of(kPreferred) + "/" + std::to_string(i), issues);
      if (!w.valid()) continue;
      WeightedPodAffinityTerm wt;
      wt.weight = static_cast<int>(w.integer("weight", Required::Yes, 1, 100).value_or(1));
      if (auto t = w.object("podAffinityTerm", Required::Yes); t && t->valid()) {
        wt.term = read_affinity_term(*t, issues);
        t->finish();
      }
      w.finish();
      rules.preferred.push_back(std::move(wt));
    }
  }
  o->finish();
  return rules;
}

// pod.spec.resourceClaims: DRA claims by name; the objects themselves are in the scenario.
std::vector<PodResourceClaim> read_resource_claims(StrictObject& pod, std::vector<sim::JsonIssue>& issues) {
  std::vector<PodResourceClaim> out;
  const auto* list = pod.array("resourceClaims");
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject c((*list)[i], pod.pointer_of("resourceClaims") + "/" + std::to_string(i), issues);
    if (!c.valid()) continue;
    PodResourceClaim rc;
    rc.name = c.string("name", Required::Yes).value_or("");
    rc.resource_claim_name = c.string("resourceClaimName").value_or("");
    rc.resource_claim_template_name = c.string("resourceClaimTemplateName").value_or("");
    if (rc.resource_claim_name.empty() == rc.resource_claim_template_name.empty()) {
      c.issue("", "must give exactly one of resourceClaimName or resourceClaimTemplateName");
    }
    for (const auto& other : out) {
      if (!rc.name.empty() && other.name == rc.name) c.issue("name", "duplicate resource claim name \"" + rc.name + "\"");
    }
    c.finish();
    out.push_back(std::move(rc));
  }
  return out;
}

PodAffinity read_pod_affinity(StrictObject& pod, std::vector<sim::JsonIssue>& issues) {
  PodAffinity out;
  auto a = pod.object("affinity");
  if (!a || !a->valid()) return out;
  out.pod_affinity = read_affinity_rules(*a, "podAffinity", issues);
  out.pod_anti_affinity = read_affinity_rules(*a, "podAntiAffinity", issues);
  a->finish();
  return out;
}

nlohmann::json label_selector_json(const LabelSelector& sel) {
  nlohmann::json j = nlohmann::json::object();
  if (!sel.match_labels.empty()) j["matchLabels"] = sel.match_labels;
  if (!sel.match_expressions.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : sel.match_expressions) {
      using Op = LabelSelectorRequirement::Operator;
      nlohmann::json e;
      e["key"] = r.key;
      e["operator"] = r.op == Op::In ? "In" : r.op == Op::NotIn ? "NotIn" : r.op == Op::Exists ? "Exists" : "DoesNotExist";
      if (!r.values.empty()) e["values"] = r.values;
      list.push_back(e);
    }
    j["matchExpressions"] = list;
  }
  return j;
}

nlohmann::json affinity_term_json(const PodAffinityTerm& t) {
  nlohmann::json j = nlohmann::json::object();
  if (t.label_selector) j["labelSelector"] = label_selector_json(*t.label_selector);
  j["topologyKey"] = t.topology_key;
  return j;
}

nlohmann::json affinity_rules_json(const PodAffinityRules& rules) {
  nlohmann::json j = nlohmann::json::object();
  if (!rules.required.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : rules.required) list.push_back(affinity_term_json(t));
    j["requiredDuringSchedulingIgnoredDuringExecution"] = list;
  }
  if (!rules.preferred.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& w : rules.preferred) list.push_back({{"weight", w.weight}, {"podAffinityTerm", affinity_term_json(w.term)}});
    j["preferredDuringSchedulingIgnoredDuringExecution"] = list;
  }
  return j;
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
  if (auto t = r.integer("scheduleTimeoutSeconds", Required::No, 1, 365LL * 86400)) {
    job.schedule_timeout = static_cast<double>(*t);
  }
  job.scheduler_name = r.string("schedulerName").value_or(job.scheduler_name);
  if (job.scheduler_name.empty()) r.issue("schedulerName", "must not be empty");
  if (const auto* gates = r.array("schedulingGates")) {
    for (std::size_t i = 0; i < gates->size(); ++i) {
      StrictObject gate((*gates)[i], r.pointer_of("schedulingGates") + "/" + std::to_string(i), issues);
      if (auto name = gate.string("name", Required::Yes)) {
        if (name->empty()) gate.issue("name", "must not be empty");
        job.scheduling_gates.push_back(*name);
      }
      gate.finish();
    }
  }
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
        // Whole GPUs, or a share of one GPU in thousandths (0.25 = 250 milli-GPU, GPU sharing).
        if (auto gpus = req->number(kGpuResource, Required::No, 0, 1024)) {
          const double milli = *gpus * 1000.0;
          if (*gpus == std::floor(*gpus)) {
            g.requests.gpus = static_cast<std::int64_t>(*gpus);
          } else if (*gpus < 1 && std::abs(milli - std::round(milli)) < 1e-6) {
            g.requests.gpu_milli = std::llround(milli);
          } else {
            req->issue(kGpuResource, "must be whole GPUs or a share of one GPU in thousandths (0.001 to 0.999)");
          }
        }
        req->finish();
      }
      g.node_selector = p.string_map("nodeSelector");
      if (auto it = g.node_selector.find(kGpuProductLabel);
          it != g.node_selector.end() && catalog.find(it->second) == nullptr) {
        issues.push_back({p.pointer_of("nodeSelector") + "/" + sim::json_pointer_token(kGpuProductLabel),
                          "unknown GPU model \"" + it->second + "\" (known: " + catalog.names() + ")"});
      }
      g.tolerations = read_tolerations(p, issues);
      g.labels = p.string_map("labels");
      g.topology_spread_constraints = read_spread_constraints(p, issues);
      g.affinity = read_pod_affinity(p, issues);
      g.resource_claims = read_resource_claims(p, issues);
      if (auto image = p.object("image")) {
        g.image = image->string("name", Required::Yes).value_or("");
        if (g.image.empty() && image->has("name")) image->issue("name", "must not be empty");
        g.image_bytes = static_cast<std::int64_t>(image->quantity("size", Dimension::Bytes, Required::Yes).value_or(0));
        image->finish();
      }
      if (auto topology = p.object("topology")) {
        for (const char* key : {"required", "preferred"}) {
          const std::string level = topology->string(key).value_or("");
          if (level.empty() && topology->has(key)) topology->issue(key, "must name a node label key");
          (std::string_view(key) == "required" ? g.topology.required : g.topology.preferred) = level;
        }
        if (!topology->has("required") && !topology->has("preferred")) topology->issue("", "must give \"required\" or \"preferred\" (a node label key)");
        topology->finish();
      }
      p.finish();
      job.pods.push_back(std::move(g));
    }
  }
  if (job.min_member > 0 && !job.pods.empty() && job.min_member > job.total_pods()) {
    r.issue("minMember", "is " + std::to_string(job.min_member) + " but the job has only " +
                             std::to_string(job.total_pods()) + " pods");
  }
  if (job.work && job.total_requests().total_gpu_milli() == 0) {
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
  if (job.schedule_timeout) r["scheduleTimeoutSeconds"] = static_cast<std::int64_t>(*job.schedule_timeout);
  if (job.scheduler_name != "default-scheduler") r["schedulerName"] = job.scheduler_name;
  if (!job.scheduling_gates.empty()) {
    nlohmann::json gates = nlohmann::json::array();
    for (const auto& g : job.scheduling_gates) gates.push_back({{"name", g}});
    r["schedulingGates"] = gates;
  }
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
    if (g.requests.gpu_milli > 0) req[kGpuResource] = static_cast<double>(g.requests.gpu_milli) / 1000.0;
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
    if (!g.labels.empty()) p["labels"] = g.labels;
    if (!g.topology_spread_constraints.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& c : g.topology_spread_constraints) {
        nlohmann::json cj;
        cj["maxSkew"] = c.max_skew;
        cj["topologyKey"] = c.topology_key;
        cj["whenUnsatisfiable"] =
            c.when_unsatisfiable == UnsatisfiableConstraintAction::ScheduleAnyway ? "ScheduleAnyway" : "DoNotSchedule";
        if (c.label_selector) cj["labelSelector"] = label_selector_json(*c.label_selector);
        if (c.min_domains) cj["minDomains"] = *c.min_domains;
        if (c.node_affinity_policy != NodeInclusionPolicy::Honor) cj["nodeAffinityPolicy"] = "Ignore";
        if (c.node_taints_policy != NodeInclusionPolicy::Ignore) cj["nodeTaintsPolicy"] = "Honor";
        list.push_back(cj);
      }
      p["topologySpreadConstraints"] = list;
    }
    if (!g.affinity.empty()) {
      nlohmann::json a = nlohmann::json::object();
      if (!g.affinity.pod_affinity.empty()) a["podAffinity"] = affinity_rules_json(g.affinity.pod_affinity);
      if (!g.affinity.pod_anti_affinity.empty()) a["podAntiAffinity"] = affinity_rules_json(g.affinity.pod_anti_affinity);
      p["affinity"] = a;
    }
    if (!g.resource_claims.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& c : g.resource_claims) {
        nlohmann::json cj;
        cj["name"] = c.name;
        if (!c.resource_claim_name.empty()) cj["resourceClaimName"] = c.resource_claim_name;
        if (!c.resource_claim_template_name.empty()) cj["resourceClaimTemplateName"] = c.resource_claim_template_name;
        list.push_back(cj);
      }
      p["resourceClaims"] = list;
    }
    if (!g.image.empty()) p["image"] = {{"name", g.image}, {"size", g.image_bytes}};
    if (!g.topology.empty()) {
      nlohmann::json t = nlohmann::json::object();
      if (!g.topology.required.empty()) t["required"] = g.topology.required;
      if (!g.topology.preferred.empty()) t["preferred"] = g.topology.preferred;
      p["topology"] = t;
    }
    pods.push_back(p);
  }
  r["pods"] = pods;
  return r;
}

}  // namespace kubetwin::models
