#pragma once
// Quota of cohorts and ClusterQueues as one tree, with Kueue's accounting
// (pkg/cache/scheduler/resource_node.go): each node's subtree quota is its own nominal quota plus
// what its children lend; a child keeps `subtree - lendingLimit` for itself and the rest lives in
// the parent; usage beyond what a node keeps is also counted in its parent. Amounts are per
// flavor-resource (fr = flavor * kQuotaResources + resource), in flat arrays.

#include <cstdint>
#include <optional>
#include <vector>

#include "models/queueing/queueing_config.hpp"

namespace kubetwin::models::queueing {

class QuotaTree {
 public:
  QuotaTree(std::size_t nodes, std::size_t flavor_resources);

  void set_parent(int node, int parent) { parent_[static_cast<std::size_t>(node)] = parent; }
  void set_quota(int node, int fr, const ResourceQuota& quota);
  void set_weight(int node, double weight) { weight_[static_cast<std::size_t>(node)] = weight; }
  /// Computes subtree quotas; call once after the last set_quota / set_parent.
  void finalize();

  int parent(int node) const { return parent_[static_cast<std::size_t>(node)]; }
  int root(int node) const;
  Amount usage(int node, int fr) const { return usage_[at(node, fr)]; }
  Amount subtree_quota(int node, int fr) const { return subtree_[at(node, fr)]; }
  Amount nominal(int node, int fr) const { return nominal_[at(node, fr)]; }
  std::size_t flavor_resources() const { return frs_; }

  /// What the node may still take of `fr`: its own unlent quota plus what its parent can give,
  /// within its borrowingLimit.
  Amount available(int node, int fr) const;
  /// available() on an empty cluster: the most the node could ever hold.
  Amount potential_available(int node, int fr) const;
  /// Uses more than its subtree quota (nominal quota for a ClusterQueue).
  bool borrowing(int node, int fr) const { return usage(node, fr) > subtree_quota(node, fr); }

  void add_usage(int node, int fr, Amount amount);
  void remove_usage(int node, int fr, Amount amount);

  /// Kueue's dominant resource share of `node` in its parent, weighted: the largest, over
  /// resources, of what it borrows over what its parent could lend (x1000), divided by its fair
  /// sharing weight; 0 when it borrows nothing or has no parent. A zero weight that borrows
  /// compares above every other share.
  double dominant_resource_share(int node) const;

 private:
  std::size_t at(int node, int fr) const { return static_cast<std::size_t>(node) * frs_ + static_cast<std::size_t>(fr); }
  Amount local_quota(int node, int fr) const;
  Amount local_available(int node, int fr) const;

  std::size_t nodes_, frs_;
  std::vector<int> parent_;
  std::vector<double> weight_;
  std::vector<Amount> nominal_, borrowing_limit_, lending_limit_, subtree_, usage_;  // [node * frs + fr]
};

inline constexpr Amount kNoLimit = -1;

}  // namespace kubetwin::models::queueing
