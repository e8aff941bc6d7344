#include "scenarios/scenario_loader.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "models/cluster/node_pool.hpp"
#include "models/metrics/observability_loader.hpp"
#include "models/networking/gateway_loader.hpp"
#include "models/perf/inference_step.hpp"
#include "models/perf/transformer_spec.hpp"
#include "models/queueing/queueing_loader.hpp"
#include "models/scheduling/plugin_registry.hpp"
#include "models/perf/transformer_spec.hpp"
#include "models/topology/fabric_file.hpp"
#include "models/workload/trace_format.hpp"
#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::scenarios {

extern const char* const kDefaultScenarioJson;  // generated from examples/default.json

namespace {

using sim::Dimension;
using sim::JsonIssue;
using sim::Required;
using sim::StrictObject;

// Counts the lines before byte `offset`, to turn a parser's byte position into a line number.
std::size_t line_of(const std::string& text, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending with a letter or digit.
bool is_dns_label(const std::string& s) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  for (char c : s) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

std::vector<models::Taint> read_taints(StrictObject& pool, std::vector<JsonIssue>& issues) {
  std::vector<models::Taint> out;
  const auto* list = pool.array("taints");
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject t((*list)[i], pool.pointer_of("taints") + "/" + std::to_string(i), issues);
    models::Taint taint;
    taint.key = t.string("key", Required::Yes).value_or("");
    taint.value = t.string("value").value_or("");
    const auto effect = t.enumeration("effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"}, Required::Yes);
    taint.effect = models::parse_taint_effect(effect.value_or("NoSchedule")).value_or(models::TaintEffect::NoSchedule);
    t.finish();
    out.push_back(std::move(taint));
  }
  return out;
}

std::vector<models::NodePoolSpec> read_platform(StrictObject& root, const models::GpuCatalog& catalog,
                                                models::dra::DraObjects& dra,
                                                std::vector<std::optional<models::DriverVersions>>& drivers,
                                                std::vector<JsonIssue>& issues) {
  std::vector<models::NodePoolSpec> pools;
  auto platform = root.object("platform", Required::Yes);
  if (!platform) return pools;
  const auto* list = platform->array("nodePools", Required::Yes);
  if (list != nullptr && list->empty()) platform->issue("nodePools", "must list at least one node pool");
  std::set<std::string> names;
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    StrictObject p((*list)[i], platform->pointer_of("nodePools") + "/" + std::to_string(i), issues);
    if (!p.valid()) continue;
    models::NodePoolSpec pool;
    pool.name = p.string("name", Required::Yes).value_or("");
    if (p.has("name") && !is_dns_label(pool.name)) {
      p.issue("name", "must be a lowercase DNS label (a-z, 0-9, '-'), got \"" + pool.name + "\"");
    } else if (!pool.name.empty() && !names.insert(pool.name).second) {
      p.issue("name", "duplicate node pool name \"" + pool.name + "\"");
    }
    // An autoscaled pool may start empty.
    pool.count = static_cast<int>(p.integer("count", Required::Yes, p.has("autoscaling") ? 0 : 1, 1000000).value_or(0));
    if (auto cap = p.object("capacity", Required::Yes)) {
      pool.capacity.cpu_milli = cap->cpu_millis("cpu", Required::Yes).value_or(0);
      if (cap->has("cpu") && pool.capacity.cpu_milli == 0) cap->issue("cpu", "must be greater than zero");
      pool.capacity.memory_bytes =
          static_cast<std::int64_t>(cap->quantity("memory", Dimension::Bytes, Required::Yes, 1).value_or(0));
      pool.capacity.gpus = cap->integer(models::kGpuResource, Required::No, 0, 1024).value_or(0);
      cap->finish();
    }
    pool.gpu_model = p.string("gpuModel").value_or("");
    if (!pool.gpu_model.empty() && catalog.find(pool.gpu_model) == nullptr) {
      p.issue("gpuModel", "unknown GPU model \"" + pool.gpu_model + "\" (known: " + catalog.names() + ")");
    } else if (pool.capacity.gpus > 0 && pool.gpu_model.empty() && p.valid()) {
      p.issue("gpuModel", "is required when the pool has GPUs");
    } else if (pool.capacity.gpus == 0 && !pool.gpu_model.empty()) {
      p.issue("gpuModel", "is set but capacity has no nvidia.com/gpu");
    }
    pool.labels = p.string_map("labels");
    pool.taints = read_taints(p, issues);
    if (auto as = p.object("autoscaling")) {
      models::PoolAutoscaling a;
      a.min_count = static_cast<int>(as->integer("minCount", Required::No, 0, 1000000).value_or(0));
      a.max_count = static_cast<int>(as->integer("maxCount", Required::Yes, 0, 1000000).value_or(0));
      if (as->valid() && a.max_count < a.min_count) as->issue("maxCount", "must be at least minCount");
      if (as->valid() && pool.count > a.max_count) as->issue("maxCount", "must be at least the pool's count");
      as->finish();
      pool.autoscaling = a;
    }
    models::dra::read_pool_resource_slices(p, pool.name, pool.capacity.gpus, dra, issues);
    drivers.push_back(models::read_pool_driver(p));
    if (drivers.back() && pool.capacity.gpus == 0) p.issue("driver", "is set but capacity has no nvidia.com/gpu");
    p.finish();
    pools.push_back(std::move(pool));
  }
  platform->finish();
  return pools;
}

std::vector<models::ResourceWeight> read_resources(StrictObject& o, std::vector<JsonIssue>& issues,
                                                   const std::vector<models::ResourceWeight>& fallback) {
  const auto* list = o.array("resources");
  if (list == nullptr) return fallback;
  std::vector<models::ResourceWeight> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject r((*list)[i], o.pointer_of("resources") + "/" + std::to_string(i), issues);
    models::ResourceWeight rw;
    rw.name = r.enumeration("name", {"cpu", "memory", models::kGpuResource}, Required::Yes).value_or("");
    rw.weight = static_cast<int>(r.integer("weight", Required::No, 1, 100).value_or(1));
    r.finish();
    out.push_back(rw);
  }
  return out;
}

// plugins.<point>: upstream merge rules. The defaults minus `disabled` ("*" disables them all),
// then `enabled` in order (a plugin already there keeps its place and takes the new weight).
std::vector<models::WeightedPlugin> read_plugin_set(StrictObject& plugins, models::ExtensionPoint ep,
                                                     std::vector<models::WeightedPlugin> defaults,
                                                     std::vector<JsonIssue>& issues) {
  const std::string_view point = models::extension_point_key(ep);
  const std::vector<std::string_view> registered = models::PluginRegistry::builtin().names_at(ep);
  auto set = plugins.object(point);
  if (!set) return defaults;
  auto known = [&](const std::string& name) {
    return std::find(registered.begin(), registered.end(), name) != registered.end();
  };
  std::string list;
  for (auto r : registered) list += (list.empty() ? "" : ", ") + std::string(r);
  if (const auto* disabled = set->array("disabled")) {
    for (std::size_t i = 0; i < disabled->size(); ++i) {
      StrictObject d((*disabled)[i], set->pointer_of("disabled") + "/" + std::to_string(i), issues);
      const std::string name = d.string("name", Required::Yes).value_or("");
      d.finish();
      if (name == "*") {
        defaults.clear();
      } else if (known(name)) {
        std::erase_if(defaults, [&](const auto& p) { return p.name == name; });
      } else if (d.valid()) {
        d.issue("name", "unknown " + std::string(point) + " plugin \"" + name + "\" (known: " + list + ")");
      }
    }
  }
  if (const auto* enabled = set->array("enabled")) {
    for (std::size_t i = 0; i < enabled->size(); ++i) {
      StrictObject e((*enabled)[i], set->pointer_of("enabled") + "/" + std::to_string(i), issues);
      models::WeightedPlugin wp;
      wp.name = e.string("name", Required::Yes).value_or("");
      wp.weight = static_cast<int>(e.integer("weight", Required::No, 1, 100).value_or(1));
      e.finish();
      if (!known(wp.name)) {
        if (e.valid() && !wp.name.empty()) e.issue("name", "unknown " + std::string(point) + " plugin \"" + wp.name + "\" (known: " + list + ")");
        continue;
      }
      auto it = std::find_if(defaults.begin(), defaults.end(), [&](const auto& p) { return p.name == wp.name; });
      if (it != defaults.end()) {
        it->weight = wp.weight;
      } else {
        defaults.push_back(wp);
      }
    }
  }
  set->finish();
  return defaults;
}

