#include "models/workload/synthetic_workload.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/workload/trace_format.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

constexpr std::int64_t kGi = std::int64_t{1} << 30;

SyntheticWorkloadSpec spec_with_jobs(std::int64_t jobs) {
  SyntheticWorkloadSpec s;
  s.jobs = jobs;
  return s;
}

std::vector<JobSpec> generate(const SyntheticWorkloadSpec& spec, SyntheticClusterShape shape,
                              std::uint64_t seed) {
  sim::RandomStreams streams(seed);
  SyntheticWorkload w(spec, shape, streams);
  std::vector<JobSpec> jobs;
  while (auto j = w.next()) jobs.push_back(std::move(*j));
  return jobs;
}

std::vector<std::string> records(const std::vector<JobSpec>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs) out.push_back(job_record(j).dump());
  return out;
}

const SyntheticClusterShape k1024Gpus{1024, 8};

TEST(SyntheticWorkload, SameSeedGivesIdenticalJobs) {
  const auto a = records(generate(spec_with_jobs(2000), k1024Gpus, 7));
  const auto b = records(generate(spec_with_jobs(2000), k1024Gpus, 7));
  const auto c = records(generate(spec_with_jobs(2000), k1024Gpus, 8));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(SyntheticWorkload, DrawsFromItsOwnStreamsOnly) {
  // Another component drawing from the same RandomStreams must not shift the generated jobs.
  sim::RandomStreams streams(7);
  SyntheticWorkload w(spec_with_jobs(500), k1024Gpus, streams);
  std::vector<JobSpec> jobs;
  while (auto j = w.next()) {
    jobs.push_back(std::move(*j));
    streams.stream("scheduler.ties").next_u64();
  }
  EXPECT_EQ(records(jobs), records(generate(spec_with_jobs(500), k1024Gpus, 7)));
}

TEST(SyntheticWorkload, EmitsExactlyTheRequestedNumberOfJobsWithUniqueIds) {
  sim::RandomStreams streams(1);
  SyntheticWorkload w(spec_with_jobs(250), k1024Gpus, streams);
  std::set<std::string> ids;
  for (int i = 0; i < 250; ++i) {
    const auto j = w.next();
    ASSERT_TRUE(j.has_value()) << "job " << i;
    ids.insert(j->id);
  }
  EXPECT_FALSE(w.next().has_value());
  EXPECT_FALSE(w.next().has_value());  // stays exhausted
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_TRUE(ids.contains("job-1"));
  EXPECT_TRUE(ids.contains("job-250"));
}

TEST(SyntheticWorkload, SubmitTimesStartAtZeroAndNeverDecrease) {
  const auto jobs = generate(spec_with_jobs(5000), k1024Gpus, 3);
  ASSERT_FALSE(jobs.empty());
  EXPECT_EQ(jobs.front().submit_time, 0.0);
  for (std::size_t i = 1; i < jobs.size(); ++i) {
    ASSERT_GE(jobs[i].submit_time, jobs[i - 1].submit_time) << jobs[i].id;
  }
  EXPECT_GT(jobs.back().submit_time, 0.0);
}

TEST(SyntheticWorkload, MultiNodeJobsBecomeGangsOfFullNodePods) {
  SyntheticWorkloadSpec spec = spec_with_jobs(20000);
  // Make large jobs common so that every size shows up.
  spec.gpus_per_job_weights = {10, 10, 10, 10, 10, 10, 10, 10};
  const auto jobs = generate(spec, k1024Gpus, 11);
  std::set<std::int64_t> sizes_seen;
  for (const auto& j : jobs) {
    SCOPED_TRACE(j.id);
    ASSERT_EQ(j.pods.size(), 1u);
    const PodGroupSpec& g = j.pods[0];
    const std::int64_t gpus = j.total_requests().gpus;
    sizes_seen.insert(gpus);
    if (gpus > 8) {
      EXPECT_EQ(g.requests.gpus, 8) << "multi-node pods take whole nodes";
      EXPECT_EQ(g.replicas, gpus / 8);
      EXPECT_EQ(j.min_member, g.replicas) << "all-or-nothing";
      EXPECT_EQ(g.name, "worker");
    } else {
      EXPECT_EQ(g.replicas, 1);
      EXPECT_EQ(g.requests.gpus, gpus);
      EXPECT_EQ(j.min_member, 0) << "single pods are not gangs";
      EXPECT_EQ(g.name, "pod");
    }
    // CPU and memory scale with the GPUs of the pod.
    EXPECT_EQ(g.requests.cpu_milli, 8000 * g.requests.gpus);
    EXPECT_EQ(g.requests.memory_bytes, 64 * kGi * g.requests.gpus);
    EXPECT_TRUE(g.node_selector.empty());
    EXPECT_TRUE(j.duration.has_value());
    EXPECT_FALSE(j.work.has_value());
  }
  EXPECT_EQ(sizes_seen, (std::set<std::int64_t>{1, 2, 4, 8, 16, 32, 64, 128}));
}

TEST(SyntheticWorkload, GangSizeFollowsTheNodeSize) {
  SyntheticWorkloadSpec spec = spec_with_jobs(2000);
  spec.gpus_per_job = {16};
  spec.gpus_per_job_weights = {1};
  for (std::int64_t per_node : {2, 4, 8, 16}) {
    SCOPED_TRACE("GPUs per node " + std::to_string(per_node));
    const auto jobs = generate(spec, {64, per_node}, 1);
    for (const auto& j : jobs) {
      ASSERT_EQ(j.pods[0].requests.gpus, per_node);
      ASSERT_EQ(j.pods[0].replicas, 16 / per_node);
      ASSERT_EQ(j.min_member, per_node == 16 ? 0 : 16 / per_node);
    }
  }
}

TEST(SyntheticWorkload, NeverDrawsSizesLargerThanTheCluster) {
  SyntheticWorkloadSpec spec = spec_with_jobs(5000);
  spec.gpus_per_job = {8, 16, 32, 64};
  spec.gpus_per_job_weights = {1, 1, 1000, 1000};  // the sizes that do not fit are the likely ones
  const auto jobs = generate(spec, {16, 8}, 5);
  std::set<std::int64_t> sizes_seen;
  for (const auto& j : jobs) sizes_seen.insert(j.total_requests().gpus);
  EXPECT_EQ(sizes_seen, (std::set<std::int64_t>{8, 16}));
}

TEST(SyntheticWorkload, RejectsAClusterThatHoldsNoJobSize) {
  SyntheticWorkloadSpec spec = spec_with_jobs(10);
  spec.gpus_per_job = {16, 32};
  spec.gpus_per_job_weights = {1, 1};
  sim::RandomStreams streams(1);
  try {
    SyntheticWorkload w(spec, {8, 8}, streams);
    FAIL() << "expected sim::InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "synthetic workload: no job size with a positive weight fits in the cluster's 8 GPUs");
  }
}

TEST(SyntheticWorkload, DurationsStayWithinTheClippingBounds) {
  SyntheticWorkloadSpec spec = spec_with_jobs(5000);
  spec.duration_min = 600;
  spec.duration_max = 3600;
  const auto jobs = generate(spec, k1024Gpus, 2);
  bool hit_min = false, hit_max = false;
  for (const auto& j : jobs) {
    ASSERT_TRUE(j.duration.has_value());
    ASSERT_GE(*j.duration, 600);
    ASSERT_LE(*j.duration, 3600);
    hit_min = hit_min || *j.duration == 600;
    hit_max = hit_max || *j.duration == 3600;
  }
  // With sigma 2.21 about 38% of draws fall below 600 s and 30% above 3600 s.
  EXPECT_TRUE(hit_min);
  EXPECT_TRUE(hit_max);
}

TEST(SyntheticWorkload, GpuModelBecomesANodeSelector) {
  SyntheticWorkloadSpec spec = spec_with_jobs(100);
  spec.gpu_model = "H100-SXM-80GB";
  for (const auto& j : generate(spec, k1024Gpus, 4)) {
    ASSERT_EQ(j.pods[0].node_selector.size(), 1u);
    EXPECT_EQ(j.pods[0].node_selector.at(kGpuProductLabel), "H100-SXM-80GB");
  }
}

TEST(SyntheticWorkload, ExplicitMeanInterarrivalOverridesTheLoad) {
  SyntheticWorkloadSpec spec = spec_with_jobs(20000);
  spec.mean_interarrival = 30;
  sim::RandomStreams streams(6);
  SyntheticWorkload w(spec, k1024Gpus, streams);
  EXPECT_EQ(w.mean_interarrival(), 30.0);
  double last = 0;
  while (auto j = w.next()) last = j->submit_time;
  // Mean of 19,999 exponential gaps: relative standard deviation 1/sqrt(19999) = 0.7%; 5% is 7
  // sigma.
  EXPECT_NEAR(last / 19999.0, 30.0, 30.0 * 0.05);
}

TEST(SyntheticWorkload, MeanDurationIsTheMeanOfTheClippedLognormal) {
  struct Case {
    const char* what;
    double median, sigma, min, max;
    double expected;  // E[clamp(X, min, max)], X lognormal, from the closed form below
  };
  // Closed form: E[clamp(X,a,b)] = a*Phi(za) + e^(mu + s^2/2) * (Phi(zb - s) - Phi(za - s)) + b*(1
  // - Phi(zb)), with za = (ln a - mu)/s, zb = (ln b - mu)/s.
  auto closed_form = [](double median, double s, double a, double b) {
    auto phi = [](double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); };
    const double mu = std::log(median), za = (std::log(a) - mu) / s, zb = (std::log(b) - mu) / s;
    return a * phi(za) + std::exp(mu + s * s / 2) * (phi(zb - s) - phi(za - s)) + b * (1 - phi(zb));
  };
  const std::vector<Case> table{
      {"Philly defaults", 1144, 2.21, 60, 7 * 86400, closed_form(1144, 2.21, 60, 7 * 86400)},
      {"narrow, unclipped in practice", 1000, 0.3, 1, 1e9, 1000 * std::exp(0.045)},
      {"tight clip", 1144, 2.21, 600, 3600, closed_form(1144, 2.21, 600, 3600)},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    SyntheticWorkloadSpec spec = spec_with_jobs(1);
    spec.duration_median = c.median;
    spec.duration_sigma = c.sigma;
    spec.duration_min = c.min;
    spec.duration_max = c.max;
    sim::RandomStreams streams(1);
    const SyntheticWorkload w(spec, k1024Gpus, streams);
    EXPECT_NEAR(w.mean_duration(), c.expected, c.expected * 1e-4);
  }
}

