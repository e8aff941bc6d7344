#include "models/autoscaling/cluster_autoscaler.hpp"

#include <algorithm>
#include <limits>

#include "models/scheduling/plugins.hpp"

namespace kubetwin::models {

ClusterAutoscaler::ClusterAutoscaler(sim::Engine& engine, Cluster& cluster, ControlPlane& control_plane,
                                     const ClusterAutoscalerConfig& config, sim::RandomStream& random)
    : engine_(engine),
      cluster_(cluster),
      cp_(control_plane),
      config_(config),
      random_(random),
      provisioning_(cluster.node_count(), 0),
      upcoming_(cluster.pool_count(), 0),
      unneeded_since_(cluster.node_count(), -1) {
  // The scan loop sleeps while there is nothing to do, so that a finished workload ends the run;
  // a submission wakes it.
  cp_.job_submitted.connect([this](const JobState&) { wake(); });
  wake();
}

void ClusterAutoscaler::wake() {
  if (scanning_) return;
  scanning_ = true;
  engine_.schedule_in(config_.scan_interval, [this] { scan(); });
}

bool ClusterAutoscaler::idle() const {
  if (!cp_.live_jobs().empty()) return false;
  for (int u : upcoming_) {
    if (u > 0) return false;
  }
  for (std::size_t p = 0; p < cluster_.pool_count(); ++p) {  // nodes left to scale down?
    const NodePoolSpec& pool = cluster_.pool(p);
    if (pool.autoscaling && existing_in_pool(p) > pool.autoscaling->min_count) return false;
  }
  return true;
}

int ClusterAutoscaler::existing_in_pool(std::size_t p) const {
  int existing = 0;
  const NodeIndex first = cluster_.first_node_of_pool(p);
  for (int i = 0; i < cluster_.pool(p).count; ++i) existing += cluster_.exists(first + static_cast<NodeIndex>(i));
  return existing;
}

void ClusterAutoscaler::scan() {
  scanning_ = false;
  scale_up();
  scale_down();
  if (!idle()) wake();
}

bool ClusterAutoscaler::template_fits(std::size_t p, const PodGroupSpec& pod) const {
  const NodePoolSpec& pool = cluster_.pool(p);
  if (!pool.autoscaling) return false;
  const NodeIndex first = cluster_.first_node_of_pool(p);
  const CycleState none;
  if (!TaintToleration().filter(none, pod, cluster_, first).ok()) return false;
  if (pod.node_selector.contains(kHostnameLabel)) return false;  // names an existing node
  if (!NodeAffinity().filter(none, pod, cluster_, first).ok()) return false;
  const Resources& cap = pool.capacity;
  if (pod.requests.gpu_milli > 0 && cap.gpus == 0) return false;
  return pod.requests.fits_in(cap);
}

int ClusterAutoscaler::nodes_needed(std::size_t p, const std::vector<const PodGroupSpec*>& pods,
                                    std::int64_t* waste) const {
  const Resources cap = cluster_.pool(p).capacity;
  std::vector<Resources> nodes;  // requested on each new node
  auto fits = [&](const Resources& used, const Resources& r) {
    Resources after = used + r;
    // Shares count as whole devices here: a conservative estimate, as the real estimator's.
    after.gpus += (r.gpu_milli + 999) / 1000;
    return after.cpu_milli <= cap.cpu_milli && after.memory_bytes <= cap.memory_bytes && after.gpus <= cap.gpus;
  };
  for (const PodGroupSpec* pod : pods) {
    Resources r = pod->requests;
    bool placed = false;
    for (Resources& n : nodes) {
      if (fits(n, r)) {
        n += r;
        n.gpus += (r.gpu_milli + 999) / 1000;
        n.gpu_milli = 0;
        placed = true;
        break;
      }
    }
    if (!placed) {
      Resources n = r;
      n.gpus += (r.gpu_milli + 999) / 1000;
      n.gpu_milli = 0;
      nodes.push_back(n);
    }
  }
  const int added = static_cast<int>(nodes.size());
  if (waste != nullptr) {
    // Idle share of the new nodes, in per-mille of each resource, summed (least-waste expander).
    std::int64_t w = 0;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      w += 1000 - nodes[i].cpu_milli * 1000 / std::max<std::int64_t>(1, cap.cpu_milli);
      w += 1000 - nodes[i].memory_bytes * 1000 / std::max<std::int64_t>(1, cap.memory_bytes);
      if (cap.gpus > 0) w += 1000 - nodes[i].gpus * 1000 / cap.gpus;
    }
    *waste = w;
  }
  return std::max(0, added);
}

