#include "models/cluster/cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace kubetwin::models {
namespace {

constexpr std::int64_t kGi = std::int64_t{1} << 30;

NodePoolSpec pool(std::string name, int count, std::int64_t gpus, std::string gpu_model = "") {
  NodePoolSpec p;
  p.name = std::move(name);
  p.count = count;
  p.capacity = {64000, 512 * kGi, gpus};
  p.gpu_model = std::move(gpu_model);
  return p;
}

Resources gpus(std::int64_t n) { return {8000 * n, 64 * kGi * n, n}; }

TEST(Cluster, NumbersNodesPoolByPoolAndNamesThemAfterTheirPool) {
  const Cluster cluster({pool("a100", 2, 8), pool("cpu", 3, 0), pool("h100", 1, 8)});

  struct Expected {
    NodeIndex node;
    std::uint32_t pool;
    std::uint32_t index_in_pool;
    std::string name;
  };
  const std::vector<Expected> table{
      {0, 0, 0, "a100-0"}, {1, 0, 1, "a100-1"}, {2, 1, 0, "cpu-0"},
      {3, 1, 1, "cpu-1"},  {4, 1, 2, "cpu-2"},  {5, 2, 0, "h100-0"},
  };
  ASSERT_EQ(cluster.node_count(), table.size());
  ASSERT_EQ(cluster.pool_count(), 3u);
  for (const auto& e : table) {
    SCOPED_TRACE("node " + std::to_string(e.node));
    EXPECT_EQ(cluster.pool_of(e.node), e.pool);
    EXPECT_EQ(cluster.index_in_pool(e.node), e.index_in_pool);
    EXPECT_EQ(cluster.node_name(e.node), e.name);
    EXPECT_EQ(cluster.allocatable(e.node), cluster.pool(e.pool).capacity);
  }
}

TEST(Cluster, PoolWithNoNodesContributesNothing) {
  const Cluster cluster({pool("empty", 0, 8), pool("h100", 2, 8)});
  ASSERT_EQ(cluster.node_count(), 2u);
  EXPECT_EQ(cluster.pool_of(0), 1u);
  EXPECT_EQ(cluster.node_name(0), "h100-0");
  EXPECT_EQ(cluster.total_gpus(), 16);
}

TEST(Cluster, TotalGpusSumsEveryNodeOfEveryPool) {
  const Cluster cluster({pool("a100", 3, 8), pool("cpu", 5, 0), pool("b200", 2, 4)});
  EXPECT_EQ(cluster.total_gpus(), 3 * 8 + 2 * 4);
  EXPECT_EQ(cluster.allocated_gpus(), 0);
}

TEST(Cluster, StartsWithNothingRequestedAndEverythingFree) {
  const Cluster cluster({pool("h100", 2, 8)});
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    EXPECT_EQ(cluster.requested(n), Resources{});
    EXPECT_EQ(cluster.free(n), cluster.allocatable(n));
  }
  EXPECT_EQ(cluster.max_free_gpus_on_a_node(), 8);
}

TEST(Cluster, AllocateAndReleaseTrackRequestedFreeAndAllocatedGpus) {
  Cluster cluster({pool("h100", 2, 8)});

  const DeviceSet first = cluster.allocate(1, gpus(3));
  const DeviceSet second = cluster.allocate(1, gpus(2));
  EXPECT_EQ(first, (DeviceSet{0, 1, 2}));  // lowest-numbered free devices
  EXPECT_EQ(second, (DeviceSet{3, 4}));
  EXPECT_EQ(cluster.requested(1), gpus(5));
  EXPECT_EQ(cluster.free(1), (Resources{64000 - 5 * 8000, (512 - 5 * 64) * kGi, 3}));
  EXPECT_EQ(cluster.requested(0), Resources{});
  EXPECT_EQ(cluster.allocated_gpus(), 5);

  cluster.release(1, gpus(3), first);
  EXPECT_EQ(cluster.requested(1), gpus(2));
  EXPECT_EQ(cluster.allocated_gpus(), 2);

  cluster.release(1, gpus(2), second);
  EXPECT_EQ(cluster.requested(1), Resources{});
  EXPECT_EQ(cluster.free(1), cluster.allocatable(1));
  EXPECT_EQ(cluster.allocated_gpus(), 0);
  EXPECT_EQ(cluster.total_gpus(), 16);  // never changes
}

TEST(Cluster, CpuOnlyAllocationsLeaveGpuCountsAlone) {
  Cluster cluster({pool("cpu", 1, 0), pool("h100", 1, 8)});
  cluster.allocate(0, {16000, 32 * kGi, 0});
  cluster.allocate(1, {16000, 32 * kGi, 0});
  EXPECT_EQ(cluster.allocated_gpus(), 0);
  EXPECT_EQ(cluster.max_free_gpus_on_a_node(), 8);
  EXPECT_EQ(cluster.free(1).cpu_milli, 48000);
}

