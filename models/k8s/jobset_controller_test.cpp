#include "models/k8s/jobset_controller.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/testing/control_plane_harness.hpp"

// Times worked out by hand from the pods' durations and failure times (no pod-failure backoff
// applies: a child Job that fails is deleted and recreated by the JobSet, not retried by itself).

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

struct Sets {
  explicit Sets(std::vector<NodePoolSpec> pools, ControlPlaneTiming timing = {})
      : h(std::move(pools), {}, PluginRegistry::builtin(), timing),
        jc(h.engine, h.cp, h.streams.stream("failures")),
        js(h.engine, jc) {
    js.completed.connect([this](const JobSetState& s) { completed[s.spec.name] = h.engine.now(); });
    js.failed.connect([this](const JobSetState& s, std::string_view reason, std::string_view) {
      failed[s.spec.name] = {std::string(reason), h.engine.now()};
    });
    js.restarted.connect([this](const JobSetState& s, std::string_view child) {
      restarts.emplace_back(h.engine.now(), std::string(child));
      EXPECT_EQ(s.restarts, static_cast<int>(restarts.size()));
    });
  }
  Harness h;
  JobController jc;
  JobSetController js;
  std::map<std::string, double> completed;
  std::map<std::string, std::pair<std::string, double>> failed;
  std::vector<std::pair<double, std::string>> restarts;
};

JobSetSpec driver_and_workers(JobSpec worker, int max_restarts, bool in_order = false) {
  JobSetSpec s;
  s.name = "llm";
  s.replicated_jobs = {{"driver", 1, JobBuilder("driver", 1).duration(100).backoff_limit(0)},
                       {"workers", 2, std::move(worker)}};
  s.max_restarts = max_restarts;
  s.in_order_startup = in_order;
  return s;
}

TEST(JobSetController, SucceedsWhenEveryChildJobHasCompleted) {
  Sets s({gpu_pool("h100", 3)});
  s.h.at(0, [&] {
    s.js.submit(driver_and_workers(JobBuilder("w", 8).duration(200).backoff_limit(0), 0));
  });
  s.h.engine.run();
  EXPECT_EQ(s.h.bind_times("llm-driver-0-0"), std::vector<double>{0});
  EXPECT_EQ(s.h.bind_times("llm-workers-1-0"), std::vector<double>{0});
  EXPECT_EQ(s.completed.at("llm"), 200);
}

TEST(JobSetController, AFailedChildRestartsEveryChildUpToMaxRestartsThenTheJobSetFails) {
  Sets s({gpu_pool("h100", 3)});
  // Every worker Job's first pod fails 50 s in: attempt 1 fails at 50, all children are recreated
  // at 50, attempt 2 fails at 100 with no restart left.
  s.h.at(0, [&] {
    s.js.submit(
        driver_and_workers(JobBuilder("w", 8).duration(200).backoff_limit(0).fail_at(50), 1));
  });
  s.h.at(99, [&] {
    EXPECT_EQ(s.h.cluster.allocated_gpus(), 17) << "driver and both workers run again";
  });
  s.h.engine.run();
  ASSERT_EQ(s.restarts.size(), 1u);
  EXPECT_EQ(s.restarts[0], (std::pair<double, std::string>{50, "llm-workers-0"}));
  EXPECT_EQ(s.h.bind_times("llm-driver-0-0"), (std::vector<double>{0, 50}))
      << "the healthy driver restarts too";
  EXPECT_EQ(s.failed.at("llm"), (std::pair<std::string, double>{"ReachedMaxRestarts", 100}));
  EXPECT_EQ(s.h.cluster.allocated_gpus(), 0);
  EXPECT_EQ(s.jc.live_jobs(), 0u);
}

TEST(JobSetController, WithoutRestartsAChildFailureFailsTheJobSet) {
  Sets s({gpu_pool("h100", 3)});
  s.h.at(0, [&] {
    s.js.submit(
        driver_and_workers(JobBuilder("w", 8).duration(200).backoff_limit(0).fail_at(30), 0));
  });
  s.h.engine.run();
  EXPECT_TRUE(s.restarts.empty());
  EXPECT_EQ(s.failed.at("llm"), (std::pair<std::string, double>{"FailedJobs", 30}));
}

TEST(JobSetController, InOrderStartupCreatesTheWorkersOnceTheDriverRuns) {
  ControlPlaneTiming t;
  t.container_start = 5;  // each pod runs 5 s after it is bound
  Sets s({gpu_pool("h100", 3)}, t);
  s.h.at(0, [&] {
    s.js.submit(driver_and_workers(JobBuilder("w", 8).duration(200).backoff_limit(0), 0, true));
  });
  s.h.engine.run();
  EXPECT_EQ(s.h.bind_times("llm-driver-0-0"), std::vector<double>{0});
  EXPECT_EQ(s.h.bind_times("llm-workers-0-0"), std::vector<double>{5})
      << "created when the driver started";
  EXPECT_EQ(s.completed.at("llm"), 210);
}

}  // namespace
}  // namespace kubetwin::models
