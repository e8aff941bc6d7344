#include "models/scheduling/topology_aware.hpp"

#include <algorithm>
#include <cassert>
#include <map>
#include <utility>

#include "models/cluster/node_pool.hpp"
#include "models/scheduling/topology_domains.hpp"

namespace kubetwin::models {

// --- TopologyLevels -------------------------------------------------------------------------

TopologyLevels::TopologyLevels(const Cluster& cluster, std::span<const std::string> levels)
    : cluster_(&cluster),
      node_level_(levels.size()),
      node_count_(cluster.node_count()),
      node_domain_(cluster.node_count() * levels.size(), kNone),
      domain_count_(levels.size(), 0) {
  for (std::size_t l = 0; l < levels.size(); ++l) {
    if (levels[l] == kHostnameLabel) node_level_ = l;
  }
  // A domain is (the domain one level up, this level's value): ids in order of first appearance.
  std::vector<std::map<std::pair<std::int32_t, std::string_view>, std::int32_t>> ids(levels.size());
  // Labels per node: the fabric's levels are set node by node (scenario /fabric), others come
  // from the node's pool.
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    std::int32_t parent = 0;
    for (std::size_t l = 0; l < levels.size(); ++l) {
      if (l == node_level_) continue;
      const auto value = cluster.node_label(n, levels[l]);
      if (!value) break;  // without this level, none of the narrower label levels
      const auto slot = ids[l].try_emplace({parent, *value}, static_cast<std::int32_t>(ids[l].size())).first;
      node_domain_[static_cast<std::size_t>(n) * levels.size() + l] = slot->second;
      parent = slot->second;
    }
  }
  for (std::size_t l = 0; l < levels.size(); ++l) {
    if (l != node_level_) domain_count_[l] = ids[l].size();
  }
  if (node_level_ < levels.size()) domain_count_[node_level_] = cluster.node_count();
}

// --- TopologyAware --------------------------------------------------------------------------

namespace {

/// Room on a node for pods that request nothing: more than any group has.
constexpr std::int64_t kUnbounded = std::int64_t{1} << 40;

/// How many more pods asking for `want` node n can take.
std::int64_t room_on(const Cluster& cluster, NodeIndex n, const Resources& want) {
  const Resources free = cluster.free(n);
  std::int64_t k = kUnbounded;
  // GPUs first: on a busy GPU cluster most nodes have none left, and the divisions are skipped.
  if (want.gpus > 0 && (k = free.gpus / want.gpus) <= 0) return 0;
  if (want.gpu_milli > 0) {
    std::int64_t shares = 0;
    for (std::int16_t milli : cluster.device_free(n)) shares += milli / want.gpu_milli;
    if ((k = std::min(k, shares)) <= 0) return 0;
  }
  if (want.cpu_milli > 0) k = std::min(k, free.cpu_milli / want.cpu_milli);
  if (want.memory_bytes > 0) k = std::min(k, free.memory_bytes / want.memory_bytes);
  return std::max<std::int64_t>(k, 0);
}

}  // namespace

TopologyAware::TopologyAware(const ProfileConfig& profile) : levels_(profile.topology_levels) {
  for (std::size_t l = 0; l < levels_.size(); ++l) {
    if (levels_[l] == profile.topology_default_preferred) default_preferred_ = static_cast<int>(l);
    if (levels_[l] == kHostnameLabel) node_level_ = static_cast<int>(l);
  }
}

std::optional<TopologyAware::Settings> TopologyAware::settings_of(const PodGroupSpec& pod) const {
  auto index = [&](const std::string& key) -> std::optional<int> {
    if (key.empty()) return TopologyPlan::kNoLevel;
    for (std::size_t l = 0; l < levels_.size(); ++l) {
      if (levels_[l] == key) return static_cast<int>(l);
    }
    return std::nullopt;
  };
  const auto required = index(pod.topology.required);
  const auto preferred = index(pod.topology.preferred);
  if (!required || !preferred) return std::nullopt;
  Settings s{*required, *preferred};
  if (pod.topology.empty()) s.preferred = default_preferred_;
  s.preferred = std::max(s.preferred, s.required);  // a wider preference than the requirement says nothing
  return s;
}

