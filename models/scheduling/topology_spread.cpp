#include "models/scheduling/topology_spread.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <vector>

#include "models/scheduling/topology_domains.hpp"

namespace kubetwin::models {

namespace {

using Action = UnsatisfiableConstraintAction;

bool any_with(const PodGroupSpec& pod, Action action) {
  return std::any_of(
      pod.topology_spread_constraints.begin(), pod.topology_spread_constraints.end(),
      [action](const TopologySpreadConstraint& c) { return c.when_unsatisfiable == action; });
}

/// One constraint's counts, indexed by domain id.
struct ConstraintCounts {
  ConstraintCounts(const TopologySpreadConstraint& c, const Cluster& cluster)
      : spec(&c),
        domains(cluster, c.topology_key),
        counts(domains.size(), 0),
        eligible(domains.size(), 0) {}
  const TopologySpreadConstraint* spec;
  TopologyDomains domains;
  std::vector<std::int64_t> counts;    // matching pods on eligible nodes of the domain
  std::vector<std::uint8_t> eligible;  // the domain has a node that counts
};

/// What PreFilter computes for Filter: per DoNotSchedule constraint, the counts and the minimum.
struct SpreadFilterState {
  struct Constraint {
    ConstraintCounts c;
    std::int64_t min_match = 0;  // global minimum, taking minDomains into account
    int self_match = 0;          // 1 if the incoming pod matches the constraint's selector
  };
  std::vector<Constraint> constraints;
};

/// What PreScore computes for Score: per ScheduleAnyway constraint, the counts over the domains
/// of the feasible nodes and the topology's normalizing weight.
struct SpreadScoreState {
  struct Constraint {
    ConstraintCounts c;
    double weight = 0;  // log(domains + 2)
  };
  std::vector<Constraint> constraints;
};

/// Which nodes count for a constraint (node inclusion policies), by pool when the pod's
/// nodeSelector does not name a host, else by node.
class Inclusion {
 public:
  Inclusion(const Cluster& cluster, const PodGroupSpec& pod) : cluster_(cluster), pod_(pod) {
    by_node_ = pod.node_selector.contains(kHostnameLabel);
    selector_.resize(cluster.pool_count());
    taints_.resize(cluster.pool_count());
    for (std::size_t p = 0; p < cluster.pool_count(); ++p) {
      if (cluster.pool(p).count == 0) continue;
      const NodeIndex first = cluster.first_node_of_pool(p);
      selector_[p] = !by_node_ && node_selector_matches(cluster, pod, first);
      taints_[p] = tolerates_node_taints(cluster, pod, first);
    }
  }
  bool includes(const TopologySpreadConstraint& c, NodeIndex n) const {
    const std::uint32_t p = cluster_.pool_of(n);
    if (c.node_affinity_policy == NodeInclusionPolicy::Honor) {
      if (by_node_ ? !node_selector_matches(cluster_, pod_, n) : !selector_[p]) return false;
    }
    return c.node_taints_policy == NodeInclusionPolicy::Ignore || taints_[p];
  }

 private:
  const Cluster& cluster_;
  const PodGroupSpec& pod_;
  bool by_node_ = false;
  std::vector<std::uint8_t> selector_, taints_;  // by pool
};

template <class C>
bool node_has_every_key(const std::vector<C>& constraints, NodeIndex n) {
  return std::all_of(constraints.begin(), constraints.end(),
                     [n](const C& c) { return c.c.domains.of(n) != TopologyDomains::kNone; });
}

std::int64_t matching_pods(const ClusterSnapshot& snapshot, NodeIndex n,
                           const TopologySpreadConstraint& c) {
  std::int64_t count = 0;
  for (const RunningPod& p : snapshot.pods_on(n))
    count += p.spec != nullptr && c.matches(p.spec->labels);
  return count;
}

}  // namespace

// --- Filter (DoNotSchedule) ------------------------------------------------------------------

Status PodTopologySpread::pre_filter(CycleState& state, const PodGroupSpec& pod,
                                     const ClusterSnapshot& snapshot) const {
  if (!any_with(pod, Action::DoNotSchedule)) return Status::skip();
  const Cluster& cluster = snapshot.cluster();
  auto& s = state.emplace<SpreadFilterState>();
  for (const TopologySpreadConstraint& c : pod.topology_spread_constraints) {
    if (c.when_unsatisfiable != Action::DoNotSchedule) continue;
    s.constraints.push_back({ConstraintCounts(c, cluster), 0, c.matches(pod.labels) ? 1 : 0});
  }
  const Inclusion inclusion(cluster, pod);
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    if (!node_has_every_key(s.constraints, n))
      continue;  // upstream nodeLabelsMatchSpreadConstraints
    for (auto& [c, min_match, self] : s.constraints) {
      if (!inclusion.includes(*c.spec, n)) continue;
      const auto d = static_cast<std::size_t>(c.domains.of(n));
      c.eligible[d] = 1;
      c.counts[d] += matching_pods(snapshot, n, *c.spec);
    }
  }
  for (auto& [c, min_match, self] : s.constraints) {
    std::int64_t domains = 0;
    min_match =
        std::numeric_limits<std::int32_t>::max();  // no eligible domain: nothing to skew against
    for (std::size_t d = 0; d < c.counts.size(); ++d) {
      if (!c.eligible[d]) continue;
      ++domains;
      min_match = std::min(min_match, c.counts[d]);
    }
    if (domains < c.spec->min_domains.value_or(1)) min_match = 0;
  }
  return Status::success();
}

