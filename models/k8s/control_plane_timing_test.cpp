// The control plane in simulated time (ControlPlaneTiming): the scheduler as a sequential server,
// the binding rate limit, API and watch latency, the kubelet's image pulls and container start,
// the termination grace, and that zero timing changes nothing. Timings are chosen to be exact in
// binary floating point, so the expectations are exact.

#include "models/k8s/control_plane_timing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/k8s/control_plane.hpp"
#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;
using ImagePull = ControlPlane::ImagePull;

constexpr std::int64_t kGB = 1000000000;

/// Cycle 0.125 s, API 0.5 s, watch 0.25 s, 1 GB/s pulls, container start 2 s; nothing else.
ControlPlaneTiming simple_timing() {
  ControlPlaneTiming t;
  t.cycle_base = 0.125;
  t.api_latency = 0.5;
  t.watch_latency = 0.25;
  t.image_pull_bandwidth = 1e9;
  t.container_start = 2;
  return t;
}

std::vector<Harness::Running> running_of(const Harness& h, const std::string& job) {
  std::vector<Harness::Running> out;
  for (const auto& r : h.running) {
    if (r.job == job) out.push_back(r);
  }
  return out;
}

TEST(ControlPlaneTiming, BoundAfterCycleAndApiRunningAfterWatchPullAndStart) {
  Harness h({gpu_pool("h100", 1)}, {}, PluginRegistry::builtin(), simple_timing());
  h.submit_at(0, JobBuilder("a", 1).image("trainer", 4 * kGB).duration(100));
  h.engine.run();
  // Cycle ends 0.125, binding committed 0.625, kubelet sees it 0.875, pull 4 s, start 2 s.
  EXPECT_EQ(h.bind_times("a"), (std::vector<double>{0.625}));
  const auto run = running_of(h, "a");
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0].t, 6.875);
  EXPECT_EQ(run[0].how, ImagePull::Pulled);
  EXPECT_EQ(h.started.at("a"), 6.875);
  EXPECT_EQ(h.completed.at("a"), 106.875);
  EXPECT_EQ(h.cluster.allocated_gpus(), 0);
}

TEST(ControlPlaneTiming, SecondPodOnTheNodeFindsTheImageCached) {
  Harness h({gpu_pool("h100", 1)}, {}, PluginRegistry::builtin(), simple_timing());
  h.submit_at(0, JobBuilder("a", 1).image("trainer", 4 * kGB).duration(100));
  h.submit_at(20, JobBuilder("b", 1).image("trainer", 4 * kGB).duration(100));
  h.engine.run();
  const auto run = running_of(h, "b");
  ASSERT_EQ(run.size(), 1u);
  EXPECT_EQ(run[0].how, ImagePull::Cached);
  EXPECT_EQ(run[0].t, 20 + 0.875 + 2) << "no pull: watch, then container start";
  EXPECT_EQ(h.started.at("b"), 22.875);
}

TEST(ControlPlaneTiming, ConcurrentPodsShareOnePullAndOtherImagesWaitTheirTurn) {
  Harness h({gpu_pool("h100", 1)}, {}, PluginRegistry::builtin(), simple_timing());
  h.submit_at(0, JobBuilder("a", 1).image("trainer", 4 * kGB).duration(100));
  h.submit_at(0, JobBuilder("b", 1).image("trainer", 4 * kGB).duration(100));
  h.submit_at(0, JobBuilder("c", 1).image("server", 2 * kGB).duration(100));
  h.engine.run();
  // The scheduler serves a, b, c one cycle each: bindings committed 0.625, 0.75, 0.875.
  EXPECT_EQ(h.bind_times("b"), (std::vector<double>{0.75}));
  // a pulls from 0.875 to 4.875; b (seen at 1.0) joins that pull instead of starting its own.
  EXPECT_EQ(running_of(h, "a").at(0).t, 6.875);
  EXPECT_EQ(running_of(h, "b").at(0).t, 6.875);
  EXPECT_EQ(running_of(h, "b").at(0).how, ImagePull::Pulled);
  // c's image waits for the node's puller (serialized pulls): 4.875 + 2 s, then start.
  EXPECT_EQ(running_of(h, "c").at(0).t, 8.875);
}

TEST(ControlPlaneTiming, RateLimiterSpacesBindingsAfterTheBurst) {
  ControlPlaneTiming t;
  t.bind_qps = 10;
  t.bind_burst = 2;
  Harness h({gpu_pool("h100", 1)}, {}, PluginRegistry::builtin(), t);
  for (int i = 0; i < 5; ++i) h.submit_at(0, JobBuilder("j" + std::to_string(i), 1).duration(100));
  h.engine.run();
  std::vector<double> times;
  for (const auto& b : h.binds) times.push_back(b.t);
  ASSERT_EQ(times.size(), 5u);
  EXPECT_EQ(times[0], 0);
  EXPECT_EQ(times[1], 0) << "the burst goes out at once";
  EXPECT_DOUBLE_EQ(times[2], 0.1);
  EXPECT_DOUBLE_EQ(times[3], 0.2);
  EXPECT_DOUBLE_EQ(times[4], 0.3);
}