bool TopologyAware::fit_is_predictable(const PodGroupSpec& pod) {
  using Action = UnsatisfiableConstraintAction;
  const bool spread = std::any_of(pod.topology_spread_constraints.begin(), pod.topology_spread_constraints.end(),
                                  [](const auto& c) { return c.when_unsatisfiable == Action::DoNotSchedule; });
  return !spread && pod.affinity.pod_affinity.required.empty() && pod.affinity.pod_anti_affinity.required.empty() &&
         pod.resource_claims.empty();
}

const TopologyLevels& TopologyAware::levels_for(const Cluster& cluster) const {
  if (!levels_cache_ || !levels_cache_->built_for(cluster)) levels_cache_.emplace(cluster, levels_);
  return *levels_cache_;
}

Status TopologyAware::plan(TopologyPlan& out, const PodGroupSpec& pod, const ClusterSnapshot& snapshot) const {
  const auto settings = settings_of(pod);
  if (!settings) {
    return Status::unresolvable(kName, "pod group's topology names a level that is not in TopologyAware's levels");
  }
  out = {};
  if (settings->preferred == TopologyPlan::kNoLevel) return Status::success();  // nothing asked
  const Cluster& cluster = snapshot.cluster();
  const TopologyLevels& levels = levels_for(cluster);
  out.levels = &levels;
  const std::size_t level_count = levels.level_count();

  // One pass over the nodes: the group's pods already placed (assumed or bound: they point at
  // this very spec), and the room for more on each node, summed per domain of every level.
  Scratch& w = scratch_;
  std::vector<NodeIndex>& members = w.members;
  members.clear();
  const bool find_members = pod.replicas > 1 && snapshot.has_pods();
  const auto required = static_cast<std::size_t>(std::max(settings->required, 0));
  w.room.resize(level_count);
  w.witness.resize(level_count);
  for (std::size_t l = 0; l < level_count; ++l) {
    w.room[l].assign(levels.domain_count(l), 0);
    w.witness[l].assign(levels.by_node(l) ? 0 : levels.domain_count(l), 0);
  }
  std::int64_t* node_room = node_level_ == TopologyPlan::kNoLevel ? nullptr : w.room[static_cast<std::size_t>(node_level_)].data();
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    if (find_members) {
      for (const RunningPod& p : snapshot.pods_on(n)) {
        if (p.spec == &pod) members.push_back(n);
      }
    }
    if (!cluster.exists(n)) continue;
    // Without the required level's label a node is no place for the group.
    if (settings->required != TopologyPlan::kNoLevel && levels.of(n, required) == TopologyLevels::kNone) continue;
    const std::int64_t r = room_on(cluster, n, pod.requests);  // cheapest test first: full nodes are common
    if (r == 0) continue;
    if (!tolerates_node_taints(cluster, pod, n) || !node_selector_matches(cluster, pod, n)) continue;
    if (node_room != nullptr) node_room[n] = r;
    for (std::size_t l = 0; l < level_count; ++l) {
      if (levels.by_node(l)) continue;
      const std::int32_t d = levels.of(n, l);
      if (d == TopologyLevels::kNone) break;  // nor any narrower level
      const auto di = static_cast<std::size_t>(d);
      if (w.room[l][di] == 0) w.witness[l][di] = n;
      w.room[l][di] += r;
    }
  }
  out.placed = static_cast<int>(members.size());
  out.remaining = std::max(1, pod.replicas - out.placed);
  const auto& room = w.room;

  // The domain that holds the placed pods at each level, if they all share one.
  auto members_domain = [&](std::size_t l) {
    std::int32_t d = levels.of(members.front(), l);
    for (NodeIndex m : members) {
      if (levels.of(m, l) != d) return TopologyLevels::kNone;
    }
    return d;
  };

  // The narrowest level first; the widest allowed is the required one.
  const int widest = std::max(settings->required, 0);
  for (int l = static_cast<int>(level_count) - 1; l >= widest && out.target_level == TopologyPlan::kNoLevel; --l) {
    const auto li = static_cast<std::size_t>(l);
    std::int32_t best = TopologyLevels::kNone;
    if (!members.empty()) {
      const std::int32_t d = members_domain(li);
      if (d != TopologyLevels::kNone && room[li][static_cast<std::size_t>(d)] >= out.remaining) best = d;
    } else {
      for (std::size_t d = 0; d < room[li].size(); ++d) {  // best fit: the least room that suffices
        if (room[li][d] >= out.remaining &&
            (best == TopologyLevels::kNone || room[li][d] < room[li][static_cast<std::size_t>(best)])) {
          best = static_cast<std::int32_t>(d);
        }
      }
    }
    if (best == TopologyLevels::kNone) continue;
    out.target_level = l;
    out.target_room = room[li][static_cast<std::size_t>(best)];
    // A domain's path: its node's domains at the wider levels (a node of the members' domain, or
    // the node that made the domain's room).
    const auto bi = static_cast<std::size_t>(best);
    const NodeIndex witness = !members.empty() ? members.front() : levels.by_node(li) ? static_cast<NodeIndex>(best) : w.witness[li][bi];
    for (std::size_t k = 0; k <= li; ++k) out.target_path.push_back(levels.of(witness, k));
  }

  if (out.target_level == TopologyPlan::kNoLevel) {
    if (settings->required == TopologyPlan::kNoLevel) return Status::success();  // no preference can be met
    const std::string& key = levels_[static_cast<std::size_t>(settings->required)];
    std::string why = out.placed > 0 ? "the " + key + " domain of the pod group's placed pods has no room for the other " +
                                           std::to_string(out.remaining)
                                     : "no " + key + " domain has room for the pod group's " +
                                           std::to_string(out.remaining) + " pods";
    return Status::unschedulable(kName, why + " (TopologyAware: required topology)");
  }
  out.confine_level = settings->required;
  out.required = settings->required != TopologyPlan::kNoLevel;
  if (pod.replicas > 1 && fit_is_predictable(pod)) {
    // Keep the later pods with the first: in the preferred domain, or the wider target if the
    // preferred level had no room.
    out.confine_level = std::max(out.confine_level, std::min(out.target_level, settings->preferred));
    // A target without that level's label (a node outside the fabric): only the requirement holds.
    if (out.target_path[static_cast<std::size_t>(out.confine_level)] == TopologyLevels::kNone) {
      out.confine_level = settings->required;
    }
    out.required = out.confine_level == settings->required;
  }
  return Status::success();
}

