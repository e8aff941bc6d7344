#include "models/scheduling/plugin_registry.hpp"

#include <algorithm>
#include <stdexcept>
#include <type_traits>

#include "models/dra/dynamic_resources.hpp"
#include "models/scheduling/coscheduling.hpp"
#include "models/gpushare/policies.hpp"
#include "models/scheduling/default_preemption.hpp"
#include "models/scheduling/gpu_share_plugins.hpp"
#include "models/scheduling/inter_pod_affinity.hpp"
#include "models/scheduling/plugins.hpp"
#include "models/scheduling/topology_aware.hpp"
#include "models/scheduling/topology_spread.hpp"

namespace kubetwin::models {

std::string_view extension_point_key(ExtensionPoint point) {
  switch (point) {
    case ExtensionPoint::QueueSort: return "queueSort";
    case ExtensionPoint::PreEnqueue: return "preEnqueue";
    case ExtensionPoint::PreFilter: return "preFilter";
    case ExtensionPoint::Filter: return "filter";
    case ExtensionPoint::PostFilter: return "postFilter";
    case ExtensionPoint::PreScore: return "preScore";
    case ExtensionPoint::Score: return "score";
    case ExtensionPoint::Reserve: return "reserve";
    case ExtensionPoint::Permit: return "permit";
    case ExtensionPoint::PreBind: return "preBind";
    case ExtensionPoint::Bind: return "bind";
    case ExtensionPoint::PostBind: return "postBind";
  }
  return "";
}

const PluginRegistry& PluginRegistry::builtin() {
  static const PluginRegistry registry = [] {
    using P = ExtensionPoint;
    PluginRegistry r;
    r.add(std::string(PrioritySort::kName), {P::QueueSort}, [](const PluginContext&) { return std::make_unique<PrioritySort>(); });
    r.add(std::string(SchedulingGates::kName), {P::PreEnqueue},
          [](const PluginContext&) { return std::make_unique<SchedulingGates>(); });
    r.add(std::string(TaintToleration::kName), {P::Filter, P::Score},
          [](const PluginContext&) { return std::make_unique<TaintToleration>(); });
    r.add(std::string(NodeAffinity::kName), {P::Filter}, [](const PluginContext&) { return std::make_unique<NodeAffinity>(); });
    r.add(std::string(NodeResourcesFit::kName), {P::Filter, P::Score},
          [](const PluginContext& c) { return std::make_unique<NodeResourcesFit>(c.profile); });
    r.add(std::string(NodeResourcesBalancedAllocation::kName), {P::Score},
          [](const PluginContext& c) { return std::make_unique<NodeResourcesBalancedAllocation>(c.profile); });
    r.add(std::string(PodTopologySpread::kName), {P::PreFilter, P::Filter, P::PreScore, P::Score},
          [](const PluginContext&) { return std::make_unique<PodTopologySpread>(); });
    r.add(std::string(InterPodAffinity::kName), {P::PreFilter, P::Filter, P::PreScore, P::Score},
          [](const PluginContext& c) { return std::make_unique<InterPodAffinity>(c.profile.hard_pod_affinity_weight); });
    // Not in the default profile: gangs in the narrowest fabric domain (Kueue TAS, KAI-Scheduler).
    r.add(std::string(TopologyAware::kName), {P::PreFilter, P::Filter, P::PreScore, P::Score},
          [](const PluginContext& c) { return std::make_unique<TopologyAware>(c.profile); });
    r.add(std::string(DefaultPreemption::kName), {P::PostFilter},
          [](const PluginContext&) { return std::make_unique<DefaultPreemption>(); });
    r.add(std::string(Coscheduling::kName), {P::PostFilter, P::Reserve, P::Permit},
          [](const PluginContext& c) { return std::make_unique<Coscheduling>(c.profile); });
    r.add(std::string(DefaultBinder::kName), {P::Bind}, [](const PluginContext&) { return std::make_unique<DefaultBinder>(); });
    // DRA: without DRA objects (a state handed in with dra::bind_dynamic_resources) it rejects
    // pods with claims and skips the others.
    r.add(std::string(dra::DynamicResources::kName), {P::PreFilter, P::Filter, P::Reserve, P::PreBind},
          [](const PluginContext&) { return std::make_unique<dra::DynamicResources>(nullptr); });
    // The FGD paper's GPU-sharing policies, under their command-line names.
    for (std::string_view policy : gpushare::policy_names()) {
      r.add(std::string(policy), {P::PreScore, P::Score}, [policy](const PluginContext& c) {
        return std::make_unique<GpuSharePolicyPlugin>(policy, c.profile, c.random);
      });
    }
    return r;
  }();
  return registry;
}

void PluginRegistry::add(std::string name, std::vector<ExtensionPoint> points, Factory make) {
  if (knows(name)) throw std::invalid_argument("scheduler plugin \"" + name + "\" is registered twice");
  entries_.push_back({std::move(name), std::move(points), std::move(make)});
}

void PluginRegistry::replace(std::string_view name, Factory make) {
  for (Entry& e : entries_) {
    if (e.name == name) {
      e.make = std::move(make);
      return;
    }
  }
  throw std::invalid_argument("unknown scheduler plugin \"" + std::string(name) + "\"");
}

const PluginRegistry::Entry* PluginRegistry::find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

bool PluginRegistry::knows(std::string_view name) const { return find(name) != nullptr; }

bool PluginRegistry::implements(std::string_view name, ExtensionPoint point) const {
  const Entry* e = find(name);
  return e != nullptr && std::find(e->points.begin(), e->points.end(), point) != e->points.end();
}

std::vector<std::string_view> PluginRegistry::names_at(ExtensionPoint point) const {
  std::vector<std::string_view> out;
  for (const Entry& e : entries_) {
    if (std::find(e.points.begin(), e.points.end(), point) != e.points.end()) out.emplace_back(e.name);
  }
  return out;
}

std::unique_ptr<Plugin> PluginRegistry::make(std::string_view name, const PluginContext& context) const {
  const Entry* e = find(name);
  if (e == nullptr) throw std::invalid_argument("unknown scheduler plugin \"" + std::string(name) + "\"");
  return e->make(context);
}

Plugin& PluginSet::instance(std::string_view name, const PluginContext& context, const PluginRegistry& registry) {
  for (const auto& p : owned_) {
    if (p->name() == name) return *p;
  }
  owned_.push_back(registry.make(name, context));
  return *owned_.back();
}

template <class Interface>
void PluginSet::collect(const ProfileConfig& profile, ExtensionPoint point, const PluginContext& context,
                        const PluginRegistry& registry, std::vector<const Interface*>& out) {
  for (const WeightedPlugin& wp : profile.at(point)) {
    const auto* p = registry.implements(wp.name, point) ? dynamic_cast<const Interface*>(&instance(wp.name, context, registry))
                                                        : nullptr;
    if (p == nullptr) {
      throw std::invalid_argument("plugin \"" + wp.name + "\" has no " + std::string(extension_point_key(point)) +
                                  " extension point");
    }
    out.push_back(p);
  }
}

PluginSet::PluginSet(const ProfileConfig& profile, sim::RandomStream& random, const PluginRegistry& registry) {
  const PluginContext context{profile, random};
  std::vector<const QueueSortPlugin*> sorts;
  collect(profile, ExtensionPoint::QueueSort, context, registry, sorts);
  if (sorts.size() != 1) throw std::invalid_argument("a profile needs exactly one queueSort plugin");
  queue_sort_ = sorts.front();
  collect(profile, ExtensionPoint::PreEnqueue, context, registry, pre_enqueue_);
  collect(profile, ExtensionPoint::PreFilter, context, registry, pre_filter_);
  collect(profile, ExtensionPoint::Filter, context, registry, filters_);
  collect(profile, ExtensionPoint::PostFilter, context, registry, post_filter_);
  collect(profile, ExtensionPoint::PreScore, context, registry, pre_score_);
  std::vector<const ScorePlugin*> scorers;
  collect(profile, ExtensionPoint::Score, context, registry, scorers);
  for (std::size_t i = 0; i < scorers.size(); ++i) scorers_.emplace_back(scorers[i], profile.at(ExtensionPoint::Score)[i].weight);
  // A plugin's PreFilter and PreScore prepare the state its Filter and Score read: they run
  // whenever those do, even if the profile enabled only the latter (as upstream's multiPoint).
  auto add_pre = [](auto& pres, const auto* plugin) {
    using Pre = std::remove_const_t<std::remove_pointer_t<typename std::decay_t<decltype(pres)>::value_type>>;
    const auto* pre = dynamic_cast<const Pre*>(plugin);
    if (pre != nullptr && std::find(pres.begin(), pres.end(), pre) == pres.end()) pres.push_back(pre);
  };
  for (const FilterPlugin* f : filters_) add_pre(pre_filter_, f);
  for (const auto& [s, weight] : scorers_) add_pre(pre_score_, s);
  collect(profile, ExtensionPoint::Reserve, context, registry, reserve_);
  collect(profile, ExtensionPoint::Permit, context, registry, permit_);
  collect(profile, ExtensionPoint::PreBind, context, registry, pre_bind_);
  collect(profile, ExtensionPoint::Bind, context, registry, bind_);
  collect(profile, ExtensionPoint::PostBind, context, registry, post_bind_);
}

}  // namespace kubetwin::models
