#include "models/scheduling/plugin_registry.hpp"

#include <stdexcept>

#include "models/scheduling/default_preemption.hpp"

namespace kubetwin::models {

const std::vector<std::string_view>& registered_filter_plugins() {
  static const std::vector<std::string_view> names{TaintToleration::kName, NodeAffinity::kName, NodeResourcesFit::kName};
  return names;
}

const std::vector<std::string_view>& registered_score_plugins() {
  static const std::vector<std::string_view> names{TaintToleration::kName, NodeResourcesFit::kName,
                                                    NodeResourcesBalancedAllocation::kName};
  return names;
}

const std::vector<std::string_view>& registered_post_filter_plugins() {
  static const std::vector<std::string_view> names{DefaultPreemption::kName};
  return names;
}

Plugin& PluginSet::instance(std::string_view name, const SchedulerConfig& config) {
  for (const auto& p : owned_) {
    if (p->name() == name) return *p;
  }
  std::unique_ptr<Plugin> made;
  if (name == TaintToleration::kName) made = std::make_unique<TaintToleration>();
  else if (name == NodeAffinity::kName) made = std::make_unique<NodeAffinity>();
  else if (name == NodeResourcesFit::kName) made = std::make_unique<NodeResourcesFit>(config);
  else if (name == NodeResourcesBalancedAllocation::kName) made = std::make_unique<NodeResourcesBalancedAllocation>(config);
  else throw std::invalid_argument("unknown scheduler plugin \"" + std::string(name) + "\"");
  owned_.push_back(std::move(made));
  return *owned_.back();
}

PluginSet::PluginSet(const SchedulerConfig& config) {
  for (const std::string& name : config.filter_plugins) {
    const auto* f = dynamic_cast<const FilterPlugin*>(&instance(name, config));
    if (f == nullptr) throw std::invalid_argument("plugin \"" + name + "\" has no filter extension point");
    filters_.push_back(f);
  }
  for (const WeightedPlugin& wp : config.score_plugins) {
    const auto* s = dynamic_cast<const ScorePlugin*>(&instance(wp.name, config));
    if (s == nullptr) throw std::invalid_argument("plugin \"" + wp.name + "\" has no score extension point");
    scorers_.emplace_back(s, wp.weight);
  }
}

}  // namespace kubetwin::models