bool TopologyAware::single_pod_scored_only(const PodGroupSpec& pod) const {
  if (pod.replicas != 1 || node_level_ == TopologyPlan::kNoLevel) return false;
  const auto settings = settings_of(pod);
  return settings && settings->required == TopologyPlan::kNoLevel;
}

void TopologyAware::plan_single_pod(TopologyPlan& out, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                    std::span<const NodeIndex> feasible) const {
  out = {};
  const auto settings = settings_of(pod);
  if (!settings || settings->preferred == TopologyPlan::kNoLevel) return;
  const Cluster& cluster = snapshot.cluster();
  const TopologyLevels& levels = levels_for(cluster);
  out.levels = &levels;
  out.remaining = 1;
  // One pod fits one node: the target is the feasible node with the least room (best fit), the
  // first in the framework's order on ties.
  std::int64_t best_room = 0;
  NodeIndex best = 0;
  for (NodeIndex n : feasible) {
    const std::int64_t r = room_on(cluster, n, pod.requests);
    if (r >= 1 && (best_room == 0 || r < best_room)) {
      best_room = r;
      best = n;
    }
  }
  if (best_room == 0) return;
  out.target_level = node_level_;
  out.target_room = best_room;
  for (std::size_t k = 0; k <= static_cast<std::size_t>(node_level_); ++k) out.target_path.push_back(levels.of(best, k));
}