// TopologyAwareArgs: `levels` (node label keys, widest first; kubernetes.io/hostname only last)
// and `defaultPreferredLevel` (one of them, or "" for no preference).
void read_topology_aware_args(StrictObject& args, models::ProfileConfig& config, std::vector<JsonIssue>& issues) {
  if (const auto* levels = args.array("levels")) {
    std::vector<std::string> keys;
    for (std::size_t k = 0; k < levels->size(); ++k) {
      const std::string at = args.pointer_of("levels") + "/" + std::to_string(k);
      const auto& v = (*levels)[k];
      if (!v.is_string() || v.get<std::string>().empty()) {
        issues.push_back({at, "must be a node label key (a non-empty string)"});
      } else if (std::find(keys.begin(), keys.end(), v.get<std::string>()) != keys.end()) {
        issues.push_back({at, "\"" + v.get<std::string>() + "\" is listed twice"});
      } else if (!keys.empty() && keys.back() == models::kHostnameLabel) {
        issues.push_back({at, std::string("comes after ") + models::kHostnameLabel + ", which must be the narrowest level"});
      } else {
        keys.push_back(v.get<std::string>());
      }
    }
    if (levels->empty()) args.issue("levels", "must list at least one level");
    config.topology_levels = keys;
    // Without its own setting, the default preference follows the levels: the narrowest.
    config.topology_default_preferred = keys.empty() ? "" : keys.back();
  }
  if (auto preferred = args.string("defaultPreferredLevel")) {
    const auto& keys = config.topology_levels;
    if (!preferred->empty() && std::find(keys.begin(), keys.end(), *preferred) == keys.end()) {
      std::string known;
      for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
      args.issue("defaultPreferredLevel", "\"" + *preferred + "\" is not one of the levels (" + known + ", or \"\" for none)");
    }
    config.topology_default_preferred = *preferred;
  }
}

void read_plugin_config(StrictObject& profile, models::ProfileConfig& config, std::vector<JsonIssue>& issues) {
  const auto* list = profile.array("pluginConfig");
  if (list == nullptr) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject pc((*list)[i], profile.pointer_of("pluginConfig") + "/" + std::to_string(i), issues);
    const auto name =
        pc.enumeration("name", {"NodeResourcesFit", "NodeResourcesBalancedAllocation", "InterPodAffinity", "Coscheduling", "FGD",
                        "TopologyAware"},
                       Required::Yes);
    auto args = pc.object("args", Required::Yes);
    if (name && args && *name == "NodeResourcesFit") {
      if (auto strategy = args->object("scoringStrategy")) {
        if (auto type = strategy->enumeration("type", {"LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"})) {
          config.scoring = *type == "MostAllocated"            ? models::ScoringStrategy::MostAllocated
                           : *type == "RequestedToCapacityRatio" ? models::ScoringStrategy::RequestedToCapacityRatio
                                                                 : models::ScoringStrategy::LeastAllocated;
        }
        config.scoring_resources = read_resources(*strategy, issues, config.scoring_resources);
        if (auto ratio = strategy->object("requestedToCapacityRatio")) {
          if (const auto* shape = ratio->array("shape", Required::Yes)) {
            config.requested_to_capacity_shape.clear();
            int last = -1;
            for (std::size_t k = 0; k < shape->size(); ++k) {
              StrictObject pt((*shape)[k], ratio->pointer_of("shape") + "/" + std::to_string(k), issues);
              models::UtilizationShapePoint p;
              p.utilization = static_cast<int>(pt.integer("utilization", Required::Yes, 0, 100).value_or(0));
              p.score = static_cast<int>(pt.integer("score", Required::Yes, 0, 10).value_or(0));
              if (pt.valid() && p.utilization <= last) pt.issue("utilization", "must increase from point to point");
              last = p.utilization;
              pt.finish();
              config.requested_to_capacity_shape.push_back(p);
            }
            if (shape->empty()) ratio->issue("shape", "must have at least one point");
          }
          ratio->finish();
        }
        strategy->finish();
      }
    } else if (name && args && *name == "NodeResourcesBalancedAllocation") {
      config.balanced_resources = read_resources(*args, issues, config.balanced_resources);
    } else if (name && args && *name == "InterPodAffinity") {
      config.hard_pod_affinity_weight = static_cast<int>(
          args->integer("hardPodAffinityWeight", Required::No, 0, 100).value_or(config.hard_pod_affinity_weight));
    } else if (name && args && *name == "FGD") {
      // FGDArgs.typicalPods: the workload the fragmentation measure weighs (section 1.3 of the
      // protocol); without it the plugin learns the shapes of the pods it scores.
      if (const auto* typical = args->array("typicalPods", Required::Yes)) {
        config.fgd_typical_pods.clear();
        for (std::size_t k = 0; k < typical->size(); ++k) {
          StrictObject t((*typical)[k], args->pointer_of("typicalPods") + "/" + std::to_string(k), issues);
          models::TypicalPod tp;
          tp.cpu_milli = t.cpu_millis("cpu").value_or(0);
          if (auto gpus = t.number(models::kGpuResource, Required::No, 0, 64)) {
            if (*gpus == std::floor(*gpus)) {
              tp.gpus = static_cast<int>(*gpus);
              tp.gpu_milli = models::kMilliPerDevice;
            } else if (*gpus < 1) {
              tp.gpus = 1;
              tp.gpu_milli = static_cast<int>(std::lround(*gpus * 1000));
            } else {
              t.issue(models::kGpuResource, "must be whole GPUs or a share of one GPU in thousandths");
            }
          }
          tp.gpu_model = t.string("gpuModel").value_or("");
          tp.weight = t.number("weight", Required::Yes, 0).value_or(0);
          t.finish();
          config.fgd_typical_pods.push_back(tp);
        }
        if (typical->empty()) args->issue("typicalPods", "must list at least one pod");
      }
    } else if (name && args && *name == "TopologyAware") {
      read_topology_aware_args(*args, config, issues);
    } else if (name && args && *name == "Coscheduling") {
      config.permit_waiting_time_seconds = static_cast<double>(
          args->integer("permitWaitingTimeSeconds", Required::No, 0, 86400 * 365)
              .value_or(static_cast<std::int64_t>(config.permit_waiting_time_seconds)));
    }
    if (args) args->finish();
    pc.finish();
  }
}

models::ProfileConfig read_profile(StrictObject& profile, int percentage_of_nodes_to_score,
                                   std::vector<JsonIssue>& issues) {
  models::ProfileConfig config;
  config.percentage_of_nodes_to_score = percentage_of_nodes_to_score;
  config.scheduler_name = profile.string("schedulerName").value_or(config.scheduler_name);
  if (config.scheduler_name.empty()) profile.issue("schedulerName", "must not be empty");
  if (auto pct = profile.integer("percentageOfNodesToScore", Required::No, 0, 100)) {
    config.percentage_of_nodes_to_score = static_cast<int>(*pct);
  }
  if (auto plugins = profile.object("plugins")) {
    for (models::ExtensionPoint ep : models::kAllExtensionPoints) {
      config.at(ep) = read_plugin_set(*plugins, ep, config.at(ep), issues);
    }
    if (plugins->valid() && config.at(models::ExtensionPoint::QueueSort).size() != 1) {
      plugins->issue("queueSort", "a profile needs exactly one queueSort plugin");
    }
    if (plugins->valid() && config.at(models::ExtensionPoint::Bind).empty()) {
      plugins->issue("bind", "a profile needs a bind plugin (DefaultBinder)");
    }
    plugins->finish();
  }
  read_plugin_config(profile, config, issues);
  return config;
}

