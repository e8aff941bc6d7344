#include "models/k8s/control_plane.hpp"

#include <algorithm>
#include <limits>

namespace kubetwin::models {

ControlPlane::ControlPlane(sim::Engine& engine, Cluster& cluster, const SchedulerConfig& config,
                           const JobRuntimeModel& runtime, sim::RandomStreams& streams)
    : engine_(engine),
      cluster_(cluster),
      config_(config),
      runtime_(runtime),
      scheduler_(config_, streams.stream("scheduler.ties")),
      pods_on_node_(cluster.node_count()) {
  for (const auto& name : config_.post_filter_plugins) preemption_ = preemption_ || name == DefaultPreemption::kName;
}

void ControlPlane::enqueue(JobState& job) {
  if (job.queued) return;
  job.queued = true;
  queue_.add({job.spec.priority, job.seq});
}

void ControlPlane::bind_pod(JobState& job, std::size_t pod) {
  pods_on_node_[job.pod_nodes[pod]].push_back(
      {job.seq, pod, job.spec.priority, engine_.now(), job.group_of(pod).requests});
  ++bound_pods_by_priority_[job.spec.priority];
}

void ControlPlane::release_pod(JobState& job, std::size_t pod) {
  const NodeIndex node = job.pod_nodes[pod];
  cluster_.release(node, job.group_of(pod).requests);
  std::erase_if(pods_on_node_[node], [&](const RunningPod& p) { return p.job == job.seq && p.pod == pod; });
  if (--bound_pods_by_priority_[job.spec.priority] == 0) bound_pods_by_priority_.erase(job.spec.priority);
}

void ControlPlane::submit(JobSpec spec) {
  const std::uint64_t seq = next_seq_++;
  JobState& job = jobs_[seq];
  job.seq = seq;
  job.spec = std::move(spec);
  for (std::size_t g = 0; g < job.spec.pods.size(); ++g) {
    for (int r = 0; r < job.spec.pods[g].replicas; ++r) job.pod_group.push_back(static_cast<int>(g));
  }
  job.pod_nodes.assign(job.pod_group.size(), kUnbound);
  job_submitted.emit(job);

  if (std::string problem = capacity_problem(job.spec); !problem.empty()) {
    job.end_time = engine_.now();
    job_failed.emit(job, "ExceedsClusterCapacity", problem);
    jobs_.erase(seq);
    return;
  }
  pending_pods_ += static_cast<std::int64_t>(job.pod_nodes.size());
  enqueue(job);
  request_scheduling_pass();
}

std::string ControlPlane::capacity_problem(const JobSpec& spec) const {
  // Only what is provably impossible is rejected: a job passing these checks may still never fit
  // (bin packing is hard), and then it stays pending and is reported as such.
  TaintToleration taints;
  NodeAffinity affinity;
  auto per_node = [](std::int64_t have, std::int64_t want) {
    return want == 0 ? std::numeric_limits<std::int64_t>::max() : have / want;
  };
  Resources usable;  // capacity of every node that some pod of the job may use
  std::vector<bool> pool_usable(cluster_.pool_count(), false);
  for (const PodGroupSpec& group : spec.pods) {
    std::int64_t room = 0;  // pods of this group the empty cluster could hold
    for (std::size_t p = 0; p < cluster_.pool_count(); ++p) {
      const NodePoolSpec& pool = cluster_.pool(p);
      const NodeIndex first = cluster_.first_node_of_pool(p);
      if (!taints.filter(group, cluster_, first).ok()) continue;
      std::int64_t nodes = pool.count;
      if (!affinity.pool_constant(group)) {  // a hostname selector: count the matching nodes
        nodes = 0;
        for (int i = 0; i < pool.count; ++i) nodes += affinity.filter(group, cluster_, first + static_cast<NodeIndex>(i)).ok();
      } else if (!affinity.filter(group, cluster_, first).ok()) {
        nodes = 0;
      }
      const std::int64_t fit = std::min({per_node(pool.capacity.cpu_milli, group.requests.cpu_milli),
                                         per_node(pool.capacity.memory_bytes, group.requests.memory_bytes),
                                         per_node(pool.capacity.gpus, group.requests.gpus)});
      if (fit == 0 || nodes == 0) continue;
      room += fit >= group.replicas ? group.replicas : std::min<std::int64_t>(group.replicas, fit * nodes);
      room = std::min<std::int64_t>(room, group.replicas);
      if (!pool_usable[p]) {
        pool_usable[p] = true;
        usable += pool.capacity * nodes;
      }
    }
    if (room < group.replicas) {
      return "pod group \"" + group.name + "\" needs " + std::to_string(group.replicas) +
             " pods but even the empty cluster holds only " + std::to_string(room) +
             " (node sizes, taints and node selectors considered)";
    }
  }
  const Resources want = spec.total_requests();
  if (!want.fits_in(usable)) {
    return "the job requests " + std::to_string(want.gpus) + " GPUs, " + std::to_string(want.cpu_milli / 1000) +
           " CPUs in all, more than the " + std::to_string(usable.gpus) + " GPUs, " +
           std::to_string(usable.cpu_milli / 1000) + " CPUs of every node it may use";
  }
  return {};
}

void ControlPlane::request_scheduling_pass() {
  if (pass_requested_) return;
  pass_requested_ = true;
  engine_.schedule_in(0, [this] { scheduling_pass(); });
}

std::int64_t ControlPlane::smallest_pending_pod_gpus(const JobState& job) {
  std::int64_t smallest = std::numeric_limits<std::int64_t>::max();
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    if (job.pod_nodes[pod] == kUnbound) smallest = std::min(smallest, job.group_of(pod).requests.gpus);
  }
  return smallest;
}