bool PodTopologySpread::pool_constant(const PodGroupSpec& pod) const {
  return !any_with(pod, Action::DoNotSchedule);
}

const char* PodTopologySpread::rejection(const CycleState& state,
                                         [[maybe_unused]] const PodGroupSpec& pod,
                                         NodeIndex node) const {
  const auto* s = state.read<SpreadFilterState>();
  if (s == nullptr) {
    assert(!any_with(pod, Action::DoNotSchedule) && "PodTopologySpread: Filter without PreFilter");
    return nullptr;
  }
  for (const auto& [c, min_match, self] : s->constraints) {
    const std::int32_t d = c.domains.of(node);
    if (d == TopologyDomains::kNone) return kReasonNodeLabelNotMatch;
    const std::int64_t skew = c.counts[static_cast<std::size_t>(d)] + self - min_match;
    if (skew > c.spec->max_skew) return kReasonConstraintsNotMatch;
  }
  return nullptr;
}

Status PodTopologySpread::filter(const CycleState& state, const PodGroupSpec& pod,
                                 const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  const char* reason = rejection(state, pod, node);
  if (reason == nullptr) return Status::success();
  if (reason == kReasonNodeLabelNotMatch) return Status::unresolvable(kName, reason);
  return Status::unschedulable(kName, reason);
}

bool PodTopologySpread::passes(const CycleState& state, const PodGroupSpec& pod,
                               const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  return rejection(state, pod, node) == nullptr;
}

// --- Score (ScheduleAnyway) ------------------------------------------------------------------

Status PodTopologySpread::pre_score(CycleState& state, const PodGroupSpec& pod,
                                    const ClusterSnapshot& snapshot,
                                    std::span<const NodeIndex> feasible) const {
  if (!any_with(pod, Action::ScheduleAnyway) || feasible.empty()) return Status::skip();
  const Cluster& cluster = snapshot.cluster();
  auto& s = state.emplace<SpreadScoreState>();
  for (const TopologySpreadConstraint& c : pod.topology_spread_constraints) {
    if (c.when_unsatisfiable == Action::ScheduleAnyway)
      s.constraints.push_back({ConstraintCounts(c, cluster), 0});
  }
  // The domains to score are those of the feasible nodes that carry every key; the others are
  // ignored (they score 0).
  std::int64_t scored_nodes = 0;
  for (NodeIndex n : feasible) {
    if (!node_has_every_key(s.constraints, n)) continue;
    ++scored_nodes;
    for (auto& [c, weight] : s.constraints) {
      if (!c.domains.by_node()) c.eligible[static_cast<std::size_t>(c.domains.of(n))] = 1;
    }
  }
  bool zone_like = false;  // some constraint is not per node: count over the whole cluster
  for (auto& [c, weight] : s.constraints) {
    const auto size =
        c.domains.by_node() ? scored_nodes : std::count(c.eligible.begin(), c.eligible.end(), 1);
    weight = std::log(static_cast<double>(size + 2));
    zone_like = zone_like || !c.domains.by_node();
  }
  if (zone_like) {
    const Inclusion inclusion(cluster, pod);
    for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
      if (!node_has_every_key(s.constraints, n)) continue;
      for (auto& [c, weight] : s.constraints) {
        if (c.domains.by_node() || !inclusion.includes(*c.spec, n))
          continue;  // per-node counts come in Score
        const auto d = static_cast<std::size_t>(c.domains.of(n));
        if (c.eligible[d]) c.counts[d] += matching_pods(snapshot, n, *c.spec);
      }
    }
  }
  return Status::success();
}

std::int64_t PodTopologySpread::score(const CycleState& state, const PodGroupSpec& /*pod*/,
                                      const ClusterSnapshot& snapshot, NodeIndex node) const {
  const auto* s = state.read<SpreadScoreState>();
  if (s == nullptr) return 0;
  if (!node_has_every_key(s->constraints, node)) return kIgnoredNode;
  double score = 0;
  for (const auto& [c, weight] : s->constraints) {
    const std::int64_t count = c.domains.by_node()
                                   ? matching_pods(snapshot, node, *c.spec)
                                   : c.counts[static_cast<std::size_t>(c.domains.of(node))];
    score += static_cast<double>(count) * weight + static_cast<double>(c.spec->max_skew - 1);
  }
  return std::llround(score);
}

void PodTopologySpread::normalize(const CycleState& state, std::span<std::int64_t> scores) const {
  if (state.read<SpreadScoreState>() == nullptr) return;
  std::int64_t min = std::numeric_limits<std::int64_t>::max(), max = 0;
  for (std::int64_t s : scores) {
    if (s == kIgnoredNode) continue;
    min = std::min(min, s);
    max = std::max(max, s);
  }
  for (std::int64_t& s : scores) {
    if (s == kIgnoredNode) {
      s = 0;
    } else if (max == 0) {
      s = kMaxNodeScore;
    } else {
      s = kMaxNodeScore * (max + min - s) / max;
    }
  }
}

}  // namespace kubetwin::models
