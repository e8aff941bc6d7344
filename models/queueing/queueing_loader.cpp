#include "models/queueing/queueing_loader.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace kubetwin::models::queueing {

namespace {

using sim::JsonIssue;
using sim::Required;
using sim::StrictObject;

std::string at_index(const std::string& pointer, std::size_t i) { return pointer + "/" + std::to_string(i); }

std::vector<Taint> read_taints(StrictObject& o, std::string_view key, std::vector<JsonIssue>& issues) {
  std::vector<Taint> out;
  const auto* list = o.array(key);
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    StrictObject t((*list)[i], at_index(o.pointer_of(key), i), issues);
    Taint taint;
    taint.key = t.string("key", Required::Yes).value_or("");
    taint.value = t.string("value").value_or("");
    const auto effect = t.enumeration("effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"}, Required::Yes);
    taint.effect = parse_taint_effect(effect.value_or("NoSchedule")).value_or(TaintEffect::NoSchedule);
    t.finish();
    out.push_back(std::move(taint));
  }
  return out;
}

std::vector<Toleration> read_tolerations(StrictObject& o, std::vector<JsonIssue>& issues) {
  std::vector<Toleration> out;
  const auto* list = o.array("tolerations");
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    StrictObject t((*list)[i], at_index(o.pointer_of("tolerations"), i), issues);
    Toleration tol;
    tol.key = t.string("key").value_or("");
    tol.op = t.enumeration("operator", {"Equal", "Exists"}).value_or("Equal") == "Exists" ? Toleration::Operator::Exists
                                                                                          : Toleration::Operator::Equal;
    tol.value = t.string("value").value_or("");
    if (auto e = t.enumeration("effect", {"NoSchedule", "PreferNoSchedule", "NoExecute"})) {
      tol.any_effect = false;
      tol.effect = *parse_taint_effect(*e);
    }
    if (tol.key.empty() && tol.op == Toleration::Operator::Equal && t.valid()) t.issue("operator", "must be Exists when key is empty");
    t.finish();
    out.push_back(std::move(tol));
  }
  return out;
}

int resource_index(std::string_view name) {
  for (int r = 0; r < kQuotaResources; ++r) {
    if (name == kQuotaResourceNames[static_cast<std::size_t>(r)]) return r;
  }
  return -1;
}

// A Kubernetes quantity in kubetwin's unit for `resource`: millicores, bytes or milli-GPU.
std::optional<Amount> read_amount(StrictObject& o, std::string_view key, int resource, Required required) {
  if (resource == static_cast<int>(QuotaResource::Memory)) {
    auto bytes = o.quantity(key, sim::Dimension::Bytes, required, 0);
    return bytes ? std::optional<Amount>(static_cast<Amount>(*bytes)) : std::nullopt;
  }
  return o.cpu_millis(key, required);  // "8", "500m", 8: whole units in thousandths
}

// Lookup of names to indices, read before the objects that refer to them.
struct Names {
  std::map<std::string, int, std::less<>> flavors, cohorts, cluster_queues;
};

double read_weight(StrictObject& o) {
  auto fs = o.object("fairSharing");
  if (!fs) return 1.0;
  double w = 1.0;
  if (fs->has("weight")) {
    if (auto millis = fs->cpu_millis("weight")) w = static_cast<double>(*millis) / 1000.0;
  }
  fs->finish();
  return w;
}

