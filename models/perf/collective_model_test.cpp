#include "models/perf/collective_model.hpp"

#include <gtest/gtest.h>

namespace kubetwin::models {
namespace {

AlphaBetaParameters simple() {
  AlphaBetaParameters p;
  p.nvlink_bandwidth = 100e9;
  p.nic_bandwidth = 10e9;
  p.nvlink_efficiency = 1;
  p.nic_efficiency = 1;
  p.nvlink_latency = 1e-6;
  p.nic_latency = 2e-6;
  return p;
}

TEST(AlphaBetaCollectives, RingAllReduceInsideANodeIsTwoTimesNMinusOneOverN) {
  const AlphaBetaCollectives c(simple());
  const double bytes = 1e9;
  // 2 (n-1) steps of bytes/n each (Patarasuk & Yuan 2009).
  EXPECT_NEAR(c.all_reduce(bytes, {8, 8}), 2 * 7 * (1e-6 + bytes / 8 / 100e9), 1e-12);
  EXPECT_NEAR(c.all_gather(bytes, {8, 8}), 7 * (1e-6 + bytes / 8 / 100e9), 1e-12);
  EXPECT_DOUBLE_EQ(c.reduce_scatter(bytes, {8, 8}), c.all_gather(bytes, {8, 8}));
  EXPECT_EQ(c.all_reduce(bytes, {1, 1}), 0);
}

TEST(AlphaBetaCollectives, HierarchicalAllReduceSendsOneNodeShareThroughEachNic) {
  const AlphaBetaCollectives c(simple());
  const double bytes = 8e9;
  // 4 nodes x 8 GPUs: NVLink reduce-scatter, a 4-rank ring on bytes/8 per NIC, NVLink all-gather.
  const double intra = 7 * (1e-6 + bytes / 8 / 100e9);
  const double inter = 3 * (2e-6 + bytes / 8 / 4 / 10e9);
  EXPECT_NEAR(c.all_reduce(bytes, {32, 8}), 2 * (intra + inter), 1e-12);
  // Spreading the same group over more nodes (fewer per node) is slower.
  EXPECT_GT(c.all_reduce(bytes, {32, 4}), c.all_reduce(bytes, {32, 8}));
  EXPECT_GT(c.all_reduce(bytes, {32, 1}), c.all_reduce(bytes, {32, 4}));
}

TEST(AlphaBetaCollectives, AllToAllIsBoundByTheSlowerOfNvlinkAndNic) {
  const AlphaBetaCollectives c(simple());
  const double bytes = 16e9;
  EXPECT_NEAR(c.all_to_all(bytes, {8, 8}), 7 * bytes / 8 / 100e9 + 7e-6, 1e-12);
  // 16 ranks, 8 per node: half the data crosses the NIC.
  EXPECT_NEAR(c.all_to_all(bytes, {16, 8}), 8 * bytes / 16 / 10e9 + 2e-6, 1e-12);
}

TEST(AlphaBetaCollectives, SendRecvUsesNvlinkInsideANode) {
  const AlphaBetaCollectives c(simple());
  EXPECT_NEAR(c.send_recv(1e9, true), 1e-6 + 1e9 / 100e9, 1e-12);
  EXPECT_NEAR(c.send_recv(1e9, false), 2e-6 + 1e9 / 10e9, 1e-12);
}

TEST(AlphaBetaCollectives, ForGpuTakesNvlinkPerDirectionFromTheCatalog) {
  const GpuSpec* h100 = GpuCatalog::builtin().find("H100-SXM-80GB");
  const AlphaBetaCollectives c = AlphaBetaCollectives::for_gpu(*h100, 400e9);
  EXPECT_DOUBLE_EQ(c.parameters().nvlink_bandwidth, 450e9);
  EXPECT_DOUBLE_EQ(c.parameters().nic_bandwidth, 50e9);
}

}  // namespace
}  // namespace kubetwin::models
