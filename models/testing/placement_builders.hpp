#pragma once
// Builders for tests of plugins that look at placed pods (PodTopologySpread, InterPodAffinity): a
// cluster, pods placed on its nodes by name, and the pod to schedule, without JSON.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/framework.hpp"
#include "models/testing/builders.hpp"

namespace kubetwin::models::testing {

/// A cluster and the pods placed on it.
class World {
 public:
  explicit World(std::vector<NodePoolSpec> pools)
      : cluster_(std::move(pools)), pods_(cluster_.node_count()) {}

  /// Places `count` pods of `spec` (copied, kept alive here) on the node named `node`.
  void place(const std::string& node, PodGroupSpec spec, int count = 1) {
    specs_.push_back(std::move(spec));
    for (int i = 0; i < count; ++i) {
      RunningPod p;
      p.job = next_job_++;
      p.spec = &specs_.back();
      pods_[node_index(node)].push_back(p);
    }
  }
  NodeIndex node_index(const std::string& name) const {
    for (NodeIndex n = 0; n < cluster_.node_count(); ++n) {
      if (cluster_.node_name(n) == name) return n;
    }
    throw std::invalid_argument("no node " + name);
  }
  const Cluster& cluster() const { return cluster_; }
  ClusterSnapshot snapshot() const { return ClusterSnapshot(cluster_, pods_); }
  std::vector<NodeIndex> all_nodes() const {
    std::vector<NodeIndex> out(cluster_.node_count());
    for (NodeIndex n = 0; n < out.size(); ++n) out[n] = n;
    return out;
  }

 private:
  Cluster cluster_;
  std::deque<PodGroupSpec> specs_;  // stable addresses
  PodsOnNodes pods_;
  std::uint64_t next_job_ = 1;
};

/// Filter on every node of `w`, with the state PreFilter left: the names of the nodes that pass,
/// space-separated. A node where passes() disagrees with filter() shows as "!<node>", so that the
/// caller's comparison fails.
inline std::string nodes_passing(const FilterPlugin& plugin, const CycleState& state, const PodGroupSpec& p,
                                 const World& w) {
  const ClusterSnapshot snapshot = w.snapshot();
  std::string out;
  for (NodeIndex n = 0; n < snapshot.node_count(); ++n) {
    const bool ok = plugin.filter(state, p, snapshot, n).ok();
    const std::string& name = w.cluster().node_name(n);
    if (ok != plugin.passes(state, p, snapshot, n)) out += (out.empty() ? "!" : " !") + name;
    if (ok) out += (out.empty() ? "" : " ") + name;
  }
  return out;
}

/// PreScore, Score on every node of `w` (normalized if asked): "node=score ..." in node order, or
/// "skip" when PreScore skips (and "skip, but state written" if it skipped after writing state).
template <class ScoringPlugin>
std::string scores_on_all_nodes(const ScoringPlugin& plugin, const PodGroupSpec& p, const World& w, bool normalized) {
  const ClusterSnapshot snapshot = w.snapshot();
  const std::vector<NodeIndex> feasible = w.all_nodes();
  CycleState state;
  if (plugin.pre_score(state, p, snapshot, feasible).is_skip()) {
    return state.empty() ? "skip" : "skip, but state written";
  }
  std::vector<std::int64_t> s;
  for (NodeIndex n : feasible) s.push_back(plugin.score(state, p, snapshot, n));
  if (normalized) plugin.normalize(state, s);
  std::string out;
  for (NodeIndex n : feasible) out += (out.empty() ? "" : " ") + w.cluster().node_name(n) + "=" + std::to_string(s[n]);
  return out;
}

/// A CPU-only pool of `count` nodes with `labels`.
inline NodePoolSpec labelled_pool(std::string name, int count,
                                  std::map<std::string, std::string> labels,
                                  std::vector<Taint> taints = {}) {
  return pool(std::move(name), count, Resources{16000, 64 * kGi, 0}, std::move(labels),
              std::move(taints));
}

/// A pod with `labels` and nothing else.
inline PodGroupSpec labelled(std::map<std::string, std::string> labels) {
  PodGroupSpec p;
  p.name = "pod";
  p.requests = {1000, kGi, 0};
  p.labels = std::move(labels);
  return p;
}

/// matchLabels {key: value}.
inline LabelSelector match(std::string key, std::string value) {
  LabelSelector s;
  s.match_labels[std::move(key)] = std::move(value);
  return s;
}

/// A single matchExpressions requirement.
inline LabelSelector expression(std::string key, LabelSelectorRequirement::Operator op,
                                std::vector<std::string> values = {}) {
  LabelSelector s;
  s.match_expressions.push_back({std::move(key), op, std::move(values)});
  return s;
}

/// A required (anti-)affinity term.
inline PodAffinityTerm term(LabelSelector selector, std::string topology_key) {
  return {std::move(selector), std::move(topology_key)};
}

}  // namespace kubetwin::models::testing
