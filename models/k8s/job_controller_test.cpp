#include "models/k8s/job_controller.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "models/testing/control_plane_harness.hpp"

// Every expected time below is worked out by hand from the zero control-plane timing (binding and
// start are instantaneous), the pods' durations, the failure times and the backoff 10 s * 2^(n-1).

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

/// A harness with a Job controller whose outcomes are recorded.
struct Controlled {
  explicit Controlled(std::vector<NodePoolSpec> pools)
      : h(std::move(pools)), jc(h.engine, h.cp, h.streams.stream("failures")) {
    jc.job_completed.connect([this](const BatchJob& j) { completed[j.spec.id] = h.engine.now(); });
    jc.job_failed.connect(
        [this](const BatchJob& j, std::string_view reason, std::string_view message) {
          failed[j.spec.id] = {std::string(reason), std::string(message)};
          failed_at[j.spec.id] = h.engine.now();
        });
    jc.pod_failed.connect([this](const BatchJob& j, const JobState& pod, const PodTermination& why,
                                 std::string_view action) {
      pod_failures.push_back(
          {pod.pod_name(why.pod), h.engine.now(), std::string(action), j.failed});
    });
    jc.pod_recreated.connect([this](const BatchJob&, const JobState& pod, double backoff) {
      recreated.emplace_back(pod.spec.id, backoff);
    });
  }
  void submit_at(double t, JobSpec spec) {
    h.engine.schedule_at(t, [this, spec] { jc.submit(spec); });
  }
  struct Failure {
    std::string pod;
    double t;
    std::string action;
    int counted;
  };
  Harness h;
  JobController jc;
  std::map<std::string, double> completed, failed_at;
  std::map<std::string, std::pair<std::string, std::string>> failed;
  std::vector<Failure> pod_failures;
  std::vector<std::pair<std::string, double>> recreated;
};

TEST(JobController, BackoffDelayDoublesFromTenSecondsUpToSixMinutes) {
  EXPECT_EQ(JobController::backoff_delay(1), 10);
  EXPECT_EQ(JobController::backoff_delay(2), 20);
  EXPECT_EQ(JobController::backoff_delay(3), 40);
  EXPECT_EQ(JobController::backoff_delay(6), 320);
  EXPECT_EQ(JobController::backoff_delay(7), 360);
  EXPECT_EQ(JobController::backoff_delay(40), 360);
}

TEST(JobController, FailsWithBackoffLimitExceededAfterOneFailureMoreThanTheLimit) {
  Controlled c({gpu_pool("h100", 1)});
  // Each start fails 10 s in: 0-10, backoff 10 -> 20-30, backoff 20 -> 50-60: third failure > 2.
  c.submit_at(
      0, JobBuilder("train", 8).duration(100).backoff_limit(2).fail_at(10).fail_at(10).fail_at(10));
  c.h.engine.run();
  ASSERT_EQ(c.pod_failures.size(), 3u);
  EXPECT_EQ(c.pod_failures[0].t, 10);
  EXPECT_EQ(c.pod_failures[1].t, 30);
  EXPECT_EQ(c.pod_failures[2].t, 60);
  EXPECT_EQ(c.pod_failures[2].counted, 3);
  EXPECT_EQ(c.recreated,
            (std::vector<std::pair<std::string, double>>{{"train-1", 10}, {"train-2", 20}}));
  EXPECT_EQ(c.failed.at("train").first, "BackoffLimitExceeded");
  EXPECT_EQ(c.failed_at.at("train"), 60);
  EXPECT_EQ(c.h.cluster.allocated_gpus(), 0);
  EXPECT_TRUE(c.h.cp.live_jobs().empty());
  EXPECT_EQ(c.jc.live_jobs(), 0u);
}

