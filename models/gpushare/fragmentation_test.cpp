#include "models/gpushare/fragmentation.hpp"
#include "models/testing/gpushare_builders.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <numeric>
#include <vector>

// The fragmentation measure against ../shared/reference/fgd-protocol.md, section 1.3.

namespace kubetwin::models::gpushare {
namespace {

// --- builders -------------------------------------------------------------------------------

GpuShareNode node(std::int64_t cpu, std::initializer_list<int> gpu_free, int model = 0) {
  return testing::gpu_node(cpu, gpu_free, model);
}

PodShape pod(std::int64_t cpu, int num_gpu, int gpu_milli, ModelMask models = kAnyModel,
             std::int64_t memory = 0) {
  return {cpu, memory, num_gpu, gpu_milli, models};
}

PodShape cpu_pod(std::int64_t cpu) { return pod(cpu, 0, 0); }

constexpr ModelMask bit(int model) { return ModelMask{1} << model; }

/// `n` copies of `p` appended to `pods`.
void add(std::vector<PodShape>& pods, int n, const PodShape& p) { pods.insert(pods.end(), n, p); }

bool same_shape(const PodShape& a, const PodShape& b) {
  return a.cpu_milli == b.cpu_milli && a.num_gpu == b.num_gpu && a.gpu_milli == b.gpu_milli &&
         a.models == b.models;
}

double weight_sum(const std::vector<TypicalTask>& tasks) {
  return std::accumulate(tasks.begin(), tasks.end(), 0.0,
                         [](double s, const TypicalTask& t) { return s + t.weight; });
}

// --- typical tasks --------------------------------------------------------------------------

TEST(TypicalTasks, KeepTheMostCommonShapesUpTo95PercentAndRenormalise) {
  // 20 pods, interleaved so that input order cannot matter:
  //   10 x (4 cores, 500 milli, 1 GPU, any model), half with 1000 MiB and half with 2000 MiB
  //    6 x (8 cores, one whole GPU)
  //    3 x CPU-only (2 cores)
  //    1 x (4 cores, 500 milli, 1 GPU, model bit 2 only)  -- a different group
  // Cumulative counts: 10 (50 %), 16 (80 %), 19 (95 % >= 95 %: stop). Weights 10/19, 6/19, 3/19.
  const PodShape share = pod(4000, 1, 500);
  const PodShape whole = pod(8000, 1, 1000);
  const PodShape cpu = cpu_pod(2000);
  std::vector<PodShape> pods;
  for (int i = 0; i < 5; ++i) {
    pods.push_back(pod(4000, 1, 500, kAnyModel, 1000));
    pods.push_back(whole);
    pods.push_back(pod(4000, 1, 500, kAnyModel, 2000));
  }
  add(pods, 1, whole);
  add(pods, 1, pod(4000, 1, 500, bit(2)));
  add(pods, 3, cpu);
  ASSERT_EQ(pods.size(), 20u);

  const std::vector<TypicalTask> tasks = typical_tasks(pods);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_TRUE(same_shape(tasks[0].shape, share));
  EXPECT_TRUE(same_shape(tasks[1].shape, whole));
  EXPECT_TRUE(same_shape(tasks[2].shape, cpu));  // CPU-only pods are typical tasks too
  EXPECT_DOUBLE_EQ(tasks[0].weight, 10.0 / 19);
  EXPECT_DOUBLE_EQ(tasks[1].weight, 6.0 / 19);
  EXPECT_DOUBLE_EQ(tasks[2].weight, 3.0 / 19);
  EXPECT_NEAR(weight_sum(tasks), 1.0, 1e-12);
}

TEST(TypicalTasks, PrefixIsTheShortestThatReachesThePopularity) {
  struct Case {
    const char* what;
    std::vector<int> counts;  // group i: (1000 * (i + 1) milli-cores, 500 milli, 1 GPU)
    double popularity;
    std::vector<double> weights;  // of the kept groups, in order
  };
  const std::vector<Case> table{
      {"5/4/1: 50 %, 90 % < 95 %, so all three", {5, 4, 1}, 0.95, {0.5, 0.4, 0.1}},
      {"10/9/1: 50 %, 95 % reaches 95 % exactly", {10, 9, 1}, 0.95, {10.0 / 19, 9.0 / 19}},
      {"19/1: the first group alone is 95 %", {19, 1}, 0.95, {1.0}},
      {"one group", {7}, 0.95, {1.0}},
      {"popularity 1: every group, weights count/20", {10, 9, 1}, 1.0, {0.5, 0.45, 0.05}},
      {"popularity 0.5: 10 of 20 is enough", {10, 9, 1}, 0.5, {1.0}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    std::vector<PodShape> pods;
    // Least common group first, so the output order is the sort's doing.
    for (std::size_t i = c.counts.size(); i-- > 0;) {
      add(pods, c.counts[i], pod(1000 * static_cast<std::int64_t>(i + 1), 1, 500));
    }
    const std::vector<TypicalTask> tasks = typical_tasks(pods, c.popularity);
    ASSERT_EQ(tasks.size(), c.weights.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      EXPECT_EQ(tasks[i].shape.cpu_milli, 1000 * static_cast<std::int64_t>(i + 1));
      EXPECT_DOUBLE_EQ(tasks[i].weight, c.weights[i]);
    }
    EXPECT_NEAR(weight_sum(tasks), 1.0, 1e-12);
  }
}

TEST(TypicalTasks, GroupByCpuMilliCountAndModelsButNotMemory) {
  // 4 pods of one shape with four different memory requests form one group; changing any of cpu,
  // gpu_milli, num_gpu or the allowed models makes a group of its own. With popularity 1:
  // 5 groups, weights 4/8 and 1/8 each.
  std::vector<PodShape> pods;
  for (std::int64_t mem : {0, 1, 1024, 65536}) pods.push_back(pod(4000, 1, 1000, kAnyModel, mem));
  pods.push_back(pod(4001, 1, 1000));
  pods.push_back(pod(4000, 1, 999));
  pods.push_back(pod(4000, 2, 1000));
  pods.push_back(pod(4000, 1, 1000, bit(0)));
  const std::vector<TypicalTask> tasks = typical_tasks(pods, 1.0);
  ASSERT_EQ(tasks.size(), 5u);
  EXPECT_TRUE(same_shape(tasks[0].shape, pod(4000, 1, 1000)));
  EXPECT_DOUBLE_EQ(tasks[0].weight, 0.5);
  for (std::size_t i = 1; i < tasks.size(); ++i) EXPECT_DOUBLE_EQ(tasks[i].weight, 0.125);
}

TEST(TypicalTasks, NoPodsNoTasks) { EXPECT_TRUE(typical_tasks({}).empty()); }

// --- fragment of one node for one task (1.3) ------------------------------------------------

TEST(FragmentFor, FollowsTheFourCasesOfTheSpec) {
  // Node n: 10 cores free, model bit 1, devices free 1000 / 600 / 300 / 0 (1900 milli in all).
  const GpuShareNode n = node(10000, {1000, 600, 300, 0}, 1);
  const GpuShareNode idle = node(96000, {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
  const GpuShareNode full = node(96000, {0, 0, 0, 0});
  const GpuShareNode cpu_only_node = node(96000, {});

  struct Case {
    const char* what;
    GpuShareNode node;
    PodShape task;
    int fragment;
  };
  const std::vector<Case> table{
      // (a) CPU-only task: all free GPU milli, whether or not the node has CPU for it.
      {"CPU-only task: all 1900", n, cpu_pod(2000), 1900},
      {"CPU-only task needing more CPU than free: all 1900", n, cpu_pod(20000), 1900},
      // (b) model not allowed: all free.
      {"model bit 1 not in mask {0}: all 1900", n, pod(1000, 1, 200, bit(0)), 1900},
      {"model allowed among others: fits, 0 < 200 -> 0", n, pod(1000, 1, 200, bit(0) | bit(1)), 0},
      // (c) the task fits: free milli on devices with free < u_m.
      {"u=500 fits; 300 + 0 < 500 -> 300", n, pod(1000, 1, 500), 300},
      {"u=300 fits; only 0 < 300 -> 0", n, pod(1000, 1, 300), 0},
      {"u=301 fits; 300 + 0 -> 300", n, pod(1000, 1, 301), 300},
      {"u=1000 fits; 600 + 300 + 0 -> 900", n, pod(1000, 1, 1000), 900},
      {"2 x 500 fits on 1000 and 600; 300 + 0 -> 300", n, pod(1000, 2, 500), 300},
      {"CPU exactly the free amount fits; 200: 0", n, pod(10000, 1, 200), 0},
      // (d) not enough GPU or not enough CPU: all free.
      {"2 whole GPUs, only one fully free: all 1900", n, pod(1000, 2, 1000), 1900},
      {"3 x 700: only one device has 700: all 1900", n, pod(1000, 3, 700), 1900},
      {"500 on devices 300 / 200: all 500", node(10000, {300, 200}), pod(1000, 1, 500), 500},
      {"one millicore short: all 1900", n, pod(10001, 1, 200), 1900},
      // Idle and full nodes.
      {"idle node, fractional task: 0", idle, pod(1000, 1, 500), 0},
      {"idle node, 8-GPU task: 0", idle, pod(1000, 8, 1000), 0},
      {"idle node, CPU-only task: all 8000", idle, cpu_pod(1000), 8000},
      {"idle node, CPU short: all 8000", idle, pod(96001, 1, 500), 8000},
      {"full node, fractional task: 0", full, pod(1000, 1, 500), 0},
      {"full node, CPU-only task: 0", full, cpu_pod(1000), 0},
      {"CPU-only node: 0", cpu_only_node, pod(1000, 1, 500), 0},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(fragment_for(c.node, c.task), c.fragment);
  }
}

TEST(FragmentNode, IsThePopularityWeightedSumOfTaskFragments) {
  // Tasks: CPU-only (w 0.25), (1 core, 500 milli) (w 0.5), (1 core, 2 x 1000) (w 0.25).
  const std::vector<TypicalTask> tasks{
      {cpu_pod(1000), 0.25}, {pod(1000, 1, 500), 0.5}, {pod(1000, 2, 1000), 0.25}};

  struct Case {
    const char* what;
    GpuShareNode node;
    double fragmentation;
  };
  const std::vector<Case> table{
      // 0.25 * 1900 + 0.5 * (300 + 0) + 0.25 * 1900 (one fully free device) = 475 + 150 + 475
      {"used node", node(10000, {1000, 600, 300, 0}), 1100},
      // 0.25 * 8000 + 0.5 * 0 + 0.25 * 0
      {"idle 8-GPU node", node(96000, {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}), 2000},
      // nothing free, nothing fragmented
      {"full node", node(96000, {0, 0, 0, 0}), 0},
      // CPU short for both GPU tasks: everything is fragment, 1.0 * 2000
      {"no CPU left", node(0, {1000, 1000}), 2000},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    EXPECT_DOUBLE_EQ(node_fragmentation(c.node, tasks), c.fragmentation);
  }
  EXPECT_DOUBLE_EQ(node_fragmentation(node(10000, {1000, 600}), {}), 0.0);
}

}  // namespace
}  // namespace kubetwin::models::gpushare
