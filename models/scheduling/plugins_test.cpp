#include "models/scheduling/plugins.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/testing/builders.hpp"

namespace kubetwin::models {
namespace {

using testing::kGi;
using testing::kH100;

// --- builders -------------------------------------------------------------------------------

NodePoolSpec pool(std::string name, int count, Resources capacity, std::vector<Taint> taints = {}) {
  return testing::pool(std::move(name), count, capacity, {}, std::move(taints));
}

PodGroupSpec pod(Resources requests) {
  PodGroupSpec p;
  p.name = "worker";
  p.requests = requests;
  return p;
}

PodGroupSpec pod_with_selector(std::map<std::string, std::string> selector) {
  PodGroupSpec p = pod({1000, kGi, 0});
  p.node_selector = std::move(selector);
  return p;
}

PodGroupSpec pod_with_tolerations(std::vector<Toleration> tolerations) {
  PodGroupSpec p = pod({1000, kGi, 0});
  p.tolerations = std::move(tolerations);
  return p;
}

Taint taint(std::string key, std::string value, TaintEffect effect) {
  return {std::move(key), std::move(value), effect};
}

Toleration tolerate_equal(std::string key, std::string value) {
  Toleration t;
  t.key = std::move(key);
  t.op = Toleration::Operator::Equal;
  t.value = std::move(value);
  return t;
}

Toleration tolerate_exists(std::string key) {
  Toleration t;
  t.key = std::move(key);
  t.op = Toleration::Operator::Exists;
  return t;
}

Toleration only_for(Toleration t, TaintEffect effect) {
  t.any_effect = false;
  t.effect = effect;
  return t;
}

ProfileConfig scoring(ScoringStrategy strategy, std::vector<ResourceWeight> weights) {
  ProfileConfig c;
  c.scoring = strategy;
  c.scoring_resources = std::move(weights);
  return c;
}

const std::vector<ResourceWeight> kCpuMemory{{"cpu", 1}, {"memory", 1}};  // upstream default
const std::vector<ResourceWeight> kCpuMemoryGpu2{{"cpu", 1}, {"memory", 1}, {"nvidia.com/gpu", 2}};

// --- NodeResourcesFit: filter ---------------------------------------------------------------

TEST(NodeResourcesFit, FilterNamesTheInsufficientResourceInUpstreamWords) {
  // One node: 16 cores, 128Gi, 8 GPUs, of which 8 cores, 64Gi and 6 GPUs are already requested.
  Cluster cluster({pool("h100", 1, {16000, 128 * kGi, 8})});
  cluster.allocate(0, {8000, 64 * kGi, 6});
  const NodeResourcesFit fit(ProfileConfig{});

  struct Case {
    const char* what;
    Resources request;
    std::string reason;  // empty: fits
  };
  const std::vector<Case> table{
      {"exactly the free amount fits", {8000, 64 * kGi, 2}, ""},
      {"nothing requested fits", {0, 0, 0}, ""},
      {"one millicore too many", {8001, kGi, 0}, "Insufficient cpu"},
      {"one byte too many", {1000, 64 * kGi + 1, 0}, "Insufficient memory"},
      {"one GPU too many", {1000, kGi, 3}, "Insufficient nvidia.com/gpu"},
      {"more GPUs than the node has", {1000, kGi, 9}, "Insufficient nvidia.com/gpu"},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const Status s = fit.filter(CycleState{}, pod(c.request), cluster, 0);
    if (c.reason.empty()) {
      EXPECT_TRUE(s.ok()) << s.reason();
      EXPECT_EQ(s.code(), StatusCode::Success);
    } else {
      EXPECT_FALSE(s.ok());
      EXPECT_EQ(s.reason(), c.reason);
      // Resources may be freed by other pods leaving: the pod is unschedulable, not unresolvable.
      EXPECT_EQ(s.code(), StatusCode::Unschedulable);
      EXPECT_EQ(s.plugin(), "NodeResourcesFit");
    }
  }
}

TEST(NodeResourcesFit, FilterSeesResourcesFreedByARelease) {
  Cluster cluster({pool("h100", 1, {16000, 128 * kGi, 8})});
  const NodeResourcesFit fit(ProfileConfig{});
  const DeviceSet all = cluster.allocate(0, {1000, kGi, 8});
  EXPECT_EQ(fit.filter(CycleState{}, pod({1000, kGi, 1}), cluster, 0).reason(), "Insufficient nvidia.com/gpu");
  cluster.release(0, {1000, kGi, 8}, all);
  EXPECT_TRUE(fit.filter(CycleState{}, pod({1000, kGi, 1}), cluster, 0).ok());
}

TEST(NodeResourcesFit, IsEvaluatedPerNodeNotPerPool) {
  const NodeResourcesFit fit(ProfileConfig{});
  EXPECT_FALSE(fit.pool_constant(pod({1000, kGi, 1})));
  EXPECT_EQ(fit.name(), "NodeResourcesFit");
}

// --- NodeResourcesFit: score ----------------------------------------------------------------

TEST(NodeResourcesFit, ScoresWithUpstreamIntegerFormulas) {
  // Upstream resource_allocation scorers, per resource in integer arithmetic:
  //   LeastAllocated: (capacity - requested) * 100 / capacity
  //   MostAllocated:  requested * 100 / capacity
  // then sum(score * weight) / sum(weight), again truncated. `requested` includes the pod's own.
  struct Case {
    const char* what;
    ScoringStrategy strategy;
    std::vector<ResourceWeight> weights;
    Resources capacity;
    Resources already;  // requested on the node before the pod
    Resources request;
    std::int64_t expected;
  };
  const Resources node{64000, 512 * kGi, 8};
  const Resources busy{16000, 128 * kGi, 0};
  const Resources pod_req{16000, 64 * kGi, 2};
  // After the pod: cpu 32000/64000, memory 192Gi/512Gi, GPUs 2/8.
  const std::vector<Case> table{
      // cpu (32000*100/64000 = 50) memory (320*100/512 = 62.5 -> 62): (50 + 62) / 2 = 56
      {"least allocated, cpu and memory", ScoringStrategy::LeastAllocated, kCpuMemory, node, busy,
       pod_req, 56},
      // cpu 50, memory 192*100/512 = 37.5 -> 37: (50 + 37) / 2 = 43.5 -> 43
      {"most allocated, cpu and memory", ScoringStrategy::MostAllocated, kCpuMemory, node, busy,
       pod_req, 43},
      // + GPUs (8-2)*100/8 = 75 with weight 2: (50 + 62 + 150) / 4 = 65.5 -> 65
      {"least allocated, GPU weighted 2", ScoringStrategy::LeastAllocated, kCpuMemoryGpu2, node,
       busy, pod_req, 65},
      // + GPUs 2*100/8 = 25 with weight 2: (50 + 37 + 50) / 4 = 34.25 -> 34
      {"most allocated, GPU weighted 2", ScoringStrategy::MostAllocated, kCpuMemoryGpu2, node, busy,
       pod_req, 34},
      // cpu weight 3: (3*50 + 62) / 4 = 53
      {"cpu weighted 3",
       ScoringStrategy::LeastAllocated,
       {{"cpu", 3}, {"memory", 1}},
       node,
       busy,
       pod_req,
       53},
      {"cpu only", ScoringStrategy::LeastAllocated, {{"cpu", 1}}, node, busy, pod_req, 50},
      {"memory only", ScoringStrategy::MostAllocated, {{"memory", 1}}, node, busy, pod_req, 37},
      // each resource truncates before weighting: (2000*100/3000 = 66) twice, not 66.67 once
      {"truncation per resource, least",
       ScoringStrategy::LeastAllocated,
       kCpuMemory,
       {3000, 3 * kGi, 0},
       {},
       {1000, kGi, 0},
       66},
      {"truncation per resource, most",
       ScoringStrategy::MostAllocated,
       kCpuMemory,
       {3000, 3 * kGi, 0},
       {},
       {1000, kGi, 0},
       33},
      {"empty node, empty pod, least",
       ScoringStrategy::LeastAllocated,
       kCpuMemory,
       node,
       {},
       {},
       100},
      {"empty node, empty pod, most", ScoringStrategy::MostAllocated, kCpuMemory, node, {}, {}, 0},
      {"pod fills the node, least",
       ScoringStrategy::LeastAllocated,
       kCpuMemoryGpu2,
       node,
       busy,
       {48000, 384 * kGi, 8},
       0},
      {"pod fills the node, most",
       ScoringStrategy::MostAllocated,
       kCpuMemoryGpu2,
       node,
       busy,
       {48000, 384 * kGi, 8},
       100},
      // A resource the node has none of is skipped (not scored as 0 or 100, no division by zero):
      // only cpu counts, (64000-16000)*100/64000 = 75.
      {"zero-capacity memory skipped, least",
       ScoringStrategy::LeastAllocated,
       kCpuMemory,
       {64000, 0, 8},
       {},
       {16000, 0, 0},
       75},
      {"zero-capacity memory skipped, most",
       ScoringStrategy::MostAllocated,
       kCpuMemory,
       {64000, 0, 8},
       {},
       {16000, 0, 0},
       25},
      {"zero-capacity GPUs skipped even when weighted",
       ScoringStrategy::LeastAllocated,
       kCpuMemoryGpu2,
       {64000, 512 * kGi, 0},
       busy,
       {16000, 64 * kGi, 1},
       56},
      // A pod that requests no GPUs is scored as if the GPU weight were absent (upstream leaves
      // out extended resources the pod does not request), even on a GPU node.
      {"GPU weight ignored for a CPU-only pod, least",
       ScoringStrategy::LeastAllocated,
       kCpuMemoryGpu2,
       node,
       busy,
       {16000, 64 * kGi, 0},
       56},
      {"GPU weight ignored for a CPU-only pod, most",
       ScoringStrategy::MostAllocated,
       kCpuMemoryGpu2,
       node,
       busy,
       {16000, 64 * kGi, 0},
       43},
      {"no weighted resource scores 0",
       ScoringStrategy::LeastAllocated,
       {{"nvidia.com/gpu", 1}},
       node,
       busy,
       {16000, 64 * kGi, 0},
       0},
      {"unknown resource names are ignored",
       ScoringStrategy::LeastAllocated,
       {{"cpu", 1}, {"memory", 1}, {"example.com/fpga", 5}},
       node,
       busy,
       pod_req,
       56},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    Cluster cluster({pool("n", 1, c.capacity)});
    if (!(c.already == Resources{})) cluster.allocate(0, c.already);
    const NodeResourcesFit fit(scoring(c.strategy, c.weights));
    EXPECT_EQ(fit.score(CycleState{}, pod(c.request), cluster, 0), c.expected);
  }
}

TEST(NodeResourcesFit, LeastAllocatedPrefersTheEmptierNodeAndMostAllocatedTheFuller) {
  Cluster cluster({pool("h100", 2, {64000, 512 * kGi, 8})});
  cluster.allocate(0, {32000, 256 * kGi, 4});
  const PodGroupSpec p = pod({8000, 64 * kGi, 1});
  const NodeResourcesFit least(scoring(ScoringStrategy::LeastAllocated, kCpuMemoryGpu2));
  const NodeResourcesFit most(scoring(ScoringStrategy::MostAllocated, kCpuMemoryGpu2));
  EXPECT_GT(least.score(CycleState{}, p, cluster, 1), least.score(CycleState{}, p, cluster, 0));
  EXPECT_GT(most.score(CycleState{}, p, cluster, 0), most.score(CycleState{}, p, cluster, 1));
  for (NodeIndex n : {0u, 1u}) {
    EXPECT_GE(least.score(CycleState{}, p, cluster, n), 0);
    EXPECT_LE(least.score(CycleState{}, p, cluster, n), kMaxNodeScore);
    EXPECT_GE(most.score(CycleState{}, p, cluster, n), 0);
    EXPECT_LE(most.score(CycleState{}, p, cluster, n), kMaxNodeScore);
  }
}

// --- TaintToleration ------------------------------------------------------------------------

TEST(TaintToleration, BlocksUntoleratedNoScheduleAndNoExecuteTaintsOnly) {
  struct Case {
    const char* what;
    std::vector<Taint> taints;
    std::vector<Toleration> tolerations;
    std::string reason;  // empty: passes
  };
  const Taint no_schedule = taint("gpu", "a100", TaintEffect::NoSchedule);
  const Taint no_execute = taint("maintenance", "true", TaintEffect::NoExecute);
  const Taint prefer = taint("spot", "yes", TaintEffect::PreferNoSchedule);
  const std::vector<Case> table{
      {"untainted node", {}, {}, ""},
      {"NoSchedule blocks", {no_schedule}, {}, "node(s) had untolerated taint {gpu: a100}"},
      {"NoExecute blocks", {no_execute}, {}, "node(s) had untolerated taint {maintenance: true}"},
      {"PreferNoSchedule does not block", {prefer}, {}, ""},
      {"Equal with matching key and value tolerates",
       {no_schedule},
       {tolerate_equal("gpu", "a100")},
       ""},
      {"Equal with another value does not",
       {no_schedule},
       {tolerate_equal("gpu", "h100")},
       "node(s) had untolerated taint {gpu: a100}"},
      {"Equal with another key does not",
       {no_schedule},
       {tolerate_equal("accelerator", "a100")},
       "node(s) had untolerated taint {gpu: a100}"},
      {"Exists with the key tolerates any value", {no_schedule}, {tolerate_exists("gpu")}, ""},
      {"Exists with another key does not",
       {no_schedule},
       {tolerate_exists("accelerator")},
       "node(s) had untolerated taint {gpu: a100}"},
      {"Exists with no key tolerates everything",
       {no_schedule, no_execute, prefer},
       {tolerate_exists("")},
       ""},
      {"Equal with no key tolerates nothing",
       {no_schedule},
       {tolerate_equal("", "")},
       "node(s) had untolerated taint {gpu: a100}"},
      {"matching effect tolerates",
       {no_schedule},
       {only_for(tolerate_exists("gpu"), TaintEffect::NoSchedule)},
       ""},
      {"other effect does not",
       {no_schedule},
       {only_for(tolerate_exists("gpu"), TaintEffect::NoExecute)},
       "node(s) had untolerated taint {gpu: a100}"},
      {"each blocking taint needs a toleration",
       {no_schedule, no_execute},
       {tolerate_exists("gpu")},
       "node(s) had untolerated taint {maintenance: true}"},
      {"one toleration per taint is enough",
       {no_schedule, no_execute},
       {tolerate_exists("maintenance"), tolerate_equal("gpu", "a100")},
       ""},
      {"first untolerated taint is named",
       {no_schedule, no_execute},
       {},
       "node(s) had untolerated taint {gpu: a100}"},
      {"PreferNoSchedule ignored beside a tolerated taint",
       {prefer, no_schedule},
       {tolerate_exists("gpu")},
       ""},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const Cluster cluster({pool("n", 2, {64000, 512 * kGi, 8}, c.taints)});
    const TaintToleration plugin;
    for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
      const Status s = plugin.filter(CycleState{}, pod_with_tolerations(c.tolerations), cluster, n);
      if (c.reason.empty()) {
        EXPECT_TRUE(s.ok()) << s.reason();
      } else {
        EXPECT_FALSE(s.ok());
        EXPECT_EQ(s.reason(), c.reason);
        // Taints do not go away when pods leave.
        EXPECT_EQ(s.code(), StatusCode::UnschedulableAndUnresolvable);
        EXPECT_EQ(s.plugin(), "TaintToleration");
      }
    }
  }
}

TEST(TaintToleration, ReadsTheTaintsOfTheNodesOwnPool) {
  const Cluster cluster(
      {pool("open", 1, {64000, 512 * kGi, 8}),
       pool("reserved", 1, {64000, 512 * kGi, 8}, {taint("team", "a", TaintEffect::NoSchedule)})});
  const TaintToleration plugin;
  EXPECT_TRUE(plugin.filter(CycleState{}, pod_with_tolerations({}), cluster, 0).ok());
  EXPECT_FALSE(plugin.filter(CycleState{}, pod_with_tolerations({}), cluster, 1).ok());
  EXPECT_TRUE(plugin.pool_constant(pod_with_tolerations({})));
}

// --- NodeAffinity ---------------------------------------------------------------------------

TEST(NodeAffinity, MatchesNodeSelectorAgainstPoolLabelsAndHostname) {
  // Nodes: h100-0, h100-1 (labelled with the GPU product and pool), cpu-0 (pool label only).
  Cluster cluster({pool("h100", 2, {64000, 512 * kGi, 8}), pool("cpu", 1, {64000, 512 * kGi, 0})});
  const std::string mismatch = "node(s) didn't match Pod's node affinity/selector";
  struct Case {
    const char* what;
    std::map<std::string, std::string> selector;
    std::vector<bool> passes;  // per node
  };
  const std::vector<Case> table{
      {"no selector matches every node", {}, {true, true, true}},
      {"GPU product", {{kGpuProductLabel, kH100}}, {true, true, false}},
      {"another GPU product", {{kGpuProductLabel, "A100-SXM-80GB"}}, {false, false, false}},
      {"pool label", {{kNodePoolLabel, "cpu"}}, {false, false, true}},
      {"every key must match",
       {{kGpuProductLabel, kH100}, {kNodePoolLabel, "h100"}},
       {true, true, false}},
      {"one mismatching key fails",
       {{kGpuProductLabel, kH100}, {kNodePoolLabel, "cpu"}},
       {false, false, false}},
      {"label absent from the node", {{"topology.kubernetes.io/zone", "a"}}, {false, false, false}},
      {"hostname picks one node", {{kHostnameLabel, "h100-1"}}, {false, true, false}},
      {"hostname and label",
       {{kHostnameLabel, "cpu-0"}, {kNodePoolLabel, "cpu"}},
       {false, false, true}},
      {"hostname of no node", {{kHostnameLabel, "h100-7"}}, {false, false, false}},
  };
  const NodeAffinity plugin;
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const PodGroupSpec p = pod_with_selector(c.selector);
    for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
      SCOPED_TRACE(cluster.node_name(n));
      const Status s = plugin.filter(CycleState{}, p, cluster, n);
      EXPECT_EQ(s.ok(), c.passes[n]);
      if (!s.ok()) {
        EXPECT_EQ(s.reason(), mismatch);
        EXPECT_EQ(s.code(), StatusCode::UnschedulableAndUnresolvable);
        EXPECT_EQ(s.plugin(), "NodeAffinity");
      }
    }
  }
}

