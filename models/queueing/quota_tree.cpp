#include "models/queueing/quota_tree.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace kubetwin::models::queueing {

QuotaTree::QuotaTree(std::size_t nodes, std::size_t flavor_resources)
    : nodes_(nodes),
      frs_(flavor_resources),
      parent_(nodes, -1),
      weight_(nodes, 1.0),
      nominal_(nodes * flavor_resources, 0),
      borrowing_limit_(nodes * flavor_resources, kNoLimit),
      lending_limit_(nodes * flavor_resources, kNoLimit),
      subtree_(nodes * flavor_resources, 0),
      usage_(nodes * flavor_resources, 0) {}

void QuotaTree::set_quota(int node, int fr, const ResourceQuota& quota) {
  nominal_[at(node, fr)] = quota.nominal;
  borrowing_limit_[at(node, fr)] = quota.borrowing_limit.value_or(kNoLimit);
  lending_limit_[at(node, fr)] = quota.lending_limit.value_or(kNoLimit);
}

int QuotaTree::root(int node) const {
  while (parent(node) >= 0) node = parent(node);
  return node;
}

void QuotaTree::finalize() {
  // Children before parents: a node's depth-first post-order is not needed, only that every
  // child is complete before it lends to its parent, so process nodes by decreasing depth.
  std::vector<int> depth(nodes_, 0);
  for (std::size_t n = 0; n < nodes_; ++n) {
    for (int p = parent_[n]; p >= 0; p = parent(p)) ++depth[n];
  }
  std::vector<int> order(nodes_);
  for (std::size_t n = 0; n < nodes_; ++n) order[n] = static_cast<int>(n);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return depth[static_cast<std::size_t>(a)] > depth[static_cast<std::size_t>(b)]; });
  std::copy(nominal_.begin(), nominal_.end(), subtree_.begin());
  for (int n : order) {
    const int p = parent(n);
    if (p < 0) continue;
    for (std::size_t fr = 0; fr < frs_; ++fr) subtree_[at(p, static_cast<int>(fr))] += subtree_[at(n, static_cast<int>(fr))] - local_quota(n, static_cast<int>(fr));
  }
}

Amount QuotaTree::local_quota(int node, int fr) const {
  // What the node keeps for itself: quota beyond its lending limit is not lent.
  const Amount lending = lending_limit_[at(node, fr)];
  if (lending == kNoLimit) return 0;
  return std::max<Amount>(0, subtree_[at(node, fr)] - lending);
}

Amount QuotaTree::local_available(int node, int fr) const {
  return std::max<Amount>(0, local_quota(node, fr) - usage(node, fr));
}

Amount QuotaTree::available(int node, int fr) const {
  const int p = parent(node);
  if (p < 0) return subtree_quota(node, fr) - usage(node, fr);
  Amount from_parent = available(p, fr);
  if (const Amount limit = borrowing_limit_[at(node, fr)]; limit != kNoLimit) {
    const Amount local = local_quota(node, fr);
    const Amount stored_in_parent = subtree_quota(node, fr) - local;
    const Amount used_in_parent = std::max<Amount>(0, usage(node, fr) - local);
    from_parent = std::min(from_parent, stored_in_parent - used_in_parent + limit);
  }
  return local_available(node, fr) + from_parent;
}

Amount QuotaTree::potential_available(int node, int fr) const {
  const int p = parent(node);
  if (p < 0) return subtree_quota(node, fr);
  Amount avail = local_quota(node, fr) + potential_available(p, fr);
  if (const Amount limit = borrowing_limit_[at(node, fr)]; limit != kNoLimit) {
    avail = std::min(avail, subtree_quota(node, fr) + limit);
  }
  return avail;
}

void QuotaTree::add_usage(int node, int fr, Amount amount) {
  const Amount local = local_available(node, fr);
  usage_[at(node, fr)] += amount;
  if (parent(node) >= 0 && amount > local) add_usage(parent(node), fr, amount - local);
}

void QuotaTree::remove_usage(int node, int fr, Amount amount) {
  const Amount stored_in_parent = usage(node, fr) - local_quota(node, fr);
  usage_[at(node, fr)] -= amount;
  assert(usage_[at(node, fr)] >= 0);
  if (stored_in_parent <= 0 || parent(node) < 0) return;
  remove_usage(parent(node), fr, std::min(amount, stored_in_parent));
}

double QuotaTree::dominant_resource_share(int node) const {
  const int p = parent(node);
  if (p < 0) return 0.0;
  std::array<Amount, kQuotaResources> borrowed{};
  bool borrows = false;
  for (std::size_t fr = 0; fr < frs_; ++fr) {
    const Amount over = usage_[at(node, static_cast<int>(fr))] - subtree_[at(node, static_cast<int>(fr))];
    if (over > 0) {
      borrowed[fr % kQuotaResources] += over;
      borrows = true;
    }
  }
  if (!borrows) return 0.0;
  // Lendable: what the parent could give at most, per resource over all flavors.
  std::array<Amount, kQuotaResources> lendable{};
  for (std::size_t fr = 0; fr < frs_; ++fr) lendable[fr % kQuotaResources] += potential_available(p, static_cast<int>(fr));
  double ratio = 0.0;
  for (int r = 0; r < kQuotaResources; ++r) {
    if (lendable[static_cast<std::size_t>(r)] > 0) {
      ratio = std::max(ratio, static_cast<double>(borrowed[static_cast<std::size_t>(r)]) * 1000.0 /
                                  static_cast<double>(lendable[static_cast<std::size_t>(r)]));
    }
  }
  const double w = weight_[static_cast<std::size_t>(node)];
  if (ratio == 0.0) return 0.0;
  if (w == 0.0) return std::numeric_limits<double>::infinity();
  return ratio / w;
}

}  // namespace kubetwin::models::queueing
