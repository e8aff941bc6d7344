#include "models/k8s/control_plane.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/testing/builders.hpp"
#include "models/testing/control_plane_harness.hpp"

// Each TEST runs in its own process under ctest (gtest_discover_tests), and SimGrid allows one
// engine per process: every TEST below builds exactly one Harness, hence one sim::Engine.

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;
using testing::kA100;
using testing::kB200;
using testing::kGi;
using testing::kH100;
using testing::kMfu;
using testing::queueing;
// --- gangs ----------------------------------------------------------------------------------

TEST(ControlPlane, GangThatCannotFitNeverRunsPartiallyAndStartsOnceResourcesFree) {
  Harness h({gpu_pool("h100", 2)});
  h.submit_at(0, JobBuilder("blocker", 8).duration(100));
  h.submit_at(10, JobBuilder("gang", 8, 2).gang().duration(50));
  h.at(50, [&] {
    EXPECT_TRUE(h.bind_times("gang").empty()) << "no pod of a gang is bound before all fit";
    EXPECT_EQ(h.cluster.allocated_gpus(), 8) << "a failed gang holds no reservation";
    EXPECT_EQ(h.cp.pending_pods(), 2);
    EXPECT_EQ(h.cp.running_jobs(), 1u);
    EXPECT_EQ(h.cp.pending_jobs(), 1u);
  });
  h.engine.run();

  EXPECT_EQ(h.bind_times("gang"), (std::vector<double>{100, 100}));
  std::set<NodeIndex> nodes;
  for (const auto& b : h.binds) {
    if (b.job == "gang") nodes.insert(b.node);
  }
  EXPECT_EQ(nodes.size(), 2u) << "one full-node pod per node";
  EXPECT_EQ(h.started.at("gang"), 100);
  EXPECT_EQ(h.completed.at("gang"), 150);
  EXPECT_EQ(h.cluster.allocated_gpus(), 0);
  EXPECT_TRUE(h.cp.live_jobs().empty());
}

TEST(ControlPlane, FailedGangLeavesItsNodesToOtherJobs) {
  // While the gang waits for the blocker, a small job takes the node the gang could not use on
  // its own; the gang then waits for both nodes to be whole.
  Harness h({gpu_pool("h100", 2)});
  h.submit_at(0, JobBuilder("blocker", 8).duration(100));
  h.submit_at(10, JobBuilder("gang", 8, 2).gang().duration(50));
  h.submit_at(20, JobBuilder("small", 1).duration(500));
  h.engine.run();

  EXPECT_EQ(h.started.at("small"), 20);
  EXPECT_EQ(h.completed.at("small"), 520);
  EXPECT_EQ(h.bind_times("gang"), (std::vector<double>{520, 520}));
  EXPECT_EQ(h.completed.at("gang"), 570);
}

TEST(ControlPlane, ReportsAGangThatDoesNotFitOnceSayingWhy) {
  // MostAllocated packs A and B (4 GPUs each) onto one node. At t=10 one gang pod fits (the free
  // node) and the other does not; the gang is retried when A leaves at t=50 (still blocked) and
  // fits when B leaves at t=100. It is reported once.
  SchedulerConfig packing;
  packing.profiles[0].scoring = ScoringStrategy::MostAllocated;
  Harness h({gpu_pool("h100", 2)}, packing);
  h.submit_at(0, JobBuilder("A", 4).duration(50));
  h.submit_at(0, JobBuilder("B", 4).duration(100));
  h.submit_at(10, JobBuilder("gang", 8, 2).gang().duration(50));
  h.engine.run();

  ASSERT_EQ(h.unschedulable.size(), 1u);
  EXPECT_EQ(h.unschedulable[0].first, "gang");
  EXPECT_EQ(h.unschedulable[0].second,
            "gang of 2 pods cannot be placed together: only 1 fit at once");
  EXPECT_EQ(h.started.at("gang"), 100);
}

TEST(ControlPlane, ReportsAnUnschedulableJobOnceWithTheUpstreamMessage) {
  // A (8 GPUs) fills one node; B and B2 (4 GPUs each) share the other. C (8 GPUs) fails at t=1,
  // again when B leaves at t=100 (only 4 GPUs free), and starts when B2 leaves at t=200.
  Harness h({gpu_pool("h100", 2)});
  h.submit_at(0, JobBuilder("A", 8).duration(300));
  h.submit_at(0, JobBuilder("B", 4).duration(100));
  h.submit_at(0, JobBuilder("B2", 4).duration(200));
  h.submit_at(1, JobBuilder("C", 8).duration(10));
  h.engine.run();

  using Entry = std::pair<std::string, std::string>;
  EXPECT_EQ(h.unschedulable,
            (std::vector<Entry>{{"C", "0/2 nodes are available: 2 Insufficient nvidia.com/gpu."}}));
  EXPECT_EQ(h.started.at("C"), 200);
  EXPECT_EQ(h.completed.at("C"), 210);
  EXPECT_EQ(h.jct("C"), 209);
}

