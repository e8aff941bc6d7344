#pragma once
// The one registry of scheduler plugins: names to constructors, and the plugin set of a profile
// built from it. Registration is explicit (no static initializers); add a plugin here.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/scheduling/plugins.hpp"
#include "models/scheduling/scheduler_config.hpp"

namespace kubetwin::models {

/// Names of the plugins that can be enabled at each extension point.
const std::vector<std::string_view>& registered_filter_plugins();
const std::vector<std::string_view>& registered_score_plugins();
const std::vector<std::string_view>& registered_post_filter_plugins();

/// The plugin instances of one profile (a plugin enabled at two points is one instance).
class PluginSet {
 public:
  /// Throws std::invalid_argument for a name that is not registered at its point (the scenario
  /// loader reports those as bad input before this runs).
  explicit PluginSet(const SchedulerConfig& config);

  const std::vector<const FilterPlugin*>& filters() const { return filters_; }
  const std::vector<std::pair<const ScorePlugin*, int>>& scorers() const { return scorers_; }

 private:
  Plugin& instance(std::string_view name, const SchedulerConfig& config);

  std::vector<std::unique_ptr<Plugin>> owned_;
  std::vector<const FilterPlugin*> filters_;
  std::vector<std::pair<const ScorePlugin*, int>> scorers_;
};

}  // namespace kubetwin::models
