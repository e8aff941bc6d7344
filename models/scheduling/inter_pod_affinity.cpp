#include "models/scheduling/inter_pod_affinity.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <vector>

#include "models/scheduling/topology_domains.hpp"

namespace kubetwin::models {

namespace {

/// Placed pods per domain matching one of the incoming pod's required terms.
struct TermCounts {
  TermCounts(const PodAffinityTerm& t, const Cluster& cluster)
      : term(&t), domains(cluster, t.topology_key), counts(domains.size(), 0) {}
  const PodAffinityTerm* term;
  TopologyDomains domains;
  std::vector<std::int32_t> counts;
};

/// Domains of one topology key, with a value per domain.
template <class T>
struct KeyedDomains {
  KeyedDomains(const Cluster& cluster, std::string_view key)
      : domains(cluster, key), value(domains.size(), T{}) {}
  TopologyDomains domains;
  std::vector<T> value;
};

/// The entry for `key`, made on first use (a handful of distinct keys: a scan is enough).
template <class T>
KeyedDomains<T>& entry(std::vector<KeyedDomains<T>>& by_key, const Cluster& cluster,
                       std::string_view key) {
  for (auto& e : by_key) {
    if (e.domains.key() == key) return e;
  }
  return by_key.emplace_back(cluster, key);
}

struct AffinityFilterState {
  std::vector<TermCounts> affinity;  // the pod's required affinity terms
  bool any_affinity_match =
      false;  // some placed pod matches all of them (upstream: affinityCounts non-empty)
  bool self_affinity = false;             // the pod matches all of them itself
  std::vector<TermCounts> anti_affinity;  // the pod's required anti-affinity terms
  /// Domains holding a placed pod whose required anti-affinity term matches the pod, by key.
  std::vector<KeyedDomains<std::uint8_t>> existing_anti;
};

struct AffinityScoreState {
  std::vector<KeyedDomains<std::int64_t>> by_key;  // summed weights per domain
};

bool matches_all(const std::vector<PodAffinityTerm>& terms, const Labels& labels) {
  return !terms.empty() && std::all_of(terms.begin(), terms.end(),
                                       [&](const PodAffinityTerm& t) { return t.matches(labels); });
}

/// Calls `f(node, pod)` for the placed pods: every one if `all` (the incoming pod's own terms may
/// select any pod), else at least those with affinity terms (upstream's HavePodsWithAffinityList).
/// With `all` false only the pods with affinity terms matter, and the snapshot's index of the
/// nodes hosting them spares a scan of every placed pod.
template <class F>
void for_each_placed_pod(const ClusterSnapshot& snapshot, bool all, F f) {
  if (!snapshot.has_pods()) return;
  if (!all) {
    if (auto nodes = snapshot.nodes_with_affinity_pods()) {
      for (NodeIndex n : *nodes) {
        for (const RunningPod& p : snapshot.pods_on(n)) {
          if (p.spec != nullptr) f(n, *p.spec);
        }
      }
      return;
    }
  }
  for (NodeIndex n = 0; n < snapshot.node_count(); ++n) {
    for (const RunningPod& p : snapshot.pods_on(n)) {
      if (p.spec != nullptr) f(n, *p.spec);
    }
  }
}

}  // namespace

// --- Filter ----------------------------------------------------------------------------------

Status InterPodAffinity::pre_filter(CycleState& state, const PodGroupSpec& pod,
                                    const ClusterSnapshot& snapshot) const {
  const Cluster& cluster = snapshot.cluster();
  const auto& required = pod.affinity.pod_affinity.required;
  const auto& required_anti = pod.affinity.pod_anti_affinity.required;
  const bool own_terms = !required.empty() || !required_anti.empty();
  AffinityFilterState* s = nullptr;  // made on first need: pods without terms allocate nothing
  if (own_terms) {
    s = &state.emplace<AffinityFilterState>();
    for (const auto& t : required) s->affinity.emplace_back(t, cluster);
    for (const auto& t : required_anti) s->anti_affinity.emplace_back(t, cluster);
    s->self_affinity = matches_all(required, pod.labels);
  }
  for_each_placed_pod(snapshot, own_terms, [&](NodeIndex n, const PodGroupSpec& placed) {
    for (const PodAffinityTerm& t : placed.affinity.pod_anti_affinity.required) {
      if (!t.matches(pod.labels) || !cluster.node_label(n, t.topology_key)) continue;
      if (s == nullptr) s = &state.emplace<AffinityFilterState>();
      auto& e = entry(s->existing_anti, cluster, t.topology_key);
      e.value[static_cast<std::size_t>(e.domains.of(n))] = 1;
    }
    if (!own_terms) return;
    if (matches_all(required, placed.labels)) {
      for (auto& tc : s->affinity) {
        const std::int32_t d = tc.domains.of(n);
        if (d == TopologyDomains::kNone) continue;
        ++tc.counts[static_cast<std::size_t>(d)];
        s->any_affinity_match = true;
      }
    }
    for (auto& tc : s->anti_affinity) {
      const std::int32_t d = tc.domains.of(n);
      if (d != TopologyDomains::kNone && tc.term->matches(placed.labels))
        ++tc.counts[static_cast<std::size_t>(d)];
    }
  });
  return s == nullptr ? Status::skip() : Status::success();
}

const char* InterPodAffinity::rejection(const CycleState& state, NodeIndex node) const {
  const auto* s = state.read<AffinityFilterState>();
  if (s == nullptr) return nullptr;  // PreFilter returned Skip
  if (!s->affinity.empty()) {
    bool pods_exist = true;
    for (const auto& tc : s->affinity) {
      const std::int32_t d = tc.domains.of(node);
      if (d == TopologyDomains::kNone)
        return kReasonAffinityRulesNotMatch;  // every key must be on the node
      pods_exist = pods_exist && tc.counts[static_cast<std::size_t>(d)] > 0;
    }
    // The first pod of a group with affinity to itself may go anywhere that has the keys.
    if (!pods_exist && (s->any_affinity_match || !s->self_affinity))
      return kReasonAffinityRulesNotMatch;
  }
  for (const auto& tc : s->anti_affinity) {
    const std::int32_t d = tc.domains.of(node);
    if (d != TopologyDomains::kNone && tc.counts[static_cast<std::size_t>(d)] > 0)
      return kReasonAntiAffinityRulesNotMatch;
  }
  for (const auto& e : s->existing_anti) {
    const std::int32_t d = e.domains.of(node);
    if (d != TopologyDomains::kNone && e.value[static_cast<std::size_t>(d)])
      return kReasonExistingAntiAffinityRulesNotMatch;
  }
  return nullptr;
}

Status InterPodAffinity::filter(const CycleState& state, const PodGroupSpec& /*pod*/,
                                const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  const char* reason = rejection(state, node);
  if (reason == nullptr) return Status::success();
  if (reason == kReasonAffinityRulesNotMatch) return Status::unresolvable(kName, reason);
  return Status::unschedulable(kName, reason);
}

bool InterPodAffinity::passes(const CycleState& state, const PodGroupSpec& /*pod*/,
                              const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  return rejection(state, node) == nullptr;
}

// --- Score -----------------------------------------------------------------------------------

Status InterPodAffinity::pre_score(CycleState& state, const PodGroupSpec& pod,
                                   const ClusterSnapshot& snapshot,
                                   std::span<const NodeIndex> feasible) const {
  if (feasible.empty()) return Status::skip();
  const Cluster& cluster = snapshot.cluster();
  AffinityScoreState* s = nullptr;  // made on first match: nothing allocated when nothing applies
  const auto add = [&](NodeIndex n, const PodAffinityTerm& t, std::int64_t weight) {
    if (!cluster.node_label(n, t.topology_key)) return;
    if (s == nullptr) s = &state.emplace<AffinityScoreState>();
    auto& e = entry(s->by_key, cluster, t.topology_key);
    e.value[static_cast<std::size_t>(e.domains.of(n))] += weight;
  };
  const auto& preferred = pod.affinity.pod_affinity.preferred;
  const auto& preferred_anti = pod.affinity.pod_anti_affinity.preferred;
  for_each_placed_pod(snapshot, !preferred.empty() || !preferred_anti.empty(),
                      [&](NodeIndex n, const PodGroupSpec& placed) {
                        // The incoming pod's preferences about the placed pod...
                        for (const auto& w : preferred) {
                          if (w.term.matches(placed.labels)) add(n, w.term, w.weight);
                        }
                        for (const auto& w : preferred_anti) {
                          if (w.term.matches(placed.labels)) add(n, w.term, -w.weight);
                        }
                        if (placed.affinity.empty()) return;
                        // ...and the placed pod's about the incoming pod.
                        if (hard_weight_ > 0) {
                          for (const auto& t : placed.affinity.pod_affinity.required) {
                            if (t.matches(pod.labels)) add(n, t, hard_weight_);
                          }
                        }
                        for (const auto& w : placed.affinity.pod_affinity.preferred) {
                          if (w.term.matches(pod.labels)) add(n, w.term, w.weight);
                        }
                        for (const auto& w : placed.affinity.pod_anti_affinity.preferred) {
                          if (w.term.matches(pod.labels)) add(n, w.term, -w.weight);
                        }
                      });
  return s == nullptr ? Status::skip() : Status::success();
}

std::int64_t InterPodAffinity::score(const CycleState& state, const PodGroupSpec& /*pod*/,
                                     const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  const auto* s = state.read<AffinityScoreState>();
  if (s == nullptr) return 0;
  std::int64_t score = 0;
  for (const auto& e : s->by_key) {
    const std::int32_t d = e.domains.of(node);
    if (d != TopologyDomains::kNone) score += e.value[static_cast<std::size_t>(d)];
  }
  return score;
}

void InterPodAffinity::normalize(const CycleState& state, std::span<std::int64_t> scores) const {
  if (state.read<AffinityScoreState>() == nullptr || scores.empty()) return;
  const auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
  const std::int64_t min = *lo, diff = *hi - *lo;
  for (std::int64_t& s : scores) {
    s = diff > 0
            ? static_cast<std::int64_t>(static_cast<double>(kMaxNodeScore) *
                                        (static_cast<double>(s - min) / static_cast<double>(diff)))
            : 0;
  }
}

}  // namespace kubetwin::models
