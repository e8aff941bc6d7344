#pragma once
// The control plane for batch jobs: takes submitted jobs, queues them, runs scheduling passes,
// binds pods (gangs all-or-nothing), starts jobs once every pod is bound, and completes them when
// their run time has elapsed. Everything happens on engine timers; observers subscribe to the
// signals below (metrics, the event log, the timeline) and never change the outcome.

#include <cstdint>
#include <map>
#include <string_view>
#include <unordered_map>

#include "models/cluster/cluster.hpp"
#include "models/k8s/job_state.hpp"
#include "models/perf/job_runtime_model.hpp"
#include "models/scheduling/default_preemption.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/scheduling/scheduling_queue.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

class ControlPlane {
 public:
  ControlPlane(sim::Engine& engine, Cluster& cluster, const SchedulerConfig& config,
               const JobRuntimeModel& runtime, sim::RandomStreams& streams);
  ControlPlane(const ControlPlane&) = delete;
  ControlPlane& operator=(const ControlPlane&) = delete;

  /// Submits a job now. A job that could not fit even on the empty cluster fails at once
  /// (reason "ExceedsClusterCapacity") instead of waiting forever.
  void submit(JobSpec spec);

  sim::Signal<const JobState&> job_submitted;
  sim::Signal<const JobState&, std::size_t /*pod*/> pod_bound;
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
  sim::Signal<const JobState&> job_completed;
  sim::Signal<const JobState&, std::string_view /*reason*/, std::string_view /*message*/> job_failed;

  const Cluster& cluster() const { return cluster_; }
  std::int64_t pending_pods() const { return pending_pods_; }
  std::size_t running_jobs() const { return running_jobs_; }
  std::size_t pending_jobs() const { return jobs_.size() - running_jobs_; }
  /// Jobs not yet completed (pending or running), for end-of-run reporting.
  const std::unordered_map<std::uint64_t, JobState>& live_jobs() const { return jobs_; }

 private:
  void request_scheduling_pass();
  void scheduling_pass();
  /// Places what it can of `job`; true once every pod is bound.
  bool try_schedule(JobState& job);
  void start(JobState& job);
  static std::int64_t smallest_pending_pod_gpus(const JobState& job);
  void complete(std::uint64_t seq);
  /// PostFilter: evicts lower-priority jobs so that a pod of `group` fits somewhere; true if it did.
  bool preempt_for(JobState& job, std::size_t group);
  void evict(std::uint64_t victim, const JobState& preemptor, NodeIndex node);
  void enqueue(JobState& job);
  void bind_pod(JobState& job, std::size_t pod);
  /// Frees a bound pod's resources; its node stays recorded in job.pod_nodes for observers.
  void release_pod(JobState& job, std::size_t pod);
  /// Empty if the job fits the empty cluster, else why not.
  std::string capacity_problem(const JobSpec& spec) const;

  sim::Engine& engine_;
  Cluster& cluster_;
  const SchedulerConfig config_;
  const JobRuntimeModel& runtime_;
  Scheduler scheduler_;
  SchedulingQueue queue_;
  std::unordered_map<std::uint64_t, JobState> jobs_;
  std::vector<std::vector<RunningPod>> pods_on_node_;
  std::map<std::int32_t, std::int64_t> bound_pods_by_priority_;
  bool preemption_ = false;
  std::uint64_t next_seq_ = 0;
  std::int64_t pending_pods_ = 0;
  std::size_t running_jobs_ = 0;
  bool pass_requested_ = false;
};

}  // namespace kubetwin::models