TEST(NodeAffinity, IsPoolConstantUnlessTheHostnameIsSelected) {
  const NodeAffinity plugin;
  EXPECT_TRUE(plugin.pool_constant(pod_with_selector({})));
  EXPECT_TRUE(plugin.pool_constant(pod_with_selector({{kGpuProductLabel, kH100}})));
  EXPECT_FALSE(plugin.pool_constant(pod_with_selector({{kHostnameLabel, "h100-0"}})));
}

// --- scoring plugins added with the profile registry ------------------------------------------

TEST(NodeResourcesBalancedAllocation, ScoresOneMinusTheStdDevOfRequestedFractions) {
  // Node 16 cores / 64 Gi. Pod 4 cores / 8 Gi on an empty node: fractions 0.25 and 0.125,
  // std = |0.25 - 0.125| / 2 = 0.0625 -> (1 - 0.0625) * 100 = 93.75 -> 93.
  Cluster cluster({pool("n", 1, {16000, 64 * kGi, 8})});
  const NodeResourcesBalancedAllocation balanced{ProfileConfig{}};
  EXPECT_EQ(balanced.score(CycleState{}, pod({4000, 8 * kGi, 0}), cluster, 0), 93);
  // Equal fractions (4 cores = 0.25, 16 Gi = 0.25): std 0 -> 100.
  EXPECT_EQ(balanced.score(CycleState{}, pod({4000, 16 * kGi, 0}), cluster, 0), 100);
  // GPUs count only when configured and requested: cpu 0.25, memory 0.25, gpu 8/8 = 1:
  // mean 0.5, variance (0.0625 + 0.0625 + 0.25) / 3 = 0.125, std 0.3536 -> 64.
  ProfileConfig with_gpu;
  with_gpu.balanced_resources = {{"cpu", 1}, {"memory", 1}, {"nvidia.com/gpu", 1}};
  const NodeResourcesBalancedAllocation balanced_gpu{with_gpu};
  EXPECT_EQ(balanced_gpu.score(CycleState{}, pod({4000, 16 * kGi, 8}), cluster, 0), 64);
  EXPECT_EQ(balanced_gpu.score(CycleState{}, pod({4000, 16 * kGi, 0}), cluster, 0), 100);
}

