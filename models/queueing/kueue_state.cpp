#include "models/queueing/kueue_state.hpp"

namespace kubetwin::models::queueing {

namespace {

void set_group_quotas(QuotaTree& tree, int node, const std::vector<ResourceGroup>& groups) {
  for (const ResourceGroup& g : groups) {
    for (const FlavorQuotas& fq : g.flavors) {
      for (int r : g.covered) {
        if (const auto& q = fq.resources[static_cast<std::size_t>(r)]) tree.set_quota(node, KueueState::fr(fq.flavor, r), *q);
      }
    }
  }
}

}  // namespace

KueueState::KueueState(QueueingConfig cfg)
    : config(std::move(cfg)),
      tree(config.cohorts.size() + config.cluster_queues.size(), config.flavors.size() * kQuotaResources) {
  // Tree nodes: cohorts first, then ClusterQueues.
  const int cohorts = static_cast<int>(config.cohorts.size());
  for (int c = 0; c < cohorts; ++c) {
    const CohortSpec& spec = config.cohorts[static_cast<std::size_t>(c)];
    tree.set_parent(c, spec.parent);
    tree.set_weight(c, spec.fair_weight);
    set_group_quotas(tree, c, spec.resource_groups);
  }
  cq_of_node.assign(config.cohorts.size() + config.cluster_queues.size(), -1);
  cqs.resize(config.cluster_queues.size());
  for (std::size_t q = 0; q < config.cluster_queues.size(); ++q) {
    const ClusterQueueSpec& spec = config.cluster_queues[q];
    const int node = cohorts + static_cast<int>(q);
    cqs[q].node = node;
    cq_of_node[static_cast<std::size_t>(node)] = static_cast<int>(q);
    tree.set_parent(node, spec.cohort);
    tree.set_weight(node, spec.fair_weight);
    set_group_quotas(tree, node, spec.resource_groups);
  }
  tree.finalize();
  cqs_under_root.resize(cq_of_node.size());
  root_version.assign(cq_of_node.size(), 0);
  root_changed_cycle.assign(cq_of_node.size(), 0);
  for (std::size_t q = 0; q < cqs.size(); ++q) {
    cqs[q].root = tree.root(cqs[q].node);
    cqs_under_root[static_cast<std::size_t>(cqs[q].root)].push_back(static_cast<int>(q));
  }
  for (const LocalQueueSpec& lq : config.local_queues) local_queues.emplace(lq.name, lq.cluster_queue);
}

void KueueState::add_usage(int cq, const FrUsage& usage) {
  for (const auto& [fr, amount] : usage) tree.add_usage(cqs[static_cast<std::size_t>(cq)].node, fr, amount);
}

void KueueState::remove_usage(int cq, const FrUsage& usage) {
  for (const auto& [fr, amount] : usage) tree.remove_usage(cqs[static_cast<std::size_t>(cq)].node, fr, amount);
}

bool KueueState::fits(int cq, const FrUsage& usage, bool allow_borrowing) const {
  const int node = cqs[static_cast<std::size_t>(cq)].node;
  for (const auto& [fr, amount] : usage) {
    if (!allow_borrowing && tree.usage(node, fr) + amount > tree.subtree_quota(node, fr)) return false;
    if (amount > tree.available(node, fr)) return false;
  }
  return true;
}

}  // namespace kubetwin::models::queueing
