#pragma once
// Admission in the manner of Kueue, on top of the control plane. Every job it manages is gated
// with kueue.x-k8s.io/admission at submission, so the scheduler does not see it. Admission cycles
// take the head of each ClusterQueue, assign flavors against quota (borrowing in the cohort within
// limits), admit in Kueue's order (or by fair share), and for an admitted workload inject the
// flavors' node labels and tolerations into its pod groups and remove the gate. Quota comes back
// when the job completes; workloads are preempted (evicted, gated again and requeued) to reclaim
// lent quota or by priority, as the ClusterQueue's preemption policy allows.
//
//   KueueAdmission kueue(engine, cp, config);
//   kueue.submit(job);  // instead of cp.submit(job)

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "models/k8s/control_plane.hpp"
#include "models/queueing/flavor_assigner.hpp"
#include "models/queueing/kueue_preemptor.hpp"
#include "models/queueing/kueue_state.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models::queueing {

class KueueAdmission {
 public:
  KueueAdmission(sim::Engine& engine, ControlPlane& cp, QueueingConfig config);
  KueueAdmission(const KueueAdmission&) = delete;
  KueueAdmission& operator=(const KueueAdmission&) = delete;

  /// Submits a job now. One naming a LocalQueue is gated and waits for admission; one naming an
  /// unknown queue too, forever (Kueue: the LocalQueue doesn't exist); one in the unnamed default
  /// queue ("default", not a LocalQueue) is not managed and goes straight to the control plane.
  void submit(JobSpec spec);

  /// Quota reserved and the workload admitted (there are no admission checks, so both at once).
  sim::Signal<const JobState&, std::string_view /*clusterQueue*/, std::string_view /*flavors*/> admitted;
  /// An admitted workload evicted to make room for `preemptor` (reason: InClusterQueue,
  /// InCohortReclamation, InCohortReclaimWhileBorrowing, InCohortFairSharing); it is requeued.
  sim::Signal<const JobState& /*victim*/, std::string_view /*clusterQueue*/, std::string_view /*reason*/,
              const JobState& /*preemptor*/>
      preempted;
  /// The first time a workload is found inadmissible (after submission or eviction), why.
  sim::Signal<const JobState&, std::string_view /*clusterQueue*/, std::string_view /*message*/> pending;

  /// Quota used by a ClusterQueue or cohort in a flavor, in kubetwin units (millicores, bytes,
  /// milli-GPU); 0 for unknown names.
  Amount usage(std::string_view node, std::string_view flavor, std::string_view resource) const;
  std::size_t admitted_workloads() const { return admitted_count_; }
  std::size_t pending_workloads() const { return state_.workloads.size() - admitted_count_; }
  std::uint64_t cycles() const { return cycles_; }

 private:
  using QueueNode = std::set<QueueKey>::node_type;
  struct Entry {
    int cq;
    Workload* wl;
    QueueNode node;  ///< the head's node, taken out of the active queue
    Assignment assignment;
  };
  Workload make_workload(const JobSpec& spec) const;
  void request_cycle();
  void cycle();
  void order_classical(std::vector<Entry>& entries) const;
  void order_fair(std::vector<Entry>& entries);
  void admit(Workload& wl, const Assignment& a);
  void evict(std::uint64_t seq, std::string_view reason, std::uint64_t preemptor);
  /// Whether `usage` would fit ClusterQueue `cq` once `victims` are gone (state unchanged).
  bool fits_without(int cq, const FrUsage& usage, const std::vector<PreemptionTarget>& victims);
  void set_inadmissible(Workload& wl, QueueNode node, const std::string& message);
  /// Queues `wl` as active, reusing `node` (its key's) when given.
  void push_active(Workload& wl, QueueNode node = {});
  /// Quota was released under `root`: inadmissible workloads there may fit now.
  void requeue_inadmissible(int root);
  void finish(std::uint64_t seq);
  void update_ready(int cq);
  const JobState& job(std::uint64_t seq) const { return cp_.live_jobs().at(seq); }

  sim::Engine& engine_;
  ControlPlane& cp_;
  KueueState state_;
  std::vector<std::vector<int>> children_;  // tree node -> child nodes, for the fair-sharing tournament
  std::vector<std::size_t> entry_of_cq_;      // order_fair's scratch: ClusterQueue -> entry, npos if none
  std::set<int> ready_;  // ClusterQueues with a head to try
  bool cycle_requested_ = false;
  bool capturing_ = false;
  std::optional<std::uint64_t> captured_;
  std::size_t admitted_count_ = 0;
  std::uint64_t cycles_ = 0;
  double last_eviction_at_ = -1;  // instant of the last eviction, for KueueState shielding
};

}  // namespace kubetwin::models::queueing
