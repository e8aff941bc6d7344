#include "models/perf/collectives.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "models/perf/collectives_flow_level.hpp"
#include "models/topology/fabric_builder.hpp"

namespace kubetwin::models {
namespace {

constexpr double kMiB = 1 << 20;

FabricSpec rail_optimized(int nodes, double oversubscription = 1) {
  FabricSpec s;
  s.nodes = nodes;
  s.oversubscription = oversubscription;
  return s;
}

FabricSpec classic(int nodes, int per_leaf, double oversubscription) {
  FabricSpec s;
  s.kind = FabricKind::FatTree;
  s.nodes = nodes;
  s.nodes_per_leaf = per_leaf;
  s.oversubscription = oversubscription;
  return s;
}

RoutedCollectiveParameters ideal() {  // no efficiency, no software latency: pure link arithmetic
  RoutedCollectiveParameters p;
  p.nvlink_efficiency = 1;
  p.network_efficiency = 1;
  p.step_latency = 0;
  return p;
}

TEST(RoutedCollectives, MatchTheSimpleModelOnANonBlockingRailOptimizedFabric) {
  // Without link latencies and with the same per-step latency, the hierarchical schedule on an
  // HGX rail-optimized fabric is exactly what AlphaBetaCollectives assumes.
  FabricSpec s = rail_optimized(4);
  s.nvlink_latency = s.pcie_latency = s.network_latency = 0;
  const Fabric f = build_fabric(s);
  RoutedCollectiveParameters p;
  p.step_latency = 5e-6;
  const RoutedCollectives routed(f, f.gpus(), p);
  AlphaBetaParameters ab = AlphaBetaCollectives::for_gpu(*GpuCatalog::builtin().find("H100-SXM-80GB")).parameters();
  ab.nvlink_latency = ab.nic_latency = 5e-6;
  const AlphaBetaCollectives simple(ab);
  for (const CommGroup g : {CommGroup{8, 8}, CommGroup{32, 8}, CommGroup{16, 4}, CommGroup{4, 1}}) {
    SCOPED_TRACE(std::to_string(g.size) + "/" + std::to_string(g.per_node));
    EXPECT_NEAR(routed.all_reduce(256 * kMiB, g), simple.all_reduce(256 * kMiB, g), 1e-9);
    EXPECT_NEAR(routed.all_gather(64 * kMiB, g), simple.all_gather(64 * kMiB, g), 1e-9);
    EXPECT_NEAR(routed.reduce_scatter(64 * kMiB, g), simple.reduce_scatter(64 * kMiB, g), 1e-9);
  }
  EXPECT_NEAR(routed.send_recv(64 * kMiB, true), simple.send_recv(64 * kMiB, true), 1e-9);
  EXPECT_NEAR(routed.send_recv(64 * kMiB, false), simple.send_recv(64 * kMiB, false), 1e-9);
}

TEST(RoutedCollectives, OversubscriptionSlowsOnlyTrafficThatCrossesLeaves) {
  struct Case {
    const char* what;
    FabricSpec spec;
    CollectiveAlgorithm algorithm;
    double slowdown;  // 2:1 over 1:1
  };
  // Rail-optimized, one pod: the hierarchical rings stay on their rail leaf.
  // Classic, one server per leaf: every inter-node byte crosses a half-capacity uplink.
  const std::vector<Case> cases = {
      {"rail-optimized, hierarchical", rail_optimized(4), CollectiveAlgorithm::Hierarchical, 1.0},
      {"classic, hierarchical", classic(4, 1, 1), CollectiveAlgorithm::Hierarchical, 2.0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    FabricSpec over = c.spec;
    over.oversubscription = 2;
    const Fabric a = build_fabric(c.spec), b = build_fabric(over);
    RoutedCollectiveParameters p = ideal();
    p.algorithm = c.algorithm;
    // A 4-rank group per tensor-parallel rank (tp 8): eight of them run at once, one per rail.
    const CommGroup dp{4, 1};
    const double t1 = RoutedCollectives(a, a.gpus(), p).all_reduce(1024 * kMiB, dp);
    const double t2 = RoutedCollectives(b, b.gpus(), p).all_reduce(1024 * kMiB, dp);
    EXPECT_NEAR(t2 / t1, c.slowdown, 0.02 * c.slowdown);
  }
}

TEST(RoutedCollectives, SiblingGroupsShareTheFabric) {
  FabricSpec s = classic(4, 1, 2);
  s.spines_per_pod = 1;  // no ECMP collisions: the uplink is shared evenly
  const Fabric f = build_fabric(s);
  RoutedCollectiveParameters alone = ideal();
  alone.concurrent_groups = false;
  const double shared = RoutedCollectives(f, f.gpus(), ideal()).all_reduce(256 * kMiB, {4, 1});
  const double single = RoutedCollectives(f, f.gpus(), alone).all_reduce(256 * kMiB, {4, 1});
  // One flow per NIC is NIC-bound; eight share the leaf's 200 GB/s of uplink: 25 GB/s each.
  EXPECT_NEAR(shared / single, 2.0, 0.01);
}

TEST(RoutedCollectives, TreeWinsOnSmallMessagesRingOnLargeOnes) {
  const Fabric f = build_fabric(rail_optimized(4));
  const std::vector<VertexId> ranks(f.gpus().begin(), f.gpus().end());
  const RoutedCollectiveParameters p;
  auto time = [&](CollectiveAlgorithm a, double bytes) {
    return schedule_seconds(f, plan_collective(CollectiveOp::AllReduce, a, f, ranks, bytes), p);
  };
  EXPECT_LT(time(CollectiveAlgorithm::Tree, 4096), time(CollectiveAlgorithm::Ring, 4096));
  EXPECT_GT(time(CollectiveAlgorithm::Tree, 256 * kMiB), time(CollectiveAlgorithm::Ring, 256 * kMiB));
  // Hierarchical beats a flat ring: the flat ring's node-crossing hops change rails at the spine.
  EXPECT_LT(time(CollectiveAlgorithm::Hierarchical, 256 * kMiB), time(CollectiveAlgorithm::Ring, 256 * kMiB));
}

TEST(RoutedCollectives, SchedulesMoveTheTextbookVolumes) {
  const Fabric f = build_fabric(rail_optimized(2));
  const std::vector<VertexId> ranks(f.gpus().begin(), f.gpus().end());
  auto bytes_sent = [&](CollectiveOp op, CollectiveAlgorithm a) {
    double total = 0;
    for (const CommStep& s : plan_collective(op, a, f, ranks, 1600)) {
      for (const Transfer& t : s.transfers) total += s.repeat * t.bytes;
    }
    return total / 16;  // per rank
  };
  // Ring all-reduce: 2 (n-1)/n of the buffer per rank; all-to-all: (n-1)/n.
  EXPECT_NEAR(bytes_sent(CollectiveOp::AllReduce, CollectiveAlgorithm::Ring), 2.0 * 15 / 16 * 1600, 1e-9);
  EXPECT_NEAR(bytes_sent(CollectiveOp::AllGather, CollectiveAlgorithm::Ring), 15.0 / 16 * 1600, 1e-9);
  EXPECT_NEAR(bytes_sent(CollectiveOp::AllToAll, CollectiveAlgorithm::Ring), 15.0 / 16 * 1600, 1e-9);
  // Hierarchical: (7/8 + 1/16) of the buffer per half, inside then across nodes.
  EXPECT_NEAR(bytes_sent(CollectiveOp::ReduceScatter, CollectiveAlgorithm::Hierarchical), (7.0 / 8 + 1.0 / 16) * 1600, 1e-9);
  EXPECT_EQ(plan_collective(CollectiveOp::AllReduce, CollectiveAlgorithm::Tree, f, ranks, 1600).size(), 8u);  // 2 x depth 4
}

// --- The two fidelities side by side -----------------------------------------------------------
// Each TEST runs in its own process (one SimGrid engine each) and times a set of collectives with
// both models; the analytic time must be within 10% of SimGrid's. The table printed here is the
// one in docs/topology.md.

struct AgreementCase {
  CollectiveOp op;
  CollectiveAlgorithm algorithm;
  double bytes;
};

void expect_agreement(const char* fabric_name, const Fabric& f, const std::vector<AgreementCase>& cases) {
  const RoutedCollectiveParameters p;  // shipped efficiencies and latencies
  FlowLevelCollectives flow(f, f.gpus(), p);
  const std::vector<VertexId> ranks(f.gpus().begin(), f.gpus().end());
  for (const AgreementCase& c : cases) {
    const CommSchedule s = plan_collective(c.op, c.algorithm, f, ranks, c.bytes);
    const double analytic = schedule_seconds(f, s, p);
    const double simgrid = flow.run(s);
    const double error = analytic / simgrid - 1;
    std::printf("agreement | %s | %s %s %.0f MiB | analytic %.6f s | simgrid %.6f s | %+.2f%%\n", fabric_name,
                to_string(c.algorithm), to_string(c.op), c.bytes / kMiB, analytic, simgrid, 100 * error);
    EXPECT_LT(std::abs(error), 0.10) << to_string(c.algorithm) << " " << to_string(c.op);
  }
}

const std::vector<AgreementCase> kCases = {
    {CollectiveOp::AllReduce, CollectiveAlgorithm::Hierarchical, 256 * kMiB},
    {CollectiveOp::AllReduce, CollectiveAlgorithm::Ring, 256 * kMiB},
    {CollectiveOp::AllReduce, CollectiveAlgorithm::Tree, 1 * kMiB},
    {CollectiveOp::AllReduce, CollectiveAlgorithm::Hierarchical, 1 * kMiB},
    {CollectiveOp::AllGather, CollectiveAlgorithm::Hierarchical, 256 * kMiB},
    {CollectiveOp::ReduceScatter, CollectiveAlgorithm::Ring, 256 * kMiB},
    {CollectiveOp::AllToAll, CollectiveAlgorithm::Ring, 64 * kMiB},
    {CollectiveOp::SendRecv, CollectiveAlgorithm::Ring, 64 * kMiB},
};

TEST(FlowLevelAgreement, TwoHgxNodesRailOptimized) {
  expect_agreement("2x8 rail-optimized 1:1", build_fabric(rail_optimized(2)), kCases);
}

TEST(FlowLevelAgreement, FourNodesRailOptimizedTwoToOneAcrossPods) {
  FabricSpec s = rail_optimized(4, 2);
  s.nodes_per_pod = 2;  // half the traffic of a flat ring crosses the core
  expect_agreement("4x8 rail-optimized 2:1, 2 pods", build_fabric(s), kCases);
}

TEST(FlowLevelAgreement, FourNodesClassicFatTreeTwoToOne) {
  expect_agreement("4x8 fat-tree 2:1, 2 nodes/leaf", build_fabric(classic(4, 2, 2)), kCases);
}

TEST(FlowLevelAgreement, RepeatedRunsOnOneEngineTakeTheSameTime) {
  const Fabric f = build_fabric(rail_optimized(2));
  FlowLevelCollectives flow(f, f.gpus());
  const std::vector<VertexId> ranks(f.gpus().begin(), f.gpus().end());
  const CommSchedule s = plan_collective(CollectiveOp::AllReduce, CollectiveAlgorithm::Hierarchical, f, ranks, 64 * kMiB);
  const double first = flow.run(s);
  EXPECT_GT(first, 0);
  EXPECT_NEAR(flow.run(s), first, 1e-9 * first);
}

}  // namespace
}  // namespace kubetwin::models
