// The Philly replay on hand-built traces: each policy's order, the SRTF checkpoint penalty, LAS
// demotion and promotion, consolidated placement, per-VC accounting and exclusions. Every expected
// number is worked out by hand in the comments, from the protocol's tick rules
// (../shared/reference/philly-replay-protocol.md).

#include "scenarios/experiments/philly_experiment.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenarios/experiments/philly_servers.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::scenarios {
namespace {

std::vector<ReplayOutcome> replay(const std::vector<ReplayJob>& jobs, int servers,
                                  PhillyPolicy policy, const LasConfig& las = {}) {
  std::int64_t decisions = 0;
  return replay_philly_vc(jobs, servers, policy, las, decisions);
}

std::vector<std::int64_t> jcts(const std::vector<ReplayJob>& jobs,
                               const std::vector<ReplayOutcome>& out) {
  std::vector<std::int64_t> v;
  for (std::size_t i = 0; i < jobs.size(); ++i) v.push_back(out[i].end - jobs[i].submit);
  return v;
}

// --- each policy's order -----------------------------------------------------------------------

// One 8-GPU server; three whole-server jobs (submit, duration): J0 (0, 100), J1 (10, 50), J2 (20,
// 10).
const std::vector<ReplayJob> kThreeJobs{{0, 100, 8}, {10, 50, 8}, {20, 10, 8}};

struct PolicyCase {
  PhillyPolicy policy;
  std::vector<std::int64_t> jct;
  std::vector<std::int64_t> queue;
  LasConfig las;
};

void PrintTo(const PolicyCase& c, std::ostream* os) { *os << philly_policy_name(c.policy); }

class PhillyPolicyOrder : public ::testing::TestWithParam<PolicyCase> {};

TEST_P(PhillyPolicyOrder, GivesTheHandComputedCompletionTimes) {
  const auto& c = GetParam();
  const auto out = replay(kThreeJobs, 1, c.policy, c.las);
  EXPECT_EQ(jcts(kThreeJobs, out), c.jct);
  std::vector<std::int64_t> queue;
  for (const auto& o : out) queue.push_back(o.queue);
  EXPECT_EQ(queue, c.queue);
}

INSTANTIATE_TEST_SUITE_P(
    Philly, PhillyPolicyOrder,
    ::testing::Values(
        // FIFO: J0 0..100, J1 100..150, J2 150..160. JCT 100, 140, 140 (mean 126.7).
        PolicyCase{PhillyPolicy::Fifo, {100, 140, 140}, {0, 90, 130}, {}},
        // SJF: J0 0..100, then the shorter J2 100..110, J1 110..160. JCT 100, 150, 90 (mean 113.3).
        PolicyCase{PhillyPolicy::Sjf, {100, 150, 90}, {0, 100, 80}, {}},
        // SRTF (a job started at a with r left leaves at a + r + 1):
        //  t=10: J1 (50) < J0 (90 left): J0 preempted, 90 + 30 s penalty = 120 left; J1 to leave
        //  at 61. t=20: J2 (10) < J1 (40 left): J1 preempted, 40 + 30 = 70 left; J2 leaves at 31.
        //  t=31: J1 (70) before J0 (120): leaves at 31 + 70 + 1 = 102; then J0 at 102 + 120 + 1 =
        //  223. JCT 223, 92, 11 (mean 108.7); waits J0 102 - 10, J1 31 - 20.
        PolicyCase{PhillyPolicy::Srtf, {223, 92, 11}, {92, 11, 0}, {}},
        // LAS with one threshold of 80 GPU-s (10 s on 8 GPUs), no promotion:
        //  t=10: J0 demoted to Q1; J1 (Q0) preempts it: J0 has 90 + 30 = 120 left.
        //  t=20: J1 demoted; J2 (Q0) preempts it: J1 has 40 + 30 = 70 left. J2 leaves at 31.
        //  t=31: Q1 in submit order: J0 runs to 31 + 120 + 1 = 152, then J1 to 152 + 70 + 1 = 223.
        //  JCT 152, 213, 11 (mean 125.3); waits J0 31 - 10, J1 152 - 20.
        PolicyCase{PhillyPolicy::Las, {152, 213, 11}, {21, 132, 0}, LasConfig{{80}, 0}}),
    [](const auto& test_info) { return std::string(philly_policy_name(test_info.param.policy)); });

TEST(PhillyPolicyOrder, MeanJctRanksSrtfSjfLasFifo) {
  auto mean = [](PhillyPolicy p, const LasConfig& las) {
    const auto v = jcts(kThreeJobs, replay(kThreeJobs, 1, p, las));
    return static_cast<double>(v[0] + v[1] + v[2]) / 3;
  };
  const LasConfig las{{80}, 0};
  EXPECT_LT(mean(PhillyPolicy::Srtf, las), mean(PhillyPolicy::Sjf, las));
  EXPECT_LT(mean(PhillyPolicy::Sjf, las), mean(PhillyPolicy::Las, las));
  EXPECT_LT(mean(PhillyPolicy::Las, las), mean(PhillyPolicy::Fifo, las));
}

TEST(PhillyFifo, IsStrictNoBackfilling) {
  // A (0, 100, 4 GPUs) runs; B (1, 10, 8 GPUs) waits for the whole server and C (2, 10, 1 GPU)
  // waits behind B although a GPU is free: B 100..110, C 110..120.
  const std::vector<ReplayJob> jobs{{0, 100, 4}, {1, 10, 8}, {2, 10, 1}};
  EXPECT_EQ(jcts(jobs, replay(jobs, 1, PhillyPolicy::Fifo)),
            (std::vector<std::int64_t>{100, 109, 118}));
}

TEST(PhillyPolicy, ParsesNamesAndRejectsUnknownOnes) {
  EXPECT_EQ(parse_philly_policy("srtf"), PhillyPolicy::Srtf);
  EXPECT_EQ(parse_philly_policy("LAS"), PhillyPolicy::Las);
  try {
    parse_philly_policy("QSSF");
    FAIL() << "no error";
  } catch (const sim::InputError& e) {
    EXPECT_STREQ(e.what(), "--policy: unknown policy \"QSSF\" (known: FIFO, SJF, SRTF, LAS)");
  }
}

// --- SRTF checkpoint penalty -------------------------------------------------------------------

struct PenaltyCase {
  int gpus;
  std::int64_t penalty;
};

void PrintTo(const PenaltyCase& c, std::ostream* os) { *os << c.gpus << " GPUs"; }

class PhillySrtfPenalty : public ::testing::TestWithParam<PenaltyCase> {};

TEST_P(PhillySrtfPenalty, IsAddedToThePreemptedJobsRemainingTime) {
  const auto [gpus, penalty] = GetParam();
  EXPECT_EQ(philly_checkpoint_penalty(gpus), penalty);
  // A (0, 100, g GPUs) is preempted at t=5 by B (5, 10, all GPUs), which leaves at 5 + 10 + 1 = 16;
  // A then has 95 + penalty left and leaves at 16 + 95 + penalty + 1.
  const int servers = gpus > 8 ? 2 : 1;
  const std::vector<ReplayJob> jobs{{0, 100, gpus}, {5, 10, 8 * servers}};
  const auto out = replay(jobs, servers, PhillyPolicy::Srtf);
  EXPECT_EQ(out[0].end, 112 + penalty);
  EXPECT_EQ(out[0].preemptions, 1);
  EXPECT_EQ(out[0].queue, 11);
  EXPECT_EQ(out[1].end, 16);
}

INSTANTIATE_TEST_SUITE_P(Philly, PhillySrtfPenalty,
                         ::testing::Values(PenaltyCase{1, 7}, PenaltyCase{2, 30},
                                           PenaltyCase{8, 30}, PenaltyCase{12, 60},
                                           PenaltyCase{16, 60}),
                         [](const auto& test_info) {
                           return std::to_string(test_info.param.gpus) + "gpus";
                         });

TEST(PhillySrtf, KeepsAJobWhoseRemainingTimeTiesAWaitingOnesOutOfTheWay) {
  // Equal remaining time: the waiting job sorts first (the artifact sorts pending + running
  // stably). A (0, 20, 8) at t=10 has 10 left; B (10, 10, 8) also 10: B preempts A (10 + 30 left),
  // B leaves at 21, A at 21 + 40 + 1 = 62.
  const std::vector<ReplayJob> jobs{{0, 20, 8}, {10, 10, 8}};
  const auto out = replay(jobs, 1, PhillyPolicy::Srtf);
  EXPECT_EQ(out[1].end, 21);
  EXPECT_EQ(out[0].end, 62);
}

// --- LAS thresholds and promotion --------------------------------------------------------------

struct DemotionCase {
  int gpus_a;
  double threshold;
  std::int64_t b_start;
};

void PrintTo(const DemotionCase& c, std::ostream* os) {
  *os << c.gpus_a << " GPUs, threshold " << c.threshold;
}

class PhillyLasDemotion : public ::testing::TestWithParam<DemotionCase> {};

TEST_P(PhillyLasDemotion, HappensWhenAttainedGpuServiceReachesTheThreshold) {
  // A (0, 1000, g GPUs) runs in Q0; B (50, 10, 8 GPUs) needs the whole server and waits in Q0
  // behind the running A until A has g x t >= threshold GPU-seconds and drops to Q1: B starts at t
  // = threshold / g, preempting A.
  const auto [gpus, threshold, b_start] = GetParam();
  const std::vector<ReplayJob> jobs{{0, 1000, gpus}, {50, 10, 8}};
  const auto out = replay(jobs, 1, PhillyPolicy::Las, LasConfig{{threshold}, 0});
  EXPECT_EQ(out[1].start, b_start);
  EXPECT_EQ(out[0].preemptions, 1);
  // A: b_start of service, 1000 - b_start + 30 left after B leaves at b_start + 11.
  EXPECT_EQ(out[0].end, b_start + 11 + (1000 - b_start + 30) + 1);
}

INSTANTIATE_TEST_SUITE_P(Philly, PhillyLasDemotion,
                         ::testing::Values(DemotionCase{8, 800, 100}, DemotionCase{8, 1600, 200},
                                           DemotionCase{4, 800, 200}, DemotionCase{2, 800, 400},
                                           DemotionCase{
                                               8, 804, 101}),  // 100.5 s rounds up to the next tick
                         [](const auto& test_info) {
                           return std::to_string(test_info.param.gpus_a) + "gpus_" +
                                  std::to_string(static_cast<int>(test_info.param.threshold));
                         });

TEST(PhillyLas, LaterThresholdsDemoteFurther) {
  // A (0, 1000, 8) and B (150, 1000, 8); thresholds 800 and 2400 GPU-s (100 s and 300 s on 8 GPUs):
  //  t=100: A drops to Q1. t=150: B (Q0) preempts A (150 s served, 880 left).
  //  t=250: B drops to Q1 and keeps running (running jobs first within a queue).
  //  t=450: B reaches 300 s and drops to Q2: A, waiting in Q1, preempts it (B: 730 left).
  //  A runs 450..450 + 880 + 1 = 1331 (it reaches Q2 at 600, still ahead of the waiting B);
  //  B runs 1331..1331 + 730 + 1 = 2062.
  // With the first threshold only, B is never demoted past Q1: B 150..1151, then A to 2032.
  const std::vector<ReplayJob> jobs{{0, 1000, 8}, {150, 1000, 8}};
  const auto three = replay(jobs, 1, PhillyPolicy::Las, LasConfig{{800, 2400}, 0});
  EXPECT_EQ(three[0].end, 1331);
  EXPECT_EQ(three[0].queue, 300);
  EXPECT_EQ(three[1].end, 2062);
  EXPECT_EQ(three[1].preemptions, 1);
  const auto two = replay(jobs, 1, PhillyPolicy::Las, LasConfig{{800}, 0});
  EXPECT_EQ(two[1].end, 1151);
  EXPECT_EQ(two[0].end, 2032);
}

TEST(PhillyLas, PromotesAStarvedJobBackToTheTopQueue) {
  // Threshold 800 GPU-s (100 s on 8 GPUs). A (0, 1000, 8), B (50, 300, 8).
  // With knob 2:
  //  t=100: A drops to Q1; B (Q0) preempts it (A: 100 s served, 930 left); A promoted at 100 + 2 x
  //  100. t=200: B drops to Q1 and keeps running (running jobs first within a queue). t=300: A back
  //  in Q0 preempts B (B: 200 s served, 130 left; promoted at 300 + 400 = 700). t=400: A drops to
  //  Q1 again (100 s since promotion). t=700: B promoted, preempts A (A: 400 s served since
  //  promotion, 930 - 400 + 30 = 560 left). B leaves at 700 + 130 + 1 = 831; A runs 831..831 + 560
  //  + 1 = 1392.
  // With knob 0 (no promotion) B runs 100..401 and A 401..401 + 930 + 1 = 1332.
  const std::vector<ReplayJob> jobs{{0, 1000, 8}, {50, 300, 8}};
  const auto starving = replay(jobs, 1, PhillyPolicy::Las, LasConfig{{800}, 0});
  EXPECT_EQ(starving[0].end, 1332);
  EXPECT_EQ(starving[1].end, 401);
  const auto promoted = replay(jobs, 1, PhillyPolicy::Las, LasConfig{{800}, 2});
  EXPECT_EQ(promoted[0].end, 1392);
  EXPECT_EQ(promoted[0].preemptions, 2);
  EXPECT_EQ(promoted[0].queue, 200 + 131);
  EXPECT_EQ(promoted[1].end, 831);
  EXPECT_EQ(promoted[1].preemptions, 1);
  EXPECT_EQ(promoted[1].queue, 50 + 400);
}

// --- consolidated placement --------------------------------------------------------------------

TEST(ConsolidatedServers, BestFitsSmallJobsAndGivesWideJobsWholeServers) {
  ConsolidatedServers s(3);
  ConsolidatedServers::Placement p1, p2, p3, p4, p5;
  ASSERT_TRUE(s.place(3, p1));  // all free: lowest index
  EXPECT_EQ(p1[0].server, 0);
  ASSERT_TRUE(s.place(4, p2));  // server 0 (5 free) is the tightest fit
  EXPECT_EQ(p2[0].server, 0);
  ASSERT_TRUE(s.place(2, p3));  // server 0 has 1 free: too few; next tightest are the empty ones
  EXPECT_EQ(p3[0].server, 1);
  // 12 GPUs: one whole free server (2) and the remainder on the fullest partly free one (1: 6
  // free).
  ASSERT_TRUE(s.place(12, p4));
  ASSERT_EQ(p4.size(), 2u);
  EXPECT_EQ(p4[0].server, 2);
  EXPECT_EQ(p4[0].gpus, 8);
  EXPECT_EQ(p4[1].server, 1);
  EXPECT_EQ(p4[1].gpus, 4);
  EXPECT_EQ(s.free_gpus(), 1 + 2 + 0);
  // A 2-GPU job fits server 1 (2 free) exactly, the tightest fit.
  ASSERT_TRUE(s.place(2, p5));
  EXPECT_EQ(p5[0].server, 1);
  s.release(p4);
  EXPECT_EQ(s.free_on(2), 8);
  EXPECT_EQ(s.free_on(1), 4);
}

TEST(ConsolidatedServers, WideJobsFailOnFragmentedServersDespiteEnoughFreeGpus) {
  ConsolidatedServers s(3);
  ConsolidatedServers::Placement a, b, c, wide;
  ASSERT_TRUE(s.place(4, a));
  ASSERT_TRUE(s.place(8, b));       // server 1 whole
  ASSERT_TRUE(s.place(8, c));       // server 2 whole
  s.release(b);                     // free: 4 + 8 + 0 = 12
  EXPECT_FALSE(s.place(16, wide));  // needs two whole free servers
  EXPECT_TRUE(wide.empty());
  ASSERT_TRUE(s.place(12, wide));  // one whole server plus 4 on server 0
  EXPECT_EQ(s.free_gpus(), 0);
  s.release(c);
  s.release(a);
  s.release(wide);
  ConsolidatedServers::Placement spare;
  // With whole servers to spare the remainder also takes a whole free server (the artifact's
  // most-free-first order): 10 GPUs on servers 0 (8) and 1 (2).
  ASSERT_TRUE(s.place(10, spare));
  EXPECT_EQ(spare[1].server, 1);
  EXPECT_EQ(spare[1].gpus, 2);
}

// --- the experiment: exclusions, per-VC accounting, compression ---------------------------------

models::PhillyJobRecord job(const std::string& when, double duration, int gpus,
                            const std::string& vc) {
  models::PhillyJobRecord r;
  EXPECT_TRUE(models::parse_philly_timestamp(when, r.submit_s)) << when;
  r.duration_s = duration;
  r.gpus = gpus;
  r.vc = vc;
  return r;
}

const std::vector<models::PhillyVcRecord> kVcs{{"a", 1}, {"b", 2}};

TEST(PhillyExperiment, AveragesPerVcAndLeavesOutWhatTheProtocolExcludes) {
  const std::vector<models::PhillyJobRecord> jobs{
      job("2017-10-01 00:00:00", 100, 1, "a"),  // a: 100
      job("2017-10-02 00:00:00", 300, 8, "a"),  // a: 300
      job("2017-10-03 00:00:00", 50, 16, "b"),  // b: 50
      job("2017-10-03 00:00:00", 50, 24, "b"),  // wider than b (16 GPUs)
      job("2017-09-30 23:59:59", 10, 1, "a"),   // before the window
      job("2017-11-30 23:59:01", 10, 1, "a"),   // after it
      job("2017-10-05 00:00:00", 10, 0, "a"),   // not a GPU job
      job("2017-10-05 00:00:00", 10, 1, "zz"),  // not a listed VC
  };
  PhillyOptions o = default_philly_options();
  const auto r = run_philly_experiment(jobs, kVcs, o);
  EXPECT_EQ(r.jobs, 3);
  EXPECT_EQ(r.avg_jct, 150.0);
  EXPECT_EQ(r.avg_queue, 0.0);
  ASSERT_EQ(r.vcs.size(), 2u);
  EXPECT_EQ(r.vcs[0].name, "a");
  EXPECT_EQ(r.vcs[0].gpus, 8);
  EXPECT_EQ(r.vcs[0].jobs, 2);
  EXPECT_EQ(r.vcs[0].avg_jct, 200.0);
  EXPECT_EQ(r.vcs[1].jobs, 1);
  EXPECT_EQ(r.vcs[1].avg_jct, 50.0);
  EXPECT_EQ(r.vcs[1].too_wide, 1);
  EXPECT_EQ(r.outside_window, 2);
  EXPECT_EQ(r.zero_gpu, 1);
  EXPECT_EQ(r.unknown_vc, 1);
  EXPECT_EQ(r.too_wide, 1);
  ASSERT_EQ(r.job_results.size(), 3u);
  EXPECT_EQ(r.job_results[2].record, 2);
  EXPECT_EQ(r.job_results[2].vc, 1);

  const auto s = philly_summary(r, o);
  EXPECT_EQ(s.at("perVc").at("a").at("avgJct").get<double>(), 200.0);
  EXPECT_EQ(s.at("perVc").at("b").at("jobs").get<int>(), 1);
  EXPECT_EQ(s.at("excluded").at("outsideWindow").get<int>(), 2);
}

TEST(PhillyExperiment, VcsAreIndependentAndSameSecondJobsKeepInputOrder) {
  // Rows out of time order. In a: X and Y both at 00:00:10 on the whole server, X first in the
  // file: X 10..20, Y 20..40 (JCT 10 and 30). b runs its job alone at the same time (JCT 5).
  const std::vector<models::PhillyJobRecord> jobs{
      job("2017-10-01 00:00:10", 10, 8, "a"),                                          // X
      job("2017-10-01 00:00:10", 5, 16, "b"), job("2017-10-01 00:00:10", 20, 8, "a"),  // Y
  };
  for (PhillyPolicy p : kPhillyPolicies) {
    PhillyOptions o = default_philly_options();
    o.policy = p;
    const auto r = run_philly_experiment(jobs, kVcs, o);
    // SJF puts the shorter X first too; SRTF/LAS leave one tick later (a + r + 1).
    const std::int64_t extra = (p == PhillyPolicy::Srtf || p == PhillyPolicy::Las) ? 1 : 0;
    EXPECT_EQ(r.job_results[0].outcome.end - r.job_results[0].submit, 10 + extra)
        << philly_policy_name(p);
    EXPECT_EQ(r.job_results[2].outcome.end - r.job_results[2].submit, 30 + 2 * extra)
        << philly_policy_name(p);
    EXPECT_EQ(r.vcs[1].avg_jct, static_cast<double>(5 + extra)) << philly_policy_name(p);
  }
}

TEST(PhillyExperiment, CompressionDividesSubmitOffsetsOnly) {
  // Two whole-server jobs 100 s apart, 80 s long: no wait as recorded; compressed 4x they are 25 s
  // apart and the second waits 55 s.
  const std::vector<models::PhillyJobRecord> jobs{job("2017-10-01 00:00:00", 80, 8, "a"),
                                                  job("2017-10-01 00:01:40", 80, 8, "a")};
  PhillyOptions o = default_philly_options();
  EXPECT_EQ(run_philly_experiment(jobs, kVcs, o).avg_queue, 0.0);
  o.compress = 4;
  const auto r = run_philly_experiment(jobs, kVcs, o);
  EXPECT_EQ(r.job_results[1].submit, 25);
  EXPECT_EQ(r.job_results[1].outcome.queue, 55);
  EXPECT_EQ(r.avg_jct, (80.0 + 135.0) / 2);
}

TEST(PhillyExperiment, RejectsInconsistentOptions) {
  PhillyOptions o = default_philly_options();
  o.compress = 0.5;
  EXPECT_THROW(run_philly_experiment({}, kVcs, o), sim::InputError);
  o = default_philly_options();
  o.las.thresholds_gpu_s = {100, 50};
  EXPECT_THROW(run_philly_experiment({}, kVcs, o), sim::InputError);
  o = default_philly_options();
  std::swap(o.window_start, o.window_end);
  EXPECT_THROW(run_philly_experiment({}, kVcs, o), sim::InputError);
}

}  // namespace
}  // namespace kubetwin::scenarios