models::SchedulerConfig read_scheduler(StrictObject& root, std::vector<JsonIssue>& issues) {
  models::SchedulerConfig config;
  auto s = root.object("scheduler");
  if (!s) return config;
  if (auto q = s->enumeration("queueingStrategy", {"BestEffortFIFO", "StrictFIFO"})) {
    config.queueing = *q == "StrictFIFO" ? models::QueueingStrategy::StrictFIFO : models::QueueingStrategy::BestEffortFIFO;
  }
  const int percentage =
      static_cast<int>(s->integer("percentageOfNodesToScore", Required::No, 0, 100).value_or(0));
  config.profiles.front().percentage_of_nodes_to_score = percentage;
  config.queueing_hints = s->boolean("queueingHints").value_or(config.queueing_hints);
  if (const auto* profiles = s->array("profiles")) {
    if (profiles->empty()) s->issue("profiles", "must hold at least one profile");
    config.profiles.clear();
    for (std::size_t i = 0; i < profiles->size(); ++i) {
      StrictObject profile((*profiles)[i], s->pointer_of("profiles") + "/" + std::to_string(i), issues);
      if (!profile.valid()) continue;
      models::ProfileConfig p = read_profile(profile, percentage, issues);
      for (const auto& earlier : config.profiles) {
        if (earlier.scheduler_name == p.scheduler_name) {
          profile.issue("schedulerName", "\"" + p.scheduler_name + "\" names an earlier profile too");
        } else if (earlier.at(models::ExtensionPoint::QueueSort).size() == 1 &&
                   p.at(models::ExtensionPoint::QueueSort).size() == 1 &&
                   earlier.at(models::ExtensionPoint::QueueSort)[0].name != p.at(models::ExtensionPoint::QueueSort)[0].name) {
          profile.issue("plugins", "all profiles must use the same queueSort plugin (there is one queue)");
        }
      }
      profile.finish();
      config.profiles.push_back(std::move(p));
    }
    if (config.profiles.empty()) config.profiles.emplace_back();
  }
  s->finish();
  return config;
}