void ControlPlane::scheduling_pass() {
  pass_requested_ = false;
  if (config_.queueing == QueueingStrategy::StrictFIFO) {
    // Nothing behind the head is tried until the head is fully placed.
    while (auto head = queue_.pop_next(std::numeric_limits<std::int64_t>::max())) {
      JobState& job = jobs_.at(head->seq);
      job.queued = false;
      if (!try_schedule(job)) {
        enqueue(job);  // still the head
        break;
      }
    }
    return;
  }
  auto max_free = [this] {
    return config_.queueing_hints ? cluster_.max_free_gpus_on_a_node() : std::numeric_limits<std::int64_t>::max();
  };
  while (auto next = queue_.pop_next(max_free())) {
    JobState& job = jobs_.at(next->seq);
    job.queued = false;
    if (!try_schedule(job) && !job.queued) {
      job.queued = true;
      queue_.park(*next, smallest_pending_pod_gpus(job));
    }
  }
}

bool ControlPlane::try_schedule(JobState& job) {
  // A gang needs min_member pods bound at once; other jobs take whatever fits.
  const int need = job.spec.min_member > 0 ? std::max(1, job.spec.min_member - job.bound) : 1;
  std::vector<std::size_t> placed;
  int failed_group = -1;
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    if (job.pod_nodes[pod] != kUnbound) continue;
    if (job.pod_group[pod] == failed_group) continue;  // identical pods fail the same way
    auto node = scheduler_.find_node(job.group_of(pod), cluster_);
    if (!node) {
      failed_group = job.pod_group[pod];
      continue;
    }
    cluster_.allocate(*node, job.group_of(pod).requests);  // Reserve
    job.pod_nodes[pod] = *node;
    placed.push_back(pod);
  }

  if (static_cast<int>(placed.size()) < need) {
    for (std::size_t pod : placed) {  // Unreserve: no partial gang ever runs
      cluster_.release(job.pod_nodes[pod], job.group_of(pod).requests);
      job.pod_nodes[pod] = kUnbound;
    }
    if (!job.reported_unschedulable) {
      job.reported_unschedulable = true;
      std::string why;
      if (placed.empty()) {
        const auto group = static_cast<std::size_t>(failed_group);
        Scheduler::RejectionObserver observer;
        if (!filter_rejected.empty()) {
          observer = [&](NodeIndex node, const Status& s) { filter_rejected.emit(job, group, node, s); };
        }
        why = scheduler_.explain(job.spec.pods[group], cluster_, observer);
      } else {
        why = "gang of " + std::to_string(job.spec.min_member) + " pods cannot be placed together: only " +
              std::to_string(job.bound + static_cast<int>(placed.size())) + " fit at once";
      }
      job_unschedulable.emit(job, why);
    }
    // PostFilter: make room by evicting lower-priority jobs, then try again at once (the
    // preemptor takes what it freed, as upstream's nominated node reserves it).
    if (placed.empty() && failed_group >= 0 && preempt_for(job, static_cast<std::size_t>(failed_group))) {
      return try_schedule(job);
    }
    return false;
  }

  job.bound += static_cast<int>(placed.size());
  pending_pods_ -= static_cast<std::int64_t>(placed.size());
  for (std::size_t pod : placed) {
    bind_pod(job, pod);
    pod_bound.emit(job, pod);
  }
  if (job.bound < static_cast<int>(job.pod_nodes.size())) return false;
  start(job);
  return true;
}