TEST(ControlPlane, NonGangJobBindsPodsAsTheyFitAndStartsWhenAllAreBound) {
  Harness h({gpu_pool("h100", 2)});
  h.submit_at(0, JobBuilder("blocker", 8).duration(100));
  h.submit_at(1, JobBuilder("job", 8, 2).duration(30));  // no gang: min_member 0
  h.at(50, [&] {
    EXPECT_EQ(h.cluster.allocated_gpus(), 16) << "the first pod holds its node while waiting";
    EXPECT_EQ(h.cp.pending_pods(), 1);
  });
  h.engine.run();

  EXPECT_EQ(h.bind_times("job"), (std::vector<double>{1, 100}));
  EXPECT_EQ(h.started.at("job"), 100);
  EXPECT_EQ(h.completed.at("job"), 130);
}

// --- capacity -------------------------------------------------------------------------------

TEST(ControlPlane, JobThatCannotFitTheEmptyClusterFailsAtOnce) {
  // Two H100 nodes, and one A100 node tainted for inference.
  Harness h({gpu_pool("h100", 2),
             gpu_pool("a100", 1, kA100, {{"dedicated", "infer", TaintEffect::NoSchedule}})});
  struct Case {
    const char* what;
    JobSpec job;
  };
  const std::vector<Case> table{
      {"gang of more full-node pods than untainted nodes",
       JobBuilder("too-many-nodes", 8, 3).gang()},
      {"non-gang job with more full-node pods than untainted nodes",
       JobBuilder("too-many-pods", 8, 3)},
      {"pod larger than any node", JobBuilder("too-big-pod", 16)},
      {"more H100 nodes than the cluster has",
       JobBuilder("too-many-h100", 8, 3).gang().select(kGpuProductLabel, kH100)},
      {"GPU model the cluster lacks", JobBuilder("no-b200", 1).select(kGpuProductLabel, kB200)},
      {"only matching node is tainted",
       JobBuilder("tainted-a100", 1).select(kGpuProductLabel, kA100)},
  };
  double t = 1;
  for (const auto& c : table) h.submit_at(t++, c.job);
  // Fits once the taint is tolerated: 2 H100 nodes + the A100 node.
  h.submit_at(t,
              JobBuilder("fits-with-toleration", 8, 3).gang().tolerate("dedicated").duration(10));
  h.engine.run();

  t = 1;
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const std::string& id = c.job.id;
    ASSERT_TRUE(h.failed.contains(id));
    EXPECT_EQ(h.failed.at(id).first, "ExceedsClusterCapacity");
    EXPECT_FALSE(h.failed.at(id).second.empty());
    EXPECT_EQ(h.failed_at.at(id), t++) << "fails when submitted";
    EXPECT_TRUE(h.bind_times(id).empty());
    EXPECT_FALSE(h.started.contains(id));
  }
  EXPECT_EQ(h.failed.at("too-many-nodes").second,
            "pod group \"worker\" needs 3 pods but even the empty cluster holds only 2 "
            "(node sizes, taints and node selectors considered)");
  EXPECT_TRUE(h.unschedulable.empty()) << "failed jobs are not also reported unschedulable";
  EXPECT_FALSE(h.failed.contains("fits-with-toleration"));
  EXPECT_EQ(h.completed.at("fits-with-toleration"), t + 10);
  EXPECT_TRUE(h.cp.live_jobs().empty()) << "nothing is left waiting forever";
  EXPECT_EQ(h.cp.pending_pods(), 0);
}

TEST(ControlPlane, JobWhoseGroupsTogetherExceedTheClusterFailsAtOnce) {
  // Each group alone fits the empty cluster (1 and 2 full nodes of 2), but the job needs 3 full
  // nodes: it can never run, so it must fail at once rather than wait forever.
  Harness h({gpu_pool("h100", 2)});
  h.submit_at(5, JobBuilder("two-groups", 8, 1).add_group("launcher", 8, 2).gang());
  h.engine.run();

  ASSERT_TRUE(h.failed.contains("two-groups")) << "the job was never failed";
  EXPECT_EQ(h.failed.at("two-groups").first, "ExceedsClusterCapacity");
  EXPECT_EQ(h.failed_at.at("two-groups"), 5);
  EXPECT_TRUE(h.cp.live_jobs().empty()) << "the job is left pending forever";
}

