#include "models/k8s/control_plane.hpp"

#include <algorithm>
#include <functional>
#include <limits>

#include "models/scheduling/plugins.hpp"

namespace kubetwin::models {

namespace {

std::vector<std::unique_ptr<Scheduler>> make_profiles(const SchedulerConfig& config, sim::RandomStreams& streams,
                                                      const PluginRegistry& registry) {
  std::vector<std::unique_ptr<Scheduler>> out;
  for (std::size_t i = 0; i < config.profiles.size(); ++i) {
    const ProfileConfig& p = config.profiles[i];
    // The first profile keeps the historical stream name, so that one-profile runs are unchanged.
    auto& random = streams.stream(i == 0 ? "scheduler.ties" : "scheduler.ties." + p.scheduler_name);
    out.push_back(std::make_unique<Scheduler>(p, random, registry));
  }
  return out;
}

}  // namespace

ControlPlane::ControlPlane(sim::Engine& engine, Cluster& cluster, const SchedulerConfig& config,
                           const JobRuntimeModel& runtime, sim::RandomStreams& streams, const PluginRegistry& registry,
                           ControlPlaneTiming timing)
    : engine_(engine),
      cluster_(cluster),
      config_(config),
      runtime_(runtime),
      profiles_(make_profiles(config_, streams, registry)),
      queue_(profiles_.at(0)->plugins().queue_sort()),
      pods_on_node_(cluster.node_count()),
      affinity_pods_on_node_(cluster.node_count(), 0),
      affinity_node_position_(cluster.node_count(), 0),
      timing_(timing),
      bucket_tokens_(timing.bind_burst),
      images_on_node_(cluster.node_count()),
      pulls_free_at_(cluster.node_count(), 0.0) {}

void ControlPlane::count_affinity_pod(NodeIndex node, int delta) {
  std::int32_t& count = affinity_pods_on_node_[node];
  if (count == 0 && delta > 0) {
    affinity_node_position_[node] = static_cast<std::uint32_t>(affinity_nodes_.size());
    affinity_nodes_.push_back(node);
  }
  count += delta;
  if (count == 0 && delta < 0) {  // swap-remove
    const std::uint32_t at = affinity_node_position_[node];
    affinity_nodes_[at] = affinity_nodes_.back();
    affinity_node_position_[affinity_nodes_[at]] = at;
    affinity_nodes_.pop_back();
  }
}

void ControlPlane::enqueue(JobState& job) {
  if (job.queued) return;
  job.queued = true;
  queue_.add({job.spec.priority, job.seq});
}

std::uint64_t ControlPlane::submit(JobSpec spec) {
  const std::uint64_t seq = next_seq_++;
  JobState& job = jobs_[seq];
  job.seq = seq;
  job.spec = std::move(spec);
  for (std::size_t g = 0; g < job.spec.pods.size(); ++g) {
    for (int r = 0; r < job.spec.pods[g].replicas; ++r) job.pod_group.push_back(static_cast<int>(g));
  }
  job.pod_nodes.assign(job.pod_group.size(), kUnbound);
  job.pod_waiting.assign(job.pod_group.size(), 0);
  job.pod_devices.assign(job.pod_group.size(), {});
  job_submitted.emit(job);

  auto profile = std::find_if(profiles_.begin(), profiles_.end(),
                              [&](const auto& p) { return p->profile().scheduler_name == job.spec.scheduler_name; });
  std::string problem;
  std::string_view reason = "ExceedsClusterCapacity";
  if (profile == profiles_.end()) {
    reason = "SchedulerNotFound";
    problem = "no scheduling profile is named \"" + job.spec.scheduler_name + "\"";
  } else {
    job.profile = static_cast<std::size_t>(profile - profiles_.begin());
    problem = capacity_problem(job.spec);
  }
  if (!problem.empty()) {
    job.end_time = engine_.now();
    job_failed.emit(job, reason, problem);
    jobs_.erase(seq);
    return seq;
  }
  pending_pods_ += static_cast<std::int64_t>(job.pod_nodes.size());
  if (Status gate = profile_of(job).pre_enqueue(job.spec); !gate.ok()) {
    job.gated = true;
    job_gated.emit(job, gate.reason());
    return seq;
  }
  enqueue(job);
  request_scheduling_pass();
  return seq;
}

bool ControlPlane::remove_scheduling_gate(std::uint64_t seq, std::string_view gate) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end()) return false;
  JobState& job = it->second;
  auto& gates = job.spec.scheduling_gates;
  auto g = std::find(gates.begin(), gates.end(), gate);
  if (g == gates.end()) return false;
  gates.erase(g);
  if (job.gated && profile_of(job).pre_enqueue(job.spec).ok()) {
    job.gated = false;
    enqueue(job);
    request_scheduling_pass();
  }
  return true;
}

