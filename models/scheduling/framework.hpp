#pragma once
// The kube-scheduler framework's extension points, as interfaces a plugin implements, and what
// plugins are handed: the pod, a read-only snapshot of the cluster, typed per-cycle state, and a
// handle on the control plane for the points that act (PostFilter, Reserve, Permit, Bind).
//
// One pod's path: PreEnqueue (may it enter the queue?) -> QueueSort (in what order?) ->
// scheduling cycle: PreFilter -> Filter (per node) -> PostFilter (if no node fits) -> PreScore ->
// Score + NormalizeScore (weighted) -> Reserve -> Permit (allow, reject, or wait with a timeout)
// -> binding cycle: PreBind -> Bind -> PostBind. A failure after Reserve runs Unreserve in reverse.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/scheduling/status.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

inline constexpr std::int64_t kMaxNodeScore = 100;

/// Data a plugin computes once per scheduling cycle (in PreFilter or PreScore) and reads for every
/// node (in Filter or Score), keyed by its C++ type so that each plugin's state is typed.
/// The framework clears it at the start of each pod's cycle.
class CycleState {
 public:
  template <class T, class... Args>
  T& emplace(Args&&... args) {
    auto holder = std::make_unique<Holder<T>>(std::forward<Args>(args)...);
    T& value = holder->value;
    for (auto& [key, entry] : entries_) {
      if (key == type_key<T>()) {
        entry = std::move(holder);
        return value;
      }
    }
    entries_.emplace_back(type_key<T>(), std::move(holder));
    return value;
  }
  /// The state of type T, or null if no plugin wrote one this cycle.
  template <class T>
  const T* read() const {
    for (const auto& [key, entry] : entries_) {
      if (key == type_key<T>()) return &static_cast<const Holder<T>*>(entry.get())->value;
    }
    return nullptr;
  }
  template <class T>
  T* get() {
    return const_cast<T*>(std::as_const(*this).read<T>());
  }
  void clear() { entries_.clear(); }
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    virtual ~Entry() = default;
  };
  template <class T>
  struct Holder final : Entry {
    template <class... Args>
    explicit Holder(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
  };
  template <class T>
  static const void* type_key() {
    static const char key = 0;  // one address per type
    return &key;
  }
  std::vector<std::pair<const void*, std::unique_ptr<Entry>>> entries_;
};

/// A pod assumed or bound on a node, as plugins see it (preemption, spreading, affinity).
struct RunningPod {
  std::uint64_t job = 0;  ///< the owning job's submission sequence number
  std::size_t pod = 0;    ///< index of the pod in its job
  std::int32_t priority = 0;
  double start_time = 0;  ///< when it was reserved
  Resources requests;
  const PodGroupSpec* spec = nullptr;  ///< labels and the rest; valid while the pod is placed
  DeviceSet devices;                   ///< the GPUs it holds on its node
};
using PodsOnNodes = std::vector<std::vector<RunningPod>>;

/// Device-level placement (a kubetwin addition; upstream leaves devices to device plugins and
/// DRA): a plugin may record in PreScore which devices of each feasible node it would give the
/// pod, and the node chosen then gets exactly those. Without a record, the cluster's default
/// choice applies (see Cluster::allocate).
struct PreferredDevices {
  std::vector<std::pair<NodeIndex, DeviceSet>> by_node;
  std::span<const DeviceIndex> on(NodeIndex node) const {
    for (const auto& [n, devices] : by_node) {
      if (n == node) return devices;
    }
    return {};
  }
};

/// A read-only view of the cluster for one scheduling cycle: nodes, their labels and allocations,
/// and the pods placed on each (assumed ones included, as in kube-scheduler's cache snapshot).
class ClusterSnapshot {
 public:
  // Implicit from a cluster alone (no pods), so tests and what-if checks need no pod index.
  ClusterSnapshot(const Cluster& cluster) : cluster_(cluster) {}  // NOLINT(google-explicit-constructor)
  ClusterSnapshot(const Cluster& cluster, const PodsOnNodes& pods,
                  const std::vector<NodeIndex>* nodes_with_affinity_pods = nullptr)
      : cluster_(cluster), pods_(&pods), affinity_nodes_(nodes_with_affinity_pods) {}

