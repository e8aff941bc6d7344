#include "models/k8s/gpu_driver_stack.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/testing/control_plane_harness.hpp"

// Times worked out by hand: zero control-plane timing, GFD sleepInterval 60 s (ticks at 60, 120,
// 180, ...), 8-GPU pods that each fill a node.

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

const DriverVersions kOld{"535.104.05", {12, 2}, "1.14.6"};
const DriverVersions kNew{"550.54.15", {12, 4}, "1.16.2"};

JobSpec needs_cuda(JobBuilder b, CudaVersion v) {
  JobSpec s = b;
  for (auto& g : s.pods) g.requires_cuda = v;
  return s;
}

struct Recorder {
  std::vector<std::pair<double, std::string>> events;
  void connect(sim::Engine& engine, GpuDriverStack& stack, const Cluster& cluster) {
    stack.driver_upgraded.connect([&, this](std::size_t p, const DriverVersions& from, const DriverVersions& to) {
      events.emplace_back(engine.now(), "Upgraded " + cluster.pool(p).name + " " + from.driver + "->" + to.driver);
    });
    stack.drift_detected.connect([&, this](std::size_t p, const DriverVersions& adv, const DriverVersions& now) {
      events.emplace_back(engine.now(), "Drift " + cluster.pool(p).name + " " + adv.cuda.text() + "!=" + now.cuda.text());
    });
    stack.drift_resolved.connect([&, this](std::size_t p, const DriverVersions& v, double seconds) {
      events.emplace_back(engine.now(), "Resolved " + cluster.pool(p).name + " " + v.cuda.text() + " after " +
                                            std::to_string(static_cast<int>(seconds)));
    });
    stack.pod_checked.connect([&, this](const JobState& j, std::size_t pod, CudaCompatibility c, const std::optional<DriverVersions>&) {
      events.emplace_back(engine.now(), std::string(compatibility_name(c)) + " " + j.pod_name(pod) + " on " +
                                            cluster.node_name(j.pod_nodes[pod]));
    });
  }
};

GpuDriverConfig config(bool oneshot) {
  GpuDriverConfig c;
  c.pools = {kOld, kNew, std::nullopt};  // legacy, current, unknown
  c.upgrades = {DriverUpgrade{0, 130, kNew}};
  c.discovery.oneshot = oneshot;
  return c;
}

TEST(GpuDriverStack, LabelsFollowAnUpgradeAtGfdsNextTickAndPodsNeedingTheNewCudaWaitForThem) {
  Harness h({gpu_pool("legacy", 2), gpu_pool("current", 1), gpu_pool("unknown", 1)});
  GpuDriverStack stack(h.engine, h.cluster, h.cp, config(false));
  Recorder r;
  r.connect(h.engine, stack, h.cluster);
  // a and b take the current pool in turn (0-100, 100-200); c finds the legacy pool labelled
  // CUDA 12.4 at GFD's tick at 180, after the upgrade at 130. plain goes anywhere (the unknown pool's
  // node is filled first by `pin`).
  h.submit_at(0, needs_cuda(JobBuilder("a", 8), {12, 4}));
  h.submit_at(10, needs_cuda(JobBuilder("b", 8), {12, 4}));
  h.submit_at(20, needs_cuda(JobBuilder("c", 8), {12, 4}));
  h.submit_at(30, JobBuilder("pin", 8).select("kubernetes.io/hostname", "unknown-0"));
  h.at(150, [&] {
    EXPECT_EQ(stack.installed(0), kNew);
    EXPECT_EQ(advertised_driver(h.cluster, 0), kOld);  // GFD has not run since
    EXPECT_EQ(stack.drift_since(0), 130);
  });
  h.engine.run();

  EXPECT_EQ(h.bind_times("a"), std::vector<double>{0});
  EXPECT_EQ(h.bind_times("b"), std::vector<double>{100});
  EXPECT_EQ(h.bind_times("c"), std::vector<double>{180});
  EXPECT_EQ(h.cluster.node_name(h.binds.back().node).substr(0, 6), "legacy");
  EXPECT_EQ(advertised_driver(h.cluster, 1), kNew);
  EXPECT_FALSE(stack.drift_since(0));
  const std::vector<std::pair<double, std::string>> expected = {
      {0, "Compatible a-worker-0 on current-0"},  {30, "Unknown pin-worker-0 on unknown-0"},
      {100, "Compatible b-worker-0 on current-0"}, {130, "Upgraded legacy 535.104.05->550.54.15"},
      {130, "Drift legacy 12.2!=12.4"},            {180, "Resolved legacy 12.4 after 50"},
      {180, "Compatible c-worker-0 on legacy-0"}};
  EXPECT_EQ(r.events, expected);
  EXPECT_EQ(stack.drifts(), 1u);
  EXPECT_EQ(stack.drifts_resolved(), 1u);
  EXPECT_EQ(stack.longest_drift(), 50);
  EXPECT_EQ(stack.checks(CudaCompatibility::Unknown), 1u);
  EXPECT_EQ(h.completed.size(), 4u);
}

