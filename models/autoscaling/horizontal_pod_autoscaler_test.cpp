#include "models/autoscaling/horizontal_pod_autoscaler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "models/testing/control_plane_harness.hpp"

// Expected times and sizes worked out by hand from upstream's algorithm (replica_calculator.go,
// horizontal.go): sync every 15 s from t = 15, tolerance 0.1, scale-up limit max(+4 pods, +100%)
// per 15 s, scale-down stabilization 300 s. Zero control-plane timing: new pods are Ready at once.

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

TEST(HpaReplicaCalculator, KeepsTheSizeWithinToleranceAndCountsPendingPodsAsIdleWhenScalingUp) {
  // 4 ready pods at 10.5 rps each against 10: 5% off, within the 10% tolerance.
  EXPECT_EQ(HorizontalPodAutoscaler::replicas_for_metric(4, 4, 0, 42, 10, 0.1), 4);
  // 4 ready at 15 rps: ceil(4 * 1.5) = 6.
  EXPECT_EQ(HorizontalPodAutoscaler::replicas_for_metric(4, 4, 0, 60, 10, 0.1), 6);
  // Scale down: 4 ready at 2.5 rps: ceil(4 * 0.25) = 1.
  EXPECT_EQ(HorizontalPodAutoscaler::replicas_for_metric(4, 4, 0, 10, 10, 0.1), 1);
  // 2 ready and 2 pending serving 60: 60 / 4 = 15 per pod counted, ceil(4 * 1.5) = 6.
  EXPECT_EQ(HorizontalPodAutoscaler::replicas_for_metric(4, 2, 2, 60, 10, 0.1), 6);
  // 2 ready and 2 pending serving 30: with the pending ones it is 7.5 < 10: keep 4.
  EXPECT_EQ(HorizontalPodAutoscaler::replicas_for_metric(4, 2, 2, 30, 10, 0.1), 4);
}

struct Service {
  explicit Service(LoadCurve load, HpaSpec hpa_spec, int replicas = 1)
      : h({gpu_pool("h100", 2)}),
        deployments(h.engine, h.cp,
                    {DeploymentSpec{"llm", replicas, JobBuilder("llm", 1), std::move(load)}}),
        hpa(h.engine, deployments, 0, hpa_spec) {
    hpa.rescaled.connect([this](std::size_t, int from, int to, double metric, std::string_view) {
      rescales.emplace_back(h.engine.now(), from, to, metric);
    });
    deployments.start();
    hpa.start();
  }
  Harness h;
  DeploymentController deployments;
  HorizontalPodAutoscaler hpa;
  std::vector<std::tuple<double, int, int, double>> rescales;  // t, from, to, metric
};

HpaSpec target(double rps, int min, int max) {
  HpaSpec s;
  s.target_per_replica = rps;
  s.min_replicas = min;
  s.max_replicas = max;
  return s;
}

TEST(HorizontalPodAutoscaler, ScalesUpAtTheRateLimitThenDownOnlyAfterTheStabilizationWindow) {
  // 10 rps until 60, 100 rps until 200, then 20 rps; target 10 rps per replica.
  LoadCurve load{{{0, 10}, {60, 100}, {200, 20}}, true};
  Service s(load, target(10, 1, 16));
  s.h.engine.run(1000);
  using R = std::tuple<double, int, int, double>;
  // t=60: 100 rps on 1 pod, wants 10; limit max(1 + 4, 1 * 2) = 5.
  // t=75: 20 per pod on 5, wants 10; the scale-up at 60 is not inside (60, 75]: limit max(9, 10)
  // = 10. t=210..: 2 per pod, wants 2, but the window keeps the 10 recommended up to t=195 until
  // t=495.
  ASSERT_EQ(s.rescales.size(), 3u);
  EXPECT_EQ(s.rescales[0], (R{60, 1, 5, 100}));
  EXPECT_EQ(s.rescales[1], (R{75, 5, 10, 20}));
  EXPECT_EQ(s.rescales[2], (R{495, 10, 2, 2}));
  EXPECT_EQ(s.deployments.pods(0), 2);
  EXPECT_EQ(s.deployments.ready(0), 2);
  EXPECT_EQ(s.h.cluster.allocated_gpus(), 2);
}

TEST(HorizontalPodAutoscaler, StaysWithinMinAndMaxReplicas) {
  // 1000 rps wants 100 pods: capped at 6; then 0 rps wants 0: floored at 2.
  LoadCurve load{{{0, 1000}, {100, 0}}, true};
  Service s(load, target(10, 2, 6), 2);
  s.h.engine.run(600);
  using R = std::tuple<double, int, int, double>;
  ASSERT_EQ(s.rescales.size(), 2u);
  EXPECT_EQ(s.rescales[0], (R{15, 2, 6, 500}));
  // The last recommendation of 100 (clamped later) was at t=90: the window lets go at t=390.
  EXPECT_EQ(s.rescales[1], (R{390, 6, 2, 0}));
}

TEST(HorizontalPodAutoscaler, ALinearLoadRampIsFollowedStepByStep) {
  // 0 to 150 rps over 150 s, target 10: each sync wants ceil(load / 10) with 10% tolerance.
  LoadCurve load{{{0, 0}, {150, 150}}, false};
  Service s(load, target(10, 1, 20));
  s.h.engine.run(200);
  // t=15: 15 rps on 1 -> 2; t=30: 15/pod on 2 -> 3; t=45: 15/pod on 3 -> 5; t=60: 12/pod on 5 -> 6;
  // t=75: 12.5 -> 8; t=90: 11.25 -> 9; t=105: 11.67 -> 11; t=120: 10.9 within tolerance;
  // t=135: 12.27 -> 14; t=150: 10.7 within; then flat at 150: 10.7 within.
  std::vector<int> sizes;
  for (const auto& r : s.rescales) sizes.push_back(std::get<2>(r));
  EXPECT_EQ(sizes, (std::vector<int>{2, 3, 5, 6, 8, 9, 11, 14}));
}

}  // namespace
}  // namespace kubetwin::models
