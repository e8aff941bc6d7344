#include "models/workload/trace_format.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "sim/input_error.hpp"

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
    t.number("tolerationSeconds");  // accepted; node-fault evictions do not honour it yet (docs/controllers.md)
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

// An nvidia.com/gpu quantity: whole GPUs, or a share of one GPU in thousandths (0.25 = 250 milli-GPU).
void read_gpu_quantity(StrictObject& o, std::int64_t& gpus, std::int64_t& gpu_milli) {
  if (auto value = o.number(kGpuResource, Required::No, 0, 1024)) {
    const double milli = *value * 1000.0;
    if (*value == std::floor(*value)) {
      gpus = static_cast<std::int64_t>(*value);
    } else if (*value < 1 && std::abs(milli - std::round(milli)) < 1e-6) {
      gpu_milli = std::llround(milli);
    } else {
      o.issue(kGpuResource, "must be whole GPUs or a share of one GPU in thousandths (0.001 to 0.999)");
    }
  }
}

// pod.spec.containers: which of the pod's GPUs and claims each container holds (docs/scenario-format.md).
std::vector<ContainerSpec> read_containers(StrictObject& pod, const Resources& pod_requests,
                                           const std::vector<PodResourceClaim>& claims, std::vector<sim::JsonIssue>& issues) {
  std::vector<ContainerSpec> out;
  const auto* list = pod.array("containers");
  if (list == nullptr) return out;
  if (list->empty()) pod.issue("containers", "must list at least one container");
  std::int64_t milli = 0;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject c((*list)[i], pod.pointer_of("containers") + "/" + std::to_string(i), issues);
    if (!c.valid()) continue;
    ContainerSpec spec;
    spec.name = c.string("name", Required::Yes).value_or("");
    if (spec.name.empty() && c.has("name")) c.issue("name", "must not be empty");
    for (const auto& other : out) {
      if (!spec.name.empty() && other.name == spec.name) c.issue("name", "duplicate container name \"" + spec.name + "\"");
    }
    if (auto res = c.object("resources"); res && res->valid()) {
      // Extended resources: requests default to limits, and must equal them where both are given.
      std::optional<std::pair<std::int64_t, std::int64_t>> requests, limits;
      for (const char* key : {"requests", "limits"}) {
        if (auto q = res->object(key); q && q->valid()) {
          std::int64_t gpus = 0, gpu_milli = 0;
          read_gpu_quantity(*q, gpus, gpu_milli);
          q->finish();
          (std::string_view(key) == "requests" ? requests : limits) = std::make_pair(gpus, gpu_milli);
        }
      }
      if (requests && limits && *requests != *limits) res->issue("limits", "nvidia.com/gpu must equal the request");
      std::tie(spec.gpus, spec.gpu_milli) = requests ? *requests : limits.value_or(std::make_pair(std::int64_t{0}, std::int64_t{0}));
      if (const auto* refs = res->array("claims")) {
        for (std::size_t k = 0; k < refs->size(); ++k) {
          StrictObject r((*refs)[k], res->pointer_of("claims") + "/" + std::to_string(k), issues);
          if (!r.valid()) continue;
          const std::string name = r.string("name", Required::Yes).value_or("");
          if (!name.empty() && std::none_of(claims.begin(), claims.end(), [&](const auto& e) { return e.name == name; })) {
            r.issue("name", "names no entry of the pod's resourceClaims");
          }
          r.finish();
          if (!name.empty()) spec.claims.push_back(name);
        }
      }
      res->finish();
    }
    if (pod_requests.gpu_milli > 0 ? spec.gpus > 0 : spec.gpu_milli > 0) {
      c.issue("resources", "nvidia.com/gpu must be a share of a GPU when the pod asks for a share, whole GPUs otherwise");
    }
    milli += spec.gpus * 1000 + spec.gpu_milli;
    spec.device_access_attempts = read_strings(c, "deviceAccessAttempts", issues);
    for (std::size_t k = 0; k < spec.device_access_attempts.size(); ++k) {
      if (spec.device_access_attempts[k].empty()) {
        issues.push_back({c.pointer_of("deviceAccessAttempts") + "/" + std::to_string(k), "must name a device or be \"all\""});
      }
    }
    c.finish();
    out.push_back(std::move(spec));
  }
  if (const std::int64_t want = pod_requests.gpus * 1000 + pod_requests.gpu_milli; !out.empty() && milli != want) {
    pod.issue("containers", "the containers' nvidia.com/gpu add up to " + std::to_string(milli) + " milli-GPU, the pod's requests to " +
                                std::to_string(want));
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

// `perf`: a training run ({"model", "tp", "pp", ...}) or a simple step profile
// ({"computeSecondsPerStep", "commBytesPerStep", ...}); `gpus` is the job's whole GPUs.
std::optional<PerfProfile> read_perf(StrictObject& job, std::int64_t gpus, std::vector<sim::JsonIssue>& issues) {
  auto o = job.object("perf");
  if (!o || !o->valid()) return std::nullopt;
  PerfProfile p;
  const std::size_t before = issues.size();
  p.iterations = o->integer("iterations", Required::Yes, 1, std::int64_t{1} << 50).value_or(1);
  if (o->has("model") == o->has("computeSecondsPerStep")) {
    o->issue("", "must give exactly one of \"model\" (a training run) or \"computeSecondsPerStep\" (a simple profile)");
  }
  if (const nlohmann::json* model = o->raw("model")) {
    TrainingPerf t;
    if (model->is_string()) {
      const TransformerSpec* m = ModelCatalog::builtin().find(model->get<std::string>());
      if (m == nullptr) {
        o->issue("model", "unknown model \"" + model->get<std::string>() + "\" (known: " + ModelCatalog::builtin().names() +
                              "), or give the model's fields inline");
      } else {
        t.model = *m;
      }
    } else {
      try {
        nlohmann::json named = *model;
        if (named.is_object() && !named.contains("name")) named["name"] = "inline";
        t.model = parse_transformer_spec(named, "", o->pointer_of("model"));
        t.inline_model = true;
      } catch (const sim::InputError& e) {
        for (const auto& line : e.lines()) {
          // parse_transformer_spec's lines read ": <pointer>: <message>"; keep the pointer.
          const std::string rest = line.rfind(": ", 0) == 0 ? line.substr(2) : line;
          const auto colon = rest.find(": ");
          issues.push_back({colon == std::string::npos ? o->pointer_of("model") : rest.substr(0, colon),
                            colon == std::string::npos ? rest : rest.substr(colon + 2)});
        }
      }
    }
    t.tp = static_cast<int>(o->integer("tp", Required::No, 1, 1024).value_or(1));
    t.pp = static_cast<int>(o->integer("pp", Required::No, 1, 1024).value_or(1));
    t.zero = static_cast<int>(o->integer("zero", Required::No, 0, 3).value_or(0));
    t.micro_batch = static_cast<int>(o->integer("microBatch", Required::No, 1, 1 << 20).value_or(1));
    t.global_batch = static_cast<int>(o->integer("globalBatch", Required::Yes, 1, 1 << 30).value_or(1));
    t.seq = static_cast<int>(o->integer("seq", Required::Yes, 1, 1 << 24).value_or(1));
    if (issues.size() == before && gpus > 0) {
      // The layout rules of TrainingStepModel::check, in the trace's words.
      const TransformerSpec& m = t.model;
      const std::int64_t mp = static_cast<std::int64_t>(t.tp) * t.pp;
      auto str = [](std::int64_t v) { return std::to_string(v); };
      if (gpus % mp != 0) {
        o->issue("tp", "tp x pp = " + str(mp) + " must divide the job's " + str(gpus) + " GPUs");
      } else if (m.heads % t.tp != 0 || m.ffn % t.tp != 0 || (m.kv_heads % t.tp != 0 && t.tp % m.kv_heads != 0)) {
        o->issue("tp", "must divide the model's heads (" + str(m.heads) + "), kv-heads and ffn");
      } else if (m.layers % t.pp != 0) {
        o->issue("pp", "must divide the model's layers (" + str(m.layers) + ")");
      } else if (t.global_batch % (gpus / mp) != 0) {
        o->issue("globalBatch", "must be divisible by the data-parallel size " + str(gpus / mp));
      } else if ((t.global_batch / (gpus / mp)) % t.micro_batch != 0) {
        o->issue("microBatch", "must divide the sequences per pipeline (globalBatch / data-parallel size = " +
                                   str(t.global_batch / (gpus / mp)) + ")");
      }
    }
    p.shape = t;
  } else if (o->has("computeSecondsPerStep")) {
    SimplePerf s;
    s.compute_seconds = o->quantity("computeSecondsPerStep", Dimension::Time, Required::Yes, 0).value_or(0);
    s.comm_bytes = o->quantity("commBytesPerStep", Dimension::Bytes, Required::No, 0).value_or(0);
    if (auto c = o->enumeration("collective", {"allReduce", "allGather", "reduceScatter", "allToAll"})) {
      s.collective = *c == "allGather"       ? StepCollective::AllGather
                     : *c == "reduceScatter" ? StepCollective::ReduceScatter
                     : *c == "allToAll"      ? StepCollective::AllToAll
                                             : StepCollective::AllReduce;
    }
    s.overlap = o->number("overlap", Required::No, 0, 1).value_or(0);
    p.shape = s;
  }
  o->finish();
  if (gpus == 0 && o->valid()) o->issue("", "needs GPUs to run on: request whole nvidia.com/gpu devices");
  return p;
}

nlohmann::json perf_json(const PerfProfile& p) {
  nlohmann::json j = nlohmann::json::object();
  if (const auto* t = std::get_if<TrainingPerf>(&p.shape)) {
    if (t->inline_model) {
      const TransformerSpec& m = t->model;
      j["model"] = {{"layers", m.layers}, {"hidden", m.hidden}, {"heads", m.heads}, {"kvHeads", m.kv_heads},
                    {"ffn", m.ffn}, {"vocab", m.vocab}};
      if (m.experts > 1) j["model"]["experts"] = m.experts, j["model"]["topK"] = m.top_k;
      j["model"]["mlp"] = m.mlp == MlpKind::SwiGlu ? "swiglu" : "gelu";
      j["model"]["norm"] = m.rms_norm ? "rmsnorm" : "layernorm";
      j["model"]["bias"] = m.bias;
      j["model"]["tiedEmbeddings"] = m.tied_embeddings;
      j["model"]["positionEmbeddings"] = m.position_embeddings;
      j["model"]["dropout"] = m.dropout;
    } else {
      j["model"] = t->model.name;
    }
    j["tp"] = t->tp;
    j["pp"] = t->pp;
    if (t->zero != 0) j["zero"] = t->zero;
    j["microBatch"] = t->micro_batch;
    j["globalBatch"] = t->global_batch;
    j["seq"] = t->seq;
  } else {
    const auto& s = std::get<SimplePerf>(p.shape);
    j["computeSecondsPerStep"] = s.compute_seconds;
    if (s.comm_bytes > 0) j["commBytesPerStep"] = s.comm_bytes;
    j["collective"] = to_string(s.collective);
    if (s.overlap > 0) j["overlap"] = s.overlap;
  }
  j["iterations"] = p.iterations;
  return j;
}

PodGroupSpec read_pod_group(StrictObject& p, const std::string& default_name, bool with_replicas,
                            const GpuCatalog& catalog, std::vector<sim::JsonIssue>& issues) {
  PodGroupSpec g;
  g.name = p.string("name").value_or(default_name);
  if (with_replicas) g.replicas = static_cast<int>(p.integer("replicas", Required::No, 1, 1000000).value_or(1));
  if (auto req = p.object("requests", Required::Yes)) {
    g.requests.cpu_milli = req->cpu_millis("cpu").value_or(0);
    g.requests.memory_bytes =
        static_cast<std::int64_t>(req->quantity("memory", Dimension::Bytes).value_or(0));
    // Whole GPUs, or a share of one GPU (GPU sharing).
    read_gpu_quantity(*req, g.requests.gpus, g.requests.gpu_milli);
    req->finish();
  }
  g.node_selector = p.string_map("nodeSelector");
  if (auto it = g.node_selector.find(kGpuProductLabel);
      it != g.node_selector.end() && catalog.find(it->second) == nullptr) {
    issues.push_back({p.pointer_of("nodeSelector") + "/" + sim::json_pointer_token(kGpuProductLabel),
                      "unknown GPU model \"" + it->second + "\" (known: " + catalog.names() + ")"});
  }
  if (auto cuda = p.string("requiresCuda")) {
    g.requires_cuda = CudaVersion::parse(*cuda);
    if (!g.requires_cuda) p.issue("requiresCuda", "must be a CUDA version <major>.<minor>, such as \"12.4\", got \"" + *cuda + "\"");
  }
  g.tolerations = read_tolerations(p, issues);
  g.labels = p.string_map("labels");
  g.topology_spread_constraints = read_spread_constraints(p, issues);
  g.affinity = read_pod_affinity(p, issues);
  g.resource_claims = read_resource_claims(p, issues);
  g.containers = read_containers(p, g.requests, g.resource_claims, issues);
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
  return g;
}

PodFailurePolicyRule read_policy_rule(StrictObject& r, std::vector<sim::JsonIssue>& issues) {
  PodFailurePolicyRule rule;
  if (auto a = r.enumeration("action", {"FailJob", "Ignore", "Count"}, Required::Yes)) {
    rule.action = *a == "FailJob" ? PodFailurePolicyRule::Action::FailJob
                  : *a == "Ignore" ? PodFailurePolicyRule::Action::Ignore
                                   : PodFailurePolicyRule::Action::Count;
  }
  if (r.has("onExitCodes") == r.has("onPodConditions")) {
    r.issue("", "must give exactly one of \"onExitCodes\" or \"onPodConditions\"");
  }
  if (auto codes = r.object("onExitCodes")) {
    rule.exit_codes_not_in = codes->enumeration("operator", {"In", "NotIn"}, Required::Yes).value_or("In") == "NotIn";
    if (const auto* values = codes->array("values", Required::Yes)) {
      if (values->empty()) codes->issue("values", "must list at least one exit code");
      for (std::size_t i = 0; i < values->size(); ++i) {
        const auto& v = (*values)[i];
        if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 255) {
          issues.push_back({codes->pointer_of("values") + "/" + std::to_string(i), "must be an exit code from 0 to 255"});
        } else {
          rule.exit_codes.push_back(v.get<int>());
        }
      }
    }
    codes->finish();
  }
  if (const auto* conditions = r.array("onPodConditions")) {
    if (conditions->empty()) r.issue("onPodConditions", "must list at least one condition");
    for (std::size_t i = 0; i < conditions->size(); ++i) {
      StrictObject c((*conditions)[i], r.pointer_of("onPodConditions") + "/" + std::to_string(i), issues);
      c.enumeration("type", {"DisruptionTarget"}, Required::Yes);
      c.enumeration("status", {"True"});
      c.finish();
    }
    rule.on_disruption = true;
  }
  r.finish();
  return rule;
}