// A distribution given as two parallel arrays, {"<key>": [whole numbers in min..max], "weights":
// [numbers >= 0]}; replaces `values` and `weights` only when the object is valid.
template <class T>
void read_weighted_values(StrictObject& o, std::string_view key, std::int64_t min, std::int64_t max,
                          std::vector<T>& values, std::vector<double>& weights, std::vector<JsonIssue>& issues) {
  const auto* vs = o.array(key, Required::Yes);
  const auto* ws = o.array("weights", Required::Yes);
  if (vs != nullptr && ws != nullptr) {
    if (vs->size() != ws->size() || vs->empty()) {
      o.issue("weights", "must have one weight per entry of \"" + std::string(key) + "\" (and at least one)");
    } else {
      std::vector<T> new_values;
      std::vector<double> new_weights;
      const std::size_t before = issues.size();
      for (std::size_t i = 0; i < vs->size(); ++i) {
        const auto& v = (*vs)[i];
        const auto& w = (*ws)[i];
        if (!v.is_number_integer() || v.get<std::int64_t>() < min || v.get<std::int64_t>() > max) {
          issues.push_back({o.pointer_of(key) + "/" + std::to_string(i),
                            "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max)});
        } else if (!w.is_number() || w.get<double>() < 0) {
          issues.push_back({o.pointer_of("weights") + "/" + std::to_string(i), "must be a number >= 0"});
        } else {
          new_values.push_back(static_cast<T>(v.get<std::int64_t>()));
          new_weights.push_back(w.get<double>());
        }
      }
      if (issues.size() == before) {
        values = std::move(new_values);
        weights = std::move(new_weights);
      }
    }
  }
  o.finish();
}

models::SyntheticWorkloadSpec read_synthetic(StrictObject& s, const models::GpuCatalog& catalog,
                                             std::vector<JsonIssue>& issues) {
  models::SyntheticWorkloadSpec spec;
  spec.jobs = s.integer("jobs", Required::Yes, 1, 100000000).value_or(1);
  spec.load = s.number("load", Required::No, 1e-6, 100).value_or(spec.load);
  spec.mean_interarrival = s.quantity("meanInterarrival", Dimension::Time, Required::No, 0).value_or(0);
  if (s.has("load") && s.has("meanInterarrival")) s.issue("", "give \"load\" or \"meanInterarrival\", not both");
  if (auto size = s.object("jobSize")) {
    read_weighted_values(*size, "gpus", 1, 1 << 20, spec.gpus_per_job, spec.gpus_per_job_weights, issues);
  }
  if (auto d = s.object("duration")) {
    spec.duration_median = d->quantity("median", Dimension::Time, Required::No, 1e-3).value_or(spec.duration_median);
    spec.duration_sigma = d->number("sigma", Required::No, 0, 10).value_or(spec.duration_sigma);
    spec.duration_min = d->quantity("min", Dimension::Time, Required::No, 0).value_or(spec.duration_min);
    spec.duration_max = d->quantity("max", Dimension::Time, Required::No, 1e-3).value_or(spec.duration_max);
    if (spec.duration_min > spec.duration_max) d->issue("min", "must not exceed \"max\"");
    d->finish();
  }
  if (auto per = s.object("perGpu")) {
    spec.cpu_milli_per_gpu = per->cpu_millis("cpu").value_or(spec.cpu_milli_per_gpu);
    spec.memory_bytes_per_gpu =
        static_cast<std::int64_t>(per->quantity("memory", Dimension::Bytes).value_or(static_cast<double>(spec.memory_bytes_per_gpu)));
    per->finish();
  }
  spec.gpu_model = s.string("gpuModel").value_or("");
  if (auto prio = s.object("priority")) {
    read_weighted_values(*prio, "values", -2000000000, 2000000000, spec.priorities, spec.priority_weights, issues);
  }
  if (!spec.gpu_model.empty() && catalog.find(spec.gpu_model) == nullptr) {
    s.issue("gpuModel", "unknown GPU model \"" + spec.gpu_model + "\" (known: " + catalog.names() + ")");
  }
  s.finish();
  return spec;
}

Workload read_workload(StrictObject& root, const std::filesystem::path& base_dir,
                       const std::vector<models::NodePoolSpec>& pools, bool platform_valid,
                       const models::GpuCatalog& catalog, std::vector<JsonIssue>& issues) {
  auto w = root.object("workload", Required::Yes);
  if (!w) return InlineWorkload{};
  const int kinds = int(w->has("trace")) + int(w->has("jobs")) + int(w->has("synthetic"));
  if (kinds != 1) w->issue("", "must have exactly one of \"trace\", \"jobs\" or \"synthetic\"");
  Workload out = InlineWorkload{};
  if (auto trace = w->string("trace")) {
    std::filesystem::path p(*trace);
    out = TraceWorkload{p.is_absolute() ? p : base_dir / p};
  }
  if (const auto* jobs = w->array("jobs")) {
    InlineWorkload inline_jobs;
    std::set<std::string> ids;
    double last = 0;
    for (std::size_t i = 0; i < jobs->size(); ++i) {
      const std::string ptr = w->pointer_of("jobs") + "/" + std::to_string(i);
      const std::size_t before = issues.size();
      models::JobSpec job = models::read_job_record((*jobs)[i], ptr, catalog, issues);
      if (issues.size() != before) continue;
      if (job.submit_time < last) issues.push_back({ptr + "/submitTime", "jobs must be sorted by submit time"});
      if (!ids.insert(job.id).second) issues.push_back({ptr + "/jobId", "duplicate job id \"" + job.id + "\""});
      for (std::size_t k = 0; k < job.depends_on.size(); ++k) {
        // Only earlier jobs: that rules out cycles, and a streamed trace checks the same way.
        if (!ids.contains(job.depends_on[k]) || job.depends_on[k] == job.id) {
          issues.push_back({ptr + "/dependsOn/" + std::to_string(k), "\"" + job.depends_on[k] + "\" is not the jobId of an earlier job"});
        }
      }
      last = job.submit_time;
      inline_jobs.jobs.push_back(std::move(job));
    }
    if (kinds == 1) out = std::move(inline_jobs);
  }
  if (auto synthetic = w->object("synthetic")) {
    const std::size_t before = issues.size();
    auto spec = read_synthetic(*synthetic, catalog, issues);
    // Checked against the platform only when the platform itself is valid (no cascades).
    if (issues.size() == before && platform_valid) {
      const auto shape = models::SyntheticClusterShape::of(pools, spec.gpu_model);
      if (std::string why = models::SyntheticWorkload::problem(spec, shape); !why.empty()) {
        issues.push_back({w->pointer_of("synthetic") + (spec.gpu_model.empty() || shape.total_gpus > 0 ? "" : "/gpuModel"), why});
      }
    }
    if (kinds == 1) out = spec;
  }
  w->finish();
  return out;
}

// /fabric: a fabric description inline (the fabric file's fields; nodes, gpusPerNode and gpuModel
// default to the cluster's) or {"file": path}. Its servers are the cluster's node slots, in order.
std::optional<models::FabricSpec> read_fabric(StrictObject& root, const std::filesystem::path& base_dir,
                                              const std::vector<models::NodePoolSpec>& pools, bool platform_valid,
                                              const models::GpuCatalog& catalog, std::vector<JsonIssue>& issues) {
  auto f = root.object("fabric");
  if (!f || !f->valid()) return std::nullopt;
  int slots = 0;
  for (const auto& p : pools) slots += p.autoscaling ? std::max(p.count, p.autoscaling->max_count) : p.count;
  models::FabricSpec spec;
  spec.nodes = std::max(1, slots);
  spec.gpus_per_node = pools.empty() ? spec.gpus_per_node : static_cast<int>(std::max<std::int64_t>(1, pools[0].capacity.gpus));
  for (const auto& p : pools) {
    if (!p.gpu_model.empty()) {
      spec.gpu_model = p.gpu_model;
      break;
    }
  }
  const std::size_t before = issues.size();
  std::string where;  // the key a mismatch with the cluster is reported at
  if (auto file = f->string("file")) {
    std::filesystem::path path(*file);
    if (path.is_relative()) path = base_dir / path;
    try {
      spec = models::load_fabric_file(path, catalog);
    } catch (const sim::InputError& e) {
      for (const auto& line : e.lines()) f->issue("file", line);
    }
    f->finish();  // "file" stands alone
    where = "file";
  } else {
    models::read_fabric_object(*f, spec, /*nodes_required=*/false, catalog);
    f->finish();
    if (issues.size() == before) models::check_fabric_object(*f, spec, catalog);
  }
  if (issues.size() != before) return std::nullopt;
  if (platform_valid) {
    if (spec.nodes != slots) {
      f->issue(where.empty() ? "nodes" : where, "the fabric has " + std::to_string(spec.nodes) +
                                                  " servers but the cluster has " + std::to_string(slots) +
                                                  " node slots (every pool's nodes, autoscaled ones included)");
    }
    for (std::size_t i = 0; i < pools.size(); ++i) {
      if (pools[i].capacity.gpus != spec.gpus_per_node) {
        f->issue(where.empty() ? "gpusPerNode" : where,
                 "the fabric has " + std::to_string(spec.gpus_per_node) + " GPUs per server but node pool \"" +
                     pools[i].name + "\" has " + std::to_string(pools[i].capacity.gpus));
        break;
      }
    }
  }
  if (issues.size() != before) return std::nullopt;
  return spec;
}

// /faults: node faults by node name (<pool>-<i>, a node that exists at the start).
std::vector<models::NodeFault> read_faults(StrictObject& root, const std::vector<models::NodePoolSpec>& pools,
                                           std::vector<JsonIssue>& issues) {
  std::vector<models::NodeFault> out;
  const auto* list = root.array("faults");
  if (list == nullptr) return out;
  std::map<std::string, models::NodeIndex> nodes;
  models::NodeIndex first = 0;
  for (const auto& pool : pools) {
    for (int i = 0; i < pool.count; ++i) nodes[pool.name + "-" + std::to_string(i)] = first + static_cast<models::NodeIndex>(i);
    first += static_cast<models::NodeIndex>(pool.autoscaling ? pool.autoscaling->max_count : pool.count);
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject f((*list)[i], root.pointer_of("faults") + "/" + std::to_string(i), issues);
    if (!f.valid()) continue;
    models::NodeFault fault;
    const std::string node = f.string("node", Required::Yes).value_or("");
    if (auto it = nodes.find(node); it != nodes.end()) {
      fault.node = it->second;
    } else if (f.has("node") && !pools.empty()) {
      f.issue("node", "no node \"" + node + "\" exists at the start (nodes are named <pool>-<index>)");
    }
    fault.at = f.quantity("at", Dimension::Time, Required::Yes).value_or(0);
    fault.duration = f.quantity("duration", Dimension::Time, Required::No, 1e-9);
    fault.unreachable = f.enumeration("condition", {"NotReady", "Unknown"}).value_or("NotReady") == "Unknown";
    f.finish();
    out.push_back(fault);
  }
  return out;
}

models::HpaScalingRules read_scaling_rules(StrictObject& r, models::HpaScalingRules rules, std::vector<JsonIssue>& issues) {
  if (auto w = r.integer("stabilizationWindowSeconds", Required::No, 0, 3600)) rules.stabilization_window = static_cast<double>(*w);
  if (auto sel = r.enumeration("selectPolicy", {"Max", "Min", "Disabled"})) {
    rules.select = *sel == "Max" ? models::HpaScalingRules::Select::Max
                   : *sel == "Min" ? models::HpaScalingRules::Select::Min
                                   : models::HpaScalingRules::Select::Disabled;
  }
  if (const auto* policies = r.array("policies")) {
    rules.policies.clear();
    if (policies->empty()) r.issue("policies", "must list at least one policy");
    for (std::size_t i = 0; i < policies->size(); ++i) {
      StrictObject p((*policies)[i], r.pointer_of("policies") + "/" + std::to_string(i), issues);
      models::HpaScalingPolicy policy;
      policy.type = p.enumeration("type", {"Pods", "Percent"}, Required::Yes).value_or("Pods") == "Pods"
                        ? models::HpaScalingPolicy::Type::Pods
                        : models::HpaScalingPolicy::Type::Percent;
      policy.value = static_cast<int>(p.integer("value", Required::Yes, 1, 1000000).value_or(1));
      policy.period = static_cast<double>(p.integer("periodSeconds", Required::Yes, 1, 1800).value_or(15));
      p.finish();
      rules.policies.push_back(policy);
    }
  }
  r.finish();
  return rules;
}

// /deployments: inference services with a load curve and an optional HPA.
std::vector<ServiceDeployment> read_deployments(StrictObject& root, const models::GpuCatalog& catalog,
                                                std::vector<JsonIssue>& issues) {
  std::vector<ServiceDeployment> out;
  const auto* list = root.array("deployments");
  if (list == nullptr) return out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject d((*list)[i], root.pointer_of("deployments") + "/" + std::to_string(i), issues);
    if (!d.valid()) continue;
    ServiceDeployment svc;
    models::DeploymentSpec& dep = svc.deployment;
    dep.name = d.string("name", Required::Yes).value_or("");
    if (d.has("name") && !is_dns_label(dep.name)) {
      d.issue("name", "must be a lowercase DNS label (a-z, 0-9, '-'), got \"" + dep.name + "\"");
    } else if (!dep.name.empty() && !names.insert(dep.name).second) {
      d.issue("name", "duplicate deployment name \"" + dep.name + "\"");
    }
    dep.replicas = static_cast<int>(d.integer("replicas", Required::No, 1, 100000).value_or(1));
    dep.created_at = d.quantity("createdAt", Dimension::Time).value_or(0);
    if (auto server = d.object("server")) svc.server = models::read_inference_server(*server);
    dep.pod.id = dep.name;
    dep.pod.priority = static_cast<std::int32_t>(d.integer("priority", Required::No, -2000000000, 2000000000).value_or(0));
    dep.pod.runs_forever = true;
    if (const auto* tmpl = d.raw("template", Required::Yes)) {
      dep.pod.pods.push_back(models::read_pod_template(*tmpl, d.pointer_of("template"), "server", catalog, issues));
    }
    if (auto load = d.object("load", Required::Yes)) {
      dep.load.step = load->enumeration("interpolation", {"linear", "step"}).value_or("linear") == "step";
      if (const auto* points = load->array("points", Required::Yes)) {
        if (points->empty()) load->issue("points", "must list at least one point");
        double last = -1;
        for (std::size_t k = 0; k < points->size(); ++k) {
          StrictObject pt((*points)[k], load->pointer_of("points") + "/" + std::to_string(k), issues);
          const auto t = pt.quantity("time", Dimension::Time, Required::Yes);
          const double rps = pt.number("requestsPerSecond", Required::Yes, 0).value_or(0);
          if (t && *t <= last) pt.issue("time", "points must be in increasing time order");
          last = std::max(last, t.value_or(last));
          pt.finish();
          dep.load.points.emplace_back(t.value_or(0), rps);
        }
      }
      load->finish();
    }
    if (auto a = d.object("autoscaling")) {
      models::HpaSpec hpa;
      hpa.min_replicas = static_cast<int>(a->integer("minReplicas", Required::No, 1, 100000).value_or(1));
      hpa.max_replicas = static_cast<int>(a->integer("maxReplicas", Required::Yes, 1, 100000).value_or(1));
      if (a->valid() && hpa.max_replicas < hpa.min_replicas) a->issue("maxReplicas", "must be at least minReplicas");
      hpa.target_per_replica = a->number("targetRequestsPerSecondPerReplica", Required::Yes, 1e-9).value_or(1);
      if (auto b = a->object("behavior")) {
        if (auto up = b->object("scaleUp")) hpa.scale_up = read_scaling_rules(*up, hpa.scale_up, issues);
        if (auto down = b->object("scaleDown")) hpa.scale_down = read_scaling_rules(*down, hpa.scale_down, issues);
        b->finish();
      }
      a->finish();
      svc.hpa = hpa;
      if (dep.created_at > 0) d.issue("createdAt", "a Deployment with autoscaling must exist from the start (createdAt 0)");
    }
    if (auto serving = d.object("serving")) {
      if (serving->valid()) svc.serving = models::networking::read_model_serving(*serving, issues);
      // The server runs on the pod's GPUs: it needs some, and its tensor parallelism must fit the model.
      const std::int64_t gpus = dep.pod.pods.empty() ? 0 : dep.pod.pods.front().requests.gpus;
      const models::TransformerSpec* model = svc.serving ? models::ModelCatalog::builtin().find(svc.serving->model) : nullptr;
      if (svc.serving && gpus == 0) {
        d.issue("serving", "needs a template that requests whole GPUs (nvidia.com/gpu)");
      } else if (model != nullptr) {
        const int tp = svc.serving->tp > 0 ? svc.serving->tp : static_cast<int>(gpus);
        for (const std::string& problem : models::InferenceStepModel::check(*model, tp)) d.issue("serving", problem);
      }
    }
    d.finish();
    out.push_back(std::move(svc));
  }
  return out;
}

// /disaggregatedServing: prefill/decode-split serving stacks. Each becomes two Deployments (the
// roles' pod groups, appended to `deployments`) and a request stream that goes through both.
std::vector<models::DisaggregatedServingSpec> read_disaggregated_serving(StrictObject& root, const models::GpuCatalog& catalog,
                                                                         const std::vector<models::NodePoolSpec>& pools,
                                                                         bool has_fabric, std::vector<ServiceDeployment>& deployments,
                                                                         std::vector<JsonIssue>& issues) {
  std::vector<models::DisaggregatedServingSpec> out;
  const auto* list = root.array("disaggregatedServing");
  if (list == nullptr) return out;
  if (!list->empty() && !has_fabric) {
    root.issue("disaggregatedServing", "needs /fabric: the K/V cache moves over the interconnect between the roles' pods");
  }
  for (const auto& pool : pools) {
    if (!list->empty() && pool.capacity.gpus > 0 && catalog.find(pool.gpu_model) == nullptr) {
      root.issue("disaggregatedServing", "needs every GPU node pool to name a catalog gpuModel (pool \"" + pool.name + "\" does not)");
    }
  }
  std::set<std::string> names;
  for (const auto& d : deployments) names.insert(d.deployment.name);
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject o((*list)[i], root.pointer_of("disaggregatedServing") + "/" + std::to_string(i), issues);
    if (!o.valid()) continue;
    models::DisaggregatedServingSpec spec;
    spec.name = o.string("name", Required::Yes).value_or("");
    if (o.has("name") && !is_dns_label(spec.name)) o.issue("name", "must be a lowercase DNS label (a-z, 0-9, '-'), got \"" + spec.name + "\"");
    if (auto model = o.string("model", Required::Yes)) {
      if (const auto* m = models::ModelCatalog::builtin().find(*model)) spec.model = *m;
      else o.issue("model", "unknown model \"" + *model + "\" (known: " + models::ModelCatalog::builtin().names() + ")");
    }
    int tp[2] = {0, 0};
    for (int r = 0; r < 2; ++r) {
      const char* role = r == 0 ? "prefill" : "decode";
      auto g = o.object(role, Required::Yes);
      if (!g) continue;
      ServiceDeployment svc;
      models::DeploymentSpec& dep = svc.deployment;
      dep.name = spec.name + "-" + role;
      if (!spec.name.empty() && !names.insert(dep.name).second) o.issue("name", "Deployment \"" + dep.name + "\" already exists");
      dep.replicas = static_cast<int>(g->integer("replicas", Required::No, 1, 100000).value_or(1));
      dep.pod.id = dep.name;
      dep.pod.runs_forever = true;
      if (const auto* tmpl = g->raw("template", Required::Yes)) {
        models::PodGroupSpec pod = models::read_pod_template(*tmpl, g->pointer_of("template"), "server", catalog, issues);
        // llm-d's role label, and the stack's name, so that affinity terms can select the other role.
        pod.labels["llm-d.ai/role"] = role;
        pod.labels["kubetwin.io/serving"] = spec.name;
        tp[r] = static_cast<int>(pod.requests.gpus);
        if (pod.requests.gpus < 1) g->issue("template", "must request at least one whole nvidia.com/gpu (its tensor-parallel group)");
        else if (!spec.model.name.empty()) {
          for (const std::string& problem : models::InferenceStepModel::check(spec.model, tp[r])) g->issue("template", problem);
        }
        dep.pod.pods.push_back(std::move(pod));
      }
      g->finish();
      (r == 0 ? spec.prefill_deployment : spec.decode_deployment) = dep.name;
      deployments.push_back(std::move(svc));
    }
    if (tp[0] > 0 && tp[1] > 0 && tp[0] != tp[1]) {
      o.issue("decode", "must request as many GPUs as prefill (" + std::to_string(tp[0]) +
                            "): the K/V cache moves rank to rank, resharding is not modelled");
    }
    if (auto r = o.object("requests", Required::Yes)) {
      spec.start = r->quantity("start", Dimension::Time, Required::No, 0).value_or(0);
      spec.requests.rate = r->number("rate", Required::Yes, 1e-9).value_or(1);
      spec.requests.requests = static_cast<int>(r->integer("count", Required::Yes, 1, 1000000).value_or(1));
      auto lengths = [&](std::string_view key) {
        models::TokenLengths l;
        const auto* v = r->raw(key, Required::Yes);
        if (v != nullptr && v->is_number_integer()) {
          l.min = l.max = static_cast<int>(r->integer(key, Required::Yes, 1, 1000000).value_or(1));
        } else if (v != nullptr) {
          if (auto range = r->object(key)) {
            l.min = static_cast<int>(range->integer("min", Required::Yes, 1, 1000000).value_or(1));
            l.max = static_cast<int>(range->integer("max", Required::Yes, 1, 1000000).value_or(1));
            if (l.max < l.min) range->issue("max", "must be at least min");
            range->finish();
          }
        }
        return l;
      };
      spec.requests.input = lengths("inputTokens");
      spec.requests.output = lengths("outputTokens");
      r->finish();
    }
    spec.requests.seed = i + 1;  // mixed with the scenario seed by the runner
    o.finish();
    out.push_back(std::move(spec));
  }
  return out;
}