TEST(ControlPlane, JobSelectingAHostnameThatDoesNotExistFailsAtOnce) {
  // ControlPlane::submit promises that a job that could not fit even on the empty cluster fails
  // at once; a hostname no node has can never match.
  Harness h({gpu_pool("h100", 2)});
  h.submit_at(5, JobBuilder("pinned", 1).select(kHostnameLabel, "h100-7"));
  h.submit_at(6, JobBuilder("pinned-ok", 1).select(kHostnameLabel, "h100-1").duration(10));
  h.engine.run();

  ASSERT_TRUE(h.failed.contains("pinned")) << "the job was never failed";
  EXPECT_EQ(h.failed.at("pinned").first, "ExceedsClusterCapacity");
  EXPECT_EQ(h.completed.at("pinned-ok"), 16);
  ASSERT_EQ(h.binds.size(), 1u);
  EXPECT_EQ(h.cluster.node_name(h.binds[0].node), "h100-1");
}

// --- queueing -------------------------------------------------------------------------------

// Two nodes, each half used (A and A2, 4 GPUs each, spread by LeastAllocated). "big" (8 GPUs)
// cannot fit until A leaves at t=100; "small" (1 GPU), submitted after it, fits at once.
void submit_head_of_line_scenario(Harness& h) {
  h.submit_at(0, JobBuilder("A", 4).duration(100));
  h.submit_at(0, JobBuilder("A2", 4).duration(200));
  h.submit_at(1, JobBuilder("big", 8).duration(50));
  h.submit_at(2, JobBuilder("small", 1).duration(10));
}

TEST(ControlPlane, BestEffortFifoLetsASmallJobPassABlockedBigOne) {
  Harness h({gpu_pool("h100", 2)}, queueing(QueueingStrategy::BestEffortFIFO));
  submit_head_of_line_scenario(h);
  h.engine.run();
  EXPECT_EQ(h.started.at("small"), 2);
  EXPECT_EQ(h.completed.at("small"), 12);
  EXPECT_EQ(h.started.at("big"), 100);
  EXPECT_EQ(h.completed.at("big"), 150);
  EXPECT_EQ(h.start_order, (std::vector<std::string>{"A", "A2", "small", "big"}));
}

TEST(ControlPlane, StrictFifoHoldsEveryJobBehindABlockedHead) {
  Harness h({gpu_pool("h100", 2)}, queueing(QueueingStrategy::StrictFIFO));
  submit_head_of_line_scenario(h);
  h.engine.run();
  EXPECT_EQ(h.started.at("big"), 100);
  EXPECT_EQ(h.started.at("small"), 100) << "small waits for big even though it fitted at t=2";
  EXPECT_EQ(h.completed.at("small"), 110);
  EXPECT_EQ(h.start_order, (std::vector<std::string>{"A", "A2", "big", "small"}));
}

TEST(ControlPlane, JobsRunInSubmissionOrderWithJctFromSubmitToCompletion) {
  Harness h({gpu_pool("h100", 1)});
  struct Expected {
    const char* id;
    double submit, duration, start, end, jct;
  };
  const std::vector<Expected> table{
      {"j1", 0, 100, 0, 100, 100},
      {"j2", 10, 50, 100, 150, 140},
      {"j3", 20, 30, 150, 180, 160},
  };
  for (const auto& e : table) h.submit_at(e.submit, JobBuilder(e.id, 8).duration(e.duration));
  h.engine.run();
  for (const auto& e : table) {
    SCOPED_TRACE(e.id);
    EXPECT_EQ(h.submitted.at(e.id), e.submit);
    EXPECT_EQ(h.started.at(e.id), e.start);
    EXPECT_EQ(h.completed.at(e.id), e.end);
    EXPECT_EQ(h.jct(e.id), e.jct);
  }
  EXPECT_EQ(h.engine.now(), 180);
}

TEST(ControlPlane, HigherPriorityJobRunsFirstWhenResourcesFree) {
  SchedulerConfig no_preemption;
  std::erase_if(no_preemption.profiles[0].at(ExtensionPoint::PostFilter),
                [](const WeightedPlugin& p) { return p.name == "DefaultPreemption"; });
  Harness h({gpu_pool("h100", 1)}, no_preemption);
  h.submit_at(0, JobBuilder("j1", 8).duration(100));
  h.submit_at(10, JobBuilder("j2", 8).duration(50));
  h.submit_at(20, JobBuilder("j3", 8).duration(30).priority(10));
  h.engine.run();
  EXPECT_EQ(h.start_order, (std::vector<std::string>{"j1", "j3", "j2"}));
  EXPECT_EQ(h.completed.at("j3"), 130);
  EXPECT_EQ(h.completed.at("j2"), 180);
}