  const Cluster& cluster() const { return cluster_; }
  std::size_t node_count() const { return cluster_.node_count(); }
  std::span<const RunningPod> pods_on(NodeIndex node) const {
    if (pods_ == nullptr) return {};
    return (*pods_)[node];
  }
  bool has_pods() const { return pods_ != nullptr; }
  /// The nodes hosting a pod with pod (anti-)affinity terms, if the snapshot keeps that index
  /// (as kube-scheduler's does); nothing means "unknown: scan every pod".
  std::optional<std::span<const NodeIndex>> nodes_with_affinity_pods() const {
    if (affinity_nodes_ == nullptr) return std::nullopt;
    return std::span<const NodeIndex>(*affinity_nodes_);
  }
  /// The node's value of label `key`, or nothing if it has no such label.
  std::optional<std::string_view> node_label(NodeIndex node, std::string_view key) const {
    return cluster_.node_label(node, key);
  }

 private:
  const Cluster& cluster_;
  const PodsOnNodes* pods_ = nullptr;
  const std::vector<NodeIndex>* affinity_nodes_ = nullptr;
};

/// The pod a cycle is about: its group's spec, and the job it belongs to.
struct PodInfo {
  const JobSpec& job;
  std::uint64_t job_seq = 0;
  std::size_t index = 0;  ///< pod index within the job
  const PodGroupSpec& spec;
};

class Scheduler;

/// What plugins may ask of, or do to, the control plane. The ControlPlane implements it.
class FrameworkHandle {
 public:
  virtual ~FrameworkHandle() = default;
  virtual ClusterSnapshot snapshot() const = 0;
  /// Pods of job `job_seq` bound, and reserved but waiting at Permit.
  virtual int bound_pods(std::uint64_t job_seq) const = 0;
  virtual int waiting_pods(std::uint64_t job_seq) const = 0;
  /// The pod groups of job `job_seq`'s pods that are neither bound nor waiting at Permit, one
  /// entry per pod, in pod order (what a gang still needs placed).
  virtual std::vector<const PodGroupSpec*> unplaced_pods(std::uint64_t job_seq) const = 0;
  /// Lets every pod of the job waiting at Permit proceed to binding.
  virtual void allow_waiting_pods(std::uint64_t job_seq) = 0;
  /// Rejects every pod of the job waiting at Permit: Unreserve, back to the queue.
  virtual void reject_waiting_pods(std::uint64_t job_seq, std::string_view plugin, std::string_view reason) = 0;
  /// The cluster itself, for plugins that account at a finer grain than Resources (Reserve) or
  /// evaluate what-ifs and restore them (PostFilter).
  virtual Cluster& mutable_cluster() = 0;
  /// Lowest priority of any placed pod, or nothing if none is placed (lets preemption skip scans).
  virtual std::optional<std::int32_t> lowest_placed_priority() const = 0;
  /// Evicts the jobs owning `victims` to make room for `preemptor` on `node`.
  virtual void evict(std::span<const RunningPod> victims, const PodInfo& preemptor, NodeIndex node) = 0;
};

/// Every plugin has an upstream-style name; it implements one or more extension points below.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view name() const = 0;
};

/// A pending job in the queue (the unit kubetwin queues: pods of one job are tried together).
struct QueuedJob {
  std::int32_t priority = 0;
  std::uint64_t seq = 0;  ///< submission order, unique
};

/// Orders the scheduling queue. A profile has exactly one.
class QueueSortPlugin : public virtual Plugin {
 public:
  virtual bool less(const QueuedJob& a, const QueuedJob& b) const = 0;
};