TEST(TaintTolerationScore, CountsUntoleratedPreferNoScheduleTaintsAndReversesOnNormalize) {
  Cluster cluster({pool("clean", 1, {16000, 64 * kGi, 0}),
                   pool("one", 1, {16000, 64 * kGi, 0}, {{"a", "x", TaintEffect::PreferNoSchedule}}),
                   pool("two", 1, {16000, 64 * kGi, 0},
                        {{"a", "x", TaintEffect::PreferNoSchedule}, {"b", "y", TaintEffect::PreferNoSchedule}})});
  const TaintToleration plugin;
  PodGroupSpec p = pod({1000, kGi, 0});
  std::vector<std::int64_t> scores{plugin.score(CycleState{}, p, cluster, 0), plugin.score(CycleState{}, p, cluster, 1), plugin.score(CycleState{}, p, cluster, 2)};
  EXPECT_EQ(scores, (std::vector<std::int64_t>{0, 1, 2}));
  plugin.normalize(CycleState{}, scores);  // 100 - 100 * count / max
  EXPECT_EQ(scores, (std::vector<std::int64_t>{100, 50, 0}));
  // A toleration for PreferNoSchedule (or for any effect) removes the taint from the count.
  Toleration tol;
  tol.key = "a";
  tol.op = Toleration::Operator::Exists;
  p.tolerations = {only_for(tol, TaintEffect::PreferNoSchedule)};
  EXPECT_EQ(plugin.score(CycleState{}, p, cluster, 2), 1);
  p.tolerations = {only_for(tol, TaintEffect::NoSchedule)};
  EXPECT_EQ(plugin.score(CycleState{}, p, cluster, 2), 2);
  // No preferred taint anywhere: every node scores the maximum after normalizing.
  std::vector<std::int64_t> none{0, 0};
  plugin.normalize(CycleState{}, none);
  EXPECT_EQ(none, (std::vector<std::int64_t>{100, 100}));
}

