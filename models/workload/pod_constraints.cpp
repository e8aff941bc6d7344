#include "models/workload/pod_constraints.hpp"

#include <algorithm>

namespace kubetwin::models {

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [key, value] : match_labels) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  for (const LabelSelectorRequirement& r : match_expressions) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool listed =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case LabelSelectorRequirement::Operator::In:
        if (!listed) return false;
        break;
      case LabelSelectorRequirement::Operator::NotIn:
        if (listed) return false;  // a pod without the key matches NotIn, as upstream
        break;
      case LabelSelectorRequirement::Operator::Exists:
        if (!has) return false;
        break;
      case LabelSelectorRequirement::Operator::DoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

}  // namespace kubetwin::models
