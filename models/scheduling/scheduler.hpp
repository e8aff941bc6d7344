#pragma once
// One scheduling cycle for one pod, in the manner of kube-scheduler's framework: filter the nodes
// (stopping once enough feasible ones are found, from a rotating start), score the feasible ones
// with every score plugin (normalized, weighted, summed), pick the best with random tie-breaking.
// Nothing is allocated here; the caller reserves.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/plugin_registry.hpp"
#include "models/scheduling/plugins.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

class Scheduler {
 public:
  Scheduler(const SchedulerConfig& config, sim::RandomStream& tie_breaker);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  /// The node one pod of `pod` should go to, or nothing if no node fits.
  std::optional<NodeIndex> find_node(const PodGroupSpec& pod, const Cluster& cluster);

  /// Why no node fits, in upstream's words: "0/12 nodes are available: 4 node(s) had untolerated
  /// taint {gpu: a100}, 8 Insufficient nvidia.com/gpu." Filters every node; changes no state, so
  /// explaining never alters a simulation's outcome.
  /// `on_rejection`, if given, hears every node's rejecting plugin and reasons (plugin verdicts).
  using RejectionObserver = std::function<void(NodeIndex, const Status&)>;
  std::string explain(const PodGroupSpec& pod, const Cluster& cluster, const RejectionObserver& on_rejection = {});

  /// True if every filter of the profile passes `pod` on `node` (PostFilter plugins use this).
  bool fits(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node);

  /// Upstream numFeasibleNodesToFind: how many feasible nodes end the filter phase early.
  static std::size_t feasible_nodes_to_find(int percentage, std::size_t all_nodes);

  std::uint64_t filter_calls() const { return filter_calls_; }

 private:
  /// PreFilter: evaluates the filters whose verdict is the same for a whole pool once per pool.
  void evaluate_pool_filters(const PodGroupSpec& pod, const Cluster& cluster);
  /// The node-specific filters, after the pool verdict passed.
  Status run_node_filters(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node);

  const SchedulerConfig config_;
  sim::RandomStream& ties_;
  PluginSet plugins_;
  const std::vector<const FilterPlugin*>& filters_;  // in the profile's order
  std::size_t next_start_node_ = 0;
  std::uint64_t filter_calls_ = 0;
  // Per-cycle scratch, kept to avoid allocating on every pod.
  std::vector<NodeIndex> feasible_;
  std::vector<const FilterPlugin*> node_filters_;  // filters that must see each node
  std::vector<Status> pool_verdict_;               // per pool: first pool-constant failure, or success
  std::vector<std::int64_t> plugin_scores_, total_scores_;
};

}  // namespace kubetwin::models
