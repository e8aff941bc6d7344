#pragma once
// One scheduling profile of the kube-scheduler framework: its plugins, run point by point.
// The scheduling cycle (find_node) runs PreFilter, filters the nodes (stopping once enough
// feasible ones are found, from a rotating start), runs PreScore, scores the feasible nodes with
// every score plugin (normalized, weighted, summed) and picks the best with random tie-breaking.
// The later points (PostFilter, Reserve, Permit, PreBind, Bind, PostBind) are run by the control
// plane through the methods below, which act on the cluster only through the FrameworkHandle.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/framework.hpp"
#include "models/scheduling/plugin_registry.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

class Scheduler {
 public:
  Scheduler(const ProfileConfig& profile, sim::RandomStream& random,
            const PluginRegistry& registry = PluginRegistry::builtin());
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  const ProfileConfig& profile() const { return profile_; }
  const PluginSet& plugins() const { return plugins_; }

  /// PreEnqueue: success, or the first plugin's reason to keep the job out of the queue.
  Status pre_enqueue(const JobSpec& job) const;

  /// The scheduling cycle for one pod: the node it should go to, or nothing if no node fits.
  /// Starts a new CycleState, which Reserve and Permit of the same pod then see.
  std::optional<NodeIndex> find_node(const PodGroupSpec& pod, const ClusterSnapshot& snapshot);

  /// Why no node fits, in upstream's words: "0/12 nodes are available: 4 node(s) had untolerated
  /// taint {gpu: a100}, 8 Insufficient nvidia.com/gpu." Filters every node; changes no state, so
  /// explaining never alters a simulation's outcome.
  /// `on_rejection`, if given, hears every node's rejecting plugin and reasons (plugin verdicts).
  using RejectionObserver = std::function<void(NodeIndex, const Status&)>;
  std::string explain(const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                      const RejectionObserver& on_rejection = {});

  /// Starts a cycle for `pod` and runs only PreFilter (for PostFilter after a failed cycle).
  Status pre_filter(const PodGroupSpec& pod, const ClusterSnapshot& snapshot) {
    run_pre_filter(pod, snapshot);
    return prefilter_status_;
  }

  /// True if every filter of the profile passes `pod` on `node`, with the state of the current
  /// cycle (PostFilter plugins use this for what-if checks).
  bool fits(const PodGroupSpec& pod, const ClusterSnapshot& snapshot, NodeIndex node);
  /// True if NodeResourcesFit is among this cycle's filters: then fits() needs the pod's CPU,
  /// memory and whole GPUs free on the node (what-if checks may prune with that).
  bool filters_resources() const;

  /// The devices a plugin of this cycle prefers on `node` (empty: the cluster's default).
  std::span<const DeviceIndex> preferred_devices(NodeIndex node) const {
    const auto* p = state_.read<PreferredDevices>();
    return p == nullptr ? std::span<const DeviceIndex>{} : p->on(node);
  }

  /// PostFilter plugins in order until one succeeds (it changed the cluster: try again).
  Status post_filter(const PodInfo& pod, FrameworkHandle& handle);
  /// Reserve plugins in order; if one fails, those already run are unreserved in reverse.
  Status reserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle);
  /// Unreserve of every Reserve plugin, in reverse order.
  void unreserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle);
  /// Permit plugins: the first rejection wins; else Wait (the shortest timeout) if any waits.
  PermitResult permit(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle);
  /// PreBind, then the first Bind plugin that does not skip; PostBind after success.
  Status bind(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle);

  /// Upstream numFeasibleNodesToFind: how many feasible nodes end the filter phase early.
  static std::size_t feasible_nodes_to_find(int percentage, std::size_t all_nodes);

  std::uint64_t filter_calls() const { return filter_calls_; }

  /// What the last find_node() did, for the cycle's cost in simulated time.
  struct CycleWork {
    std::size_t filtered = 0;  ///< nodes the filters looked at
    std::size_t scored = 0;    ///< nodes scored (0 when one or none was feasible)
    double filter_seconds_per_node = 0;  ///< what the active filters declare per node checked
  };
  const CycleWork& last_cycle() const { return last_cycle_; }

 private:
  /// PreFilter: false if a plugin rejected the pod outright (reason in prefilter_status_).
  bool run_pre_filter(const PodGroupSpec& pod, const ClusterSnapshot& snapshot);
  /// Evaluates the filters whose verdict is the same for a whole pool once per pool.
  void evaluate_pool_filters(const PodGroupSpec& pod, const ClusterSnapshot& snapshot);
  /// The node-specific filters, after the pool verdict passed.
  Status run_node_filters(const PodGroupSpec& pod, const ClusterSnapshot& snapshot, NodeIndex node);

  const ProfileConfig profile_;
  sim::RandomStream& ties_;
  PluginSet plugins_;
  CycleState state_;
  Status prefilter_status_ = Status::success();
  std::size_t next_start_node_ = 0;
  std::uint64_t filter_calls_ = 0;
  CycleWork last_cycle_;
  // Per-cycle scratch, kept to avoid allocating on every pod.
  std::vector<NodeIndex> feasible_;
  std::vector<const FilterPlugin*> active_filters_;  // filters PreFilter did not skip
  std::vector<const FilterPlugin*> node_filters_;    // filters that must see each node
  std::vector<const ScorePlugin*> skipped_scorers_;  // score plugins PreScore skipped
  std::vector<Status> pool_verdict_;                 // per pool: first pool-constant failure, or success
  std::vector<std::int64_t> plugin_scores_, total_scores_;
};

}  // namespace kubetwin::models
