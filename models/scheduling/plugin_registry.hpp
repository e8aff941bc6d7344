#pragma once
// The one registry of scheduler plugins: each name with the extension points it implements and
// how to build it for a profile. The built-in plugins are registered explicitly in the .cpp (no
// static initializers); a library user may register more on a copy of the built-in registry.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/scheduling/framework.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

/// What a plugin is built from: its profile's configuration, and the profile's random stream
/// (plugins that draw, such as Random, use it so that runs stay reproducible).
struct PluginContext {
  const ProfileConfig& profile;
  sim::RandomStream& random;
};

class PluginRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Plugin>(const PluginContext&)>;

  /// The built-in plugins.
  static const PluginRegistry& builtin();

  void add(std::string name, std::vector<ExtensionPoint> points, Factory make);
  /// Replaces the factory of a registered plugin, e.g. on a copy of the built-in registry to hand
  /// a plugin state that the control plane's owner keeps (dra::bind_dynamic_resources).
  /// Throws std::invalid_argument for an unknown name.
  void replace(std::string_view name, Factory make);
  bool implements(std::string_view name, ExtensionPoint point) const;
  bool knows(std::string_view name) const;
  /// Names of the plugins implementing `point`, in registration order.
  std::vector<std::string_view> names_at(ExtensionPoint point) const;
  /// Throws std::invalid_argument for an unknown name.
  std::unique_ptr<Plugin> make(std::string_view name, const PluginContext& context) const;

 private:
  struct Entry {
    std::string name;
    std::vector<ExtensionPoint> points;
    Factory make;
  };
  const Entry* find(std::string_view name) const;
  std::vector<Entry> entries_;
};

/// The plugin instances of one profile, per extension point in the profile's order (a plugin
/// enabled at several points is one instance).
class PluginSet {
 public:
  /// Throws std::invalid_argument for a name not registered at its point, or a profile without
  /// exactly one QueueSort plugin (the scenario loader reports those as bad input first).
  PluginSet(const ProfileConfig& profile, sim::RandomStream& random,
            const PluginRegistry& registry = PluginRegistry::builtin());

  const QueueSortPlugin& queue_sort() const { return *queue_sort_; }
  const std::vector<const PreEnqueuePlugin*>& pre_enqueue() const { return pre_enqueue_; }
  const std::vector<const PreFilterPlugin*>& pre_filter() const { return pre_filter_; }
  const std::vector<const FilterPlugin*>& filters() const { return filters_; }
  const std::vector<const PostFilterPlugin*>& post_filter() const { return post_filter_; }
  const std::vector<const PreScorePlugin*>& pre_score() const { return pre_score_; }
  const std::vector<std::pair<const ScorePlugin*, int>>& scorers() const { return scorers_; }
  const std::vector<const ReservePlugin*>& reserve() const { return reserve_; }
  const std::vector<const PermitPlugin*>& permit() const { return permit_; }
  const std::vector<const PreBindPlugin*>& pre_bind() const { return pre_bind_; }
  const std::vector<const BindPlugin*>& bind() const { return bind_; }
  const std::vector<const PostBindPlugin*>& post_bind() const { return post_bind_; }

 private:
  Plugin& instance(std::string_view name, const PluginContext& context, const PluginRegistry& registry);
  template <class Interface>
  void collect(const ProfileConfig& profile, ExtensionPoint point, const PluginContext& context,
               const PluginRegistry& registry, std::vector<const Interface*>& out);

  std::vector<std::unique_ptr<Plugin>> owned_;
  const QueueSortPlugin* queue_sort_ = nullptr;
  std::vector<const PreEnqueuePlugin*> pre_enqueue_;
  std::vector<const PreFilterPlugin*> pre_filter_;
  std::vector<const FilterPlugin*> filters_;
  std::vector<const PostFilterPlugin*> post_filter_;
  std::vector<const PreScorePlugin*> pre_score_;
  std::vector<std::pair<const ScorePlugin*, int>> scorers_;
  std::vector<const ReservePlugin*> reserve_;
  std::vector<const PermitPlugin*> permit_;
  std::vector<const PreBindPlugin*> pre_bind_;
  std::vector<const BindPlugin*> bind_;
  std::vector<const PostBindPlugin*> post_bind_;
};

}  // namespace kubetwin::models
