#pragma once
// Upstream InterPodAffinity, basic: pod affinity and anti-affinity between pods, by topology
// domain (the nodes sharing a value of the term's topologyKey). kubetwin has one namespace, so a
// term selects among all placed pods.
//
// Filter, in upstream's order and words:
//   - every required affinity term of the pod needs a placed pod matching all those terms in the
//     node's domain ("node(s) didn't match pod affinity rules", unresolvable) -- unless no placed
//     pod matches them anywhere and the pod matches them itself (the first pod of a group that
//     wants to be together);
//   - no placed pod may match a required anti-affinity term of the pod in the node's domain
//     ("node(s) didn't match pod anti-affinity rules");
//   - symmetry: the pod may not land in the domain of a placed pod whose required anti-affinity
//     term matches it ("node(s) didn't satisfy existing pods anti-affinity rules").
// Score: a domain collects, for each placed pod in it, the weights of the pod's preferred affinity
// terms that pod matches (+) and of its preferred anti-affinity terms (-), and symmetrically the
// weights of that pod's preferred terms the incoming pod matches, plus hardPodAffinityWeight for
// each of its required affinity terms the incoming pod matches. A node's raw score is the sum
// over the topology keys of its domains' totals; NormalizeScore maps min..max to 0..100.
//
// Counts are made once per cycle in PreFilter / PreScore; Filter and Score are O(terms) per node.
// Not modelled: namespaces and namespaceSelector (one namespace), matchLabelKeys /
// mismatchLabelKeys, the IgnorePreferredTermsOfExistingPods argument.

#include <cstdint>
#include <span>
#include <string_view>

#include "models/scheduling/framework.hpp"

namespace kubetwin::models {

class InterPodAffinity final : public PreFilterPlugin,
                               public FilterPlugin,
                               public PreScorePlugin,
                               public ScorePlugin {
 public:
  static constexpr std::string_view kName = "InterPodAffinity";
  static constexpr const char* kReasonAffinityRulesNotMatch =
      "node(s) didn't match pod affinity rules";
  static constexpr const char* kReasonAntiAffinityRulesNotMatch =
      "node(s) didn't match pod anti-affinity rules";
  static constexpr const char* kReasonExistingAntiAffinityRulesNotMatch =
      "node(s) didn't satisfy existing pods anti-affinity rules";

  /// `hard_pod_affinity_weight` is InterPodAffinityArgs.hardPodAffinityWeight (0..100, default 1).
  explicit InterPodAffinity(int hard_pod_affinity_weight = 1)
      : hard_weight_(hard_pod_affinity_weight) {}
  std::string_view name() const override { return kName; }

  /// True if the pod has any affinity or anti-affinity term (upstream's PodsWithAffinity).
  static bool has_terms(const PodGroupSpec& pod) { return !pod.affinity.empty(); }
  /// True if the pod has a required anti-affinity term (upstream's PodsWithRequiredAntiAffinity).
  static bool has_required_anti_affinity(const PodGroupSpec& pod) {
    return !pod.affinity.pod_anti_affinity.required.empty();
  }

  /// Counts the placed pods matching the pod's required terms, and the domains blocked by placed
  /// pods' required anti-affinity; Skip if none of these applies.
  Status pre_filter(CycleState& state, const PodGroupSpec& pod,
                    const ClusterSnapshot& snapshot) const override;
  /// Always false: the verdict depends on the pods in the node's domains (consult it only when
  /// PreFilter did not return Skip).
  bool pool_constant(const PodGroupSpec& /*pod*/) const override { return false; }
  Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                NodeIndex node) const override;
  bool passes(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
              NodeIndex node) const override;

  /// Sums the preferred (and existing pods' required affinity) weights per domain; Skip if no
  /// term matched anywhere.
  Status pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                   std::span<const NodeIndex> feasible) const override;
  /// May be negative; normalize() brings it to 0..100.
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod,
                     const ClusterSnapshot& snapshot, NodeIndex node) const override;
  void normalize(const CycleState& state, std::span<std::int64_t> scores) const override;

 private:
  /// Null if the node passes, else the reason (kReasonAffinityRulesNotMatch means unresolvable).
  const char* rejection(const CycleState& state, NodeIndex node) const;

  int hard_weight_;
};

}  // namespace kubetwin::models