// --- run time -------------------------------------------------------------------------------

TEST(ControlPlane, WorkBasedJobsRunWorkOverGpusTimesPeakBf16TimesMfu) {
  Harness h({gpu_pool("h100", 4), gpu_pool("a100", 2, kA100), gpu_pool("b200", 1, kB200)});
  const double h100 = 989.4e12, a100 = 312e12, b200 = 2250e12;
  struct Case {
    const char* what;
    JobSpec job;
    double expected_seconds;
  };
  const std::vector<Case> table{
      {"one H100 node", JobBuilder("h100x8", 8).work(3e18).select(kGpuProductLabel, kH100),
       3e18 / (8 * h100 * kMfu)},
      {"gang of two H100 nodes",
       JobBuilder("h100x16", 8, 2).gang().work(3e18).select(kGpuProductLabel, kH100),
       3e18 / (16 * h100 * kMfu)},
      {"one A100 GPU", JobBuilder("a100x1", 1).work(1e15).select(kGpuProductLabel, kA100),
       1e15 / (a100 * kMfu)},
      {"half a B200 node", JobBuilder("b200x4", 4).work(3e18).select(kGpuProductLabel, kB200),
       3e18 / (4 * b200 * kMfu)},
      {"fixed duration ignores the GPUs",
       JobBuilder("fixed", 2).duration(123.5).select(kGpuProductLabel, kH100), 123.5},
  };
  for (const auto& c : table) h.submit_at(0, c.job);
  h.engine.run();
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const std::string& id = c.job.id;
    EXPECT_EQ(h.started.at(id), 0) << "every job fits at once";
    EXPECT_NEAR(h.completed.at(id) - h.started.at(id), c.expected_seconds,
                c.expected_seconds * 1e-9);
  }
}

// --- without an engine ----------------------------------------------------------------------

TEST(JobRuntimeModel, WorkRunsAtMfuOfTheBf16PeakOfEveryGpuGranted) {
  // A mixed placement: 2 pods of 4 GPUs, one on an H100 node and one on an A100 node.
  const Cluster cluster({gpu_pool("h100", 1), gpu_pool("a100", 1, kA100)});
  const JobRuntimeModel model(GpuCatalog::builtin(), 0.4);
  const JobSpec job = JobBuilder("mixed", 4, 2).work(1e18);
  const double rate = 4 * 989.4e12 * 0.4 + 4 * 312e12 * 0.4;
  EXPECT_NEAR(model.run_seconds(job, {0, 1}, cluster), 1e18 / rate, 1e18 / rate * 1e-12);
  const JobSpec fixed = JobBuilder("fixed", 4, 2).duration(42);
  EXPECT_EQ(model.run_seconds(fixed, {0, 1}, cluster), 42);
}

TEST(JobState, NamesPodsAfterJobGroupAndReplica) {
  JobState s;
  s.spec = JobBuilder("train", 8, 1).add_group("launcher", 0, 1).add_group("ps", 1, 2);
  s.pod_group = {0, 1, 2, 2};
  s.pod_nodes.assign(4, kUnbound);
  EXPECT_EQ(s.pod_name(0), "train-worker-0");
  EXPECT_EQ(s.pod_name(1), "train-launcher-0");
  EXPECT_EQ(s.pod_name(2), "train-ps-0");
  EXPECT_EQ(s.pod_name(3), "train-ps-1");
  EXPECT_FALSE(s.started());
}

// --- DefaultPreemption -----------------------------------------------------------------------

TEST(ControlPlane, HigherPriorityJobPreemptsALowerOneWhichRestartsFromScratch) {
  // One 8-GPU node. j1 (priority 0, 100 s) starts at 0; j3 (priority 10, 30 s) arrives at 20 and
  // evicts j1, runs 20..50; j1 restarts at 50 from scratch and completes at 150.
  Harness h({gpu_pool("h100", 1)});
  std::vector<std::pair<std::string, std::string>> preempted;
  h.cp.job_preempted.connect([&](const JobState& victim, const JobState& by, NodeIndex) {
    preempted.emplace_back(victim.spec.id, by.spec.id);
    EXPECT_EQ(victim.end_time - victim.start_time, 20);  // the lost run
  });
  h.submit_at(0, JobBuilder("j1", 8).duration(100));
  h.submit_at(20, JobBuilder("j3", 8).duration(30).priority(10));
  h.engine.run();
  EXPECT_EQ(preempted, (std::vector<std::pair<std::string, std::string>>{{"j1", "j3"}}));
  EXPECT_EQ(h.start_order, (std::vector<std::string>{"j1", "j3", "j1"}));
  EXPECT_EQ(h.completed.at("j3"), 50);
  EXPECT_EQ(h.completed.at("j1"), 150);
  EXPECT_EQ(h.cp.running_jobs(), 0u);
  EXPECT_EQ(h.cp.pending_pods(), 0);
}