/// Decides whether a job may enter the scheduling queue at all (e.g. scheduling gates).
class PreEnqueuePlugin : public virtual Plugin {
 public:
  virtual Status pre_enqueue(const JobSpec& job) const = 0;
};

/// Once per cycle, before filtering: precomputes into `state`; Skip means "my Filter has nothing
/// to check for this pod"; a rejection rejects the pod on every node.
class PreFilterPlugin : public virtual Plugin {
 public:
  virtual Status pre_filter(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot) const = 0;
};

class FilterPlugin : public virtual Plugin {
 public:
  /// True if the verdict for `pod` is the same on every node of a pool, so the framework may
  /// evaluate it once per pool.
  virtual bool pool_constant(const PodGroupSpec& pod) const = 0;
  /// True if the verdict also depends on the node's run-time taints (Cluster::node_taints): while
  /// some node has one, the framework then evaluates it node by node.
  virtual bool reads_node_taints() const { return false; }
  virtual Status filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                        NodeIndex node) const = 0;
  /// filter(...).ok() without building the Status; the scheduling hot path calls this.
  virtual bool passes(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                      NodeIndex node) const {
    return filter(state, pod, snapshot, node).ok();
  }
  /// Extra simulated seconds this filter adds to a scheduling cycle per node it checks, for
  /// plugins much costlier than the rest (ControlPlaneTiming counts it; 0 for most).
  virtual double simulated_filter_seconds_per_node() const { return 0; }
};

/// Runs when no node passed the filters. Success means it changed the cluster so that the pod may
/// fit now (e.g. evicted victims); the pod is then tried again.
class PostFilterPlugin : public virtual Plugin {
 public:
  virtual Status post_filter(const PodInfo& pod, Scheduler& profile, FrameworkHandle& handle) const = 0;
};

/// Once per cycle, before scoring the feasible nodes; Skip means "my Score has nothing to say".
class PreScorePlugin : public virtual Plugin {
 public:
  virtual Status pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                           std::span<const NodeIndex> feasible) const = 0;
};

class ScorePlugin : public virtual Plugin {
 public:
  /// The raw score of a node that passed every filter.
  virtual std::int64_t score(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                             NodeIndex node) const = 0;
  /// NormalizeScore: brings the raw scores of all feasible nodes to 0..kMaxNodeScore (default: as is).
  virtual void normalize(const CycleState& /*state*/, std::span<std::int64_t> /*scores*/) const {}
};

/// Reserve claims what the pod will use on its node before binding; Unreserve gives it back
/// when a later point fails (in reverse plugin order). Unreserve must be idempotent.
class ReservePlugin : public virtual Plugin {
 public:
  virtual Status reserve(CycleState& state, const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const = 0;
  virtual void unreserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const = 0;
};

struct PermitResult {
  Status status = Status::success();  ///< Success, Wait, or a rejection
  double timeout = 0;                 ///< seconds to wait, with Wait
};

/// Last word before binding: allow, reject, or hold the reserved pod (Wait) until another pod's
/// Permit allows it or the timeout rejects it.
class PermitPlugin : public virtual Plugin {
 public:
  virtual PermitResult permit(CycleState& state, const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const = 0;
};

class PreBindPlugin : public virtual Plugin {
 public:
  virtual Status pre_bind(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const = 0;
};

/// Binds the pod to the node; Skip passes to the next bind plugin.
class BindPlugin : public virtual Plugin {
 public:
  virtual Status bind(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const = 0;
};

/// Informational, after a successful bind.
class PostBindPlugin : public virtual Plugin {
 public:
  virtual void post_bind(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const = 0;
};

/// Upstream helper.DefaultNormalizeScore: scales to 0..kMaxNodeScore by the maximum; `reverse`
/// makes the lowest raw score the best.
void default_normalize_score(std::span<std::int64_t> scores, bool reverse);

}  // namespace kubetwin::models
