#include "models/scheduling/scheduler.hpp"

#include <algorithm>

#include "models/scheduling/plugins.hpp"

namespace kubetwin::models {

Scheduler::Scheduler(const ProfileConfig& profile, sim::RandomStream& random, const PluginRegistry& registry)
    : profile_(profile), ties_(random), plugins_(profile_, random, registry) {}

std::size_t Scheduler::feasible_nodes_to_find(int percentage, std::size_t all_nodes) {
  constexpr std::size_t kMinFeasibleNodesToFind = 100;
  constexpr int kMinFeasibleNodesPercentageToFind = 5;
  if (all_nodes < kMinFeasibleNodesToFind || percentage >= 100) return all_nodes;
  int adaptive = percentage;
  if (adaptive <= 0) {
    adaptive = 50 - static_cast<int>(all_nodes / 125);
    adaptive = std::max(adaptive, kMinFeasibleNodesPercentageToFind);
  }
  const std::size_t n = all_nodes * static_cast<std::size_t>(adaptive) / 100;
  return std::max(n, kMinFeasibleNodesToFind);
}

Status Scheduler::pre_enqueue(const JobSpec& job) const {
  for (const PreEnqueuePlugin* p : plugins_.pre_enqueue()) {
    Status s = p->pre_enqueue(job);
    if (!s.ok()) return s;
  }
  return Status::success();
}

bool Scheduler::run_pre_filter(const PodGroupSpec& pod, const ClusterSnapshot& snapshot) {
  state_.clear();
  prefilter_status_ = Status::success();
  active_filters_ = plugins_.filters();
  for (const PreFilterPlugin* p : plugins_.pre_filter()) {
    Status s = p->pre_filter(state_, pod, snapshot);
    if (s.is_skip()) {  // that plugin's Filter has nothing to check for this pod
      std::erase_if(active_filters_, [&](const FilterPlugin* f) { return f->name() == p->name(); });
    } else if (!s.ok()) {
      prefilter_status_ = std::move(s);
      return false;
    }
  }
  return true;
}

void Scheduler::evaluate_pool_filters(const PodGroupSpec& pod, const ClusterSnapshot& snapshot) {
  const Cluster& cluster = snapshot.cluster();
  node_filters_.clear();
  pool_verdict_.assign(cluster.pool_count(), Status::success());
  for (const FilterPlugin* f : active_filters_) {
    if (!f->pool_constant(pod) || (f->reads_node_taints() && cluster.has_node_taints())) {
      node_filters_.push_back(f);
      continue;
    }
    for (std::size_t p = 0; p < cluster.pool_count(); ++p) {
      if (!pool_verdict_[p].ok()) continue;  // an earlier filter already rejected the pool
      ++filter_calls_;
      pool_verdict_[p] = f->filter(state_, pod, snapshot, cluster.first_node_of_pool(p));
    }
  }
}

Status Scheduler::run_node_filters(const PodGroupSpec& pod, const ClusterSnapshot& snapshot, NodeIndex node) {
  for (const FilterPlugin* f : node_filters_) {
    ++filter_calls_;
    Status s = f->filter(state_, pod, snapshot, node);
    if (!s.ok()) return s;
  }
  return Status::success();
}

bool Scheduler::fits(const PodGroupSpec& pod, const ClusterSnapshot& snapshot, NodeIndex node) {
  for (const FilterPlugin* f : active_filters_) {
    if (!f->passes(state_, pod, snapshot, node)) return false;
  }
  return true;
}

bool Scheduler::filters_resources() const {
  return std::any_of(active_filters_.begin(), active_filters_.end(),
                     [](const FilterPlugin* f) { return f->name() == NodeResourcesFit::kName; });
}

std::string Scheduler::explain(const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                               const RejectionObserver& on_rejection) {
  const std::size_t n = snapshot.node_count();
  const std::size_t existing = snapshot.cluster().existing_nodes();
  std::vector<std::pair<std::string, std::size_t>> reasons;  // few distinct ones: a flat list
  auto count = [&](const Status& s) {
    s.for_each_reason([&](std::string_view reason) {
      auto it = std::find_if(reasons.begin(), reasons.end(), [&](const auto& r) { return r.first == reason; });
      if (it == reasons.end()) {
        reasons.emplace_back(std::string(reason), 0);
        it = reasons.end() - 1;
      }
      ++it->second;
    });
  };
  std::size_t feasible = 0;
  if (!run_pre_filter(pod, snapshot)) {
    // Upstream reports a PreFilter rejection once for all nodes.
    for (NodeIndex node = 0; node < n; ++node) {
      if (!snapshot.cluster().exists(node)) continue;
      if (on_rejection) on_rejection(node, prefilter_status_);
      count(prefilter_status_);
    }
  } else {
    evaluate_pool_filters(pod, snapshot);
    for (NodeIndex node = 0; node < n; ++node) {
      if (!snapshot.cluster().exists(node)) continue;
      const Status& pool_status = pool_verdict_[snapshot.cluster().pool_of(node)];
      Status node_status = pool_status.ok() ? run_node_filters(pod, snapshot, node) : Status::success();
      const Status& s = pool_status.ok() ? node_status : pool_status;
      if (s.ok()) {
        ++feasible;
        continue;
      }
      if (on_rejection) on_rejection(node, s);
      count(s);
    }
  }
  std::vector<std::string> parts;
  for (const auto& [reason, k] : reasons) parts.push_back(std::to_string(k) + " " + reason);
  std::sort(parts.begin(), parts.end());  // upstream sorts the "count reason" strings
  std::string msg = std::to_string(feasible) + "/" + std::to_string(existing) + " nodes are available";
  for (std::size_t i = 0; i < parts.size(); ++i) msg += (i ? ", " : ": ") + parts[i];
  return msg + ".";
}

std::optional<NodeIndex> Scheduler::find_node(const PodGroupSpec& pod, const ClusterSnapshot& snapshot) {
  const Cluster& cluster = snapshot.cluster();
  const std::size_t n = cluster.node_count();
  last_cycle_ = {};
  if (n == 0) return std::nullopt;
  if (!run_pre_filter(pod, snapshot)) return std::nullopt;
  for (const FilterPlugin* f : active_filters_) last_cycle_.filter_seconds_per_node += f->simulated_filter_seconds_per_node();
  // Exact shortcut: when no node has enough free GPUs, NodeResourcesFit rejects them all.
  if (pod.requests.gpus > cluster.max_free_gpus_on_a_node() && filters_resources()) {
    last_cycle_.filtered = cluster.existing_nodes();  // upstream would have filtered them all
    return std::nullopt;
  }

  evaluate_pool_filters(pod, snapshot);
  const std::size_t want = feasible_nodes_to_find(profile_.percentage_of_nodes_to_score, cluster.existing_nodes());
  feasible_.clear();
  std::size_t processed = 0;
  std::size_t index = next_start_node_ % n;  // the cluster may have shrunk since the last cycle
  for (; processed < n && feasible_.size() < want; ++processed, index = index + 1 == n ? 0 : index + 1) {
    const auto node = static_cast<NodeIndex>(index);
    if (!cluster.exists(node)) continue;
    ++last_cycle_.filtered;
    if (!pool_verdict_[cluster.pool_of(node)].ok()) continue;
    bool feasible = true;
    for (const FilterPlugin* f : node_filters_) {
      ++filter_calls_;
      if (!f->passes(state_, pod, snapshot, node)) {
        feasible = false;
        break;
      }
    }
    if (feasible) feasible_.push_back(node);
  }
  next_start_node_ = index;
  if (feasible_.empty()) return std::nullopt;
  // PreScore, then Score: each plugin scores every feasible node, normalizes, adds with its weight.
  // Upstream skips both for a single feasible node; kubetwin still runs PreScore then, because
  // plugins may record there which devices the pod gets (PreferredDevices).
  skipped_scorers_.clear();
  for (const PreScorePlugin* p : plugins_.pre_score()) {
    Status s = p->pre_score(state_, pod, snapshot, feasible_);
    if (s.is_skip()) {
      for (const auto& [scorer, weight] : plugins_.scorers()) {
        if (scorer->name() == p->name()) skipped_scorers_.push_back(scorer);
      }
    }
  }
  if (feasible_.size() == 1) return feasible_.front();
  last_cycle_.scored = feasible_.size();
  total_scores_.assign(feasible_.size(), 0);
  for (const auto& [plugin, weight] : plugins_.scorers()) {
    if (!skipped_scorers_.empty() &&
        std::find(skipped_scorers_.begin(), skipped_scorers_.end(), plugin) != skipped_scorers_.end()) {
      continue;
    }
    plugin_scores_.resize(feasible_.size());
    for (std::size_t i = 0; i < feasible_.size(); ++i) plugin_scores_[i] = plugin->score(state_, pod, snapshot, feasible_[i]);
    plugin->normalize(state_, plugin_scores_);
    for (std::size_t i = 0; i < feasible_.size(); ++i) total_scores_[i] += weight * plugin_scores_[i];
  }
  // selectHost: the highest total score; ties broken uniformly at random. One draw picks among
  // all tied nodes (the same distribution as upstream's reservoir sampling, one random number).
  const std::int64_t best = *std::max_element(total_scores_.begin(), total_scores_.end());
  const auto ties = static_cast<std::uint64_t>(std::count(total_scores_.begin(), total_scores_.end(), best));
  std::uint64_t pick = ties > 1 ? ties_.below(ties) : 0;
  NodeIndex chosen = feasible_.front();
  for (std::size_t i = 0; i < feasible_.size(); ++i) {
    if (total_scores_[i] == best && pick-- == 0) {
      chosen = feasible_[i];
      break;
    }
  }
  return chosen;
}

Status Scheduler::post_filter(const PodInfo& pod, FrameworkHandle& handle) {
  Status last = Status::unschedulable("PostFilter", "no postFilter plugin could help");
  for (const PostFilterPlugin* p : plugins_.post_filter()) {
    Status s = p->post_filter(pod, *this, handle);
    if (s.ok()) return s;
    last = std::move(s);
  }
  return last;
}

Status Scheduler::reserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) {
  const auto& list = plugins_.reserve();
  for (std::size_t i = 0; i < list.size(); ++i) {
    Status s = list[i]->reserve(state_, pod, node, handle);
    if (!s.ok()) {
      for (std::size_t k = i + 1; k-- > 0;) list[k]->unreserve(pod, node, handle);
      return s;
    }
  }
  return Status::success();
}

void Scheduler::unreserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) {
  const auto& list = plugins_.reserve();
  for (std::size_t k = list.size(); k-- > 0;) list[k]->unreserve(pod, node, handle);
}

PermitResult Scheduler::permit(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) {
  PermitResult result;
  for (const PermitPlugin* p : plugins_.permit()) {
    PermitResult r = p->permit(state_, pod, node, handle);
    if (r.status.rejected()) return r;
    if (r.status.is_wait() && (!result.status.is_wait() || r.timeout < result.timeout)) result = std::move(r);
  }
  return result;
}

Status Scheduler::bind(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) {
  for (const PreBindPlugin* p : plugins_.pre_bind()) {
    Status s = p->pre_bind(pod, node, handle);
    if (!s.ok()) return s;
  }
  Status bound = Status::unresolvable("Bind", "no bind plugin bound the pod");
  for (const BindPlugin* p : plugins_.bind()) {
    Status s = p->bind(pod, node, handle);
    if (s.is_skip()) continue;
    bound = std::move(s);
    break;
  }
  if (!bound.ok()) return bound;
  for (const PostBindPlugin* p : plugins_.post_bind()) p->post_bind(pod, node, handle);
  return bound;
}

}  // namespace kubetwin::models