// low (priority 0, 100 s) at 0; same (priority 0, 10 s) at 10; high (priority 5, 10 s) at 20.
void run_priority_mix(bool preemption) {
  SchedulerConfig c;
  if (!preemption) {
    std::erase_if(c.profiles[0].at(ExtensionPoint::PostFilter),
                  [](const WeightedPlugin& p) { return p.name == "DefaultPreemption"; });
  }
  Harness h({gpu_pool("h100", 1)}, c);
  std::vector<std::string> victims;
  h.cp.job_preempted.connect([&](const JobState& v, const JobState&, NodeIndex) { victims.push_back(v.spec.id); });
  h.submit_at(0, JobBuilder("low", 8).duration(100));
  h.submit_at(10, JobBuilder("same", 8).duration(10));
  h.submit_at(20, JobBuilder("high", 8).duration(10).priority(5));
  h.engine.run();
  if (preemption) {
    // high evicts low (never same, of equal priority); at 30 low (submitted first) restarts,
    // runs to 130, then same runs 130..140.
    EXPECT_EQ(victims, (std::vector<std::string>{"low"}));
    EXPECT_EQ(h.completed.at("high"), 30);
    EXPECT_EQ(h.completed.at("low"), 130);
    EXPECT_EQ(h.completed.at("same"), 140);
  } else {
    EXPECT_TRUE(victims.empty());
    EXPECT_EQ(h.completed.at("high"), 110);
    EXPECT_EQ(h.completed.at("same"), 120);
  }
}

TEST(ControlPlane, AHighPriorityGangPreemptsForAllItsMembersAtOnce) {
  // Three 8-GPU nodes, each running a low-priority 8-GPU job (1,000 s) from t=0. A gang of two
  // 8-GPU pods of priority 10 (50 s) arrives at t=10: it needs two nodes freed together. Member by
  // member preemption would evict for the first pod only and then refuse (a member is waiting at
  // Permit); the plan covers both members, evicts exactly two jobs, and the gang runs 10..60.
  Harness h({gpu_pool("h100", 3)});
  std::vector<std::string> victims;
  h.cp.job_preempted.connect([&](const JobState& v, const JobState& by, NodeIndex) {
    EXPECT_EQ(by.spec.id, "gang");
    victims.push_back(v.spec.id);
  });
  for (const char* id : {"low-a", "low-b", "low-c"}) h.submit_at(0, JobBuilder(id, 8).duration(1000));
  h.submit_at(10, JobBuilder("gang", 8, 2).gang().duration(50).priority(10));
  h.engine.run();
  EXPECT_EQ(victims.size(), 2u);
  EXPECT_EQ(h.started.at("gang"), 10);
  EXPECT_EQ(h.completed.at("gang"), 60);
  EXPECT_EQ(h.completed.size(), 4u) << "the victims restart and complete";
}

TEST(ControlPlane, AGangThatCannotBePlacedEvenWithPreemptionEvictsNobody) {
  // Two nodes: one runs a low-priority job, the other a job of priority 20. A priority-10 gang of
  // two full-node pods could free only one node: nothing is evicted, the gang waits for the
  // priority-20 job to end at t=100, then evicts the low one.
  Harness h({gpu_pool("h100", 2)});
  std::vector<std::pair<std::string, double>> victims;
  h.cp.job_preempted.connect([&](const JobState& v, const JobState&, NodeIndex) { victims.emplace_back(v.spec.id, h.engine.now()); });
  h.submit_at(0, JobBuilder("low", 8).duration(1000));
  h.submit_at(0, JobBuilder("vip", 8).duration(100).priority(20));
  h.submit_at(10, JobBuilder("gang", 8, 2).gang().duration(50).priority(10));
  h.engine.run();
  EXPECT_EQ(victims, (std::vector<std::pair<std::string, double>>{{"low", 100}}));
  EXPECT_EQ(h.started.at("gang"), 100);
}

TEST(ControlPlane, PreemptionEvictsOnlyLowerPriorityJobs) { run_priority_mix(true); }
TEST(ControlPlane, PreemptionCanBeDisabledInTheProfile) { run_priority_mix(false); }

}  // namespace
}  // namespace kubetwin::models