bool ControlPlane::set_pod_group_placement(std::uint64_t seq, std::size_t group,
                                           std::map<std::string, std::string> node_selector,
                                           std::vector<Toleration> tolerations) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end() || !it->second.gated || group >= it->second.spec.pods.size()) return false;
  it->second.spec.pods[group].node_selector = std::move(node_selector);
  it->second.spec.pods[group].tolerations = std::move(tolerations);
  return true;
}

bool ControlPlane::evict_and_gate(std::uint64_t seq, std::string gate, std::string_view reason) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end()) return false;
  JobState& job = it->second;
  stop_and_release(job, [&] { job_evicted.emit(job, reason); });
  job.spec.scheduling_gates.push_back(std::move(gate));
  job.gated = true;  // a copy still in the scheduling queue is skipped when popped
  queue_.resources_released();
  request_scheduling_pass();
  return true;
}

bool ControlPlane::terminate(std::uint64_t seq, const PodTermination& why) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end()) return false;
  JobState& job = it->second;
  stop_and_release(job, [&] { job_terminated.emit(job, why); });
  forget(seq);
  return true;
}

void ControlPlane::forget(std::uint64_t seq) {
  auto it = jobs_.find(seq);
  pending_pods_ -= static_cast<std::int64_t>(it->second.pod_nodes.size());  // all pending after stop_and_release
  jobs_.erase(it);  // a copy still in the scheduling queue is skipped when popped
  queue_.resources_released();
  request_scheduling_pass();
}

bool ControlPlane::evict_pod(std::uint64_t seq, std::size_t pod, std::string_view reason) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end()) return false;
  JobState& job = it->second;
  if (!job.spec.owner.empty()) return terminate(seq, PodTermination{reason, pod, 0, true, true});
  stop_and_release(job, [&] { job_evicted.emit(job, reason); });
  enqueue(job);  // from scratch, as after a preemption
  queue_.resources_released();
  request_scheduling_pass();
  return true;
}

