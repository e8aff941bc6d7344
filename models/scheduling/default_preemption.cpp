#include "models/scheduling/default_preemption.hpp"

#include <algorithm>

namespace kubetwin::models {

namespace {

// Upstream MoreImportantPod: higher priority, then earlier start.
bool more_important(const RunningPod& a, const RunningPod& b) {
  return a.priority != b.priority ? a.priority > b.priority : a.start_time < b.start_time;
}

struct Ranked {
  PreemptionCandidate candidate;
  std::int64_t highest = 0, sum = 0;
  double latest_start_of_highest = 0;
};

}  // namespace

std::optional<PreemptionCandidate> DefaultPreemption::select(const PodGroupSpec& pod, std::int32_t priority,
                                                             Scheduler& scheduler, Cluster& cluster,
                                                             const ClusterSnapshot& placed) {
  std::optional<Ranked> best;
  for (NodeIndex node = 0; node < cluster.node_count(); ++node) {
    std::vector<RunningPod> potential;
    for (const RunningPod& p : placed.pods_on(node)) {
      if (p.priority < priority) potential.push_back(p);
    }
    if (potential.empty()) continue;
    for (const RunningPod& p : potential) cluster.release(node, p.requests, p.devices);
    const bool fits_without_all = scheduler.fits(pod, placed, node);
    std::vector<RunningPod> victims;
    if (fits_without_all) {
      std::sort(potential.begin(), potential.end(), more_important);
      for (const RunningPod& p : potential) {  // reprieve while the pod still fits
        cluster.allocate(node, p.requests, p.devices);
        if (scheduler.fits(pod, placed, node)) continue;
        cluster.release(node, p.requests, p.devices);
        victims.push_back(p);
      }
      for (const RunningPod& p : victims) cluster.allocate(node, p.requests, p.devices);  // restore
    } else {
      for (const RunningPod& p : potential) cluster.allocate(node, p.requests, p.devices);
      continue;
    }
    Ranked r;
    r.candidate = {node, victims};
    for (const RunningPod& v : victims) {
      r.sum += v.priority;
      if (&v == &victims.front() || v.priority > r.highest) r.highest = v.priority;
    }
    // victims are sorted most important first: the first one is the highest-priority victim
    r.latest_start_of_highest = victims.empty() ? 0 : victims.front().start_time;
    auto better = [](const Ranked& a, const Ranked& b) {
      if (a.highest != b.highest) return a.highest < b.highest;
      if (a.sum != b.sum) return a.sum < b.sum;
      if (a.candidate.victims.size() != b.candidate.victims.size()) return a.candidate.victims.size() < b.candidate.victims.size();
      return a.latest_start_of_highest > b.latest_start_of_highest;
    };
    if (!best || better(r, *best)) best = std::move(r);
  }
  if (!best) return std::nullopt;
  return best->candidate;
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