TEST(JobController, RunsCompletionsInWavesOfParallelism) {
  Controlled c({gpu_pool("h100", 1)});
  // Two 4-GPU pods at a time on one 8-GPU node: 0-100, 100-200, then the fifth alone 200-300.
  c.submit_at(0, JobBuilder("sweep", 4).duration(100).batch(2, 5));
  c.h.engine.run();
  EXPECT_EQ(c.completed.at("sweep"), 300);
  EXPECT_EQ(c.h.bind_times("sweep-0"), std::vector<double>{0});
  EXPECT_EQ(c.h.bind_times("sweep-2"), std::vector<double>{100});
  EXPECT_EQ(c.h.bind_times("sweep-3"), std::vector<double>{100});
  EXPECT_EQ(c.h.bind_times("sweep-4"), std::vector<double>{200});
  EXPECT_TRUE(c.h.bind_times("sweep-5").empty()) << "no sixth pod";
}

TEST(JobController, IndexedJobRedoesOnlyTheFailedIndexAfterItsBackoff) {
  Controlled c({gpu_pool("h100", 2)});
  // Indices 0..2 start at 0; the first start (index 0) fails at 50, is recreated at 60 and ends at
  // 160.
  c.submit_at(0, JobBuilder("idx", 4).duration(100).batch(3, 3).indexed().fail_at(50, 3));
  c.h.engine.run();
  ASSERT_EQ(c.pod_failures.size(), 1u);
  EXPECT_EQ(c.pod_failures[0].pod, "idx-0");
  EXPECT_EQ(c.recreated, (std::vector<std::pair<std::string, double>>{{"idx-0", 10}}));
  EXPECT_EQ(c.h.bind_times("idx-0"), (std::vector<double>{0, 60}));
  EXPECT_EQ(c.h.completed.at("idx-1"), 100) << "the other indices ran once";
  EXPECT_EQ(c.h.completed.at("idx-2"), 100);
  EXPECT_EQ(c.completed.at("idx"), 160);
}

TEST(JobController, FailJobRuleOnAnExitCodeFailsAtOnceAndDeletesTheOtherPods) {
  Controlled c({gpu_pool("h100", 1)});
  PodFailurePolicyRule fail_on_42{PodFailurePolicyRule::Action::FailJob, false, false, {42}};
  c.submit_at(0, JobBuilder("job", 4).duration(100).batch(2, 2).rule(fail_on_42).fail_at(30, 42));
  c.h.at(31, [&] { EXPECT_EQ(c.h.cluster.allocated_gpus(), 0) << "the sibling pod was deleted"; });
  c.h.engine.run();
  EXPECT_EQ(c.failed.at("job").first, "PodFailurePolicy");
  EXPECT_EQ(c.failed.at("job").second,
            "Pod job-0 failed with exit code 42 matching FailJob rule at index 0");
  EXPECT_EQ(c.failed_at.at("job"), 30);
  ASSERT_EQ(c.pod_failures.size(), 1u);
  EXPECT_EQ(c.pod_failures[0].action, "FailJob");
}

TEST(JobController, CountRuleOnOtherExitCodesLeavesThemToTheBackoffLimit) {
  Controlled c({gpu_pool("h100", 1)});
  PodFailurePolicyRule fail_on_42{PodFailurePolicyRule::Action::FailJob, false, false, {42}};
  // Exit code 1 matches no rule: counted, backoff 10 s, the second pod runs 40-140.
  c.submit_at(0, JobBuilder("job", 8).duration(100).rule(fail_on_42).fail_at(30, 1));
  c.h.engine.run();
  ASSERT_EQ(c.pod_failures.size(), 1u);
  EXPECT_EQ(c.pod_failures[0].action, "Count");
  EXPECT_EQ(c.completed.at("job"), 140);
}

TEST(JobController, IgnoreRuleOnDisruptionTargetDoesNotCountAPreemption) {
  Controlled c({gpu_pool("h100", 1)});
  PodFailurePolicyRule ignore_disruptions{PodFailurePolicyRule::Action::Ignore, true, false, {}};
  // backoffLimit 0: a counted failure would fail it. Preempted at 50 by the urgent job (50-150),
  // recreated at once, waits, runs 150-250.
  c.submit_at(0, JobBuilder("low", 8).duration(100).backoff_limit(0).rule(ignore_disruptions));
  c.h.submit_at(50, JobBuilder("urgent", 8).duration(100).priority(100));
  c.h.engine.run();
  ASSERT_EQ(c.pod_failures.size(), 1u);
  EXPECT_EQ(c.pod_failures[0].action, "Ignore");
  EXPECT_EQ(c.pod_failures[0].t, 50);
  EXPECT_EQ(c.recreated, (std::vector<std::pair<std::string, double>>{{"low-1", 0}}));
  EXPECT_EQ(c.h.completed.at("urgent"), 150);
  EXPECT_EQ(c.completed.at("low"), 250);
  EXPECT_TRUE(c.failed.empty());
}