void ClusterAutoscaler::scale_up() {
  // Pods the scheduler tried and could not place, in submission order (live_jobs is unordered).
  std::vector<std::uint64_t> seqs;
  for (const auto& [seq, job] : cp_.live_jobs()) {
    if (!job.started() && !job.gated && job.reported_unschedulable) seqs.push_back(seq);
  }
  if (seqs.empty()) return;
  std::sort(seqs.begin(), seqs.end());
  struct Option {
    std::size_t pool;
    int nodes;
    std::int64_t waste;
  };
  // Pods that fit the free room of existing nodes will be placed by the scheduler (e.g. on a node
  // that has just joined): leave them out, placing them first-fit on a copy of the free room, as
  // upstream's filterOutSchedulable does.
  std::vector<NodeIndex> existing;
  std::vector<Resources> room;
  for (NodeIndex n = 0; n < cluster_.node_count(); ++n) {
    // Nodes being provisioned count as empty nodes already there (upstream's upcoming nodes).
    if (!cluster_.exists(n) && !provisioning_[n]) continue;
    existing.push_back(n);
    room.push_back(cluster_.exists(n) ? cluster_.free(n) : cluster_.allocatable(n));
  }
  const CycleState none;
  auto fits_existing = [&](const PodGroupSpec& pod) {
    for (std::size_t i = 0; i < existing.size(); ++i) {
      if (!pod.requests.fits_in(room[i])) continue;
      if (pod.requests.gpu_milli > 0 && room[i].gpus == 0 &&
          (!cluster_.exists(existing[i]) || !cluster_.gpus_fit(existing[i], pod.requests))) {
        continue;
      }
      if (!TaintToleration().filter(none, pod, cluster_, existing[i]).ok()) continue;
      if (!NodeAffinity().filter(none, pod, cluster_, existing[i]).ok()) continue;
      room[i] -= pod.requests;
      room[i].gpus -= (pod.requests.gpu_milli + 999) / 1000;
      return true;
    }
    return false;
  };
  std::vector<std::vector<const PodGroupSpec*>> pods_for(cluster_.pool_count());
  for (std::uint64_t seq : seqs) {
    const JobState& job = cp_.live_jobs().at(seq);
    for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
      if (job.pod_nodes[pod] != kUnbound) continue;
      if (fits_existing(job.group_of(pod))) continue;
      for (std::size_t p = 0; p < cluster_.pool_count(); ++p) {
        if (template_fits(p, job.group_of(pod))) pods_for[p].push_back(&job.group_of(pod));
      }
    }
  }
  std::vector<Option> options;
  for (std::size_t p = 0; p < cluster_.pool_count(); ++p) {
    if (pods_for[p].empty()) continue;
    const auto& auto_cfg = *cluster_.pool(p).autoscaling;
    // Bin-pack largest first, as the estimator does.
    std::stable_sort(pods_for[p].begin(), pods_for[p].end(), [](const PodGroupSpec* a, const PodGroupSpec* b) {
      return a->requests.total_gpu_milli() != b->requests.total_gpu_milli()
                 ? a->requests.total_gpu_milli() > b->requests.total_gpu_milli()
                 : a->requests.cpu_milli > b->requests.cpu_milli;
    });
    std::int64_t waste = 0;
    int need = nodes_needed(p, pods_for[p], &waste);
    need = std::min(need, auto_cfg.max_count - existing_in_pool(p) - upcoming_[p]);
    if (need > 0) options.push_back({p, need, waste});
  }
  if (options.empty()) return;
  const Option* chosen = &options.front();
  if (config_.expander == Expander::Random) {
    chosen = &options[random_.below(options.size())];
  } else {
    for (const Option& o : options) {
      if (o.waste < chosen->waste) chosen = &o;
    }
  }
  const std::size_t p = chosen->pool;
  const double ready_at = engine_.now() + config_.provisioning_delay;
  int started = 0;
  const NodeIndex first = cluster_.first_node_of_pool(p);
  for (int i = 0; i < cluster_.pool(p).count && started < chosen->nodes; ++i) {
    const NodeIndex n = first + static_cast<NodeIndex>(i);
    if (cluster_.exists(n) || provisioning_[n]) continue;
    provisioning_[n] = 1;
    ++started;
    engine_.schedule_at(ready_at, [this, n, p] {
      provisioning_[n] = 0;
      --upcoming_[p];
      cluster_.set_exists(n, true);
      unneeded_since_[n] = engine_.now();  // empty until the scheduler uses it
      node_added.emit(n);
      cp_.on_nodes_changed();
    });
  }
  upcoming_[p] += started;
  last_scale_up_ = engine_.now();
  scaled_up.emit(p, started, ready_at);
}

void ClusterAutoscaler::scale_down() {
  const double now = engine_.now();
  bool removed = false;
  for (std::size_t p = 0; p < cluster_.pool_count(); ++p) {
    const NodePoolSpec& pool = cluster_.pool(p);
    if (!pool.autoscaling) continue;
    const NodeIndex first = cluster_.first_node_of_pool(p);
    int existing = existing_in_pool(p);
    // Highest-numbered nodes first, so that the pool shrinks from its end.
    for (int i = pool.count - 1; i >= 0; --i) {
      const NodeIndex n = first + static_cast<NodeIndex>(i);
      if (!cluster_.exists(n)) continue;
      const bool empty = cluster_.requested(n) == Resources{};
      if (!empty) {
        unneeded_since_[n] = -1;
        continue;
      }
      if (unneeded_since_[n] < 0) unneeded_since_[n] = now;
      if (existing <= pool.autoscaling->min_count) continue;
      if (now - unneeded_since_[n] < config_.scale_down_unneeded_time) continue;
      if (now - last_scale_up_ < config_.scale_down_delay_after_add) continue;
      cluster_.set_exists(n, false);
      unneeded_since_[n] = -1;
      --existing;
      removed = true;
      node_removed.emit(n);
    }
  }
  if (removed) cp_.on_nodes_changed();
}

}  // namespace kubetwin::models