void ControlPlane::start(JobState& job) {
  job.start_time = engine_.now();
  ++job.starts;
  ++running_jobs_;
  const double run_time = runtime_.run_seconds(job.spec, job.pod_nodes, cluster_);
  job_started.emit(job);
  const std::uint64_t seq = job.seq;
  job.completion_timer = engine_.schedule_in(run_time, [this, seq] { complete(seq); });
}

void ControlPlane::complete(std::uint64_t seq) {
  auto it = jobs_.find(seq);
  JobState& job = it->second;
  job.end_time = engine_.now();
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) release_pod(job, pod);
  --running_jobs_;
  job_completed.emit(job);  // pod_nodes still say where the job ran
  jobs_.erase(it);
  // Freed resources may let parked jobs fit (upstream: AssignedPodDelete moves them back).
  queue_.resources_released();
  request_scheduling_pass();
}

bool ControlPlane::preempt_for(JobState& job, std::size_t group) {
  if (!preemption_) return false;
  // Nothing to evict unless some bound pod has a lower priority (the common case: skip the scan).
  if (bound_pods_by_priority_.empty() || bound_pods_by_priority_.begin()->first >= job.spec.priority) return false;
  auto candidate = DefaultPreemption::select(job.spec.pods[group], job.spec.priority, scheduler_, cluster_, pods_on_node_);
  if (!candidate) return false;
  std::vector<std::uint64_t> victims;
  for (const RunningPod& p : candidate->victims) {
    if (std::find(victims.begin(), victims.end(), p.job) == victims.end()) victims.push_back(p.job);
  }
  for (std::uint64_t v : victims) evict(v, job, candidate->node);
  return !victims.empty();
}

void ControlPlane::evict(std::uint64_t seq, const JobState& preemptor, NodeIndex node) {
  JobState& victim = jobs_.at(seq);
  for (std::size_t pod = 0; pod < victim.pod_nodes.size(); ++pod) {
    if (victim.pod_nodes[pod] != kUnbound) release_pod(victim, pod);
  }
  if (victim.started()) {
    engine_.cancel(victim.completion_timer);
    --running_jobs_;
  }
  victim.end_time = engine_.now();
  job_preempted.emit(victim, preemptor, node);  // resources freed; placement and start still recorded
  victim.start_time = -1;
  victim.end_time = -1;
  std::fill(victim.pod_nodes.begin(), victim.pod_nodes.end(), kUnbound);
  pending_pods_ += victim.bound;
  victim.bound = 0;
  enqueue(victim);  // from scratch: the work done so far is lost
  queue_.resources_released();
  request_scheduling_pass();
}

}  // namespace kubetwin::models