TEST(GpuDriverStack, OneshotGfdNeverRelabelsSoTheDriftStaysAndTheUpgradedPoolIsNeverUsed) {
  Harness h({gpu_pool("legacy", 2), gpu_pool("current", 1), gpu_pool("unknown", 1)});
  GpuDriverStack stack(h.engine, h.cluster, h.cp, config(true));
  h.submit_at(0, needs_cuda(JobBuilder("a", 8), {12, 4}));
  h.submit_at(10, needs_cuda(JobBuilder("b", 8), {12, 4}));
  h.submit_at(20, needs_cuda(JobBuilder("c", 8), {12, 4}));
  h.engine.run();

  EXPECT_EQ(h.bind_times("c"), std::vector<double>{200});  // after b, on the current pool again
  EXPECT_EQ(h.cluster.node_name(h.binds.back().node), "current-0");
  EXPECT_EQ(advertised_driver(h.cluster, 0), kOld);
  EXPECT_EQ(stack.drift_since(0), 130);
  EXPECT_EQ(stack.drifts_resolved(), 0u);
}

TEST(GpuDriverStack, APodStartingOnAnOlderDriverThanItsLabelsSayFailsItsCudaCheck) {
  // The current pool is rolled back to the old driver at 50; until GFD's tick at 60 its labels
  // still advertise CUDA 12.4, so a pod needing 12.4 submitted at 55 is bound there and fails at
  // start; one submitted at 70 waits (no node advertises 12.4 any more).
  Harness h({gpu_pool("legacy", 2), gpu_pool("current", 1)});
  GpuDriverConfig c;
  c.pools = {kOld, kNew};
  c.upgrades = {DriverUpgrade{1, 50, {"535.104.05", {12, 2}, ""}}};  // no toolkit given: it stays 1.16.2
  GpuDriverStack stack(h.engine, h.cluster, h.cp, c);
  std::vector<std::pair<double, CudaCompatibility>> checks;
  stack.pod_checked.connect([&](const JobState&, std::size_t, CudaCompatibility r, const std::optional<DriverVersions>&) {
    checks.emplace_back(h.engine.now(), r);
  });
  h.submit_at(55, needs_cuda(JobBuilder("early", 8), {12, 4}));
  h.submit_at(70, needs_cuda(JobBuilder("late", 8), {12, 4}));
  h.engine.run(1000);

  EXPECT_EQ(h.bind_times("early"), std::vector<double>{55});
  EXPECT_EQ(checks, (std::vector<std::pair<double, CudaCompatibility>>{{55, CudaCompatibility::Incompatible}}));
  EXPECT_FALSE(h.completed.contains("early"));
  EXPECT_FALSE(h.cp.live_jobs().empty());  // late still pending
  EXPECT_TRUE(h.bind_times("late").empty());
  EXPECT_FALSE(h.failed.contains("late"));  // waits: labels may change, it is not impossible
  EXPECT_EQ(stack.checks(CudaCompatibility::Incompatible), 1u);
  EXPECT_EQ(stack.longest_drift(), 10);
  EXPECT_EQ(stack.installed(1), (DriverVersions{"535.104.05", {12, 2}, "1.16.2"}));
  EXPECT_EQ(advertised_driver(h.cluster, 2), stack.installed(1));
}

}  // namespace
}  // namespace kubetwin::models
