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
                                                             const ClusterSnapshot& placed) {
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
      if (p.priority < priority) {
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

Status DefaultPreemption::post_filter(const PodInfo& pod, Scheduler& profile, FrameworkHandle& handle) const {
  // Nothing to evict unless some placed pod has a lower priority (the common case: skip the scan).
  // A gang with members reserved and waiting at Permit would not be completed by room for one
  // more member; evicting for it only loses the victims' work (Coscheduling then releases it).
  if (handle.waiting_pods(pod.job_seq) > 0) {
    return Status::unschedulable(kName, "gang members are waiting at Permit; preempting for one would not place the gang");
  }
  const auto lowest = handle.lowest_placed_priority();
  if (!lowest || *lowest >= pod.job.priority) return Status::unschedulable(kName, "No preemption victims found for incoming pod.");
  const ClusterSnapshot placed = handle.snapshot();
  auto candidate = select(pod.spec, pod.job.priority, profile, handle.mutable_cluster(), placed);
  if (!candidate || candidate->victims.empty()) {
    return Status::unschedulable(kName, "No preemption victims found for incoming pod.");
  }
  handle.evict(candidate->victims, pod, candidate->node);
  return Status::success();
}

}  // namespace kubetwin::models