std::string ControlPlane::capacity_problem(const JobSpec& spec) const {
  // Only what is provably impossible is rejected: a job passing these checks may still never fit
  // (bin packing is hard), and then it stays pending and is reported as such.
  const CycleState none;
  NodeAffinity affinity;
  auto per_node = [](std::int64_t have, std::int64_t want) {
    return want == 0 ? std::numeric_limits<std::int64_t>::max() : have / want;
  };
  Resources usable;  // capacity of every node that some pod of the job may use
  std::vector<bool> pool_usable(cluster_.pool_count(), false);
  for (const PodGroupSpec& as_given : spec.pods) {
    // requiresCuda is judged by labels GPU feature discovery changes during the run (a driver
    // upgrade), so a node that does not advertise enough CUDA now proves nothing impossible.
    std::optional<PodGroupSpec> relaxed;
    if (as_given.requires_cuda) {
      relaxed = as_given;
      relaxed->requires_cuda.reset();
    }
    const PodGroupSpec& group = relaxed ? *relaxed : as_given;
    std::int64_t room = 0;  // pods of this group the empty cluster could hold
    for (std::size_t p = 0; p < cluster_.pool_count(); ++p) {
      const NodePoolSpec& pool = cluster_.pool(p);
      const NodeIndex first = cluster_.first_node_of_pool(p);
      if (TaintToleration::untolerated(group, pool.taints) != nullptr) continue;  // run-time taints pass
      std::int64_t nodes = pool.count;
      if (!affinity.pool_constant(group)) {  // a hostname selector: count the matching nodes
        nodes = 0;
        for (int i = 0; i < pool.count; ++i) nodes += affinity.filter(none, group, cluster_, first + static_cast<NodeIndex>(i)).ok();
      } else if (!affinity.filter(none, group, cluster_, first).ok()) {
        nodes = 0;
      }
      const std::int64_t gpu_fit = group.requests.gpu_milli > 0
                                       ? pool.capacity.gpus * (kMilliPerDevice / group.requests.gpu_milli)
                                       : per_node(pool.capacity.gpus, group.requests.gpus);
      const std::int64_t fit = std::min({per_node(pool.capacity.cpu_milli, group.requests.cpu_milli),
                                         per_node(pool.capacity.memory_bytes, group.requests.memory_bytes), gpu_fit});
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

void ControlPlane::on_nodes_changed() {
  nodes_changed.emit();
  queue_.resources_released();
  request_scheduling_pass();
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

bool ControlPlane::resume_when_free() {
  if (busy_until_ <= engine_.now()) return false;
  // The scheduler is still in earlier cycles: the pass goes on, with the state of then, when it is free.
  pass_requested_ = true;
  engine_.schedule_at(busy_until_, [this] { scheduling_pass(); });
  return true;
}

void ControlPlane::charge_cycle(const Scheduler& profile) {
  const Scheduler::CycleWork& w = profile.last_cycle();
  const double per_filtered = timing_.cycle_per_filtered_node + (timing_.plugin_filter_costs ? w.filter_seconds_per_node : 0.0);
  const double cost = timing_.cycle_base + static_cast<double>(w.filtered) * per_filtered +
                      static_cast<double>(w.scored) * timing_.cycle_per_scored_node;
  if (cost > 0) busy_until_ = std::max(busy_until_, engine_.now()) + cost;
}

double ControlPlane::rate_limited(double t) {
  if (timing_.bind_qps <= 0) return t;
  // client-go's token bucket: refill at qps up to burst; a call without a token waits for one
  // (tokens go negative: calls already promised a later slot).
  bucket_tokens_ = std::min(static_cast<double>(timing_.bind_burst),
                            bucket_tokens_ + std::max(0.0, t - bucket_time_) * timing_.bind_qps);
  bucket_time_ = std::max(bucket_time_, t);
  bucket_tokens_ -= 1;
  return bucket_tokens_ >= 0 ? t : t + (-bucket_tokens_) / timing_.bind_qps;
}

void ControlPlane::scheduling_pass() {
  pass_requested_ = false;
  if (resume_when_free()) return;
  if (config_.queueing == QueueingStrategy::StrictFIFO) {
    // Nothing behind the head is tried until the head is fully placed.
    while (auto head = queue_.pop_next(std::numeric_limits<std::int64_t>::max())) {
      auto it = jobs_.find(head->seq);
      if (it == jobs_.end()) continue;  // terminated while it waited in the queue
      JobState& job = it->second;
      job.queued = false;
      if (job.gated) continue;  // gated again (evict_and_gate) while it waited in the queue
      if (!try_schedule(job)) {
        enqueue(job);  // still the head
        break;
      }
      if (resume_when_free()) return;
    }
    return;
  }
  auto max_free = [this] {
    return config_.queueing_hints ? cluster_.max_free_gpus_on_a_node() : std::numeric_limits<std::int64_t>::max();
  };
  while (auto next = queue_.pop_next(max_free())) {
    auto it = jobs_.find(next->seq);
    if (it == jobs_.end()) continue;  // terminated while it waited in the queue
    JobState& job = it->second;
    job.queued = false;
    if (job.gated) continue;  // gated again (evict_and_gate) while it waited in the queue
    if (!try_schedule(job) && !job.queued) {
      job.queued = true;
      queue_.park(*next, smallest_pending_pod_gpus(job));
    }
    if (resume_when_free()) return;
  }
}

void ControlPlane::assume_pod(JobState& job, std::size_t pod, NodeIndex node) {
  const PodGroupSpec& spec = job.group_of(pod);
  job.pod_devices[pod] = cluster_.allocate(node, spec.requests, profile_of(job).preferred_devices(node));
  job.pod_nodes[pod] = node;
  pods_on_node_[node].push_back(
      {job.seq, pod, job.spec.priority, engine_.now(), spec.requests, &spec, job.pod_devices[pod]});
  ++placed_pods_by_priority_[job.spec.priority];
  if (!spec.affinity.empty()) count_affinity_pod(node, +1);
}

void ControlPlane::release_pod(JobState& job, std::size_t pod) {
  const NodeIndex node = job.pod_nodes[pod];
  cluster_.release(node, job.group_of(pod).requests, job.pod_devices[pod]);
  std::erase_if(pods_on_node_[node], [&](const RunningPod& p) { return p.job == job.seq && p.pod == pod; });
  if (--placed_pods_by_priority_[job.spec.priority] == 0) placed_pods_by_priority_.erase(job.spec.priority);
  if (!job.group_of(pod).affinity.empty()) count_affinity_pod(node, -1);
}

template <typename Step>
void ControlPlane::at_or_now(double at, JobState& job, Step step) {
  if (at <= engine_.now()) {  // no delay: synchronous, so zero timing changes no event order
    step(job);
    return;
  }
  const std::uint64_t seq = job.seq;
  const std::uint32_t attempt = job.attempt;
  engine_.schedule_at(at, [this, seq, attempt, step = std::move(step)] {
    auto it = jobs_.find(seq);
    if (it == jobs_.end() || it->second.attempt != attempt) return;  // evicted or preempted meanwhile
    step(it->second);
  });
}

bool ControlPlane::bind_pod(JobState& job, std::size_t pod) {
  // The binding call goes out when the pod's cycle ends, once the rate limiter allows it.
  const double committed = rate_limited(std::max(engine_.now(), busy_until_)) + timing_.api_latency;
  if (committed <= engine_.now()) return finish_binding(job, pod, false);
  ++job.bound;  // no longer pending: gangs and Permit count it as bound
  --pending_pods_;
  at_or_now(committed, job, [this, pod](JobState& j) {
    if (finish_binding(j, pod, true) || j.in_cycle) return;
    enqueue(j);  // the binding failed: the pod is pending again
    request_scheduling_pass();
  });
  return true;
}

bool ControlPlane::finish_binding(JobState& job, std::size_t pod, bool counted) {
  const NodeIndex node = job.pod_nodes[pod];
  const PodInfo info = pod_info(job, pod);
  if (!profile_of(job).bind(info, node, *this).ok()) {
    profile_of(job).unreserve(info, node, *this);
    release_pod(job, pod);
    job.pod_nodes[pod] = kUnbound;
    if (counted) {
      --job.bound;
      ++pending_pods_;
    }
    return false;
  }
  if (!counted) {
    ++job.bound;
    --pending_pods_;
  }
  pod_bound.emit(job, pod);
  at_or_now(engine_.now() + timing_.watch_latency, job, [this, pod](JobState& j) { kubelet_sees(j, pod); });
  return true;
}

void ControlPlane::kubelet_sees(JobState& job, std::size_t pod) {
  const PodGroupSpec& spec = job.group_of(pod);
  const NodeIndex node = job.pod_nodes[pod];
  ImagePull how = ImagePull::None;
  double image_at = engine_.now();
  if (!spec.image.empty()) {
    auto [it, is_new] = images_on_node_[node].try_emplace(spec.image, ImageOnNode{0});
    if (is_new) {
      // kubelet's default serializeImagePulls: one pull at a time per node.
      const double begin = std::max(engine_.now(), pulls_free_at_[node]);
      const double seconds = timing_.image_pull_bandwidth > 0
                                 ? static_cast<double>(spec.image_bytes) / timing_.image_pull_bandwidth
                                 : 0.0;
      it->second.present_at = begin + seconds;
      pulls_free_at_[node] = it->second.present_at;
    }
    // A pull under way for another pod is shared, not repeated.
    how = is_new || it->second.present_at > engine_.now() ? ImagePull::Pulled : ImagePull::Cached;
    image_at = std::max(image_at, it->second.present_at);
  }
  at_or_now(image_at + timing_.container_start, job, [this, pod, how](JobState& j) {
    pod_running.emit(j, pod, how);
    at_or_now(engine_.now() + timing_.readiness, j, [this, pod](JobState& jj) { pod_ready(jj, pod); });
  });
}

void ControlPlane::pod_ready(JobState& job, std::size_t /*pod*/) {
  if (++job.ready == static_cast<int>(job.pod_nodes.size())) start(job);
}

bool ControlPlane::schedule_pod(JobState& job, std::size_t pod) {
  Scheduler& profile = profile_of(job);
  const auto node = profile.find_node(job.group_of(pod), snapshot());
  charge_cycle(profile);
  if (!node) return false;
  assume_pod(job, pod, *node);
  const PodInfo info = pod_info(job, pod);
  if (!profile.reserve(info, *node, *this).ok()) {
    release_pod(job, pod);
    job.pod_nodes[pod] = kUnbound;
    return false;
  }
  PermitResult permit = profile.permit(info, *node, *this);
  if (permit.status.rejected()) {
    profile.unreserve(info, *node, *this);
    release_pod(job, pod);
    job.pod_nodes[pod] = kUnbound;
    return false;
  }
  if (permit.status.is_wait()) {
    job.pod_waiting[pod] = 1;
    ++job.waiting;
    if (job.permit_timer == kNoTimer) {
      const std::uint64_t seq = job.seq;
      job.waiting_plugin = permit.status.plugin();
      job.permit_timer = engine_.schedule_in(permit.timeout, [this, seq] { on_permit_timeout(seq); });
    }
    return true;
  }
  return bind_pod(job, pod);
}

bool ControlPlane::try_schedule(JobState& job) {
  const int reserved_before = job.bound + job.waiting;
  int failed_group = -1;
  std::size_t failed_pod = 0;
  job.in_cycle = true;
  for (std::size_t pod = 0; pod < job.pod_nodes.size() && !job.placed(); ++pod) {
    if (job.pod_nodes[pod] != kUnbound) continue;   // bound, or waiting at Permit
    if (job.pod_group[pod] == failed_group) continue;  // identical pods fail the same way
    if (!schedule_pod(job, pod)) {
      failed_group = job.pod_group[pod];
      failed_pod = pod;
    }
  }
  if (failed_group < 0 || job.placed()) {
    job.in_cycle = false;
    return job.placed();
  }

  const int reserved = job.bound + job.waiting;
  const bool short_of_gang = job.spec.min_member > 0 && reserved < job.spec.min_member;
  if ((reserved == reserved_before || short_of_gang) && !job.reported_unschedulable) {
    job.reported_unschedulable = true;
    std::string why;
    const auto group = static_cast<std::size_t>(failed_group);
    if (reserved == reserved_before) {
      Scheduler::RejectionObserver observer;
      if (!filter_rejected.empty()) {
        observer = [&](NodeIndex node, const Status& s) { filter_rejected.emit(job, group, node, s); };
      }
      why = profile_of(job).explain(job.spec.pods[group], snapshot(), observer);
    } else {
      why = "gang of " + std::to_string(job.spec.min_member) + " pods cannot be placed together: only " +
            std::to_string(reserved) + " fit at once";
    }
    job_unschedulable.emit(job, why);
  }
  // PostFilter, with the failed pod's cycle state: DefaultPreemption evicts lower-priority jobs;
  // Coscheduling gives up the waiting members of a gang that cannot be completed. If something
  // was evicted, try again at once (the preemptor takes what it freed, as upstream's nominated
  // node reserves it).
  Scheduler& profile = profile_of(job);
  profile.pre_filter(job.group_of(failed_pod), snapshot());
  const bool retry = profile.post_filter(pod_info(job, failed_pod), *this).ok();
  job.in_cycle = false;
  if (retry) return try_schedule(job);
  return false;
}

void ControlPlane::start(JobState& job) {
  job.start_time = engine_.now();
  ++job.starts;
  ++running_jobs_;
  if (job.spec.runs_forever) {  // a Deployment's replica: runs until deleted
    job.completion_timer = kNoTimer;
    job.expected_end = std::numeric_limits<double>::infinity();
    job_started.emit(job);
    return;
  }
  const double run_time = runtime_.run_seconds(job.spec, job.pod_nodes, cluster_);
  job.expected_end = engine_.now() + run_time;
  const std::uint64_t seq = job.seq;
  // The timer exists before observers hear of the start, so that they may move it.
  job.completion_timer = engine_.schedule_in(run_time, [this, seq] { complete(seq); });
  job_started.emit(job);
}

bool ControlPlane::reschedule_completion(std::uint64_t seq, double at) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end() || !it->second.started()) return false;
  engine_.cancel(it->second.completion_timer);
  it->second.expected_end = std::max(at, engine_.now());  // the Job controller draws failure times from it
  it->second.completion_timer = engine_.schedule_at(it->second.expected_end, [this, seq] { complete(seq); });
  return true;
}

void ControlPlane::complete(std::uint64_t seq) {
  auto it = jobs_.find(seq);
  JobState& job = it->second;
  job.end_time = engine_.now();
  if (timing_.termination_grace > 0) {
    // Done, but its pods hold their resources until the grace period ends.
    --running_jobs_;
    job_completed.emit(job);
    terminating_.emplace(seq, jobs_.extract(it));  // the node keeps its address: pods_on_node_ points into it
    engine_.schedule_in(timing_.termination_grace, [this, seq] { release_after_grace(seq); });
    return;
  }
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) release_pod(job, pod);
  --running_jobs_;
  job_completed.emit(job);  // pod_nodes still say where the job ran
  jobs_.erase(it);
  // Freed resources may let parked jobs fit (upstream: AssignedPodDelete moves them back).
  queue_.resources_released();
  request_scheduling_pass();
}

void ControlPlane::release_after_grace(std::uint64_t seq) {
  auto it = terminating_.find(seq);
  if (it == terminating_.end()) return;  // already released by a preemption
  JobState& job = it->second.mapped();
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) release_pod(job, pod);
  terminating_.erase(it);
  queue_.resources_released();
  request_scheduling_pass();
}

