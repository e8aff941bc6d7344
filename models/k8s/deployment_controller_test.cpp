#include "models/k8s/deployment_controller.hpp"

#include <gtest/gtest.h>

#include "models/k8s/node_lifecycle.hpp"
#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

TEST(LoadCurve, InterpolatesLinearlyOrHoldsEachStepAndHoldsTheEnds) {
  LoadCurve linear{{{10, 100}, {20, 200}}, false};
  EXPECT_EQ(linear.at(0), 100);
  EXPECT_EQ(linear.at(15), 150);
  EXPECT_EQ(linear.at(30), 200);
  LoadCurve step{{{10, 100}, {20, 200}}, true};
  EXPECT_EQ(step.at(19.9), 100);
  EXPECT_EQ(step.at(20), 200);
}

TEST(DeploymentController, KeepsItsReplicasRunningAndReplacesAnEvictedOneAtOnce) {
  Harness h({gpu_pool("h100", 2)});
  DeploymentController d(h.engine, h.cp, {DeploymentSpec{"svc", 2, JobBuilder("svc", 8), {}}});
  // Both replicas fill both nodes; h100-0 goes NotReady at 100: evicted at 440, the replacement
  // stays pending (no room) until the node is Ready again at 1100.
  NodeLifecycleController nl(h.engine, h.cluster, h.cp, {}, {NodeFault{0, 100, 1000, false}});
  int failures = 0, replacements = 0;
  d.pod_failed.connect([&](std::size_t, const JobState&, const PodTermination& why) {
    ++failures;
    EXPECT_TRUE(why.disruption);
    EXPECT_EQ(h.engine.now(), 440);
  });
  d.pod_created.connect([&](std::size_t, const JobState& pod, bool replacement) {
    if (replacement) {
      ++replacements;
      EXPECT_EQ(pod.spec.id, "svc-2");
    }
  });
  h.at(0, [&] { d.start(); });
  h.at(500, [&] {
    EXPECT_EQ(d.pods(0), 2);
    EXPECT_EQ(d.ready(0), 1);
  });
  // Ready replica-seconds: 2 x 440 + 1 x 660 + 2 x 900.
  h.at(2000, [&] { EXPECT_DOUBLE_EQ(d.ready_replica_seconds(0), 880 + 660 + 1800); });
  h.engine.run(2000);
  EXPECT_EQ(failures, 1);
  EXPECT_EQ(replacements, 1);
  EXPECT_EQ(h.bind_times("svc-2"), std::vector<double>{1100});
  EXPECT_EQ(d.ready(0), 2);
  EXPECT_TRUE(h.completed.empty()) << "replicas never complete";
}

TEST(DeploymentController, ScalingDownDeletesPendingPodsBeforeRunningOnes) {
  Harness h({gpu_pool("h100", 1)});
  DeploymentController d(h.engine, h.cp, {DeploymentSpec{"svc", 1, JobBuilder("svc", 4), {}}});
  h.at(0, [&] { d.start(); });
  h.at(10, [&] { d.scale(0, 4); });  // two fit, two stay pending
  h.at(20, [&] {
    EXPECT_EQ(d.ready(0), 2);
    d.scale(0, 2);
    EXPECT_EQ(d.pods(0), 2);
    EXPECT_EQ(d.ready(0), 2) << "the pending pods went first";
    EXPECT_EQ(h.cp.pending_pods(), 0);
  });
  h.engine.run(100);
}

TEST(DeploymentController, CreatesADeploymentWithALaterCreationTimeThen) {
  Harness h({gpu_pool("h100", 1)});
  DeploymentSpec later{"late", 2, JobBuilder("late", 1), {}};
  later.created_at = 300;
  DeploymentController d(h.engine, h.cp, {DeploymentSpec{"now", 1, JobBuilder("now", 1), {}}, later});
  h.at(0, [&] { d.start(); });
  h.at(299, [&] {
    EXPECT_EQ(d.pods(0), 1);
    EXPECT_EQ(d.pods(1), 0);
  });
  h.engine.run(400);
  EXPECT_EQ(d.ready(1), 2);
  EXPECT_EQ(h.bind_times("late-0"), std::vector<double>{300});
}

}  // namespace
}  // namespace kubetwin::models
