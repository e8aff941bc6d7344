// The placement-aware step time: a job's collectives timed on the routes of the GPUs it got.
#include "models/perf/job_runtime_model.hpp"

#include <gtest/gtest.h>

#include "models/perf/fabric_contention.hpp"
#include "models/testing/builders.hpp"
#include "models/topology/fabric_builder.hpp"

namespace kubetwin::models {
namespace {

constexpr double kBytes = 80e9;             // large: latencies are below 1e-4 of the time
constexpr double kNvlink = 450e9 * 0.8;     // H100 NVLink per direction x NCCL efficiency
constexpr double kNic = 50e9 * 0.9;         // 400 Gb/s x efficiency

// A classic fat-tree with one server per leaf and a single spine, so every cross-node flow takes
// the leaf's one uplink (no ECMP imbalance) and the oversubscription is the only variable.
FabricSpec one_node_per_leaf(double oversubscription) {
  FabricSpec s;
  s.kind = FabricKind::FatTree;
  s.nodes = 2;
  s.nodes_per_leaf = 1;
  s.spines_per_pod = 1;
  s.oversubscription = oversubscription;
  s.nvlink_latency = s.pcie_latency = s.network_latency = 0;
  return s;
}

JobSpec all_reduce_job(int gpus_per_pod, int pods) {
  JobSpec j;
  j.id = "j";
  PodGroupSpec g;
  g.replicas = pods;
  g.requests = {8000, 64 * testing::kGi, gpus_per_pod};
  j.pods.push_back(g);
  SimplePerf s;
  s.comm_bytes = kBytes;
  PerfProfile p;
  p.shape = s;
  p.iterations = 10;
  j.perf = p;
  return j;
}

struct World {
  explicit World(double oversubscription)
      : fabric(build_fabric(one_node_per_leaf(oversubscription))),
        index(fabric, 8),
        cluster({testing::pool("gpu", 2, {256000, 2048 * testing::kGi, 8})}),
        model(GpuCatalog::builtin(), 0.4, &index) {}
  Fabric fabric;
  FabricIndex index;
  Cluster cluster;
  JobRuntimeModel model;
};

TEST(PlacementRuntime, SpreadingOverTwoLeavesCostsTheNetworkPhase) {
  World w(2.0);
  const JobSpec one = all_reduce_job(8, 1), spread = all_reduce_job(4, 2);
  // One node: ring reduce-scatter and all-gather over NVLink, 2 x 7/8 of the buffer.
  const double alone = 2 * 7.0 / 8 * kBytes / kNvlink;
  EXPECT_NEAR(w.model.predict_step(one, {0}, w.cluster).step_seconds, alone, 2e-4 * alone);  // + 14 step latencies
  // Two nodes of 4 on two leaves: the node ring on 3/4 of the buffer, then 4 rings across the
  // leaves on a quarter each, halved per step; 4 NICs fill exactly the leaf's 2:1 uplink.
  const double two = 2 * (3.0 / 4 * kBytes / kNvlink + kBytes / 8 / kNic);
  const StepPrediction p = w.model.predict_step(spread, {0, 1}, w.cluster);
  EXPECT_NEAR(p.step_seconds, two, 1e-4 * two);
  EXPECT_NEAR(p.step_seconds / alone, 2.0, 1e-3);  // the expected factor: 2x
  // The network-bound part is the cross-leaf phase.
  EXPECT_NEAR(p.network_seconds, 2 * kBytes / 8 / kNic, 1e-3 * p.network_seconds);
  EXPECT_DOUBLE_EQ(w.model.run_seconds(spread, {0, 1}, w.cluster), 10 * p.step_seconds);
}

TEST(PlacementRuntime, TwoToOneUplinksHalveTheCrossLeafRate) {
  const JobSpec job = all_reduce_job(8, 2);
  World full(1.0), half(2.0);
  // 8 NICs into one uplink: at 1:1 each flow gets its NIC rate, at 2:1 half of it.
  const double intra = 2 * 7.0 / 8 * kBytes / kNvlink;
  const double at_1 = intra + 2 * kBytes / 16 / kNic, at_2 = intra + 2 * kBytes / 16 / (kNic / 2);
  EXPECT_NEAR(full.model.predict_step(job, {0, 1}, full.cluster).step_seconds, at_1, 1e-4 * at_1);
  EXPECT_NEAR(half.model.predict_step(job, {0, 1}, half.cluster).step_seconds, at_2, 1e-4 * at_2);
  EXPECT_EQ(full.model.name(), JobRuntimeModel::kPlacementName);
}

TEST(PlacementRuntime, MemoizedByPlacementSignature) {
  FabricSpec s;
  s.kind = FabricKind::FatTree;
  s.nodes = 8;
  s.nodes_per_leaf = 2;
  s.oversubscription = 2;
  const Fabric fabric = build_fabric(s);
  const FabricIndex index(fabric, 8);
  const Cluster cluster({testing::pool("gpu", 8, {256000, 2048 * testing::kGi, 8})});
  const JobRuntimeModel model(GpuCatalog::builtin(), 0.4, &index);
  const JobSpec job = all_reduce_job(8, 2);
  // Nodes 0+2, 4+6, 1+7: one node on each of two leaves, the same signature.
  const double t = model.predict_step(job, {0, 2}, cluster).step_seconds;
  EXPECT_EQ(model.predict_step(job, {4, 6}, cluster).step_seconds, t);
  EXPECT_EQ(model.predict_step(job, {7, 1}, cluster).step_seconds, t);
  EXPECT_EQ(model.step_evaluations(), 1u);
  // Both on one leaf: another signature, and no uplink to share.
  EXPECT_LT(model.predict_step(job, {2, 3}, cluster).step_seconds, t * 1.0000001);
  EXPECT_EQ(model.step_evaluations(), 2u);
}

TEST(PlacementRuntime, WithoutFabricUsesAlphaBeta) {
  const Cluster cluster({testing::pool("gpu", 2, {256000, 2048 * testing::kGi, 8})});
  const JobRuntimeModel model(GpuCatalog::builtin(), 0.4);
  const double one = model.predict_step(all_reduce_job(8, 1), {0}, cluster).step_seconds;
  EXPECT_NEAR(one, 2 * 7.0 / 8 * kBytes / kNvlink, 1e-3 * one);
  EXPECT_EQ(model.name(), JobRuntimeModel::kName);
}

TEST(FabricContention, SharesAnOversubscribedUplinkByDemand) {
  FabricSpec s;
  s.kind = FabricKind::FatTree;
  s.nodes = 4;
  s.nodes_per_leaf = 2;
  s.spines_per_pod = 1;
  s.oversubscription = 2;
  const Fabric fabric = build_fabric(s);
  const FabricIndex index(fabric, 8);
  const std::vector<int> all{0, 1, 2, 3, 4, 5, 6, 7};
  // A leaf of two servers: 16 x 50 GB/s down, 400 GB/s up at 2:1, x 0.9 achieved.
  EXPECT_DOUBLE_EQ(index.capacity(index.leaf_up(0)), 360e9);
  const auto a = job_demands(index, std::vector<int>{0, 2}, std::vector<std::vector<int>>{all, all});
  ASSERT_EQ(a.size(), 4u);  // leaf 0 and 1, up and down
  for (const auto& d : a) EXPECT_DOUBLE_EQ(d.rate, 8 * kNic);
  FabricContention c(index);
  EXPECT_TRUE(c.add(1, a).empty());  // alone it fits exactly
  const auto both = c.add(2, job_demands(index, std::vector<int>{1, 3}, std::vector<std::vector<int>>{all, all}));
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].job, 1u);
  EXPECT_DOUBLE_EQ(both[0].new_slowdown, 2.0);
  EXPECT_EQ(both[1].job, 2u);
  const auto after = c.remove(2);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_DOUBLE_EQ(after[0].new_slowdown, 1.0);
  // Half a node's GPUs: half the demand.
  const auto small = job_demands(index, std::vector<int>{1, 3}, std::vector<std::vector<int>>{{0, 1, 2, 3}, {0, 1, 2, 3}});
  for (const auto& d : small) EXPECT_DOUBLE_EQ(d.rate, 4 * kNic);
  const auto mixed = c.add(3, small);
  // Water-filling: 180 each, so the full job (360) slows by 2 and the small one (180) not at all.
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_DOUBLE_EQ(mixed[0].new_slowdown, 2.0);
  EXPECT_DOUBLE_EQ(c.slowdown(3), 1.0);
}