std::vector<ResourceGroup> read_resource_groups(StrictObject& o, bool in_cohort_tree, const Names& names,
                                                std::vector<JsonIssue>& issues) {
  std::vector<ResourceGroup> groups;
  const auto* list = o.array("resourceGroups");
  std::set<int> seen_resources, seen_flavors;
  for (std::size_t g = 0; list != nullptr && g < list->size(); ++g) {
    StrictObject rg((*list)[g], at_index(o.pointer_of("resourceGroups"), g), issues);
    if (!rg.valid()) continue;
    ResourceGroup group;
    const auto* covered = rg.array("coveredResources", Required::Yes);
    for (std::size_t i = 0; covered != nullptr && i < covered->size(); ++i) {
      const std::string ptr = at_index(rg.pointer_of("coveredResources"), i);
      const auto& v = (*covered)[i];
      const int r = v.is_string() ? resource_index(v.get<std::string>()) : -1;
      if (r < 0) {
        issues.push_back({ptr, "must be one of cpu, memory, nvidia.com/gpu (the resources kubetwin keeps quota for), got " + v.dump()});
      } else if (!seen_resources.insert(r).second) {
        issues.push_back({ptr, "resource " + v.get<std::string>() + " is covered by more than one resource group"});
      } else {
        group.covered.push_back(r);
      }
    }
    const auto* flavors = rg.array("flavors", Required::Yes);
    if (flavors != nullptr && flavors->empty()) rg.issue("flavors", "must list at least one flavor");
    for (std::size_t f = 0; flavors != nullptr && f < flavors->size(); ++f) {
      StrictObject fo((*flavors)[f], at_index(rg.pointer_of("flavors"), f), issues);
      if (!fo.valid()) continue;
      FlavorQuotas fq;
      const std::string name = fo.string("name", Required::Yes).value_or("");
      if (auto it = names.flavors.find(name); it != names.flavors.end()) {
        fq.flavor = it->second;
        if (!seen_flavors.insert(fq.flavor).second) fo.issue("name", "flavor \"" + name + "\" appears in more than one resource group");
      } else if (fo.has("name")) {
        fo.issue("name", "no ResourceFlavor is named \"" + name + "\" in /queueing/resourceFlavors");
      }
      const auto* resources = fo.array("resources", Required::Yes);
      std::set<int> listed;
      for (std::size_t i = 0; resources != nullptr && i < resources->size(); ++i) {
        StrictObject ro((*resources)[i], at_index(fo.pointer_of("resources"), i), issues);
        if (!ro.valid()) continue;
        const std::string rname = ro.string("name", Required::Yes).value_or("");
        const int r = resource_index(rname);
        if (r < 0 || std::find(group.covered.begin(), group.covered.end(), r) == group.covered.end()) {
          if (ro.has("name")) ro.issue("name", "\"" + rname + "\" is not in this resource group's coveredResources");
          ro.finish();
          continue;
        }
        if (!listed.insert(r).second) ro.issue("name", "resource " + rname + " is listed twice");
        ResourceQuota q;
        q.nominal = read_amount(ro, "nominalQuota", r, Required::Yes).value_or(0);
        if (ro.has("borrowingLimit")) {
          q.borrowing_limit = read_amount(ro, "borrowingLimit", r, Required::No);
          if (!in_cohort_tree) ro.issue("borrowingLimit", "must not be set when the queue has no cohort (there is nothing to borrow from)");
        }
        if (ro.has("lendingLimit")) {
          q.lending_limit = read_amount(ro, "lendingLimit", r, Required::No);
          if (!in_cohort_tree) ro.issue("lendingLimit", "must not be set when the queue has no cohort (there is no one to lend to)");
          if (q.lending_limit && *q.lending_limit > q.nominal) ro.issue("lendingLimit", "must be less than or equal to nominalQuota");
        }
        ro.finish();
        fq.resources[static_cast<std::size_t>(r)] = q;
      }
      if (resources != nullptr && listed.size() != group.covered.size()) {
        fo.issue("resources", "must list exactly the resource group's coveredResources, each once");
      }
      fo.finish();
      group.flavors.push_back(fq);
    }
    rg.finish();
    groups.push_back(std::move(group));
  }
  return groups;
}

PreemptionPolicy policy_of(const std::string& s) {
  if (s == "LowerPriority") return PreemptionPolicy::LowerPriority;
  if (s == "LowerOrNewerEqualPriority") return PreemptionPolicy::LowerOrNewerEqualPriority;
  if (s == "Any") return PreemptionPolicy::Any;
  return PreemptionPolicy::Never;
}

void read_preemption(StrictObject& cq, ClusterQueueSpec& spec) {
  auto p = cq.object("preemption");
  if (!p) return;
  spec.within_cluster_queue =
      policy_of(p->enumeration("withinClusterQueue", {"Never", "LowerPriority", "LowerOrNewerEqualPriority"}).value_or("Never"));
  spec.reclaim_within_cohort = policy_of(p->enumeration("reclaimWithinCohort", {"Never", "LowerPriority", "Any"}).value_or("Never"));
  if (auto b = p->object("borrowWithinCohort")) {
    spec.borrow_within_cohort = b->enumeration("policy", {"Never", "LowerPriority"}).value_or("Never") == "LowerPriority";
    if (auto t = b->integer("maxPriorityThreshold", Required::No, INT32_MIN, INT32_MAX)) {
      spec.max_priority_threshold = static_cast<std::int32_t>(*t);
    }
    b->finish();
  }
  p->finish();
}