// /jobSets: replicated jobs whose templates are trace records without jobId and submitTime.
std::vector<JobSetSubmission> read_job_sets(StrictObject& root, const models::GpuCatalog& catalog,
                                            std::vector<JsonIssue>& issues) {
  std::vector<JobSetSubmission> out;
  const auto* list = root.array("jobSets");
  if (list == nullptr) return out;
  std::set<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject js((*list)[i], root.pointer_of("jobSets") + "/" + std::to_string(i), issues);
    if (!js.valid()) continue;
    JobSetSubmission sub;
    models::JobSetSpec& spec = sub.spec;
    spec.name = js.string("name", Required::Yes).value_or("");
    if (js.has("name") && !is_dns_label(spec.name)) {
      js.issue("name", "must be a lowercase DNS label (a-z, 0-9, '-'), got \"" + spec.name + "\"");
    } else if (!spec.name.empty() && !names.insert(spec.name).second) {
      js.issue("name", "duplicate JobSet name \"" + spec.name + "\"");
    }
    sub.submit_time = js.quantity("submitTime", Dimension::Time).value_or(0);
    if (auto fp = js.object("failurePolicy")) {
      spec.max_restarts = static_cast<int>(fp->integer("maxRestarts", Required::No, 0, 1000).value_or(0));
      fp->finish();
    }
    if (auto sp = js.object("startupPolicy")) {
      spec.in_order_startup = sp->enumeration("startupPolicyOrder", {"AnyOrder", "InOrder"}).value_or("AnyOrder") == "InOrder";
      sp->finish();
    }
    if (const auto* roles = js.array("replicatedJobs", Required::Yes)) {
      if (roles->empty()) js.issue("replicatedJobs", "must list at least one replicated job");
      std::set<std::string> role_names;
      for (std::size_t k = 0; k < roles->size(); ++k) {
        StrictObject r((*roles)[k], js.pointer_of("replicatedJobs") + "/" + std::to_string(k), issues);
        if (!r.valid()) continue;
        models::ReplicatedJobSpec role;
        role.name = r.string("name", Required::Yes).value_or("");
        if (r.has("name") && !is_dns_label(role.name)) {
          r.issue("name", "must be a lowercase DNS label (a-z, 0-9, '-'), got \"" + role.name + "\"");
        } else if (!role.name.empty() && !role_names.insert(role.name).second) {
          r.issue("name", "duplicate replicated job name \"" + role.name + "\"");
        }
        role.replicas = static_cast<int>(r.integer("replicas", Required::No, 1, 100000).value_or(1));
        if (const auto* tmpl = r.raw("template", Required::Yes)) {
          const std::string ptr = r.pointer_of("template");
          if (tmpl->is_object() && (tmpl->contains("jobId") || tmpl->contains("submitTime"))) {
            issues.push_back({ptr + (tmpl->contains("jobId") ? "/jobId" : "/submitTime"), "is set by the JobSet"});
          } else {
            nlohmann::json record = *tmpl;
            if (record.is_object()) {
              record["jobId"] = spec.name + "-" + role.name;
              record["submitTime"] = 0;
            }
            role.job = models::read_job_record(record, ptr, catalog, issues);
          }
        }
        r.finish();
        spec.replicated_jobs.push_back(std::move(role));
      }
    }
    js.finish();
    out.push_back(std::move(sub));
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.submit_time < b.submit_time; });
  return out;
}

}  // namespace