TEST(Cluster, MaxFreeGpusOnANodeFollowsAllocationsAndReleases) {
  // Nodes: a100-0, a100-1 (8 GPUs each), small-0 (4 GPUs).
  Cluster cluster({pool("a100", 2, 8), pool("small", 1, 4)});
  struct Step {
    const char* what;
    bool allocate;
    NodeIndex node;
    std::int64_t gpus;
    std::int64_t expected_max_free;
  };
  const std::vector<Step> steps{
      {"one 8-GPU node partly used, the other still empty", true, 0, 3, 8},
      {"both 8-GPU nodes partly used", true, 1, 1, 7},
      {"largest hole shrinks", true, 1, 4, 5},
      {"8-GPU nodes: 5 and 3 free; small node 4 free", true, 0, 0, 5},
      {"first node full", true, 0, 5, 4},
      {"second node full: the small node holds the largest hole", true, 1, 3, 4},
      {"small node partly used", true, 2, 3, 1},
      {"everything full", true, 2, 1, 0},
      {"release on a full node opens a hole", false, 1, 2, 2},
      {"release everything on the first node", false, 0, 8, 8},
  };
  std::vector<DeviceSet> held(cluster.node_count());  // devices allocated on each node
  for (const auto& s : steps) {
    SCOPED_TRACE(s.what);
    DeviceSet& h = held[s.node];
    if (s.allocate) {
      const DeviceSet got = cluster.allocate(s.node, {0, 0, s.gpus});
      h.insert(h.end(), got.begin(), got.end());
    } else {
      const DeviceSet back(h.end() - s.gpus, h.end());
      h.resize(h.size() - static_cast<std::size_t>(s.gpus));
      cluster.release(s.node, {0, 0, s.gpus}, back);
    }
    EXPECT_EQ(cluster.max_free_gpus_on_a_node(), s.expected_max_free);
  }
  EXPECT_EQ(cluster.allocated_gpus(), 20 - 8 - 2);
}

TEST(Cluster, MaxFreeGpusIsZeroWithoutGpuNodes) {
  const Cluster cpu_only({pool("cpu", 4, 0)});
  EXPECT_EQ(cpu_only.max_free_gpus_on_a_node(), 0);
  EXPECT_EQ(cpu_only.total_gpus(), 0);
  const Cluster empty({});
  EXPECT_EQ(empty.node_count(), 0u);
  EXPECT_EQ(empty.max_free_gpus_on_a_node(), 0);
}

TEST(Cluster, MaxFreeGpusMatchesABruteForceScanAfterManyChanges) {
  Cluster cluster({pool("a", 5, 8), pool("b", 3, 4), pool("c", 2, 2)});
  std::vector<std::int64_t> used(cluster.node_count(), 0);
  std::vector<DeviceSet> held(cluster.node_count());
  // A fixed pseudo-random walk of allocations and releases (deterministic LCG).
  std::uint64_t x = 12345;
  for (int i = 0; i < 2000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const auto n = static_cast<NodeIndex>((x >> 33) % cluster.node_count());
    const std::int64_t cap = cluster.allocatable(n).gpus;
    if ((x >> 20) & 1) {
      if (used[n] < cap) {
        held[n].push_back(cluster.allocate(n, {0, 0, 1}).at(0));
        ++used[n];
      }
    } else if (used[n] > 0) {
      cluster.release(n, {0, 0, 1}, DeviceSet{held[n].back()});
      held[n].pop_back();
      --used[n];
    }
    std::int64_t brute = 0, allocated = 0;
    for (NodeIndex k = 0; k < cluster.node_count(); ++k) {
      brute = std::max(brute, cluster.allocatable(k).gpus - used[k]);
      allocated += used[k];
    }
    ASSERT_EQ(cluster.max_free_gpus_on_a_node(), brute) << "after step " << i;
    ASSERT_EQ(cluster.allocated_gpus(), allocated) << "after step " << i;
  }
}

}  // namespace
}  // namespace kubetwin::models

namespace kubetwin::models {
namespace {

TEST(Cluster, AddsTheWellKnownNodeLabelsToEveryPool) {
  NodePoolSpec gpu;
  gpu.name = "h100";
  gpu.count = 1;
  gpu.capacity = {1000, 1 << 30, 8};
  gpu.gpu_model = "H100-SXM-80GB";
  gpu.labels["team"] = "research";
  NodePoolSpec cpu;
  cpu.name = "cpu";
  cpu.count = 1;
  cpu.capacity = {1000, 1 << 30, 0};
  const Cluster cluster({gpu, cpu});
  EXPECT_EQ(cluster.pool(0).labels.at(kNodePoolLabel), "h100");
  EXPECT_EQ(cluster.pool(0).labels.at(kGpuProductLabel), "H100-SXM-80GB");
  EXPECT_EQ(cluster.pool(0).labels.at("team"), "research");
  EXPECT_EQ(cluster.pool(1).labels.at(kNodePoolLabel), "cpu");
  EXPECT_FALSE(cluster.pool(1).labels.contains(kGpuProductLabel));
}

}  // namespace
}  // namespace kubetwin::models
