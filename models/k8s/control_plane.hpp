#pragma once
// The control plane for batch jobs: takes submitted jobs, queues them, runs scheduling passes
// through each job's scheduling profile (the framework's extension points, see
// models/scheduling/framework.hpp), binds pods, starts jobs once every pod is bound, and completes
// them when their run time has elapsed. It is the plugins' FrameworkHandle. Everything happens on engine timers; observers subscribe to the
// signals below (metrics, the event log, the timeline) and never change the outcome.
//
// With a ControlPlaneTiming the control plane takes time: the scheduler is a sequential server
// (each pod's cycle costs simulated time, and the next pass resumes when it is free), bindings go
// through a client-side rate limiter and the API server's latency, and the kubelet sees the pod
// after the watch latency, pulls its image (per-node cache, serialized pulls) and starts it. The
// job starts when all its pods are ready. With all of it zero (the default) every step is
// synchronous, exactly as before timing existed.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "models/cluster/cluster.hpp"
#include "models/k8s/control_plane_timing.hpp"
#include "models/k8s/job_state.hpp"
#include "models/perf/job_runtime_model.hpp"
#include "models/scheduling/framework.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/scheduling/scheduling_queue.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

/// Why a pod of a controller-owned job stopped before completing (kubelet and eviction outcomes).
struct PodTermination {
  std::string_view reason;  ///< "Error", "Evicted", "PreemptionByScheduler", "DeadlineExceeded", "Deleted"
  std::size_t pod = 0;      ///< the pod that failed; the job's other pods are terminated with it
  int exit_code = 0;        ///< the container's exit code; 0 when none (evicted, deleted)
  bool disruption = false;  ///< the pod has the DisruptionTarget condition (evicted or preempted)
  bool failed = true;       ///< false: deleted by its controller, not a failure
};

class ControlPlane final : public FrameworkHandle {
 public:
  ControlPlane(sim::Engine& engine, Cluster& cluster, const SchedulerConfig& config,
               const JobRuntimeModel& runtime, sim::RandomStreams& streams,
               const PluginRegistry& registry = PluginRegistry::builtin(), ControlPlaneTiming timing = {});
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  /// Submits a job now. A job that could not fit even on the empty cluster fails at once
  /// (reason "ExceedsClusterCapacity") instead of waiting forever, as does one naming no
  /// configured profile ("SchedulerNotFound"). A job with scheduling gates waits, SchedulingGated,
  /// until remove_scheduling_gate() has removed them all.
  /// Returns the job's sequence number.
  std::uint64_t submit(JobSpec spec);
  /// Removes one scheduling gate of a pending job (what an admission controller such as Kueue
  /// does); false if the job or gate is unknown.
  bool remove_scheduling_gate(std::uint64_t seq, std::string_view gate);
  /// Replaces the nodeSelector and tolerations of pod group `group` of a gated job (what Kueue
  /// does when it injects the admitted flavor's node labels before ungating, and undoes on
  /// eviction); false if the job is unknown or not gated.
  bool set_pod_group_placement(std::uint64_t seq, std::size_t group, std::map<std::string, std::string> node_selector,
                               std::vector<Toleration> tolerations);
  /// Evicts a job as an admission controller does (Kueue preempting a workload): frees what its
  /// pods hold, adds scheduling gate `gate`, and puts it back to pending, gated, from scratch;
  /// job_evicted tells observers. False if the job is unknown.
  bool evict_and_gate(std::uint64_t seq, std::string gate, std::string_view reason);

  /// Ends a job now, wherever it is (pending, bound, running): frees what its pods hold, emits
  /// job_terminated while its placement is still recorded, and forgets it. What happens next is
  /// its controller's business. False if the job is unknown.
  bool terminate(std::uint64_t seq, const PodTermination& why);
  /// Evicts pod `pod` of job `seq` (the taint manager, on a NoExecute taint it does not tolerate):
  /// a controller-owned job is terminated (reason `reason`, DisruptionTarget); any other job is
  /// stopped, reported by job_evicted and put back in the queue from scratch, as after a preemption.
  bool evict_pod(std::uint64_t seq, std::size_t pod, std::string_view reason);

  /// Nodes were added or removed (the cluster autoscaler): pending jobs may fit now.
  void on_nodes_changed();
  /// Moves a running job's completion to time `at` (not before now): its rate changed because a
  /// co-tenant on a shared link started or ended (models/k8s/job_rates.hpp). False if the job is
  /// not running.
  bool reschedule_completion(std::uint64_t seq, double at);

