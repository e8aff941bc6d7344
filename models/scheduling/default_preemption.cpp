#include "models/scheduling/default_preemption.hpp"

#include <algorithm>

namespace kubetwin::models {

namespace {

// Upstream MoreImportantPod: higher priority, then earlier start.
bool more_important(const RunningPod& a, const RunningPod& b) {
  return a.priority != b.priority ? a.priority > b.priority : a.start_time < b.start_time;
}

struct Rank {
  std::int64_t highest = 0, sum = 0;
  std::size_t victims = 0;
  double latest_start_of_highest = 0;
  // Upstream's pickOneNodeForPreemption order: the lowest highest-victim priority, then the lowest
  // sum of priorities, then the fewest victims, then the latest start of the highest victim.
  bool better_than(const Rank& o) const {
    if (highest != o.highest) return highest < o.highest;
    if (sum != o.sum) return sum < o.sum;
    if (victims != o.victims) return victims < o.victims;
    return latest_start_of_highest > o.latest_start_of_highest;
  }
};

}  // namespace

std::optional<PreemptionCandidate> DefaultPreemption::select(const PodGroupSpec& pod, std::int32_t priority,
                                                             Scheduler& scheduler, Cluster& cluster,
                                                             const ClusterSnapshot& placed,
                                                             std::span<const RunningPod> already_freed) {
  auto freed_before = [&](const RunningPod& p) {
    return std::any_of(already_freed.begin(), already_freed.end(),
                       [&](const RunningPod& f) { return f.job == p.job && f.pod == p.pod; });
  };
  std::optional<Rank> best_rank;
  PreemptionCandidate best;
  // Pointers into the snapshot, reused across nodes: only the best node's victims are copied.
  std::vector<const RunningPod*> potential, victims;
  // Exact pruning: where NodeResourcesFit filters, a node whose free CPU, memory and whole GPUs
  // stay short of the pod's even with every lower-priority pod gone (an upper bound of what they
  // free) cannot be the one. A pod asking for a GPU share always takes the full what-if.
  const bool prune = scheduler.filters_resources() && pod.requests.gpu_milli == 0;
  for (NodeIndex node = 0; node < cluster.node_count(); ++node) {
    potential.clear();
    Resources freed;
    for (const RunningPod& p : placed.pods_on(node)) {
      if (p.priority < priority && (already_freed.empty() || !freed_before(p))) {
        potential.push_back(&p);
        freed += p.requests;
        if (p.requests.gpu_milli > 0) ++freed.gpus;  // at most: its device may become fully free
      }
    }
    if (potential.empty()) continue;
    if (prune && !pod.requests.fits_in(cluster.free(node) + freed)) continue;
    for (const RunningPod* p : potential) cluster.release(node, p->requests, p->devices);
    if (!scheduler.fits(pod, placed, node)) {
      for (const RunningPod* p : potential) cluster.allocate(node, p->requests, p->devices);
      continue;
    }
    std::sort(potential.begin(), potential.end(), [](const RunningPod* a, const RunningPod* b) { return more_important(*a, *b); });
    victims.clear();
    for (const RunningPod* p : potential) {  // reprieve while the pod still fits
      cluster.allocate(node, p->requests, p->devices);
      if (scheduler.fits(pod, placed, node)) continue;
      cluster.release(node, p->requests, p->devices);
      victims.push_back(p);
    }
    for (const RunningPod* p : victims) cluster.allocate(node, p->requests, p->devices);  // restore
    Rank r;
    r.victims = victims.size();
    for (const RunningPod* v : victims) {
      r.sum += v->priority;
      if (v == victims.front() || v->priority > r.highest) r.highest = v->priority;
    }
    // victims are sorted most important first: the first one is the highest-priority victim
    r.latest_start_of_highest = victims.empty() ? 0 : victims.front()->start_time;
    if (!best_rank || r.better_than(*best_rank)) {
      best_rank = r;
      best.node = node;
      best.victims.clear();
      for (const RunningPod* v : victims) best.victims.push_back(*v);
    }
  }
  if (!best_rank) return std::nullopt;
  return best;
}

std::optional<PreemptionCandidate> DefaultPreemption::plan_gang(const std::vector<const PodGroupSpec*>& members,
                                                                     std::int32_t priority, Scheduler& scheduler,
                                                                     Cluster& cluster, const ClusterSnapshot& placed) {
  std::vector<RunningPod> victims;  // released from the cluster while planning
  std::vector<NodeIndex> victim_nodes;
  struct Tentative {
    NodeIndex node;
    const PodGroupSpec* member;
    DeviceSet devices;
  };
  std::vector<Tentative> members_placed;
  bool complete = true;
  for (const PodGroupSpec* member : members) {
    scheduler.pre_filter(*member, placed);  // the member's own cycle state for the what-ifs
    std::optional<NodeIndex> node;
    for (NodeIndex n = 0; n < cluster.node_count() && !node; ++n) {
      if (cluster.exists(n) && scheduler.fits(*member, placed, n)) node = n;
    }
    if (!node) {
      auto candidate = select(*member, priority, scheduler, cluster, placed, victims);
      if (!candidate || candidate->victims.empty()) {
        complete = false;
        break;
      }
      node = candidate->node;
      for (RunningPod& v : candidate->victims) {
        cluster.release(*node, v.requests, v.devices);
        victims.push_back(std::move(v));
        victim_nodes.push_back(*node);
      }
    }
    members_placed.push_back({*node, member, cluster.allocate(*node, member->requests)});
  }
  // Restore the cluster: members off, victims back on, in reverse order.
  for (auto it = members_placed.rbegin(); it != members_placed.rend(); ++it) cluster.release(it->node, it->member->requests, it->devices);
  for (std::size_t i = victims.size(); i-- > 0;) cluster.allocate(victim_nodes[i], victims[i].requests, victims[i].devices);
  if (!complete || victims.empty()) return std::nullopt;
  return PreemptionCandidate{victim_nodes.front(), std::move(victims)};
}

Status DefaultPreemption::post_filter(const PodInfo& pod, Scheduler& profile, FrameworkHandle& handle) const {
  const bool gang = pod.job.min_member > 0;
  // Only a gang plans for members beyond the failed pod (see the header); a pod waiting at
  // Permit otherwise belongs to a plugin's own protocol, which preempting for one pod would not end.
  if (!gang && handle.waiting_pods(pod.job_seq) > 0) {
    return Status::unschedulable(kName, "pods of the job are waiting at Permit; preempting for one would not place them");
  }
  // Nothing to evict unless some placed pod has a lower priority (the common case: skip the scan).
  const auto lowest = handle.lowest_placed_priority();
  if (!lowest || *lowest >= pod.job.priority) return Status::unschedulable(kName, "No preemption victims found for incoming pod.");
  const ClusterSnapshot placed = handle.snapshot();
  if (gang) {
    auto plan = plan_gang(handle.unplaced_pods(pod.job_seq), pod.job.priority, profile, handle.mutable_cluster(), placed);
    if (!plan) return Status::unschedulable(kName, "preemption cannot make room for every unplaced member of the gang at once");
    // One call: a victim job is evicted once even if the plan took pods of it on several nodes.
    handle.evict(plan->victims, pod, plan->node);
    return Status::success();
  }
  auto candidate = select(pod.spec, pod.job.priority, profile, handle.mutable_cluster(), placed);
  if (!candidate || candidate->victims.empty()) {
    return Status::unschedulable(kName, "No preemption victims found for incoming pod.");
  }
  handle.evict(candidate->victims, pod, candidate->node);
  return Status::success();
}

}  // namespace kubetwin::models