TEST(NodeResourcesFit, RequestedToCapacityRatioFollowsTheShape) {
  // Shape {0 -> 0, 100 -> 10} (scaled to 0..100) is bin packing. GPU only, node 8 GPUs.
  ProfileConfig c = scoring(ScoringStrategy::RequestedToCapacityRatio, {{"nvidia.com/gpu", 1}});
  c.requested_to_capacity_shape = {{0, 0}, {100, 10}};
  const NodeResourcesFit fit(c);
  Cluster cluster({pool("n", 1, {64000, 256 * kGi, 8})});
  EXPECT_EQ(fit.score(CycleState{}, pod({1000, kGi, 2}), cluster, 0), 25);  // 2/8 = 25 % -> 25
  cluster.allocate(0, {1000, kGi, 4});
  EXPECT_EQ(fit.score(CycleState{}, pod({1000, kGi, 2}), cluster, 0), 75);  // 6/8 = 75 % -> 75
  // A three-point shape: {0 -> 10, 50 -> 0, 100 -> 10}; 75 % lies half-way up the second leg.
  c.requested_to_capacity_shape = {{0, 10}, {50, 0}, {100, 10}};
  EXPECT_EQ(NodeResourcesFit(c).score(CycleState{}, pod({1000, kGi, 2}), cluster, 0), 50);
}

}  // namespace
}  // namespace kubetwin::models