// The batch/v1 Job fields and simulated failures; any of them hands the job to the Job controller.
void read_batch_fields(StrictObject& r, JobSpec& job, std::vector<sim::JsonIssue>& issues) {
  const bool opted_in = r.has("completions") || r.has("parallelism") || r.has("completionMode") ||
                        r.has("backoffLimit") || r.has("activeDeadlineSeconds") || r.has("podFailurePolicy") ||
                        r.has("failures");
  if (!opted_in) return;
  BatchJobSpec b;
  const int pods = job.pods.empty() ? 1 : (job.min_member > 0 ? job.total_pods() : job.pods[0].replicas);
  b.parallelism = static_cast<int>(r.integer("parallelism", Required::No, 1, 1000000).value_or(pods));
  b.completions = static_cast<int>(r.integer("completions", Required::No, 1, 10000000).value_or(b.parallelism));
  b.indexed = r.enumeration("completionMode", {"NonIndexed", "Indexed"}).value_or("NonIndexed") == "Indexed";
  b.backoff_limit = static_cast<int>(r.integer("backoffLimit", Required::No, 0, 1000000).value_or(6));
  if (auto d = r.integer("activeDeadlineSeconds", Required::No, 1, 100LL * 365 * 86400)) {
    b.active_deadline = static_cast<double>(*d);
  }
  if (auto policy = r.object("podFailurePolicy")) {
    if (const auto* rules = policy->array("rules", Required::Yes)) {
      for (std::size_t i = 0; i < rules->size(); ++i) {
        StrictObject rule((*rules)[i], policy->pointer_of("rules") + "/" + std::to_string(i), issues);
        if (rule.valid()) b.pod_failure_policy.push_back(read_policy_rule(rule, issues));
      }
    }
    policy->finish();
  }
  if (auto f = r.object("failures")) {
    job.failures.probability = f->number("podFailureProbability", Required::No, 0, 1).value_or(0);
    job.failures.exit_code = static_cast<int>(f->integer("exitCode", Required::No, 1, 255).value_or(1));
    if (const auto* list = f->array("failAt")) {
      for (std::size_t i = 0; i < list->size(); ++i) {
        StrictObject at((*list)[i], f->pointer_of("failAt") + "/" + std::to_string(i), issues);
        PodFailAt entry;
        entry.after = at.quantity("after", Dimension::Time, Required::Yes).value_or(0);
        entry.exit_code = static_cast<int>(at.integer("exitCode", Required::No, 1, 255).value_or(job.failures.exit_code));
        at.finish();
        job.failures.fail_at.push_back(entry);
      }
    }
    f->finish();
  }
  if (job.min_member > 0) {
    if (b.parallelism != job.total_pods() || b.completions != job.total_pods()) {
      r.issue(r.has("completions") ? "completions" : "parallelism",
              "a gang (minMember) runs all its " + std::to_string(job.total_pods()) +
                  " pods together: parallelism and completions must both be that");
    }
    if (b.indexed) r.issue("completionMode", "Indexed is not supported for a gang");
  } else if (job.pods.size() > 1) {
    r.issue("pods", "a job run by the Job controller (completions, parallelism, backoffLimit, podFailurePolicy, "
                    "failures...) has one pod group; use a JobSet for several roles");
  }
  if (b.indexed && !r.has("completions")) r.issue("completionMode", "Indexed needs completions");
  job.batch = std::move(b);
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
  if (const auto* deps = r.array("dependsOn")) {
    for (std::size_t i = 0; i < deps->size(); ++i) {
      const std::string ptr = r.pointer_of("dependsOn") + "/" + std::to_string(i);
      const auto& d = (*deps)[i];
      if (!d.is_string() || d.get<std::string>().empty()) {
        issues.push_back({ptr, "must be the jobId of an earlier job"});
      } else if (d.get<std::string>() == job.id) {
        issues.push_back({ptr, "a job cannot depend on itself"});
      } else if (std::find(job.depends_on.begin(), job.depends_on.end(), d.get<std::string>()) != job.depends_on.end()) {
        issues.push_back({ptr, "\"" + d.get<std::string>() + "\" is listed twice"});
      } else {
        job.depends_on.push_back(d.get<std::string>());
      }
    }
  }
  job.duration = r.quantity("duration", Dimension::Time, Required::No, 0);
  job.work = r.quantity("work", Dimension::Flops, Required::No, 0);
  if (int(r.has("duration")) + int(r.has("work")) + int(r.has("perf")) != 1) {
    r.issue("", "must give exactly one of \"duration\" (seconds), \"work\" (FLOP) or \"perf\" (a training profile)");
  }

  if (const auto* pods = r.array("pods", Required::Yes)) {
    if (pods->empty()) r.issue("pods", "must list at least one pod group");
    for (std::size_t i = 0; i < pods->size(); ++i) {
      StrictObject p((*pods)[i], r.pointer_of("pods") + "/" + std::to_string(i), issues);
      if (!p.valid()) continue;
      PodGroupSpec g = read_pod_group(p, pods->size() == 1 ? "pod" : "group" + std::to_string(i), true, catalog, issues);
      job.pods.push_back(std::move(g));
    }
  }
  if (job.min_member > 0 && !job.pods.empty() && job.min_member > job.total_pods()) {
    r.issue("minMember", "is " + std::to_string(job.min_member) + " but the job has only " +
                             std::to_string(job.total_pods()) + " pods");
  }
  if (r.has("perf")) {
    const Resources total = job.total_requests();
    job.perf = read_perf(r, total.gpu_milli > 0 ? 0 : total.gpus, issues);
  }
  if (job.work && job.total_requests().total_gpu_milli() == 0) {
    r.issue("work", "needs GPUs to run on: request nvidia.com/gpu or give a duration instead");
  }
  read_batch_fields(r, job, issues);
  r.finish();
  return job;
}