int ControlPlane::bound_pods(std::uint64_t seq) const {
  auto it = jobs_.find(seq);
  return it == jobs_.end() ? 0 : it->second.bound;
}

int ControlPlane::waiting_pods(std::uint64_t seq) const {
  auto it = jobs_.find(seq);
  return it == jobs_.end() ? 0 : it->second.waiting;
}

std::vector<const PodGroupSpec*> ControlPlane::unplaced_pods(std::uint64_t seq) const {
  std::vector<const PodGroupSpec*> out;
  auto it = jobs_.find(seq);
  if (it == jobs_.end()) return out;
  const JobState& job = it->second;
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    if (job.pod_nodes[pod] == kUnbound) out.push_back(&job.group_of(pod));
  }
  return out;
}

void ControlPlane::allow_waiting_pods(std::uint64_t seq) {
  JobState& job = jobs_.at(seq);
  if (job.waiting == 0) return;
  if (job.permit_timer != kNoTimer) engine_.cancel(job.permit_timer);
  job.permit_timer = kNoTimer;
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    if (!job.pod_waiting[pod]) continue;
    job.pod_waiting[pod] = 0;
    --job.waiting;
    bind_pod(job, pod);
  }
}

void ControlPlane::reject_waiting_pods(std::uint64_t seq, std::string_view plugin, std::string_view reason) {
  auto it = jobs_.find(seq);
  if (it == jobs_.end() || it->second.waiting == 0) return;
  JobState& job = it->second;
  if (job.permit_timer != kNoTimer) engine_.cancel(job.permit_timer);
  job.permit_timer = kNoTimer;
  std::vector<std::size_t> rejected;
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    if (!job.pod_waiting[pod]) continue;
    job.pod_waiting[pod] = 0;
    rejected.push_back(pod);
  }
  job.waiting = 0;  // before Unreserve, which may ask again
  for (std::size_t pod : rejected) {
    profile_of(job).unreserve(pod_info(job, pod), job.pod_nodes[pod], *this);
    release_pod(job, pod);
    job.pod_nodes[pod] = kUnbound;
  }
  permit_rejected.emit(job, plugin, reason);
  if (job.in_cycle) return;  // the pass that is trying it parks it; what it freed was free before
  enqueue(job);
  queue_.resources_released();
  request_scheduling_pass();
}