  sim::Signal<const JobState&> job_submitted;
  /// After on_nodes_changed(): the set of existing nodes changed.
  sim::Signal<> nodes_changed;
  /// The binding was committed by the API server (the pod's Scheduled event).
  sim::Signal<const JobState&, std::size_t /*pod*/> pod_bound;
  /// How a running pod got its image.
  enum class ImagePull { None, Pulled, Cached };
  /// The kubelet started the pod's container (after the watch, the image pull and container start).
  sim::Signal<const JobState&, std::size_t /*pod*/, ImagePull> pod_running;
  /// A job kept out of the queue by a PreEnqueue plugin, with its reason.
  sim::Signal<const JobState&, std::string_view /*message*/> job_gated;
  /// Pods of a gang that waited at Permit were rejected (timeout or a failed member) and released.
  sim::Signal<const JobState&, std::string_view /*plugin*/, std::string_view /*reason*/> permit_rejected;
  /// First failed attempt to place a job, with upstream's FailedScheduling message.
  sim::Signal<const JobState&, std::string_view /*message*/> job_unschedulable;
  /// With job_unschedulable: for each node, the plugin that rejected the job's pod and why.
  /// Costly at fleet scale, so only computed while someone listens.
  sim::Signal<const JobState&, std::size_t /*group*/, NodeIndex, const Status&> filter_rejected;
  sim::Signal<const JobState&> job_started;
  /// A running or partly bound job evicted by DefaultPreemption to make room for `preemptor` on
  /// `node`; emitted once its resources are freed, while its placement and start time are still
  /// recorded (end_time is the eviction). The job then goes back to the queue, from scratch.
  sim::Signal<const JobState& /*victim*/, const JobState& /*preemptor*/, NodeIndex> job_preempted;
  /// A job evicted by evict_and_gate(), emitted once its resources are freed, while its placement
  /// and start time are still recorded (end_time is the eviction).
  sim::Signal<const JobState&, std::string_view /*reason*/> job_evicted;
  sim::Signal<const JobState&> job_completed;
  /// A job ended by terminate() (and a controller-owned job preempted or evicted), emitted once its
  /// resources are freed, while its placement and start time are still recorded.
  sim::Signal<const JobState&, const PodTermination&> job_terminated;
  sim::Signal<const JobState&, std::string_view /*reason*/, std::string_view /*message*/> job_failed;

  const Cluster& cluster() const { return cluster_; }
  const ControlPlaneTiming& timing() const { return timing_; }
  /// When the scheduler finishes the cycles it has started (the past if it is idle).
  double scheduler_busy_until() const { return busy_until_; }
  std::int64_t pending_pods() const { return pending_pods_; }
  std::size_t running_jobs() const { return running_jobs_; }
  std::size_t pending_jobs() const { return jobs_.size() - running_jobs_; }
  /// The job, if it is pending or running.
  const JobState* find(std::uint64_t seq) const {
    auto it = jobs_.find(seq);
    return it == jobs_.end() ? nullptr : &it->second;
  }
  /// Jobs not yet completed (pending or running), for end-of-run reporting.
  const std::unordered_map<std::uint64_t, JobState>& live_jobs() const { return jobs_; }

  // FrameworkHandle
  ClusterSnapshot snapshot() const override { return ClusterSnapshot(cluster_, pods_on_node_, &affinity_nodes_); }
  int bound_pods(std::uint64_t seq) const override;
  int waiting_pods(std::uint64_t seq) const override;
  std::vector<const PodGroupSpec*> unplaced_pods(std::uint64_t seq) const override;
  void allow_waiting_pods(std::uint64_t seq) override;
  void reject_waiting_pods(std::uint64_t seq, std::string_view plugin, std::string_view reason) override;
  Cluster& mutable_cluster() override { return cluster_; }
  std::optional<std::int32_t> lowest_placed_priority() const override;
  void evict(std::span<const RunningPod> victims, const PodInfo& preemptor, NodeIndex node) override;

