// The cluster autoscaler in virtual time: when it scales up, by how much, onto which pool, and
// when it scales down, with upstream's default intervals (scan 10 s, unneeded 10 min, delay after
// add 10 min) and a 120 s provisioning delay.

#include "models/autoscaling/cluster_autoscaler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

NodePoolSpec autoscaled(std::string name, int initial, int min, int max, int gpus = 8) {
  NodePoolSpec p = gpu_pool(std::move(name), initial);
  p.capacity.gpus = gpus;
  p.autoscaling = PoolAutoscaling{min, max};
  return p;
}

struct Recorder {
  std::vector<std::pair<double, int>> ups;  // time, nodes
  std::vector<std::string> up_pools;
  std::vector<double> added, removed;
  Recorder(ClusterAutoscaler& ca, Harness& h) {
    ca.scaled_up.connect([this, &h](std::size_t pool, int nodes, double) {
      ups.emplace_back(h.engine.now(), nodes);
      up_pools.push_back(h.cluster.pool(pool).name);
    });
    ca.node_added.connect([this, &h](NodeIndex) { added.push_back(h.engine.now()); });
    ca.node_removed.connect([this, &h](NodeIndex) { removed.push_back(h.engine.now()); });
  }
};

TEST(ClusterAutoscaler, AddsANodeForAnUnschedulablePodAndRemovesItWhenUnneeded) {
  Harness h({autoscaled("gpu", 0, 0, 4)});
  ClusterAutoscaler ca(h.engine, h.cluster, h.cp, ClusterAutoscalerConfig{}, h.streams.stream("autoscaler"));
  Recorder r(ca, h);
  h.submit_at(0, JobBuilder("j", 8).duration(100));
  h.engine.run();
  ASSERT_EQ(r.ups.size(), 1u);
  EXPECT_EQ(r.ups[0], (std::pair<double, int>{10, 1}));  // first scan after the failed attempt
  EXPECT_EQ(r.added, (std::vector<double>{130}));        // 120 s to provision
  EXPECT_EQ(h.started.at("j"), 130);
  EXPECT_EQ(h.completed.at("j"), 230);
  // Empty from 230 (the completion runs before the scan of the same instant); removed at the
  // first scan 10 min later.
  EXPECT_EQ(r.removed, (std::vector<double>{830}));
  EXPECT_EQ(h.cluster.existing_nodes(), 0u);
  EXPECT_EQ(h.engine.now(), 830);  // nothing left to do: the scan loop stops, the run ends
  EXPECT_EQ(h.unschedulable.size(), 1u);
  EXPECT_EQ(h.unschedulable[0].second, "0/0 nodes are available.");
}

TEST(ClusterAutoscaler, BinPacksPendingPodsAndStaysWithinTheMaximum) {
  Harness h({autoscaled("gpu", 0, 0, 2)});
  ClusterAutoscaler ca(h.engine, h.cluster, h.cp, ClusterAutoscalerConfig{}, h.streams.stream("autoscaler"));
  Recorder r(ca, h);
  // 3 x 4 GPUs fit on 2 nodes; 3 x 8 GPUs would need 3 but the maximum is 2.
  for (int i = 0; i < 3; ++i) h.submit_at(0, JobBuilder("small-" + std::to_string(i), 4).duration(50));
  h.engine.run(20);
  ASSERT_EQ(r.ups.size(), 1u);
  EXPECT_EQ(r.ups[0].second, 2);
  h.submit_at(200, JobBuilder("big-0", 8).duration(50));
  h.submit_at(200, JobBuilder("big-1", 8).duration(50));
  h.submit_at(200, JobBuilder("big-2", 8).duration(50));
  h.engine.run();
  EXPECT_EQ(r.ups.size(), 1u);  // never more than 2 nodes
  EXPECT_EQ(h.started.at("big-0"), 200);
  EXPECT_EQ(h.started.at("big-1"), 200);
  EXPECT_EQ(h.started.at("big-2"), 250);  // waits for a node to free
}

TEST(ClusterAutoscaler, NodesBeingProvisionedCountBeforeMoreAreAdded) {
  Harness h({autoscaled("gpu", 0, 0, 10)});
  ClusterAutoscaler ca(h.engine, h.cluster, h.cp, ClusterAutoscalerConfig{}, h.streams.stream("autoscaler"));
  Recorder r(ca, h);
  h.submit_at(0, JobBuilder("a", 8).duration(100));
  h.submit_at(15, JobBuilder("b", 4).duration(100));
  h.submit_at(16, JobBuilder("c", 4).duration(100));
  h.engine.run();
  // a: one node at 10. b and c (4 + 4) at 20: one more node, not two, and none for a again.
  EXPECT_EQ(r.ups, (std::vector<std::pair<double, int>>{{10, 1}, {20, 1}}));
}

TEST(ClusterAutoscaler, LeastWasteExpanderPicksThePoolThatFitsBest) {
  Harness h({autoscaled("big", 0, 0, 4, 8), autoscaled("small", 0, 0, 4, 2)});
  ClusterAutoscalerConfig cfg;
  cfg.expander = Expander::LeastWaste;
  ClusterAutoscaler ca(h.engine, h.cluster, h.cp, cfg, h.streams.stream("autoscaler"));
  Recorder r(ca, h);
  h.submit_at(0, JobBuilder("two-gpus", 2).duration(10));
  h.engine.run();
  EXPECT_EQ(r.up_pools, (std::vector<std::string>{"small"}));
}

TEST(ClusterAutoscaler, NeverShrinksBelowTheMinimumNorAddsForPodsNoTemplateFits) {
  Harness h({autoscaled("gpu", 2, 2, 4)});
  ClusterAutoscaler ca(h.engine, h.cluster, h.cp, ClusterAutoscalerConfig{}, h.streams.stream("autoscaler"));
  Recorder r(ca, h);
  h.submit_at(0, JobBuilder("too-wide", 16).duration(10));  // no 8-GPU node holds a 16-GPU pod
  h.submit_at(0, JobBuilder("fits", 8).duration(10));
  h.engine.run(2000);
  EXPECT_TRUE(r.ups.empty());
  EXPECT_TRUE(r.removed.empty());
  EXPECT_EQ(h.cluster.existing_nodes(), 2u);
  EXPECT_EQ(h.failed.at("too-wide").first, "ExceedsClusterCapacity");
}

}  // namespace
}  // namespace kubetwin::models
