#include "models/metrics/distribution.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kubetwin::models {
namespace {

Distribution of(const std::vector<double>& values) {
  Distribution d;
  for (double v : values) d.add(v);
  return d;
}

TEST(Distribution, EmptyHasNoSummary) {
  const Distribution d;
  EXPECT_EQ(d.count(), 0u);
  EXPECT_FALSE(d.summarize().has_value());
}

TEST(Distribution, CountsEveryValueAdded) { EXPECT_EQ(of({3, 3, 3}).count(), 3u); }

TEST(Distribution, InterpolatesPercentilesLinearlyBetweenClosestRanks) {
  // Rank position of quantile q over n sorted values is q * (n - 1); between two ranks the value
  // is interpolated linearly (numpy's default "linear" method).
  struct Case {
    const char* what;
    std::vector<double> values;
    DistributionSummary expected;
  };
  const std::vector<Case> table{
      {"one value is every percentile", {42}, {42, 42, 42, 42}},
      {"two values", {10, 20}, {15, 15, 19, 19.9}},
      {"one to ten", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {5.5, 5.5, 9.1, 9.91}},
      {"0..100 lands exactly on ranks", {}, {50, 50, 90, 99}},
      {"skewed sample", {1, 1, 1, 1, 100}, {20.8, 1, 60.4, 96.04}},
      {"equal values", {7, 7, 7, 7}, {7, 7, 7, 7}},
      {"negative values", {-3, -1}, {-2, -2, -1.2, -1.02}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    std::vector<double> values = c.values;
    if (values.empty()) {
      for (int i = 0; i <= 100; ++i) values.push_back(i);
    }
    const auto s = of(values).summarize();
    ASSERT_TRUE(s.has_value());
    EXPECT_NEAR(s->mean, c.expected.mean, 1e-9);
    EXPECT_NEAR(s->p50, c.expected.p50, 1e-9);
    EXPECT_NEAR(s->p90, c.expected.p90, 1e-9);
    EXPECT_NEAR(s->p99, c.expected.p99, 1e-9);
  }
}

TEST(Distribution, InsertionOrderDoesNotMatter) {
  const auto sorted = of({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}).summarize();
  const auto shuffled = of({7, 3, 10, 1, 9, 2, 8, 5, 4, 6}).summarize();
  ASSERT_TRUE(sorted && shuffled);
  EXPECT_EQ(sorted->mean, shuffled->mean);
  EXPECT_EQ(sorted->p50, shuffled->p50);
  EXPECT_EQ(sorted->p90, shuffled->p90);
  EXPECT_EQ(sorted->p99, shuffled->p99);
}

TEST(Distribution, SummarizingLeavesTheSampleUnchanged) {
  Distribution d = of({5, 1, 3});
  const auto first = d.summarize();
  d.add(100);
  const auto second = d.summarize();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(d.count(), 4u);
  EXPECT_DOUBLE_EQ(first->p50, 3);
  EXPECT_DOUBLE_EQ(second->p50, 4);  // {1, 3, 5, 100}: halfway between 3 and 5
  EXPECT_DOUBLE_EQ(second->mean, 27.25);
}

}  // namespace
}  // namespace kubetwin::models