PodGroupSpec read_pod_template(const nlohmann::json& value, const std::string& pointer, const std::string& name,
                               const GpuCatalog& catalog, std::vector<sim::JsonIssue>& issues) {
  StrictObject p(value, pointer, issues);
  if (!p.valid()) return {};
  return read_pod_group(p, name, false, catalog, issues);
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
  if (!job.depends_on.empty()) r["dependsOn"] = job.depends_on;
  if (job.duration) r["duration"] = *job.duration;
  if (job.work) r["work"] = *job.work;
  if (job.perf) r["perf"] = perf_json(*job.perf);
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
    if (g.requires_cuda) p["requiresCuda"] = g.requires_cuda->text();
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
    if (!g.containers.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& c : g.containers) {
        nlohmann::json cj = {{"name", c.name}};
        nlohmann::json resources = nlohmann::json::object();
        if (c.gpus > 0 || c.gpu_milli > 0) {
          resources["requests"][kGpuResource] =
              c.gpu_milli > 0 ? nlohmann::json(static_cast<double>(c.gpu_milli) / 1000.0) : nlohmann::json(c.gpus);
        }
        for (const auto& claim : c.claims) resources["claims"].push_back({{"name", claim}});
        if (!resources.empty()) cj["resources"] = resources;
        if (!c.device_access_attempts.empty()) cj["deviceAccessAttempts"] = c.device_access_attempts;
        list.push_back(cj);
      }
      p["containers"] = list;
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
  if (job.batch) {
    const BatchJobSpec& b = *job.batch;
    r["parallelism"] = b.parallelism;
    r["completions"] = b.completions;
    if (b.indexed) r["completionMode"] = "Indexed";
    r["backoffLimit"] = b.backoff_limit;
    if (b.active_deadline) r["activeDeadlineSeconds"] = static_cast<std::int64_t>(*b.active_deadline);
    if (!b.pod_failure_policy.empty()) {
      nlohmann::json rules = nlohmann::json::array();
      for (const auto& rule : b.pod_failure_policy) {
        nlohmann::json rj;
        rj["action"] = rule.action == PodFailurePolicyRule::Action::FailJob ? "FailJob"
                       : rule.action == PodFailurePolicyRule::Action::Ignore ? "Ignore"
                                                                              : "Count";
        if (rule.on_disruption) {
          rj["onPodConditions"] = nlohmann::json::array({{{"type", "DisruptionTarget"}}});
        } else {
          rj["onExitCodes"] = {{"operator", rule.exit_codes_not_in ? "NotIn" : "In"}, {"values", rule.exit_codes}};
        }
        rules.push_back(rj);
      }
      r["podFailurePolicy"] = {{"rules", rules}};
    }
  }
  if (job.failures.any() || job.failures.exit_code != 1) {
    nlohmann::json f = nlohmann::json::object();
    if (job.failures.probability > 0) f["podFailureProbability"] = job.failures.probability;
    if (job.failures.exit_code != 1) f["exitCode"] = job.failures.exit_code;
    if (!job.failures.fail_at.empty()) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& at : job.failures.fail_at) list.push_back({{"after", at.after}, {"exitCode", at.exit_code}});
      f["failAt"] = list;
    }
    r["failures"] = f;
  }
  return r;
}

}  // namespace kubetwin::models