Status TopologyAware::pre_filter(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot) const {
  // A single pod without a required level is never confined: PreScore plans it among the
  // feasible nodes only, which is all it can choose from.
  if (single_pod_scored_only(pod)) return Status::skip();
  TopologyPlan p;
  Status s = plan(p, pod, snapshot);
  if (!s.ok()) return s;
  if (p.target_level == TopologyPlan::kNoLevel) return Status::skip();
  const bool confined = p.confine_level != TopologyPlan::kNoLevel;
  state.emplace<TopologyPlan>(std::move(p));  // PreScore reads it even when Filter has nothing to do
  return confined ? Status::success() : Status::skip();
}

bool TopologyAware::pool_constant(const PodGroupSpec& pod) const {
  const auto settings = settings_of(pod);
  if (!settings) return true;
  // Confinement never goes narrower than the preferred or required level; it is the same for a
  // whole pool only if those levels' labels are pool labels (not the fabric's per-node ones).
  const int deepest = std::max(settings->preferred, settings->required);
  for (int l = 0; l <= deepest; ++l) {
    if (is_per_node_label(levels_[static_cast<std::size_t>(l)])) return false;
  }
  return true;
}

const char* TopologyAware::rejection(const CycleState& state, NodeIndex node) const {
  const auto* p = state.read<TopologyPlan>();
  if (p == nullptr || p->confine_level == TopologyPlan::kNoLevel) return nullptr;
  const auto level = static_cast<std::size_t>(p->confine_level);
  const std::int32_t d = p->levels->of(node, level);
  if (d == p->target_path[level]) return nullptr;
  return d == TopologyLevels::kNone && p->required ? kReasonMissingLabel : kReasonOutsideDomain;
}

Status TopologyAware::filter(const CycleState& state, const PodGroupSpec& /*pod*/, const ClusterSnapshot& /*snapshot*/,
                             NodeIndex node) const {
  const char* reason = rejection(state, node);
  // Preempting pods outside the domain would not help the pod: unresolvable there.
  return reason == nullptr ? Status::success() : Status::unresolvable(kName, reason);
}

bool TopologyAware::passes(const CycleState& state, const PodGroupSpec& /*pod*/, const ClusterSnapshot& /*snapshot*/,
                           NodeIndex node) const {
  return rejection(state, node) == nullptr;
}

Status TopologyAware::pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                std::span<const NodeIndex> feasible) const {
  if (feasible.empty()) return Status::skip();
  if (const auto* p = state.read<TopologyPlan>()) {
    return p->target_level == TopologyPlan::kNoLevel ? Status::skip() : Status::success();
  }
  TopologyPlan p;  // PreFilter did not plan (a single pod, or only Score is enabled): plan now
  if (single_pod_scored_only(pod)) {
    plan_single_pod(p, pod, snapshot, feasible);
  } else if (!plan(p, pod, snapshot).ok()) {
    return Status::skip();
  }
  if (p.target_level == TopologyPlan::kNoLevel) return Status::skip();
  p.confine_level = TopologyPlan::kNoLevel;
  state.emplace<TopologyPlan>(std::move(p));
  return Status::success();
}

std::int64_t TopologyAware::score(const CycleState& state, const PodGroupSpec& /*pod*/,
                                  const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  const auto* p = state.read<TopologyPlan>();
  assert(p != nullptr && "TopologyAware: Score without PreScore");
  const auto depth = static_cast<std::size_t>(p->target_level) + 1;
  if (p->levels->of(node, depth - 1) == p->target_path[depth - 1]) return kMaxNodeScore;
  std::size_t shared = 0;  // the wider domains it has in common with the target
  while (shared < depth && p->target_path[shared] != TopologyLevels::kNone &&
         p->levels->of(node, shared) == p->target_path[shared]) {
    ++shared;
  }
  return kMaxNodeScore * static_cast<std::int64_t>(shared) / static_cast<std::int64_t>(depth);
}

}  // namespace kubetwin::models