nlohmann::json read_scenario_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sim::InputError(path.string() + ": cannot open scenario file");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw sim::InputError(path.string() + ":" + std::to_string(line_of(text, e.byte > 0 ? e.byte - 1 : 0)) +
                          ": not valid JSON: " + e.what());
  }
}

nlohmann::json default_scenario_document() { return nlohmann::json::parse(kDefaultScenarioJson); }

void apply_override(nlohmann::json& doc, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || assignment.empty() || assignment[0] != '/') {
    throw sim::InputError("--set " + assignment + ": expected POINTER=VALUE with POINTER starting with '/'");
  }
  const std::string pointer = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) value = text;  // not JSON: a plain string
  try {
    const nlohmann::json::json_pointer ptr(pointer);
    if (!doc.contains(ptr.parent_pointer())) {
      throw sim::InputError("--set " + assignment + ": " + ptr.parent_pointer().to_string() + " does not exist in the scenario");
    }
    const auto& parent = doc.at(ptr.parent_pointer());
    if (parent.is_array()) {
      const std::string& last = ptr.back();
      const bool append = last == "-";
      std::size_t index = 0;
      try {
        index = append ? parent.size() : std::stoul(last);
      } catch (const std::exception&) {
        throw sim::InputError("--set " + assignment + ": \"" + last + "\" is not an array index");
      }
      if (index > parent.size()) {
        throw sim::InputError("--set " + assignment + ": index " + last + " is past the end of " +
                              ptr.parent_pointer().to_string());
      }
    } else if (!parent.is_object()) {
      throw sim::InputError("--set " + assignment + ": " + ptr.parent_pointer().to_string() + " is not an object or array");
    }
    doc[ptr] = value;
  } catch (const nlohmann::json::exception& e) {
    throw sim::InputError("--set " + assignment + ": " + e.what());
  }
}

// /controlPlane: each field replaces one of the calibrated defaults (ControlPlaneTiming).
static void read_control_plane(StrictObject& c, models::ControlPlaneTiming& t) {
  t.api_latency = c.quantity("apiLatency", Dimension::Time).value_or(t.api_latency);
  t.watch_latency = c.quantity("watchLatency", Dimension::Time).value_or(t.watch_latency);
  t.bind_qps = c.number("bindQps", Required::No, 0).value_or(t.bind_qps);
  t.bind_burst = static_cast<int>(c.integer("bindBurst", Required::No, 1, 1000000).value_or(t.bind_burst));
  if (auto cycle = c.object("schedulerCycle")) {
    t.cycle_base = cycle->quantity("base", Dimension::Time).value_or(t.cycle_base);
    t.cycle_per_filtered_node = cycle->quantity("perFilteredNode", Dimension::Time).value_or(t.cycle_per_filtered_node);
    t.cycle_per_scored_node = cycle->quantity("perScoredNode", Dimension::Time).value_or(t.cycle_per_scored_node);
    t.plugin_filter_costs = cycle->boolean("pluginCosts").value_or(t.plugin_filter_costs);
    cycle->finish();
  }
  t.image_pull_bandwidth = c.quantity("imagePullBandwidth", Dimension::Bandwidth).value_or(t.image_pull_bandwidth);
  t.container_start = c.quantity("containerStart", Dimension::Time).value_or(t.container_start);
  t.readiness = c.quantity("readiness", Dimension::Time).value_or(t.readiness);
  t.termination_grace = c.quantity("terminationGrace", Dimension::Time).value_or(t.termination_grace);
  c.finish();
}