TEST(JobController, PreemptionCountsAgainstTheBackoffLimitWithoutAnIgnoreRule) {
  Controlled c({gpu_pool("h100", 1)});
  c.submit_at(0, JobBuilder("low", 8).duration(100).backoff_limit(0));
  c.h.submit_at(50, JobBuilder("urgent", 8).duration(100).priority(100));
  c.h.engine.run();
  EXPECT_EQ(c.failed.at("low").first, "BackoffLimitExceeded");
  EXPECT_EQ(c.failed_at.at("low"), 50);
}

TEST(JobController, ActiveDeadlineFailsTheJobAndFreesItsPods) {
  Controlled c({gpu_pool("h100", 1)});
  c.submit_at(5, JobBuilder("slow", 8).duration(100).active_deadline(60));
  c.h.at(64, [&] { EXPECT_EQ(c.h.cluster.allocated_gpus(), 8); });
  c.h.at(66, [&] { EXPECT_EQ(c.h.cluster.allocated_gpus(), 0); });
  c.h.engine.run();
  EXPECT_EQ(c.failed.at("slow").first, "DeadlineExceeded");
  EXPECT_EQ(c.failed_at.at("slow"), 65);
}

TEST(JobController, AFailedGangMemberRestartsTheWholeGangAndNoPartOfItRunsAlone) {
  Controlled c({gpu_pool("h100", 2)});
  // Both pods start at 0; one fails at 40: both stop, backoff 10, both bound again at 50, done at
  // 150.
  c.submit_at(0, JobBuilder("gang", 8, 2).gang().duration(100).fail_at(40));
  c.h.at(45, [&] { EXPECT_EQ(c.h.cluster.allocated_gpus(), 0) << "no member runs alone"; });
  c.h.engine.run();
  EXPECT_EQ(c.h.bind_times("gang"), (std::vector<double>{0, 0, 50, 50}));
  ASSERT_EQ(c.pod_failures.size(), 1u);
  EXPECT_EQ(c.pod_failures[0].counted, 1) << "one failed member counts once";
  EXPECT_EQ(c.completed.at("gang"), 150);
}

TEST(JobController, APodThatCanNeverFitFailsTheJobWithTheSchedulersReason) {
  Controlled c({gpu_pool("h100", 1)});
  c.submit_at(0, JobBuilder("huge", 16).batch(1, 1));
  c.h.engine.run();
  EXPECT_EQ(c.failed.at("huge").first, "ExceedsClusterCapacity");
  EXPECT_EQ(c.h.failed.at("huge-0").first, "ExceedsClusterCapacity")
      << "the control plane refused its pod";
}

TEST(JobController, RandomFailuresFallInsideTheRunAndAreDrawnFromTheSeededStream) {
  Controlled c({gpu_pool("h100", 1)});
  // Every start fails somewhere in its 100 s run; backoffLimit 1: the second failure fails the Job.
  c.submit_at(0, JobBuilder("flaky", 8).duration(100).backoff_limit(1).failure_probability(1.0));
  c.h.engine.run();
  ASSERT_EQ(c.pod_failures.size(), 2u);
  EXPECT_GE(c.pod_failures[0].t, 0);
  EXPECT_LT(c.pod_failures[0].t, 100);
  const double restart = c.pod_failures[0].t + 10;
  EXPECT_GE(c.pod_failures[1].t, restart);
  EXPECT_LT(c.pod_failures[1].t, restart + 100);
  EXPECT_EQ(c.failed.at("flaky").first, "BackoffLimitExceeded");
}

}  // namespace
}  // namespace kubetwin::models