void ControlPlane::on_permit_timeout(std::uint64_t seq) {
  JobState& job = jobs_.at(seq);
  job.permit_timer = kNoTimer;
  const std::string reason = "rejected due to timeout after waiting at Permit";
  reject_waiting_pods(seq, job.waiting_plugin, reason);
}

std::optional<std::int32_t> ControlPlane::lowest_placed_priority() const {
  if (placed_pods_by_priority_.empty()) return std::nullopt;
  return placed_pods_by_priority_.begin()->first;
}

void ControlPlane::stop_and_release(JobState& job, const std::function<void()>& notify) {
  if (job.permit_timer != kNoTimer) engine_.cancel(job.permit_timer);
  job.permit_timer = kNoTimer;
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    if (job.pod_nodes[pod] != kUnbound) release_pod(job, pod);
  }
  if (job.started()) {
    if (job.completion_timer != kNoTimer) engine_.cancel(job.completion_timer);
    --running_jobs_;
  }
  job.end_time = engine_.now();
  notify();  // resources freed; placement and start still recorded
  job.start_time = -1;
  job.end_time = -1;
  std::fill(job.pod_nodes.begin(), job.pod_nodes.end(), kUnbound);
  std::fill(job.pod_waiting.begin(), job.pod_waiting.end(), 0);
  pending_pods_ += job.bound;
  job.bound = 0;
  job.waiting = 0;
  job.ready = 0;
  ++job.attempt;  // bindings and kubelet steps still under way for the old placement are void
}

