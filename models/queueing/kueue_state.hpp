#pragma once
// What the Kueue-style admission controller knows: its ClusterQueues' pending and admitted
// workloads and the quota tree. Shared by the controller (kueue_admission.hpp), the flavor
// assigner and the preemptor; none of them touches the engine or the control plane directly.

#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "models/queueing/queueing_config.hpp"
#include "models/queueing/quota_tree.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models::queueing {

/// (flavor-resource, amount) pairs; one entry per flavor-resource.
using FrUsage = std::vector<std::pair<int, Amount>>;

/// A workload to evict and why (one of kueue_preemptor.hpp's reasons).
struct PreemptionTarget {
  std::uint64_t seq = 0;
  std::string_view reason;
};

struct Workload;

/// Kueue's queue order within a ClusterQueue: higher priority first, then older.
struct QueueKey {
  std::int32_t priority = 0;
  double created = 0;
  std::uint64_t seq = 0;
  Workload* workload = nullptr;  ///< not compared; set in the queues, sparing a lookup per head
  bool operator<(const QueueKey& o) const {
    if (priority != o.priority) return priority > o.priority;
    if (created != o.created) return created < o.created;
    return seq < o.seq;
  }
};

/// A Kueue Workload: one job, its pod sets' requests and, once admitted, its flavors and usage.
struct Workload {
  std::uint64_t seq = 0;
  std::string id;
  std::int32_t priority = 0;
  double created = 0;
  int cq = -1;  ///< -1 while its LocalQueue does not exist
  std::vector<std::string> podset_names;
  std::vector<std::array<Amount, kQuotaResources>> podset_requests;  ///< requests x replicas
  std::vector<std::map<std::string, std::string>> node_selectors;    ///< as submitted
  std::vector<std::vector<Toleration>> tolerations;                  ///< as submitted
  bool admitted = false;
  double admitted_at = 0;
  FrUsage usage;                                            ///< quota held while admitted
  std::vector<std::array<int, kQuotaResources>> flavors;    ///< per pod set and resource, -1 none
  bool reported_pending = false;
  double evicted_at = -1;  ///< last eviction, -1 if never
  /// Not a preemption candidate while KueueState::now equals this: admitted in a reclaim chain (after
  /// an eviction at that instant) or earlier in the current cycle. -1 if never.
  double shielded_at = -1;
  std::uint64_t admitted_cycle = 0;  ///< KueueState::cycle of the last admission
  std::size_t admitted_index = 0;    ///< position in ClusterQueueState::admitted while admitted

  QueueKey key() const { return {priority, created, seq}; }
};

struct ClusterQueueState {
  int node = 0;  ///< in the quota tree
  int root = 0;  ///< root of its cohort tree (its own node without a cohort)
  std::set<QueueKey> active;        ///< heads are taken from here
  std::set<QueueKey> inadmissible;  ///< BestEffortFIFO: tried, wait for quota to be released
  /// find_preemption_targets' answers for the current stamp of the cohort tree (kueue_preemptor.cpp).
  struct PreemptionMemo {
    struct Entry {
      std::int32_t priority;
      FrUsage usage;
      std::vector<int> frs;
      std::vector<PreemptionTarget> targets;
    };
    std::uint64_t version = 0, cycle = 0;
    double now = -1;
    std::vector<Entry> entries;
  } preemption_memo;
  bool stalled = false;             ///< StrictFIFO: the head did not fit; wait for a change
  /// Admitted workloads, in no particular order (the preemptor sorts candidates by a total
  /// order); pointers, as the workloads map is node-based, to spare a hash lookup per candidate.
  std::vector<Workload*> admitted;

  void add_admitted(Workload& w) {
    w.admitted_index = admitted.size();
    admitted.push_back(&w);
  }
  void remove_admitted(const Workload& w) {
    admitted[w.admitted_index] = admitted.back();
    admitted[w.admitted_index]->admitted_index = w.admitted_index;
    admitted.pop_back();
  }
};

struct KueueState {
  explicit KueueState(QueueingConfig cfg);

  QueueingConfig config;
  QuotaTree tree;
  std::vector<ClusterQueueState> cqs;
  std::unordered_map<std::uint64_t, Workload> workloads;
  std::map<std::string, int, std::less<>> local_queues;  ///< name -> ClusterQueue
  std::vector<std::vector<int>> cqs_under_root;          ///< by root tree node: its ClusterQueues
  std::vector<int> cq_of_node;                           ///< tree node -> ClusterQueue, -1 for cohorts
  double now = 0;                                        ///< virtual time of the current cycle
  std::uint64_t cycle = 0;                               ///< number of the current admission cycle

  /// Per cohort tree (by root node): how often an admission, eviction or completion changed it,
  /// and the cycle of the last such change. A preemption search depends only on its tree, `now`
  /// and, while the tree changed in this cycle, the cycle, so equal stamps give equal answers.
  std::vector<std::uint64_t> root_version;
  std::vector<std::uint64_t> root_changed_cycle;
  void changed(int cq) {
    const auto root = static_cast<std::size_t>(cqs[static_cast<std::size_t>(cq)].root);
    ++root_version[root];
    root_changed_cycle[root] = cycle;
  }

  static int fr(int flavor, int resource) { return flavor * kQuotaResources + resource; }
  static int flavor_of(int fr) { return fr / kQuotaResources; }
  static int resource_of(int fr) { return fr % kQuotaResources; }
  const ClusterQueueSpec& spec(int cq) const { return config.cluster_queues[static_cast<std::size_t>(cq)]; }
  bool in_cohort(int cq) const { return spec(cq).cohort >= 0; }

  /// Takes or gives back a workload's quota (what admission and eviction do).
  void add_usage(int cq, const FrUsage& usage);
  void remove_usage(int cq, const FrUsage& usage);
  /// Whether `usage` fits the ClusterQueue now, optionally without borrowing.
  bool fits(int cq, const FrUsage& usage, bool allow_borrowing) const;
};

}  // namespace kubetwin::models::queueing
