#include "models/scheduling/scheduler.hpp"

#include <algorithm>
#include <map>

namespace kubetwin::models {

Scheduler::Scheduler(const SchedulerConfig& config, sim::RandomStream& tie_breaker)
    : config_(config), ties_(tie_breaker), plugins_(config_), filters_(plugins_.filters()) {}

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

void Scheduler::evaluate_pool_filters(const PodGroupSpec& pod, const Cluster& cluster) {
  node_filters_.clear();
  pool_verdict_.assign(cluster.pool_count(), Status::success());
  for (const FilterPlugin* f : filters_) {
    if (!f->pool_constant(pod)) {
      node_filters_.push_back(f);
      continue;
    }
    for (std::size_t p = 0; p < cluster.pool_count(); ++p) {
      if (!pool_verdict_[p].ok()) continue;  // an earlier filter already rejected the pool
      ++filter_calls_;
      pool_verdict_[p] = f->filter(pod, cluster, cluster.first_node_of_pool(p));
    }
  }
}

Status Scheduler::run_node_filters(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) {
  for (const FilterPlugin* f : node_filters_) {
    ++filter_calls_;
    Status s = f->filter(pod, cluster, node);
    if (!s.ok()) return s;
  }
  return Status::success();
}

bool Scheduler::fits(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) {
  for (const FilterPlugin* f : filters_) {
    if (!f->passes(pod, cluster, node)) return false;
  }
  return true;
}

std::string Scheduler::explain(const PodGroupSpec& pod, const Cluster& cluster, const RejectionObserver& on_rejection) {
  const std::size_t n = cluster.node_count();
  evaluate_pool_filters(pod, cluster);
  std::vector<std::pair<std::string, std::size_t>> reasons;  // few distinct ones: a flat list
  std::size_t feasible = 0;
  for (NodeIndex node = 0; node < n; ++node) {
    const Status& pool_status = pool_verdict_[cluster.pool_of(node)];
    Status node_status = pool_status.ok() ? run_node_filters(pod, cluster, node) : Status::success();
    const Status& s = pool_status.ok() ? node_status : pool_status;
    if (s.ok()) {
      ++feasible;
      continue;
    }
    if (on_rejection) on_rejection(node, s);
    s.for_each_reason([&](std::string_view reason) {
      auto it = std::find_if(reasons.begin(), reasons.end(), [&](const auto& r) { return r.first == reason; });
      if (it == reasons.end()) {
        reasons.emplace_back(std::string(reason), 0);
        it = reasons.end() - 1;
      }
      ++it->second;
    });
  }
  std::vector<std::string> parts;
  for (const auto& [reason, count] : reasons) parts.push_back(std::to_string(count) + " " + reason);
  std::sort(parts.begin(), parts.end());  // upstream sorts the "count reason" strings
  std::string msg = std::to_string(feasible) + "/" + std::to_string(n) + " nodes are available";
  for (std::size_t i = 0; i < parts.size(); ++i) msg += (i ? ", " : ": ") + parts[i];
  return msg + ".";
}

std::optional<NodeIndex> Scheduler::find_node(const PodGroupSpec& pod, const Cluster& cluster) {
  const std::size_t n = cluster.node_count();
  if (n == 0) return std::nullopt;
  // Exact shortcut: when no node has enough free GPUs, NodeResourcesFit rejects them all.
  if (pod.requests.gpus > cluster.max_free_gpus_on_a_node()) return std::nullopt;

  evaluate_pool_filters(pod, cluster);
  const std::size_t want = feasible_nodes_to_find(config_.percentage_of_nodes_to_score, n);
  feasible_.clear();
  std::size_t processed = 0;
  for (; processed < n && feasible_.size() < want; ++processed) {
    const auto node = static_cast<NodeIndex>((next_start_node_ + processed) % n);
    if (!pool_verdict_[cluster.pool_of(node)].ok()) continue;
    bool feasible = true;
    for (const FilterPlugin* f : node_filters_) {
      ++filter_calls_;
      if (!f->passes(pod, cluster, node)) {
        feasible = false;
        break;
      }
    }
    if (feasible) feasible_.push_back(node);
  }
  next_start_node_ = (next_start_node_ + processed) % n;
  if (feasible_.empty()) return std::nullopt;
  if (feasible_.size() == 1) return feasible_.front();
  // Score: each plugin scores every feasible node, normalizes, and adds with its weight.
  total_scores_.assign(feasible_.size(), 0);
  for (const auto& [plugin, weight] : plugins_.scorers()) {
    plugin_scores_.resize(feasible_.size());
    for (std::size_t i = 0; i < feasible_.size(); ++i) plugin_scores_[i] = plugin->score(pod, cluster, feasible_[i]);
    plugin->normalize(plugin_scores_);
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

}  // namespace kubetwin::models
