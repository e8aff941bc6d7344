#include "models/k8s/node_lifecycle.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/testing/control_plane_harness.hpp"

// Times worked out by hand: zero control-plane timing, grace period 40 s, tolerationSeconds 300.

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

struct Recorder {
  std::vector<std::pair<double, std::string>> events;  // time, what
};

TEST(NodeLifecycle,
     NotReadyNodeIsTaintedAfterTheGracePeriodAndItsPodsEvictedAfterTheTolerationSeconds) {
  Harness h({gpu_pool("h100", 2)});
  // h100-1 is filled by a pinned job; `train` lands on h100-0, which stops reporting at 100 for
  // 1000 s.
  NodeLifecycleController nl(h.engine, h.cluster, h.cp, {}, {NodeFault{0, 100, 1000, false}});
  Recorder r;
  nl.node_not_ready.connect([&](NodeIndex n, std::string_view taint) {
    r.events.emplace_back(h.engine.now(),
                          "NotReady " + h.cluster.node_name(n) + " " + std::string(taint));
  });
  nl.node_ready.connect([&](NodeIndex n) {
    r.events.emplace_back(h.engine.now(), "Ready " + h.cluster.node_name(n));
  });
  nl.pod_evicted.connect([&](const JobState& j, std::size_t pod, NodeIndex) {
    r.events.emplace_back(h.engine.now(), "Evicted " + j.pod_name(pod));
  });
  h.submit_at(0, JobBuilder("filler", 8).duration(5000).select("kubernetes.io/hostname", "h100-1"));
  h.submit_at(1, JobBuilder("train", 4).duration(1000));
  // A pod tolerating not-ready is still scheduled onto the tainted node and never evicted.
  h.submit_at(200,
              JobBuilder("tolerant", 4).duration(100).tolerate("node.kubernetes.io/not-ready"));
  h.at(150, [&] { EXPECT_FALSE(nl.is_ready(0)); });
  h.engine.run();

  ASSERT_EQ(r.events.size(), 3u);
  EXPECT_EQ(r.events[0],
            (std::pair<double, std::string>{140, "NotReady h100-0 node.kubernetes.io/not-ready"}));
  EXPECT_EQ(r.events[1], (std::pair<double, std::string>{440, "Evicted train-worker-0"}));
  EXPECT_EQ(r.events[2], (std::pair<double, std::string>{1100, "Ready h100-0"}));
  EXPECT_EQ(h.bind_times("tolerant"), std::vector<double>{200});
  EXPECT_EQ(h.completed.at("tolerant"), 300);
  // Evicted at 440 with nowhere to go (h100-1 full, h100-0 tainted), back on h100-0 when Ready.
  EXPECT_EQ(h.bind_times("train"), (std::vector<double>{1, 1100}));
  EXPECT_EQ(h.completed.at("train"), 2100);
  bool taint_reported = false;
  for (const auto& [job, message] : h.unschedulable) {
    if (job == "train")
      taint_reported =
          message.find("untolerated taint {node.kubernetes.io/not-ready: }") != std::string::npos;
  }
  EXPECT_TRUE(taint_reported) << "FailedScheduling names the TaintToleration verdict";
}

TEST(NodeLifecycle, AFaultShorterThanTheGracePeriodGoesUnnoticed) {
  Harness h({gpu_pool("h100", 1)});
  NodeLifecycleController nl(h.engine, h.cluster, h.cp, {}, {NodeFault{0, 100, 30, false}});
  int changes = 0;
  nl.node_not_ready.connect([&](NodeIndex, std::string_view) { ++changes; });
  nl.node_ready.connect([&](NodeIndex) { ++changes; });
  h.submit_at(0, JobBuilder("train", 8).duration(1000));
  h.engine.run();
  EXPECT_EQ(changes, 0);
  EXPECT_EQ(h.completed.at("train"), 1000);
}

TEST(NodeLifecycle, APermanentlyUnreachableNodeKeepsItsTaintAndRecoveryBeforeEvictionKeepsThePods) {
  Harness h({gpu_pool("h100", 2)});
  // h100-0 unreachable for good from 10; h100-1 NotReady from 10 for 200 s: back before eviction
  // (350).
  NodeLifecycleController nl(h.engine, h.cluster, h.cp, {},
                             {NodeFault{0, 10, std::nullopt, true}, NodeFault{1, 10, 200, false}});
  h.submit_at(0, JobBuilder("a", 8).duration(1000).select("kubernetes.io/hostname", "h100-1"));
  h.engine.run();
  EXPECT_FALSE(nl.is_ready(0));
  EXPECT_TRUE(nl.is_ready(1));
  ASSERT_EQ(h.cluster.node_taints(0).size(), 2u);
  EXPECT_EQ(h.cluster.node_taints(0)[0].key, "node.kubernetes.io/unreachable");
  EXPECT_EQ(h.completed.at("a"), 1000) << "recovered before tolerationSeconds ran out: not evicted";
}

}  // namespace
}  // namespace kubetwin::models