// The loads the run folder records (fabric-usage.jsonl): shares summed per resource, and demands.
TEST(FabricContention, ReportsEachResourcesLoadAndDemand) {
  FabricSpec s;
  s.kind = FabricKind::FatTree;
  s.nodes = 4;
  s.nodes_per_leaf = 2;
  s.spines_per_pod = 1;
  s.oversubscription = 2;
  const Fabric fabric = build_fabric(s);
  const FabricIndex index(fabric, 8);
  EXPECT_EQ(index.leaves(), 2);
  EXPECT_EQ(index.block_of_leaf(1), 0);
  EXPECT_EQ(fabric.vertex(index.leaf_vertex(1)).kind, VertexKind::Leaf);
  const std::vector<int> all{0, 1, 2, 3, 4, 5, 6, 7};
  FabricContention c(index);
  const std::size_t up = index.leaf_up(0);
  EXPECT_EQ(c.load(up), 0.0);
  (void)c.add(1, job_demands(index, std::vector<int>{0, 2}, std::vector<std::vector<int>>{all, all}));
  EXPECT_DOUBLE_EQ(c.load(up), 360e9);  // 8 NICs x 45 GB/s: exactly the uplink
  EXPECT_EQ(c.demands(1).size(), 4u);
  (void)c.add(2, job_demands(index, std::vector<int>{1, 3}, std::vector<std::vector<int>>{all, all}));
  EXPECT_DOUBLE_EQ(c.load(up), 360e9);    // shared, never above capacity
  EXPECT_DOUBLE_EQ(c.demand(up), 720e9);  // both would push 360 alone
  (void)c.remove(1);
  EXPECT_DOUBLE_EQ(c.load(up), 360e9);
  EXPECT_DOUBLE_EQ(c.demand(up), 360e9);
  EXPECT_TRUE(c.demands(1).empty());
}

}  // namespace
}  // namespace kubetwin::models