TEST(ControlPlaneTiming, CycleCostSetsTheSchedulersThroughput) {
  ControlPlaneTiming t;
  t.cycle_base = 0.005;
  t.cycle_per_filtered_node = 0.0001;
  t.cycle_per_scored_node = 0.0001;
  // 50 nodes (fewer than 100: all are filtered and scored): 5 ms + 5 ms + 5 ms = 1/66.7 s.
  Harness h({gpu_pool("h100", 50)}, {}, PluginRegistry::builtin(), t);
  for (int i = 0; i < 200; ++i) h.submit_at(0, JobBuilder("j" + std::to_string(i), 1).duration(1000));
  h.engine.run();
  ASSERT_EQ(h.binds.size(), 200u);
  for (std::size_t i = 0; i < h.binds.size(); ++i) {
    EXPECT_NEAR(h.binds[i].t, 0.015 * static_cast<double>(i + 1), 1e-9) << "pod " << i;
  }
  const double rate = 199 / (h.binds.back().t - h.binds.front().t);
  EXPECT_NEAR(rate, 1 / 0.015, 1e-6);
}

TEST(ControlPlaneTiming, EvictionDuringImagePullCancelsThePendingSteps) {
  Harness h({gpu_pool("h100", 1)}, {}, PluginRegistry::builtin(), simple_timing());
  h.submit_at(0, JobBuilder("a", 8).image("huge", 100 * kGB).duration(100));
  // Evicted at 10, in the middle of its 100 s pull; readmitted at 20.
  h.at(10, [&] { ASSERT_TRUE(h.cp.evict_and_gate(0, "hold", "test")); });
  h.at(10.5, [&] {
    EXPECT_EQ(h.cluster.allocated_gpus(), 0);
    EXPECT_EQ(h.cp.pending_pods(), 1);
  });
  h.at(20, [&] { ASSERT_TRUE(h.cp.remove_scheduling_gate(0, "hold")); });
  h.engine.run();
  // The second attempt is seen at 20.875 and joins the pull still under way (ends 100.875).
  const auto run = running_of(h, "a");
  ASSERT_EQ(run.size(), 1u) << "the first attempt's container never starts";
  EXPECT_EQ(run[0].t, 102.875);
  EXPECT_EQ(h.started.at("a"), 102.875);
  EXPECT_EQ(h.start_order.size(), 1u);
  EXPECT_EQ(h.completed.at("a"), 202.875);
  EXPECT_EQ(h.cluster.allocated_gpus(), 0);
  EXPECT_EQ(h.cp.pending_pods(), 0);
}

TEST(ControlPlaneTiming, CompletedPodsHoldTheirNodeForTheTerminationGrace) {
  ControlPlaneTiming t;
  t.termination_grace = 30;
  Harness h({gpu_pool("h100", 1)}, {}, PluginRegistry::builtin(), t);
  h.submit_at(0, JobBuilder("a", 8).duration(100));
  h.submit_at(1, JobBuilder("b", 8).duration(100));
  h.at(110, [&] {
    EXPECT_EQ(h.cluster.allocated_gpus(), 8) << "a's pods are still terminating";
    EXPECT_EQ(h.cp.running_jobs(), 0u);
  });
  h.engine.run();
  EXPECT_EQ(h.completed.at("a"), 100) << "the job is done when its work is";
  EXPECT_EQ(h.started.at("b"), 130);
  EXPECT_EQ(h.cluster.allocated_gpus(), 0);
}

TEST(ControlPlaneTiming, ZeroTimingIsSynchronous) {
  EXPECT_TRUE(ControlPlaneTiming{}.instantaneous());
  EXPECT_FALSE(ControlPlaneTiming::calibrated().instantaneous());
  Harness h({gpu_pool("h100", 2)});
  std::vector<std::string> order;
  h.cp.pod_bound.connect([&](const JobState&, std::size_t pod) { order.push_back("bound" + std::to_string(pod)); });
  h.cp.pod_running.connect([&](const JobState&, std::size_t pod, ImagePull how) {
    order.push_back("running" + std::to_string(pod));
    EXPECT_EQ(how, ImagePull::Pulled) << "each node pulls the image, in no time";
  });
  h.cp.job_started.connect([&](const JobState&) { order.push_back("started"); });
  h.submit_at(5, JobBuilder("a", 8, 2).image("trainer", 4 * kGB).gang().duration(100));
  h.engine.run();
  EXPECT_EQ(h.bind_times("a"), (std::vector<double>{5, 5}));
  EXPECT_EQ(h.started.at("a"), 5);
  EXPECT_EQ(order, (std::vector<std::string>{"bound0", "running0", "bound1", "running1", "started"}));
  EXPECT_EQ(h.cp.scheduler_busy_until(), 0);
}

}  // namespace
}  // namespace kubetwin::models