// /apiServer: the object store's latencies, client rate limits, watch history, faults and audit log.
static models::ApiServerConfig read_api_server(StrictObject& a, const models::ControlPlaneTiming& timing,
                                               std::vector<JsonIssue>& issues) {
  models::ApiServerConfig c = models::ApiServerConfig::with_defaults(timing.api_latency, timing.watch_latency);
  c.write_latency = a.quantity("writeLatency", Dimension::Time).value_or(c.write_latency);
  c.read_latency = a.quantity("readLatency", Dimension::Time).value_or(c.read_latency);
  c.watch_latency = a.quantity("watchLatency", Dimension::Time).value_or(c.watch_latency);
  c.history = static_cast<std::size_t>(a.integer("history", Required::No, 1, 10000000).value_or(static_cast<std::int64_t>(c.history)));
  c.audit = a.boolean("audit").value_or(false);
  auto read_limits = [&issues](const nlohmann::json& v, const std::string& where, models::ApiClientLimits limits) {
    StrictObject l(v, where, issues);
    if (!l.valid()) return limits;
    limits.qps = l.number("qps", Required::No, 0).value_or(limits.qps);
    limits.burst = static_cast<int>(l.integer("burst", Required::No, 1, 1000000).value_or(limits.burst));
    l.finish();
    return limits;
  };
  if (const nlohmann::json* d = a.raw("defaultClient")) c.default_client = read_limits(*d, a.pointer_of("defaultClient"), c.default_client);
  if (const nlohmann::json* clients = a.raw("clients")) {
    if (!clients->is_object()) {
      a.issue("clients", "must be an object of client name to {qps, burst}, not " + sim::json_type_name(*clients));
    } else {
      for (const auto& [name, v] : clients->items()) {
        auto it = c.clients.find(name);
        c.clients[name] = read_limits(v, a.pointer_of("clients") + "/" + sim::json_pointer_token(name),
                                      it == c.clients.end() ? c.default_client : it->second);
      }
    }
  }
  if (auto f = a.object("faults")) {
    models::ApiServerFaults& faults = c.faults;
    if (auto errors = f->object("errors")) {
      const std::pair<const char*, models::ApiVerb> verbs[] = {
          {"create", models::ApiVerb::Create}, {"get", models::ApiVerb::Get},       {"list", models::ApiVerb::List},
          {"update", models::ApiVerb::Update}, {"patch", models::ApiVerb::Patch},   {"delete", models::ApiVerb::Delete},
          {"watch", models::ApiVerb::Watch}};
      for (const auto& [name, verb] : verbs) {
        if (auto e = errors->object(name)) {
          models::ApiErrorRate& rate = faults.errors[static_cast<int>(verb)];
          rate.rate = e->number("rate", Required::Yes, 0, 1).value_or(0);
          if (auto code = e->integer("code")) {
            if (*code != 500 && *code != 429) e->issue("code", "must be 500 (InternalError) or 429 (TooManyRequests)");
            rate.code = static_cast<int>(*code);
          }
          e->finish();
        }
      }
      errors->finish();
    }
    if (const auto* outages = f->array("outages")) {
      for (std::size_t i = 0; i < outages->size(); ++i) {
        StrictObject o((*outages)[i], f->pointer_of("outages") + "/" + std::to_string(i), issues);
        if (!o.valid()) continue;
        models::ApiOutage out;
        out.from = o.quantity("from", Dimension::Time, Required::Yes).value_or(0);
        out.to = o.quantity("to", Dimension::Time, Required::Yes).value_or(0);
        if (o.has("from") && o.has("to") && out.from > out.to) o.issue("to", "must not be before from");
        o.finish();
        faults.outages.push_back(out);
      }
    }
    faults.conflict_rate = f->number("conflictRate", Required::No, 0, 1).value_or(0);
    if (const auto* restarts = f->array("restarts")) {
      for (std::size_t i = 0; i < restarts->size(); ++i) {
        StrictObject r((*restarts)[i], f->pointer_of("restarts") + "/" + std::to_string(i), issues);
        if (!r.valid()) continue;
        models::ControllerRestart restart;
        restart.client = r.enumeration("controller", {"job-controller", "trainjob-controller"}, Required::Yes).value_or("job-controller");
        restart.at = r.quantity("at", Dimension::Time, Required::Yes).value_or(0);
        restart.downtime = r.quantity("downtime", Dimension::Time).value_or(10);
        r.finish();
        faults.restarts.push_back(restart);
      }
    }
    f->finish();
  }
  a.finish();
  return c;
}

// /trainJobs: the TrainJob CRD's establishment, the runtimes, the validating webhook and the
// TrainJobs users submit. A TrainJob is read as written (numNodes and runtimeRef unchecked) so that
// invalid ones reach the webhook; what is malformed (not a number, an unknown key) is an error here.
static models::TrainJobsConfig read_train_jobs(StrictObject& t, const models::GpuCatalog& catalog, std::vector<JsonIssue>& issues) {
  models::TrainJobsConfig c;
  c.establish_delay = t.quantity("establishDelay", Dimension::Time).value_or(c.establish_delay);
  if (const auto* runtimes = t.array("runtimes")) {
    c.runtimes.clear();
    for (std::size_t i = 0; i < runtimes->size(); ++i) {
      if (!(*runtimes)[i].is_string()) {
        issues.push_back({t.pointer_of("runtimes") + "/" + std::to_string(i), "must be a string"});
        continue;
      }
      c.runtimes.push_back((*runtimes)[i].get<std::string>());
    }
  }
  c.webhook.kinds = {models::kTrainJobKind};
  if (auto w = t.object("webhook")) {
    if (w->valid()) {
      c.webhook.name = w->string("name").value_or(c.webhook.name);
      c.webhook.latency = w->quantity("latency", Dimension::Time).value_or(c.webhook.latency);
      c.webhook.timeout = w->quantity("timeout", Dimension::Time, Required::No, 1e-3).value_or(c.webhook.timeout);
      c.webhook.fail_closed = w->enumeration("failurePolicy", {"Fail", "Ignore"}).value_or("Fail") == "Fail";
      c.webhook.timeout_rate = w->number("timeoutRate", Required::No, 0, 1).value_or(0);
      if (const auto* down = w->array("down")) {
        for (std::size_t i = 0; i < down->size(); ++i) {
          StrictObject o((*down)[i], w->pointer_of("down") + "/" + std::to_string(i), issues);
          if (!o.valid()) continue;
          models::WebhookDownWindow window;
          window.from = o.quantity("from", Dimension::Time, Required::Yes).value_or(0);
          window.to = o.quantity("to", Dimension::Time, Required::Yes).value_or(0);
          if (o.has("from") && o.has("to") && window.from > window.to) o.issue("to", "must not be before from");
          o.finish();
          c.webhook.down.push_back(window);
        }
      }
      w->finish();
    }
  }
  if (const auto* jobs = t.array("jobs", Required::Yes)) {
    for (std::size_t i = 0; i < jobs->size(); ++i) {
      const std::string ptr = t.pointer_of("jobs") + "/" + std::to_string(i);
      StrictObject j((*jobs)[i], ptr, issues);
      if (!j.valid()) continue;
      models::TrainJobSubmission s;
      s.name = j.string("name", Required::Yes).value_or("");
      s.submit_time = j.quantity("submitTime", Dimension::Time).value_or(0);
      s.num_nodes = j.integer("numNodes", Required::Yes).value_or(1);
      s.runtime = j.string("runtimeRef", Required::Yes).value_or("");
      models::JobSpec node;
      node.id = s.name;
      node.submit_time = s.submit_time;
      node.duration = j.quantity("duration", Dimension::Time, Required::Yes, 1e-9).value_or(1);
      if (const auto* tmpl = j.raw("podTemplate", Required::Yes)) {
        node.pods.push_back(models::read_pod_template(*tmpl, j.pointer_of("podTemplate"), "node", catalog, issues));
      }
      s.node = std::make_shared<const models::JobSpec>(std::move(node));
      j.finish();
      c.jobs.push_back(std::move(s));
    }
  }
  std::stable_sort(c.jobs.begin(), c.jobs.end(), [](const auto& a, const auto& b) { return a.submit_time < b.submit_time; });
  t.finish();
  return c;
}