// Cohort parents: every cycle is reported once, at the first cohort met on it.
void check_cohort_cycles(const QueueingConfig& config, const std::string& pointer, std::vector<JsonIssue>& issues) {
  const std::size_t n = config.cohorts.size();
  std::vector<int> state(n, 0);  // 0 unvisited, 1 on the current path, 2 done
  for (std::size_t start = 0; start < n; ++start) {
    std::vector<int> path;
    int c = static_cast<int>(start);
    while (c >= 0 && state[static_cast<std::size_t>(c)] == 0) {
      state[static_cast<std::size_t>(c)] = 1;
      path.push_back(c);
      c = config.cohorts[static_cast<std::size_t>(c)].parent;
    }
    if (c >= 0 && state[static_cast<std::size_t>(c)] == 1) {
      std::string cycle;
      auto from = std::find(path.begin(), path.end(), c);
      for (auto it = from; it != path.end(); ++it) cycle += config.cohorts[static_cast<std::size_t>(*it)].name + " -> ";
      cycle += config.cohorts[static_cast<std::size_t>(c)].name;
      issues.push_back({at_index(pointer, static_cast<std::size_t>(c)) + "/parentName", "cohorts form a cycle: " + cycle});
    }
    for (int p : path) state[static_cast<std::size_t>(p)] = 2;
  }
}

// `queues`: hierarchical queues in the manner of KAI-Scheduler (spec.parentQueue,
// spec.resources.<gpu|cpu|memory>.{quota, limit, overQuotaWeight}). Leaves become ClusterQueues
// (with a LocalQueue of the same name) and queues with children become cohorts, one flavor
// "default", fair sharing on, reclaim of over-quota usage from any priority.
void read_hierarchical_queues(StrictObject& root, QueueingConfig& config, std::vector<JsonIssue>& issues) {
  const auto* list = root.array("queues");
  if (list == nullptr) return;
  struct Q {
    std::string name, parent, pointer;
    std::array<std::optional<Amount>, kQuotaResources> quota, limit;
    double weight = 1.0;
  };
  std::vector<Q> qs;
  std::map<std::string, std::size_t, std::less<>> by_name;
  static constexpr std::array<const char*, kQuotaResources> kKaiNames = {"cpu", "memory", "gpu"};
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject qo((*list)[i], at_index(root.pointer_of("queues"), i), issues);
    if (!qo.valid()) continue;
    Q q;
    q.pointer = qo.pointer();
    q.name = qo.string("name", Required::Yes).value_or("");
    q.parent = qo.string("parentQueue").value_or("");
    if (!q.name.empty() && !by_name.emplace(q.name, qs.size()).second) qo.issue("name", "duplicate queue name \"" + q.name + "\"");
    if (auto res = qo.object("resources")) {
      for (int r = 0; r < kQuotaResources; ++r) {
        auto ro = res->object(kKaiNames[static_cast<std::size_t>(r)]);
        if (!ro) continue;
        q.quota[static_cast<std::size_t>(r)] = read_amount(*ro, "quota", r, Required::No);
        if (auto lim = ro->number("limit"); lim && *lim >= 0) {  // -1: no limit, as in KAI
          q.limit[static_cast<std::size_t>(r)] = read_amount(*ro, "limit", r, Required::No);
        }
        if (auto w = ro->number("overQuotaWeight", Required::No, 0)) q.weight = *w;
        ro->finish();
      }
      res->finish();
    }
    qo.finish();
    qs.push_back(std::move(q));
  }
  std::vector<bool> has_children(qs.size(), false);
  for (const Q& q : qs) {
    if (q.parent.empty()) continue;
    if (auto it = by_name.find(q.parent); it != by_name.end()) {
      has_children[it->second] = true;
    } else {
      issues.push_back({q.pointer + "/parentQueue", "no queue is named \"" + q.parent + "\" in /queueing/queues"});
    }
  }
  const int flavor = static_cast<int>(config.flavors.size());
  config.flavors.push_back({"default", {}, {}, {}});
  config.fair_sharing = true;
  std::map<std::string, int, std::less<>> cohort_of;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (has_children[i]) {
      cohort_of[qs[i].name] = static_cast<int>(config.cohorts.size());
      config.cohorts.push_back({qs[i].name, -1, {}, qs[i].weight});
    }
  }
  auto group_of = [&](const Q& q, bool leaf) {
    ResourceGroup g;
    FlavorQuotas fq;
    fq.flavor = flavor;
    for (int r = 0; r < kQuotaResources; ++r) {
      const auto ri = static_cast<std::size_t>(r);
      g.covered.push_back(r);
      ResourceQuota quota;
      quota.nominal = leaf ? q.quota[ri].value_or(0) : 0;  // a parent's quota is its children's, not more
      if (q.limit[ri] && !q.parent.empty()) quota.borrowing_limit = std::max<Amount>(0, *q.limit[ri] - quota.nominal);
      fq.resources[ri] = quota;
    }
    g.flavors.push_back(fq);
    return std::vector<ResourceGroup>{g};
  };
  for (std::size_t i = 0; i < qs.size(); ++i) {
    const Q& q = qs[i];
    const int parent = q.parent.empty() || !cohort_of.contains(q.parent) ? -1 : cohort_of[q.parent];
    if (has_children[i]) {
      CohortSpec& c = config.cohorts[static_cast<std::size_t>(cohort_of[q.name])];
      c.parent = parent;
      c.resource_groups = group_of(q, false);
      continue;
    }
    ClusterQueueSpec cq;
    cq.name = q.name;
    cq.cohort = parent;
    cq.resource_groups = group_of(q, true);
    cq.within_cluster_queue = PreemptionPolicy::LowerPriority;
    cq.reclaim_within_cohort = PreemptionPolicy::Any;
    cq.fair_weight = q.weight;
    config.local_queues.push_back({q.name, static_cast<int>(config.cluster_queues.size())});
    config.cluster_queues.push_back(std::move(cq));
  }
  check_cohort_cycles(config, root.pointer_of("queues"), issues);
}

}  // namespace

