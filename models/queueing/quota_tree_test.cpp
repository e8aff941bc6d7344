// The quota tree's accounting against hand-computed values (Kueue's resource_node.go rules).
#include "models/queueing/quota_tree.hpp"

#include <gtest/gtest.h>

namespace kubetwin::models::queueing {
namespace {

// Cohort 0 with ClusterQueues 1 and 2, one flavor-resource.
QuotaTree two_queues(ResourceQuota a, ResourceQuota b) {
  QuotaTree t(3, 1);
  t.set_parent(1, 0);
  t.set_parent(2, 0);
  t.set_quota(1, 0, a);
  t.set_quota(2, 0, b);
  t.finalize();
  return t;
}

TEST(QuotaTree, CohortHoldsWhatChildrenLend) {
  struct Case {
    const char* name;
    ResourceQuota a, b;
    Amount cohort_quota, a_available, a_potential;
  };
  const Case cases[] = {
      {"no limits", {10, {}, {}}, {6, {}, {}}, 16, 16, 16},
      {"borrowing limit 2", {10, 2, {}}, {6, {}, {}}, 16, 12, 12},
      {"b lends 4 of 6", {10, {}, {}}, {6, {}, 4}, 14, 14, 14},
      {"b lends nothing", {10, {}, {}}, {6, {}, 0}, 10, 10, 10},
  };
  for (const Case& c : cases) {
    QuotaTree t = two_queues(c.a, c.b);
    EXPECT_EQ(t.subtree_quota(0, 0), c.cohort_quota) << c.name;
    EXPECT_EQ(t.available(1, 0), c.a_available) << c.name;
    EXPECT_EQ(t.potential_available(1, 0), c.a_potential) << c.name;
  }
}

TEST(QuotaTree, UsageAboveWhatANodeKeepsIsCountedInTheParent) {
  QuotaTree t = two_queues({10, {}, 4}, {6, {}, {}});  // a keeps 6 for itself, lends 4
  t.add_usage(1, 0, 5);
  EXPECT_EQ(t.usage(0, 0), 0);  // within what a keeps
  t.add_usage(1, 0, 7);         // 12: 6 kept + 6 from the cohort
  EXPECT_EQ(t.usage(0, 0), 6);
  EXPECT_TRUE(t.borrowing(1, 0));
  EXPECT_EQ(t.available(2, 0), 4 + 6 - 6);  // cohort has 4 (a's lent) + 6 (b's), 6 used
  t.remove_usage(1, 0, 7);
  EXPECT_EQ(t.usage(0, 0), 0);
  EXPECT_EQ(t.usage(1, 0), 5);
}

TEST(QuotaTree, DominantResourceShareIsBorrowedOverLendableWeighted) {
  QuotaTree t = two_queues({10, {}, {}}, {10, {}, {}});
  t.set_weight(1, 2.0);
  t.add_usage(1, 0, 15);  // borrows 5 of the cohort's 20
  EXPECT_DOUBLE_EQ(t.dominant_resource_share(1), 5.0 * 1000 / 20 / 2.0);
  EXPECT_DOUBLE_EQ(t.dominant_resource_share(2), 0.0);
}

}  // namespace
}  // namespace kubetwin::models::queueing