Scenario load_scenario(const nlohmann::json& doc, const std::string& source,
                       const std::filesystem::path& base_dir, const models::GpuCatalog& catalog) {
  std::vector<JsonIssue> issues;
  Scenario sc;
  StrictObject root(doc, "", issues);
  if (root.valid()) {
    sc.name = root.string("name", Required::Yes).value_or("");
    sc.description = root.string("description").value_or("");
    sc.seed = static_cast<std::uint64_t>(root.integer("seed", Required::No, 0).value_or(1));  // 0..2^63-1
    const std::size_t issues_before_platform = issues.size();
    sc.node_pools = read_platform(root, catalog, sc.dra, sc.gpu_drivers.pools, issues);
    const bool platform_valid = issues.size() == issues_before_platform && !sc.node_pools.empty();
    sc.scheduler = read_scheduler(root, issues);
    if (auto c = root.object("controlPlane")) read_control_plane(*c, sc.control_plane);
    if (auto a = root.object("apiServer")) {
      if (a->valid()) sc.api_server = read_api_server(*a, sc.control_plane, issues);
    }
    if (auto d = root.object("dra")) models::dra::read_dra(*d, sc.dra, issues);
    if (auto rt = root.object("containerRuntime"); rt && rt->valid()) {
      if (auto f = rt->object("faults"); f && f->valid()) {
        sc.container_runtime.expose_all_devices = f->boolean("exposeAllDevices").value_or(false);
        f->finish();
      }
      rt->finish();
    }
    if (auto q = root.object("queueing")) sc.queueing = models::queueing::read_queueing(*q, issues);
    if (auto as = root.object("autoscaler")) {
      auto& a = sc.autoscaler;
      a.scan_interval = as->quantity("scanInterval", Dimension::Time, Required::No, 1e-3).value_or(a.scan_interval);
      a.provisioning_delay = as->quantity("provisioningDelay", Dimension::Time, Required::No, 0).value_or(a.provisioning_delay);
      a.scale_down_unneeded_time =
          as->quantity("scaleDownUnneededTime", Dimension::Time, Required::No, 0).value_or(a.scale_down_unneeded_time);
      a.scale_down_delay_after_add =
          as->quantity("scaleDownDelayAfterAdd", Dimension::Time, Required::No, 0).value_or(a.scale_down_delay_after_add);
      if (auto e = as->enumeration("expander", {"random", "least-waste"})) {
        a.expander = *e == "least-waste" ? models::Expander::LeastWaste : models::Expander::Random;
      }
      a.enabled = as->boolean("enabled").value_or(a.enabled);
      as->finish();
    }
    sc.fabric = read_fabric(root, base_dir, sc.node_pools, platform_valid, catalog, issues);
    sc.workload = read_workload(root, base_dir, sc.node_pools, platform_valid, catalog, issues);
    sc.faults = read_faults(root, platform_valid ? sc.node_pools : std::vector<models::NodePoolSpec>{}, issues);
    sc.gpu_drivers.upgrades = models::read_driver_upgrades(
        root, platform_valid ? sc.node_pools : std::vector<models::NodePoolSpec>{}, sc.gpu_drivers.pools, issues);
    if (auto gfd = root.object("gpuFeatureDiscovery")) sc.gpu_drivers.discovery = models::read_feature_discovery(*gfd);
    sc.deployments = read_deployments(root, catalog, issues);
    sc.disaggregated_serving = read_disaggregated_serving(root, catalog, sc.node_pools, sc.fabric.has_value(), sc.deployments, issues);
    sc.job_sets = read_job_sets(root, catalog, issues);
    if (auto t = root.object("trainJobs")) {
      if (t->valid()) {
        sc.train_jobs = read_train_jobs(*t, catalog, issues);
        sc.train_job_operator.runtimes = sc.train_jobs->runtimes;
        if (!root.has("apiServer")) issues.push_back({"/trainJobs", "needs /apiServer (TrainJobs live in the API server's store)"});
      }
    }
    if (sc.api_server && !sc.train_jobs) {
      for (std::size_t i = 0; i < sc.api_server->faults.restarts.size(); ++i) {
        if (sc.api_server->faults.restarts[i].client == "trainjob-controller") {
          issues.push_back({"/apiServer/faults/restarts/" + std::to_string(i) + "/controller",
                            "\"trainjob-controller\" runs only with /trainJobs"});
        }
      }
    }
    if (auto g = root.object("gateway")) {
      if (g->valid()) sc.gateway = models::networking::read_gateway(*g, issues);
      g->finish();
    }
    if (auto c = root.object("controllers")) {
      sc.train_job_operator.relist_on_restart = c->boolean("operatorRelistOnRestart").value_or(true);
      sc.node_lifecycle.node_monitor_grace_period =
          c->quantity("nodeMonitorGracePeriod", Dimension::Time).value_or(sc.node_lifecycle.node_monitor_grace_period);
      sc.node_lifecycle.default_toleration_seconds =
          c->quantity("defaultTolerationSeconds", Dimension::Time).value_or(sc.node_lifecycle.default_toleration_seconds);
      sc.hpa.sync_period = c->quantity("hpaSyncPeriod", Dimension::Time, Required::No, 1e-3).value_or(sc.hpa.sync_period);
      sc.hpa.tolerance = c->number("hpaTolerance", Required::No, 0, 1).value_or(sc.hpa.tolerance);
      sc.hpa.enabled = c->boolean("hpaEnabled").value_or(sc.hpa.enabled);
      c->finish();
    }
    if (auto perf = root.object("performance")) {
      sc.mfu = perf->number("mfu", Required::No, 1e-6, 1).value_or(sc.mfu);
      perf->finish();
    }
    if (auto simulation = root.object("simulation")) {
      sc.until = simulation->quantity("until", Dimension::Time, Required::No, 1e-9).value_or(sc.until);
      simulation->finish();
    }
    if (!sc.deployments.empty() && !std::isfinite(sc.until)) {
      issues.push_back({"/simulation/until", "is required when the scenario has deployments (their pods never complete)"});
    }
    if (auto o = root.object("observability")) {
      if (o->valid()) sc.observability = models::read_observability(*o, issues);
      if (!std::isfinite(sc.until)) issues.push_back({"/simulation/until", "is required with /observability (it scrapes until then)"});
    }
    if (auto output = root.object("output")) {
      sc.sample_interval = output->quantity("sampleInterval", Dimension::Time, Required::No, 1e-3).value_or(sc.sample_interval);
      sc.timeline = output->boolean("timeline").value_or(sc.timeline);
      sc.plugin_verdicts = output->boolean("pluginVerdicts").value_or(sc.plugin_verdicts);
      output->finish();
    }
    root.finish();
  }
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const auto& is : issues) lines.push_back(source + ": " + (is.pointer.empty() ? "(root)" : is.pointer) + ": " + is.message);
    throw sim::InputError(std::move(lines));
  }
  return sc;
}

}  // namespace kubetwin::scenarios