 private:
  void request_scheduling_pass();
  void scheduling_pass();
  /// Places what it can of `job`; true once every pod is bound.
  bool try_schedule(JobState& job);
  /// One scheduling cycle and, if Permit allows, the binding cycle for one pod; false if the pod
  /// found no node or was rejected after Reserve.
  bool schedule_pod(JobState& job, std::size_t pod);
  void start(JobState& job);
  static std::int64_t smallest_pending_pod_gpus(const JobState& job);
  void complete(std::uint64_t seq);
  void evict_job(std::uint64_t victim, const JobState& preemptor, NodeIndex node);
  /// Stops a job wherever it is (waiting at Permit, bound, running), frees everything its pods
  /// hold, calls `notify` while placement and start are still recorded, then resets it to pending
  /// from scratch (the caller requeues or gates it).
  void stop_and_release(JobState& job, const std::function<void()>& notify);
  void enqueue(JobState& job);
  /// Drops a stopped job (stop_and_release done) from the control plane.
  void forget(std::uint64_t seq);
  PodInfo pod_info(const JobState& job, std::size_t pod) const {
    return PodInfo{job.spec, job.seq, pod, job.group_of(pod)};
  }
  Scheduler& profile_of(const JobState& job) { return *profiles_[job.profile]; }
  /// Assume: the pod's resources are taken on `node` and it shows in the snapshot.
  void assume_pod(JobState& job, std::size_t pod, NodeIndex node);
  /// Frees an assumed or bound pod's resources; its node stays recorded in job.pod_nodes for
  /// observers (callers reset it when the pod goes back to pending).
  void release_pod(JobState& job, std::size_t pod);
  /// Binding cycle; the pod counts as bound afterwards. False if binding failed (the pod is
  /// then unreserved and pending again).
  bool bind_pod(JobState& job, std::size_t pod);
  /// Runs the Bind plugins once the API call is committed; `counted`: job.bound already counts it.
  bool finish_binding(JobState& job, std::size_t pod, bool counted);
  /// The kubelet's part, from the moment it sees the binding to the pod being ready.
  void kubelet_sees(JobState& job, std::size_t pod);
  void pod_ready(JobState& job, std::size_t pod);
  /// Runs `step(JobState&)` at time `at`, at once if that is now; skipped if the job was stopped
  /// meanwhile. A template, so that the step is stored inside the timer's one callback (these
  /// run several times per pod).
  template <typename Step>
  void at_or_now(double at, JobState& job, Step step);
  /// The simulated cost of the cycle the profile just ran, added to busy_until_.
  void charge_cycle(const Scheduler& profile);
  /// If the scheduler is busy, resumes the pass when it is free; true if it did.
  bool resume_when_free();
  /// Client-side token bucket: the time a call wanted at `t` may go out.
  double rate_limited(double t);
  void release_after_grace(std::uint64_t seq);
  void on_permit_timeout(std::uint64_t seq);
  /// Empty if the job fits the empty cluster, else why not.
  std::string capacity_problem(const JobSpec& spec) const;

  sim::Engine& engine_;
  Cluster& cluster_;
  const SchedulerConfig config_;
  const JobRuntimeModel& runtime_;
  std::vector<std::unique_ptr<Scheduler>> profiles_;
  SchedulingQueue queue_;  // one queue, ordered by the first profile's QueueSort (all must agree)
  std::unordered_map<std::uint64_t, JobState> jobs_;
  PodsOnNodes pods_on_node_;
  // Index of the nodes hosting pods with pod (anti-)affinity terms, for InterPodAffinity.
  void count_affinity_pod(NodeIndex node, int delta);
  std::vector<std::int32_t> affinity_pods_on_node_;
  std::vector<std::uint32_t> affinity_node_position_;
  std::vector<NodeIndex> affinity_nodes_;
  std::map<std::int32_t, std::int64_t> placed_pods_by_priority_;
  std::uint64_t next_seq_ = 0;
  std::int64_t pending_pods_ = 0;
  std::size_t running_jobs_ = 0;
  bool pass_requested_ = false;

  const ControlPlaneTiming timing_;
  double busy_until_ = 0;
  double bucket_tokens_ = 0;
  double bucket_time_ = 0;
  struct ImageOnNode {
    double present_at;  ///< when the pull ends (or ended)
  };
  std::vector<std::unordered_map<std::string, ImageOnNode>> images_on_node_;
  std::vector<double> pulls_free_at_;  // serialized pulls: when each node's puller is free
  // Completed jobs whose pods still hold resources for the termination grace period.
  std::unordered_map<std::uint64_t, std::unordered_map<std::uint64_t, JobState>::node_type> terminating_;
};

}  // namespace kubetwin::models