QueueingConfig read_queueing(StrictObject& root, std::vector<JsonIssue>& issues) {
  QueueingConfig config;
  if (!root.valid()) return config;
  if (auto fs = root.object("fairSharing")) {
    config.fair_sharing = fs->boolean("enable").value_or(false);
    fs->finish();
  }
  if (root.has("queues")) {
    for (const char* k : {"resourceFlavors", "cohorts", "clusterQueues", "localQueues"}) {
      if (root.has(k)) root.issue(k, "cannot be combined with \"queues\" (hierarchical queues define their own)");
    }
    read_hierarchical_queues(root, config, issues);
    root.finish();
    return config;
  }

  // Names first, so that objects may refer to ones listed after them.
  Names names;
  auto collect = [&](std::string_view key, std::map<std::string, int, std::less<>>& into) {
    const auto* list = root.array(key);
    for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
      const auto& item = (*list)[i];
      if (!item.is_object() || !item.contains("name") || !item["name"].is_string()) continue;
      const std::string name = item["name"].get<std::string>();
      if (!into.emplace(name, static_cast<int>(into.size())).second) {
        issues.push_back({at_index(root.pointer_of(key), i) + "/name", "duplicate name \"" + name + "\""});
      }
    }
  };
  collect("resourceFlavors", names.flavors);
  collect("cohorts", names.cohorts);
  collect("clusterQueues", names.cluster_queues);
  // Indices follow the order of first appearance; keep the vectors aligned with them.
  config.flavors.resize(names.flavors.size());
  config.cohorts.resize(names.cohorts.size());
  config.cluster_queues.resize(names.cluster_queues.size());

  if (const auto* list = root.array("resourceFlavors")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject f((*list)[i], at_index(root.pointer_of("resourceFlavors"), i), issues);
      if (!f.valid()) continue;
      ResourceFlavor flavor;
      flavor.name = f.string("name", Required::Yes).value_or("");
      flavor.node_labels = f.string_map("nodeLabels");
      flavor.node_taints = read_taints(f, "nodeTaints", issues);
      flavor.tolerations = read_tolerations(f, issues);
      f.finish();
      if (auto it = names.flavors.find(flavor.name); it != names.flavors.end() && config.flavors[static_cast<std::size_t>(it->second)].name.empty()) {
        config.flavors[static_cast<std::size_t>(it->second)] = std::move(flavor);
      }
    }
  }
  auto cohort_ref = [&](StrictObject& o, std::string_view key) -> int {
    auto name = o.string(key);
    if (!name) return -1;
    if (auto it = names.cohorts.find(*name); it != names.cohorts.end()) return it->second;
    o.issue(key, "no cohort is named \"" + *name + "\" in /queueing/cohorts (kubetwin needs every cohort listed)");
    return -1;
  };
  if (const auto* list = root.array("cohorts")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject c((*list)[i], at_index(root.pointer_of("cohorts"), i), issues);
      if (!c.valid()) continue;
      CohortSpec cohort;
      cohort.name = c.string("name", Required::Yes).value_or("");
      cohort.parent = cohort_ref(c, "parentName");
      cohort.resource_groups = read_resource_groups(c, true, names, issues);
      cohort.fair_weight = read_weight(c);
      c.finish();
      if (auto it = names.cohorts.find(cohort.name); it != names.cohorts.end() && config.cohorts[static_cast<std::size_t>(it->second)].name.empty()) {
        config.cohorts[static_cast<std::size_t>(it->second)] = std::move(cohort);
      }
    }
  }
  check_cohort_cycles(config, root.pointer_of("cohorts"), issues);
  if (const auto* list = root.array("clusterQueues")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject c((*list)[i], at_index(root.pointer_of("clusterQueues"), i), issues);
      if (!c.valid()) continue;
      ClusterQueueSpec cq;
      cq.name = c.string("name", Required::Yes).value_or("");
      if (c.has("cohort") && c.has("cohortName")) c.issue("cohortName", "give either cohort or cohortName");
      cq.cohort = cohort_ref(c, c.has("cohortName") ? "cohortName" : "cohort");
      const bool in_tree = c.has("cohort") || c.has("cohortName");
      cq.queueing_strategy = c.enumeration("queueingStrategy", {"BestEffortFIFO", "StrictFIFO"}).value_or("BestEffortFIFO") == "StrictFIFO"
                                 ? QueueingStrategy::StrictFIFO
                                 : QueueingStrategy::BestEffortFIFO;
      if (!c.has("resourceGroups")) c.issue("resourceGroups", "is required");
      cq.resource_groups = read_resource_groups(c, in_tree, names, issues);
      read_preemption(c, cq);
      cq.fair_weight = read_weight(c);
      if (auto ff = c.object("flavorFungibility")) {
        const auto borrow = ff->enumeration("whenCanBorrow", {"MayStopSearch", "Borrow", "TryNextFlavor"}).value_or("MayStopSearch");
        const auto preempt = ff->enumeration("whenCanPreempt", {"MayStopSearch", "Preempt", "TryNextFlavor"}).value_or("TryNextFlavor");
        cq.try_next_flavor_when_can_borrow = borrow == "TryNextFlavor";
        cq.stop_search_when_can_preempt = preempt != "TryNextFlavor";
        ff->finish();
      }
      c.finish();
      if (auto it = names.cluster_queues.find(cq.name); it != names.cluster_queues.end() &&
                                                       config.cluster_queues[static_cast<std::size_t>(it->second)].name.empty()) {
        config.cluster_queues[static_cast<std::size_t>(it->second)] = std::move(cq);
      }
    }
  }
  std::set<std::string, std::less<>> local_names;
  if (const auto* list = root.array("localQueues")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject l((*list)[i], at_index(root.pointer_of("localQueues"), i), issues);
      if (!l.valid()) continue;
      LocalQueueSpec lq;
      lq.name = l.string("name", Required::Yes).value_or("");
      if (!lq.name.empty() && !local_names.insert(lq.name).second) l.issue("name", "duplicate name \"" + lq.name + "\"");
      const std::string cq = l.string("clusterQueue", Required::Yes).value_or("");
      if (auto it = names.cluster_queues.find(cq); it != names.cluster_queues.end()) {
        lq.cluster_queue = it->second;
      } else if (l.has("clusterQueue")) {
        l.issue("clusterQueue", "no ClusterQueue is named \"" + cq + "\" in /queueing/clusterQueues");
      }
      l.finish();
      config.local_queues.push_back(std::move(lq));
    }
  }
  root.finish();
  return config;
}

}  // namespace kubetwin::models::queueing
