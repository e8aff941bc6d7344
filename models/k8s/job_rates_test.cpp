// Running perf jobs slow each other down on shared uplinks and speed back up when a co-tenant ends;
// the completion timers move with them.
#include "models/k8s/job_rates.hpp"

#include <gtest/gtest.h>

#include "models/testing/builders.hpp"
#include "models/topology/fabric_builder.hpp"

namespace kubetwin::models {
namespace {

// Classic fat-tree, two servers per leaf, one spine, 2:1: a leaf's uplink (360 GB/s achieved)
// carries exactly one two-node job's 8 rings (8 x 45 GB/s).
struct World {
  explicit World(int nodes)
      : fabric(build_fabric(spec(nodes))),
        index(fabric, 8),
        cluster(pools(nodes)),
        runtime(GpuCatalog::builtin(), 0.4, &index),
        cp(engine, cluster, SchedulerConfig{}, runtime, streams),
        rates(engine, cp, runtime, index) {
    cp.job_completed.connect([this](const JobState& j) { completed[j.spec.id] = engine.now(); });
    cp.job_failed.connect([](const JobState& j, std::string_view reason, std::string_view message) {
      ADD_FAILURE() << j.spec.id << " failed: " << reason << ": " << message;
    });
    rates.rate_changed.connect([this](const JobState& j, double old_step, double new_step, const JobState& cause, bool) {
      changes.push_back({j.spec.id, old_step, new_step, cause.spec.id});
    });
  }
  // A pool per node ("n<i>"), so that jobs can be pinned by the pool label.
  static std::vector<NodePoolSpec> pools(int nodes) {
    std::vector<NodePoolSpec> out;
    for (int n = 0; n < nodes; ++n) out.push_back(testing::pool("n" + std::to_string(n), 1, {256000, 2048 * testing::kGi, 8}));
    return out;
  }
  static FabricSpec spec(int nodes) {
    FabricSpec s;
    s.kind = FabricKind::FatTree;
    s.nodes = nodes;
    s.nodes_per_leaf = 2;
    s.spines_per_pod = 1;
    s.oversubscription = 2;
    return s;
  }
  // A job of two full nodes, pinned to `a` and `b`.
  static JobSpec job(std::string id, int a, int b, std::int64_t iterations) {
    JobSpec j;
    j.id = std::move(id);
    for (int n : {a, b}) {
      PodGroupSpec g;
      g.name = "w" + std::to_string(n);
      g.requests = {8000, 64 * testing::kGi, 8};
      g.node_selector[kNodePoolLabel] = "n" + std::to_string(n);
      j.pods.push_back(g);
    }
    SimplePerf s;
    s.compute_seconds = 1.0;
    s.comm_bytes = 40e9;
    PerfProfile p;
    p.shape = s;
    p.iterations = iterations;
    j.perf = p;
    return j;
  }
  void submit_at(double t, JobSpec j) {
    engine.schedule_at(t, [this, j] { cp.submit(j); });
  }
  StepPrediction alone(const JobSpec& j, NodeIndex a, NodeIndex b) { return runtime.predict_step(j, {a, b}, cluster); }

  sim::Engine engine;
  Fabric fabric;
  FabricIndex index;
  Cluster cluster;
  JobRuntimeModel runtime;
  sim::RandomStreams streams{1};
  ControlPlane cp;
  JobRates rates;
  std::map<std::string, double> completed;
  struct Change {
    std::string job;
    double old_step, new_step;
    std::string cause;
  };
  std::vector<Change> changes;
};

TEST(JobRates, CoTenantsOnALeafUplinkSlowEachOtherAndSpeedBackUp) {
  World w(4);
  const JobSpec a = World::job("a", 0, 2, 100), b = World::job("b", 1, 3, 20);
  w.submit_at(0, a);
  w.submit_at(30, b);
  w.engine.run();
  // By hand: T alone, T' = T + network part (both get half the uplink: the network part doubles).
  const StepPrediction p = w.alone(a, 0, 2);
  ASSERT_GT(p.network_seconds, 0);
  EXPECT_NEAR(p.network_seconds, 2 * 40e9 / 16 / 45e9, 1e-3 * p.network_seconds);  // the cross-leaf phase
  const double t = p.step_seconds, slow = t + p.network_seconds;
  // b runs 20 steps at T' from 30 s; a did 30/T steps alone, 20 beside b, the rest alone again.
  const double b_end = 30 + 20 * slow;
  const double a_end = b_end + (100 - 30 / t - 20) * t;
  EXPECT_NEAR(w.completed.at("b"), b_end, 1e-9 * b_end);
  EXPECT_NEAR(w.completed.at("a"), a_end, 1e-9 * a_end);
  // Three rate changes: a and b slow down when b starts, a speeds up when b ends.
  ASSERT_EQ(w.changes.size(), 3u);
  EXPECT_EQ(w.changes[0].job, "a");
  EXPECT_DOUBLE_EQ(w.changes[0].new_step, slow);
  EXPECT_EQ(w.changes[1].job, "b");
  EXPECT_EQ(w.changes[2].job, "a");
  EXPECT_DOUBLE_EQ(w.changes[2].new_step, t);
  EXPECT_EQ(w.changes[2].cause, "b");
}

TEST(JobRates, RecomputesOnlyJobsOnTheLinksTouched) {
  World w(8);
  w.submit_at(0, World::job("a", 0, 2, 1000));
  w.submit_at(1, World::job("b", 1, 3, 1000));
  w.engine.run(5);
  // a's start: a; b's start: b and a (they share leaves 0 and 1).
  EXPECT_EQ(w.rates.contention().recomputed(), 3u);
  w.submit_at(6, World::job("c", 4, 6, 10));
  w.submit_at(7, World::job("d", 5, 7, 10));
  w.engine.run(8);
  // c and d share leaves 2 and 3 only: a and b are not looked at.
  EXPECT_EQ(w.rates.contention().recomputed(), 3u + 1 + 2);
  for (const auto& c : w.changes) {
    if (c.job == "a" || c.job == "b") {
      EXPECT_TRUE(c.cause == "a" || c.cause == "b") << c.job << " changed by " << c.cause;
    }
  }
  EXPECT_EQ(w.changes.size(), 4u);  // a and b slowed by b's start, c and d by d's
}

TEST(JobRates, JobsWithoutPerfKeepTheirDuration) {
  World w(4);
  JobSpec plain = World::job("plain", 0, 2, 1);
  plain.perf.reset();
  plain.duration = 50;
  w.submit_at(0, plain);
  w.submit_at(0, World::job("b", 1, 3, 10));
  w.engine.run();
  EXPECT_DOUBLE_EQ(w.completed.at("plain"), 50);
  EXPECT_TRUE(w.changes.empty());  // b shares the uplink with nobody that uses it
}

}  // namespace
}  // namespace kubetwin::models