void ControlPlane::evict(std::span<const RunningPod> victims, const PodInfo& preemptor, NodeIndex node) {
  std::vector<std::uint64_t> jobs;
  for (const RunningPod& p : victims) {
    if (std::find(jobs.begin(), jobs.end(), p.job) == jobs.end()) jobs.push_back(p.job);
  }
  const JobState& by = jobs_.at(preemptor.job_seq);
  for (std::uint64_t v : jobs) {
    if (terminating_.contains(v)) {
      release_after_grace(v);  // already completed: preemption cuts its grace period short
    } else {
      evict_job(v, by, node);
    }
  }
}

void ControlPlane::evict_job(std::uint64_t seq, const JobState& preemptor, NodeIndex node) {
  JobState& victim = jobs_.at(seq);
  if (!victim.spec.owner.empty()) {
    // Its controller decides what a preempted pod means (a Job counts it, a Deployment replaces it).
    std::size_t pod = 0;
    while (pod + 1 < victim.pod_nodes.size() && victim.pod_nodes[pod] != node) ++pod;
    stop_and_release(victim, [&] {
      job_preempted.emit(victim, preemptor, node);
      job_terminated.emit(victim, PodTermination{"PreemptionByScheduler", pod, 0, true, true});
    });
    forget(seq);
    return;
  }
  stop_and_release(victim, [&] { job_preempted.emit(victim, preemptor, node); });
  enqueue(victim);  // from scratch: the work done so far is lost
  queue_.resources_released();
  request_scheduling_pass();
}

}  // namespace kubetwin::models
