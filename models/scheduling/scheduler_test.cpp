#include "models/scheduling/scheduler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/testing/builders.hpp"

namespace kubetwin::models {
namespace {

using testing::kGi;
using testing::kH100;

// --- builders -------------------------------------------------------------------------------

const Resources kGpuNode{64000, 512 * kGi, 8};

NodePoolSpec pool(std::string name, int count, Resources capacity = kGpuNode,
                  std::map<std::string, std::string> labels = {}, std::vector<Taint> taints = {}) {
  return testing::pool(std::move(name), count, capacity, std::move(labels), std::move(taints));
}

/// A pod asking for `gpus` GPUs with the CPU and memory that go with them (8 cores, 64Gi each).
PodGroupSpec gpu_pod(std::int64_t gpus) {
  PodGroupSpec p;
  p.name = "worker";
  p.requests = {8000 * gpus, 64 * kGi * gpus, gpus};
  return p;
}

ProfileConfig config(ScoringStrategy strategy) {
  ProfileConfig c;
  c.scoring = strategy;
  c.scoring_resources = {{"cpu", 1}, {"memory", 1}, {"nvidia.com/gpu", 1}};
  return c;
}

// --- feasible_nodes_to_find -----------------------------------------------------------------

TEST(Scheduler, FeasibleNodesToFindFollowsUpstreamNumbers) {
  // Upstream numFeasibleNodesToFind: below 100 nodes every node; otherwise the percentage (0 =
  // adaptive: 50% minus 1% per 125 nodes, at least 5%) of the nodes, but never fewer than 100.
  struct Case {
    int percentage;
    std::size_t nodes;
    std::size_t expected;
  };
  const std::vector<Case> table{
      {0, 0, 0},         {0, 1, 1},         {0, 50, 50},
      {0, 99, 99},       {0, 100, 100},  // 50% of 100 = 50, raised to the minimum of 100
      {0, 199, 100},                     // 49% of 199 = 97 -> 100
      {0, 250, 120},                     // 50 - 2 = 48% of 250
      {0, 1000, 420},                    // 50 - 8 = 42%
      {0, 5000, 500},                    // 50 - 40 = 10%
      {0, 5625, 281},                    // 50 - 45 = 5%, the floor
      {0, 6000, 300},                    // 50 - 48 = 2% -> 5%
      {0, 100000, 5000},                 // 5%
      {30, 1000, 300},   {30, 50, 50},      {1, 1000, 100},
      {100, 1000, 1000}, {150, 1000, 1000}, {10, 100000, 10000},
  };
  for (const auto& c : table) {
    SCOPED_TRACE("percentage " + std::to_string(c.percentage) + ", nodes " +
                 std::to_string(c.nodes));
    EXPECT_EQ(Scheduler::feasible_nodes_to_find(c.percentage, c.nodes), c.expected);
  }
}

/// The nodes chosen in `cycles` scheduling cycles on `nodes` identical empty nodes (all feasible,
/// all tied), nothing being allocated in between.
std::vector<NodeIndex> choices_on_identical_nodes(int nodes, int percentage, int cycles) {
  const Cluster cluster({pool("h100", nodes)});
  sim::RandomStream ties(7);
  ProfileConfig c = config(ScoringStrategy::LeastAllocated);
  c.percentage_of_nodes_to_score = percentage;
  Scheduler scheduler(c, ties);
  std::vector<NodeIndex> out;
  for (int i = 0; i < cycles; ++i) out.push_back(scheduler.find_node(gpu_pod(1), cluster).value());
  return out;
}

TEST(Scheduler, StopsFilteringOnceEnoughFeasibleNodesAreFoundAndRotatesTheStart) {
  // 1000 nodes: the adaptive 42% (420 nodes) are examined per cycle, each cycle starting where the
  // previous one stopped, so the chosen node lies in that cycle's window.
  const auto chosen = choices_on_identical_nodes(1000, 0, 3);
  EXPECT_LT(chosen[0], 420u);
  EXPECT_GE(chosen[1], 420u);
  EXPECT_LT(chosen[1], 840u);
  EXPECT_TRUE(chosen[2] >= 840u || chosen[2] < 260u) << chosen[2];  // 840..999, then 0..259
}

TEST(Scheduler, ExplicitPercentageOfNodesToScoreSetsTheWindow) {
  // 10% of 1000 nodes: windows of 100 nodes.
  const auto chosen = choices_on_identical_nodes(1000, 10, 12);
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    SCOPED_TRACE("cycle " + std::to_string(k));
    const NodeIndex window_start = static_cast<NodeIndex>((100 * k) % 1000);
    EXPECT_GE(chosen[k], window_start);
    EXPECT_LT(chosen[k], window_start + 100);
  }
}

TEST(Scheduler, ScoringEveryNodeConsidersTheWholeCluster) {
  // 100%: every cycle examines all 1000 nodes, so choices are not confined to the first 420
  // (for this seed; uniform choices would all fall below 420 with probability 0.42^20 < 1e-7).
  const auto chosen = choices_on_identical_nodes(1000, 100, 20);
  EXPECT_GE(*std::max_element(chosen.begin(), chosen.end()), 420u);
}

// --- choosing a node ------------------------------------------------------------------------

TEST(Scheduler, FindNodePicksTheHighestScoringNode) {
  struct Case {
    const char* what;
    ScoringStrategy strategy;
    NodeIndex expected;
  };
  // Node 0 has 4 GPUs' worth in use, node 1 is empty, node 2 has 2 GPUs' worth in use.
  const std::vector<Case> table{
      {"LeastAllocated picks the emptiest node", ScoringStrategy::LeastAllocated, 1},
      {"MostAllocated picks the fullest node that fits", ScoringStrategy::MostAllocated, 0},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    Cluster cluster({pool("h100", 3)});
    cluster.allocate(0, gpu_pod(4).requests);
    cluster.allocate(2, gpu_pod(2).requests);
    sim::RandomStream ties(1);
    Scheduler scheduler(config(c.strategy), ties);
    const auto node = scheduler.find_node(gpu_pod(2), cluster);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(*node, c.expected);
  }
}

TEST(Scheduler, MostAllocatedPicksTheFullestNodeThatStillHasRoom) {
  Cluster cluster({pool("h100", 3)});
  cluster.allocate(0, gpu_pod(7).requests);  // fullest, but only 1 GPU free
  cluster.allocate(2, gpu_pod(3).requests);
  sim::RandomStream ties(1);
  Scheduler scheduler(config(ScoringStrategy::MostAllocated), ties);
  EXPECT_EQ(scheduler.find_node(gpu_pod(2), cluster), std::optional<NodeIndex>(2));
  EXPECT_EQ(scheduler.find_node(gpu_pod(1), cluster), std::optional<NodeIndex>(0));
}

TEST(Scheduler, MostAllocatedPacksPodsOntoOneNodeAndLeastAllocatedSpreadsThem) {
  struct Case {
    const char* what;
    ScoringStrategy strategy;
    std::vector<std::int64_t> expected_gpus_per_node;  // after eight 1-GPU pods
  };
  const std::vector<Case> table{
      {"MostAllocated packs", ScoringStrategy::MostAllocated, {8, 0, 0, 0}},
      {"LeastAllocated spreads", ScoringStrategy::LeastAllocated, {2, 2, 2, 2}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    Cluster cluster({pool("h100", 4)});
    sim::RandomStream ties(3);
    Scheduler scheduler(config(c.strategy), ties);
    for (int i = 0; i < 8; ++i) {
      const auto node = scheduler.find_node(gpu_pod(1), cluster);
      ASSERT_TRUE(node.has_value());
      cluster.allocate(*node, gpu_pod(1).requests);
    }
    std::vector<std::int64_t> used;
    for (NodeIndex n = 0; n < cluster.node_count(); ++n) used.push_back(cluster.requested(n).gpus);
    std::sort(used.begin(), used.end(), std::greater<>());  // which node is first is a tie-break
    EXPECT_EQ(used, c.expected_gpus_per_node);
  }
}

TEST(Scheduler, OnlyNodesPassingEveryFilterAreChosen) {
  const Cluster cluster(
      {pool("tainted", 3, kGpuNode, {}, {{"dedicated", "infer", TaintEffect::NoSchedule}}),
       pool("cpu", 3, {64000, 512 * kGi, 0}), pool("h100", 2)});
  sim::RandomStream ties(5);
  Scheduler scheduler(config(ScoringStrategy::LeastAllocated), ties);
  for (int i = 0; i < 20; ++i) {
    const auto node = scheduler.find_node(gpu_pod(1), cluster);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(cluster.pool(cluster.pool_of(*node)).name, "h100");
  }
  PodGroupSpec cpu_pod;
  cpu_pod.requests = {1000, kGi, 0};
  cpu_pod.node_selector[kNodePoolLabel] = "cpu";
  for (int i = 0; i < 20; ++i) {
    const auto node = scheduler.find_node(cpu_pod, cluster);
    ASSERT_TRUE(node.has_value());
    EXPECT_EQ(cluster.pool(cluster.pool_of(*node)).name, "cpu");
  }
}

TEST(Scheduler, ReturnsNothingWhenNoNodeFits) {
  Cluster cluster({pool("h100", 2)});
  cluster.allocate(0, gpu_pod(6).requests);
  cluster.allocate(1, gpu_pod(5).requests);
  sim::RandomStream ties(1);
  Scheduler scheduler(config(ScoringStrategy::LeastAllocated), ties);
  EXPECT_FALSE(scheduler.find_node(gpu_pod(4), cluster).has_value());
  EXPECT_EQ(scheduler.filter_calls(), 0u);  // no node has 4 free GPUs: no filter needed to know
  EXPECT_EQ(scheduler.find_node(gpu_pod(3), cluster), std::optional<NodeIndex>(1));
}

// --- ties -----------------------------------------------------------------------------------

std::vector<NodeIndex> tie_choices(std::uint64_t seed, int cycles) {
  const Cluster cluster({pool("h100", 8)});  // identical empty nodes: every node ties
  sim::RandomStream ties(seed);
  Scheduler scheduler(config(ScoringStrategy::LeastAllocated), ties);
  std::vector<NodeIndex> out;
  for (int i = 0; i < cycles; ++i) out.push_back(scheduler.find_node(gpu_pod(1), cluster).value());
  return out;
}

TEST(Scheduler, BreaksTiesWithTheSeededStreamSoTheSameSeedMakesTheSameChoices) {
  const std::vector<NodeIndex> a = tie_choices(42, 64);
  EXPECT_EQ(a, tie_choices(42, 64));
  EXPECT_NE(a, tie_choices(43, 64));
  // Ties are broken at random, not always in favour of one node: over 64 cycles among 8 tied nodes
  // every node is chosen (for this seed; uniform choices leave one out with probability ~2e-3).
  const std::set<NodeIndex> distinct(a.begin(), a.end());
  EXPECT_EQ(distinct.size(), 8u);
}

TEST(Scheduler, TieBreakingDrawsOnlyFromTheGivenStream) {
  // The scheduler consumes its tie-breaking stream and nothing else: a copy of the stream's
  // state predicts the choice. Both nodes are examined every cycle (a small cluster), node 0
  // first; one draw below the number of tied nodes picks among them in that order.
  const Cluster cluster({pool("h100", 2)});
  sim::RandomStream ties(9), replay(9);
  Scheduler scheduler(config(ScoringStrategy::LeastAllocated), ties);
  for (int i = 0; i < 16; ++i) {
    const auto expected = static_cast<NodeIndex>(replay.below(2));
    EXPECT_EQ(scheduler.find_node(gpu_pod(1), cluster), std::optional<NodeIndex>(expected))
        << "cycle " << i;
  }
}

// --- diagnosis ------------------------------------------------------------------------------

std::string diagnose(const Cluster& cluster, const PodGroupSpec& pod) {
  sim::RandomStream ties(1);
  Scheduler scheduler(config(ScoringStrategy::LeastAllocated), ties);
  EXPECT_FALSE(scheduler.find_node(pod, cluster).has_value());
  return scheduler.explain(pod, cluster);
}

TEST(Scheduler, DiagnosisCountsEachReasonInUpstreamWords) {
  Cluster cluster({pool("tainted", 4, kGpuNode, {}, {{"gpu", "a100", TaintEffect::NoSchedule}}),
                   pool("h100", 8)});
  for (NodeIndex n = 4; n < 12; ++n) cluster.allocate(n, {0, 0, 8});  // GPUs only: one reason
  EXPECT_EQ(diagnose(cluster, gpu_pod(1)),
            "0/12 nodes are available: 4 node(s) had untolerated taint {gpu: a100}, "
            "8 Insufficient nvidia.com/gpu.");
}

TEST(Scheduler, DiagnosisSortsCountAndReasonStringsAsUpstreamDoes) {
  // Upstream sorts the "<count> <reason>" strings themselves, so "10 ..." comes before "2 ...".
  Cluster cluster({pool("busy", 10, kGpuNode, {{"tier", "gpu"}}),
                   pool("tainted", 2, kGpuNode, {{"tier", "gpu"}},
                        {{"dedicated", "infer", TaintEffect::NoExecute}}),
                   pool("other", 3, kGpuNode, {{"tier", "cpu"}})});
  for (NodeIndex n = 0; n < 10; ++n) cluster.allocate(n, {64000, 0, 0});
  PodGroupSpec pod = gpu_pod(1);
  pod.node_selector["tier"] = "gpu";
  EXPECT_EQ(diagnose(cluster, pod),
            "0/15 nodes are available: 10 Insufficient cpu, "
            "2 node(s) had untolerated taint {dedicated: infer}, "
            "3 node(s) didn't match Pod's node affinity/selector.");
}

TEST(Scheduler, DiagnosisReportsTheFirstFailingFilterInUpstreamOrder) {
  // TaintToleration runs before NodeAffinity, which runs before NodeResourcesFit: a tainted,
  // mismatching, full node is reported for its taint only.
  Cluster cluster({pool("n", 2, kGpuNode, {}, {{"gpu", "a100", TaintEffect::NoSchedule}})});
  for (NodeIndex n = 0; n < 2; ++n) cluster.allocate(n, gpu_pod(8).requests);
  PodGroupSpec pod = gpu_pod(1);
  pod.node_selector[kNodePoolLabel] = "elsewhere";
  EXPECT_EQ(diagnose(cluster, pod),
            "0/2 nodes are available: 2 node(s) had untolerated taint {gpu: a100}.");
}

TEST(Scheduler, DiagnosisListsEveryInsufficientResourceOfANode) {
  // Upstream NodeResourcesFit keeps every failure reason of a node ("We will keep all failure
  // reasons." in fit.go), and the histogram counts each one: a node short of both CPU and GPUs
  // counts once under each.
  Cluster cluster({pool("h100", 2)});
  for (NodeIndex n = 0; n < 2; ++n) cluster.allocate(n, {64000, 0, 8});
  EXPECT_EQ(diagnose(cluster, gpu_pod(1)),
            "0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient nvidia.com/gpu.");
}

TEST(Scheduler, DiagnosisExaminesEveryNodeEvenInALargeCluster) {
  // find_node filters only a fraction of a large cluster; explain counts every node, so that the
  // message adds up to the cluster size.
  Cluster cluster({pool("h100", 1000)});
  for (NodeIndex n = 0; n < 1000; ++n) cluster.allocate(n, {0, 0, n < 300 ? 8 : 4});
  EXPECT_EQ(diagnose(cluster, gpu_pod(5)),
            "0/1000 nodes are available: 1000 Insufficient nvidia.com/gpu.");
}

TEST(Scheduler, ExplainingNeverChangesLaterChoices) {
  // Same seed, same cluster: one scheduler explains a failing pod between cycles, the other does
  // not; both must choose the same nodes (rotation and tie-breaking untouched).
  Cluster cluster({pool("h100", 300)});
  cluster.allocate(0, {0, 0, 8});
  sim::RandomStream ties_a(5), ties_b(5);
  Scheduler plain(config(ScoringStrategy::LeastAllocated), ties_a);
  Scheduler explaining(config(ScoringStrategy::LeastAllocated), ties_b);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(explaining.explain(gpu_pod(16), cluster).rfind("0/300 nodes are available: ", 0), 0u);
    EXPECT_EQ(explaining.find_node(gpu_pod(1), cluster), plain.find_node(gpu_pod(1), cluster))
        << "cycle " << i;
  }
}

TEST(Scheduler, DiagnosisOfAnEmptyClusterSaysSo) {
  const Cluster cluster({});
  EXPECT_EQ(diagnose(cluster, gpu_pod(1)), "0/0 nodes are available.");
}

TEST(Scheduler, WeightedSumOfNormalizedPluginScoresPicksTheNode) {
  // Node a: 8 of 16 cores already requested; node b: empty. Pod: 2 cores, 16 Gi (of 64 Gi).
  // MostAllocated (cpu, memory): a = (62 + 25) / 2 = 43, b = (12 + 25) / 2 = 18.
  // BalancedAllocation: a = fractions .625/.25 -> std .1875 -> 81; b = .125/.25 -> std .0625 -> 93.
  // TaintToleration: no taints, 100 everywhere.
  // Fit x5 + Balanced x1: a = 215 + 81 = 296 > b = 90 + 93 = 183 -> a.
  // Fit x1 + Balanced x5: a = 43 + 405 = 448 < b = 18 + 465 = 483 -> b.
  auto choose = [](int fit_weight, int balanced_weight) {
    ProfileConfig c;
    c.scoring = ScoringStrategy::MostAllocated;
    c.at(ExtensionPoint::Score) = {{"TaintToleration", 3}, {"NodeResourcesFit", fit_weight},
                       {"NodeResourcesBalancedAllocation", balanced_weight}};
    Cluster cluster({pool("n", 2, {16000, 64 * kGi, 0})});
    cluster.allocate(0, {8000, 0, 0});
    sim::RandomStream ties(1);
    Scheduler scheduler(c, ties);
    PodGroupSpec p;
    p.requests = {2000, 16 * kGi, 0};
    return scheduler.find_node(p, cluster);
  };
  EXPECT_EQ(choose(5, 1), NodeIndex{0});
  EXPECT_EQ(choose(1, 5), NodeIndex{1});
}

TEST(Scheduler, UnknownPluginNameInAProfileIsRefused) {
  ProfileConfig c;
  c.at(ExtensionPoint::Score) = {{"Tetris", 1}};
  sim::RandomStream ties(1);
  EXPECT_THROW(Scheduler(c, ties), std::invalid_argument);
  c.at(ExtensionPoint::Score) = {{"NodeAffinity", 1}};  // registered, but only as a filter
  EXPECT_THROW(Scheduler(c, ties), std::invalid_argument);
}

}  // namespace
}  // namespace kubetwin::models
