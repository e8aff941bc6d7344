#pragma once
// Where a pod may go relative to other pods, in Kubernetes' vocabulary: label selectors,
// topologySpreadConstraints (PodTopologySpread) and pod affinity / anti-affinity
// (InterPodAffinity).
//
// kubetwin has one namespace: every term selects among all pods, so the `namespaces` and
// `namespaceSelector` fields of Kubernetes' PodAffinityTerm have no counterpart here.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kubetwin::models {

using Labels = std::map<std::string, std::string>;

/// One matchExpressions entry of a LabelSelector.
struct LabelSelectorRequirement {
  enum class Operator { In, NotIn, Exists, DoesNotExist };
  std::string key;
  Operator op = Operator::In;
  std::vector<std::string> values;  ///< non-empty for In and NotIn, empty otherwise

  bool operator==(const LabelSelectorRequirement&) const = default;
};

/// metav1.LabelSelector: matchLabels and matchExpressions, all of which must hold (an empty
/// selector matches every pod). A term or constraint without a selector matches no pod, as
/// upstream's LabelSelectorAsSelector(nil) does; they hold it as std::optional.
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;

  bool matches(const Labels& labels) const;
  bool operator==(const LabelSelector&) const = default;
};

/// An absent selector matches nothing.
inline bool selector_matches(const std::optional<LabelSelector>& selector, const Labels& labels) {
  return selector.has_value() && selector->matches(labels);
}

enum class UnsatisfiableConstraintAction { DoNotSchedule, ScheduleAnyway };
/// Whether a spread constraint counts only nodes that pass the pod's node affinity / taints.
enum class NodeInclusionPolicy { Honor, Ignore };

/// v1.TopologySpreadConstraint. Defaults are upstream's: minDomains 1 (when unset),
/// nodeAffinityPolicy Honor (only nodes matching the pod's nodeSelector count), nodeTaintsPolicy
/// Ignore (nodes count whatever their taints).
struct TopologySpreadConstraint {
  int max_skew = 1;
  std::string topology_key;
  UnsatisfiableConstraintAction when_unsatisfiable = UnsatisfiableConstraintAction::DoNotSchedule;
  std::optional<LabelSelector> label_selector;
  std::optional<int> min_domains;  ///< DoNotSchedule only
  NodeInclusionPolicy node_affinity_policy = NodeInclusionPolicy::Honor;
  NodeInclusionPolicy node_taints_policy = NodeInclusionPolicy::Ignore;

  bool matches(const Labels& labels) const { return selector_matches(label_selector, labels); }
  bool operator==(const TopologySpreadConstraint&) const = default;
};

/// v1.PodAffinityTerm: the pods the selector picks, grouped by the nodes' value of topologyKey.
struct PodAffinityTerm {
  std::optional<LabelSelector> label_selector;
  std::string topology_key;

  bool matches(const Labels& labels) const { return selector_matches(label_selector, labels); }
  bool operator==(const PodAffinityTerm&) const = default;
};

/// v1.WeightedPodAffinityTerm: a preference, weight 1..100.
struct WeightedPodAffinityTerm {
  int weight = 1;
  PodAffinityTerm term;

  bool operator==(const WeightedPodAffinityTerm&) const = default;
};

/// The required (requiredDuringSchedulingIgnoredDuringExecution) and preferred
/// (preferredDuringSchedulingIgnoredDuringExecution) terms of podAffinity or podAntiAffinity.
struct PodAffinityRules {
  std::vector<PodAffinityTerm> required;
  std::vector<WeightedPodAffinityTerm> preferred;

  bool empty() const { return required.empty() && preferred.empty(); }
  bool operator==(const PodAffinityRules&) const = default;
};

/// The pod part of v1.Affinity (node affinity is the pod group's nodeSelector).
struct PodAffinity {
  PodAffinityRules pod_affinity;
  PodAffinityRules pod_anti_affinity;

  bool empty() const { return pod_affinity.empty() && pod_anti_affinity.empty(); }
  bool operator==(const PodAffinity&) const = default;
};

}  // namespace kubetwin::models
