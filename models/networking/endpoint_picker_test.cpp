#include "models/networking/endpoint_picker.hpp"

#include <gtest/gtest.h>

namespace kubetwin::models::networking {
namespace {

ServingRequest prompt(std::uint64_t prefix, int prefix_tokens, int input = 1024) {
  ServingRequest r;
  r.input_tokens = input;
  r.output_tokens = 16;
  r.prefix = prefix;
  r.prefix_tokens = prefix_tokens;
  return r;
}

TEST(EndpointPicker, QueueScorerPrefersTheShortestQueue) {
  sim::RandomStream rng(1);
  EndpointPicker p({"epp"}, rng);
  const std::vector<EndpointMetrics> c{{1, 6, 4, 0.5}, {2, 0, 4, 0.5}, {3, 3, 4, 0.5}};
  const auto s = p.score(c, prompt(0, 0));
  EXPECT_DOUBLE_EQ(s[0].queue, 0.0);
  EXPECT_DOUBLE_EQ(s[1].queue, 1.0);
  EXPECT_DOUBLE_EQ(s[2].queue, 0.5);
  EXPECT_EQ(p.pick(c, prompt(0, 0)), 1u);
}

TEST(EndpointPicker, KvCacheScorerPrefersTheEmptierCacheWhenQueuesAreEqual) {
  sim::RandomStream rng(1);
  EndpointPicker p({"epp"}, rng);
  const std::vector<EndpointMetrics> c{{1, 2, 4, 0.9}, {2, 2, 4, 0.2}};
  const auto s = p.score(c, prompt(0, 0));
  EXPECT_DOUBLE_EQ(s[0].queue, 1.0);  // equal queues score 1 each
  EXPECT_NEAR(s[1].kv_cache, 0.8, 1e-12);
  EXPECT_EQ(p.pick(c, prompt(0, 0)), 1u);
}

TEST(EndpointPicker, PrefixScorerSendsASharedPrefixBackWhereItWent) {
  sim::RandomStream rng(3);
  EndpointPicker p({"epp"}, rng);
  const std::vector<EndpointMetrics> idle{{1, 0, 0, 0.0}, {2, 0, 0, 0.0}, {3, 0, 0, 0.0}};
  const std::size_t first = p.pick(idle, prompt(7, 768));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p.pick(idle, prompt(7, 768)), first);
  const auto s = p.score(idle, prompt(7, 768));
  EXPECT_DOUBLE_EQ(s[first].prefix, 12.0 / 16);  // 768 of 1024 tokens, in blocks of 64
  // A slightly longer queue does not outweigh the prefix (2 x 1 < 3 x 0.75), a much fuller cache
  // does.
  std::vector<EndpointMetrics> busy = idle;
  busy[first].waiting = 2;
  EXPECT_EQ(p.pick(busy, prompt(7, 768)), first);
  busy[first].kv_utilization = 0.95;
  EXPECT_NE(p.pick(busy, prompt(7, 768)), first);
  // A prefix never seen scores 0 everywhere.
  EXPECT_DOUBLE_EQ(p.score(idle, prompt(8, 768))[first].prefix, 0.0);
  p.forget(idle[first].endpoint);
  EXPECT_DOUBLE_EQ(p.score(idle, prompt(7, 768))[first].prefix, 0.0);
}

TEST(EndpointPicker, PrefixIndexEvictsTheLeastRecentlyUsedBeyondItsCapacity) {
  sim::RandomStream rng(1);
  EndpointPickerSpec spec{"epp"};
  spec.prefix_lru_blocks_per_server = 20;  // two prefixes of 10 blocks
  EndpointPicker p(spec, rng);
  const std::vector<EndpointMetrics> one{{1, 0, 0, 0.0}};
  p.pick(one, prompt(1, 640));
  p.pick(one, prompt(2, 640));
  p.pick(one, prompt(3, 640));
  EXPECT_DOUBLE_EQ(p.score(one, prompt(1, 640))[0].prefix, 0.0);
  EXPECT_GT(p.score(one, prompt(3, 640))[0].prefix, 0.0);
}

TEST(EndpointPicker, RoundRobinCyclesWhateverTheMetrics) {
  sim::RandomStream rng(1);
  EndpointPickerSpec spec{"rr"};
  spec.picker = PickerType::RoundRobin;
  EndpointPicker p(spec, rng);
  const std::vector<EndpointMetrics> c{{1, 50, 4, 0.99}, {2, 0, 0, 0.0}, {3, 0, 0, 0.0}};
  EXPECT_EQ(p.pick(c, prompt(1, 512)), 0u);
  EXPECT_EQ(p.pick(c, prompt(1, 512)), 1u);
  EXPECT_EQ(p.pick(c, prompt(1, 512)), 2u);
  EXPECT_EQ(p.pick(c, prompt(1, 512)), 0u);
}

TEST(EndpointPicker, TiesAreBrokenByTheSeededStream) {
  auto picks = [](std::uint64_t seed) {
    sim::RandomStream rng(seed);
    EndpointPicker p({"epp"}, rng);
    const std::vector<EndpointMetrics> c{
        {1, 0, 0, 0.0}, {2, 0, 0, 0.0}, {3, 0, 0, 0.0}, {4, 0, 0, 0.0}};
    std::vector<std::size_t> out;
    for (int i = 0; i < 40; ++i) out.push_back(p.pick(c, prompt(0, 0)));
    return out;
  };
  EXPECT_EQ(picks(5), picks(5));
  const auto v = picks(5);
  EXPECT_GT(std::count(v.begin(), v.end(), 0u), 0);
  EXPECT_GT(std::count(v.begin(), v.end(), 3u), 0);
}

}  // namespace
}  // namespace kubetwin::models::networking