TEST(SyntheticWorkload, AchievedOfferedLoadIsCloseToTheTarget) {
  // Offered load achieved = sum(gpus x duration) / (span of submit times x total GPUs).
  //
  // Tolerance: with the default (Philly-shaped) sizes and clipped lognormal durations, the
  // per-job GPU-seconds G*D have E[G] = 1.30, E[D] = 11,042 s and a squared coefficient of
  // variation CV^2 = E[G^2]E[D^2] / (E[G]E[D])^2 - 1 = 50.7 (computed from the distributions).
  // Over N = 200,000 jobs the sum's relative standard deviation is sqrt(CV^2/N) = 1.6%, and the
  // span (a sum of N exponential gaps) adds sqrt(1/N) = 0.2%. A 10% tolerance is about 6 sigma:
  // a correct generator fails it with negligible probability, while a wrong arrival rate (e.g.
  // forgetting sizes that do not fit, or the duration clip) is off by well over 10%.
  struct Case {
    const char* what;
    SyntheticClusterShape shape;
    double load;
    std::uint64_t seed;
  };
  const std::vector<Case> table{
      {"1024 GPUs at 0.8", {1024, 8}, 0.8, 1},
      {"1024 GPUs at 0.5, another seed", {1024, 8}, 0.5, 2},
      {"64 GPUs: the 128-GPU size is excluded", {64, 8}, 0.9, 3},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    SyntheticWorkloadSpec spec = spec_with_jobs(200000);
    spec.load = c.load;
    sim::RandomStreams streams(c.seed);
    SyntheticWorkload w(spec, c.shape, streams);
    double gpu_seconds = 0, first = -1, last = 0;
    while (auto j = w.next()) {
      gpu_seconds += static_cast<double>(j->total_requests().gpus) * j->duration.value();
      if (first < 0) first = j->submit_time;
      last = j->submit_time;
    }
    const double achieved =
        gpu_seconds / ((last - first) * static_cast<double>(c.shape.total_gpus));
    EXPECT_NEAR(achieved, c.load, 0.10 * c.load);
  }
}

TEST(SyntheticWorkload, PrioritiesFollowTheirWeights) {
  SyntheticWorkloadSpec spec = spec_with_jobs(20000);
  spec.priorities = {0, 1000};
  spec.priority_weights = {3, 1};
  int high = 0;
  for (const auto& job : generate(spec, k1024Gpus, 5)) {
    ASSERT_TRUE(job.priority == 0 || job.priority == 1000);
    high += job.priority == 1000;
  }
  EXPECT_NEAR(high / 20000.0, 0.25, 0.015);  // s.d. of the share is about 0.003
}

TEST(SyntheticWorkload, ASinglePriorityLeavesTheOtherDrawsUnchanged) {
  SyntheticWorkloadSpec spec = spec_with_jobs(300);
  spec.priorities = {7};
  const auto with_priority = generate(spec, k1024Gpus, 3);
  const auto plain = generate(spec_with_jobs(300), k1024Gpus, 3);
  ASSERT_EQ(with_priority.size(), plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(with_priority[i].priority, 7);
    EXPECT_EQ(with_priority[i].submit_time, plain[i].submit_time);
    EXPECT_EQ(with_priority[i].duration, plain[i].duration);
  }
}

}  // namespace
}  // namespace kubetwin::models
