#include "models/scheduling/default_preemption.hpp"

#include <gtest/gtest.h>

#include "models/testing/builders.hpp"

namespace kubetwin::models {
namespace {

using testing::kGi;

struct Fixture {
  explicit Fixture(int nodes) : cluster({testing::pool("n", nodes, {64000, 256 * kGi, 8})}), ties(1), scheduler(ProfileConfig{}, ties) {
    pods_on_node.resize(cluster.node_count());
  }
  void run(NodeIndex node, std::uint64_t job, std::int32_t priority, std::int64_t gpus, double start = 0) {
    const Resources r{1000 * gpus, kGi * gpus, gpus};
    const DeviceSet devices = cluster.allocate(node, r);
    pods_on_node[node].push_back({job, 0, priority, start, r, nullptr, devices});
  }
  std::optional<PreemptionCandidate> select(std::int64_t gpus, std::int32_t priority) {
    PodGroupSpec pod;
    pod.requests = {1000 * gpus, kGi * gpus, gpus};
    scheduler.pre_filter(pod, cluster);
    return DefaultPreemption::select(pod, priority, scheduler, cluster, ClusterSnapshot(cluster, pods_on_node));
  }
  Cluster cluster;
  sim::RandomStream ties;
  Scheduler scheduler;
  std::vector<std::vector<RunningPod>> pods_on_node;
};

std::vector<std::uint64_t> jobs_of(const PreemptionCandidate& c) {
  std::vector<std::uint64_t> out;
  for (const auto& v : c.victims) out.push_back(v.job);
  return out;
}

TEST(DefaultPreemption, PicksTheNodeWithTheLowestHighestVictimPriority) {
  Fixture f(2);
  f.run(0, 1, 5, 8);  // node 0: one pod of priority 5
  f.run(1, 2, 3, 8);  // node 1: one pod of priority 3
  const auto c = f.select(8, 10);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node, 1u);
  EXPECT_EQ(jobs_of(*c), (std::vector<std::uint64_t>{2}));
}

TEST(DefaultPreemption, ReprievesTheMostImportantVictimsThatCanStay) {
  // Node: 4 GPUs of priority 1, 2 of priority 2, 2 of priority 3. A 4-GPU pod of priority 9 needs
  // 4 GPUs freed: reprieve order 3, 2, 1 -> priority 3 and 2 stay, the priority-1 pod goes.
  Fixture f(1);
  f.run(0, 1, 1, 4);
  f.run(0, 2, 2, 2);
  f.run(0, 3, 3, 2);
  const auto c = f.select(4, 9);
  ASSERT_TRUE(c);
  EXPECT_EQ(jobs_of(*c), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(f.cluster.requested(0).gpus, 8) << "the cluster is restored";
}

TEST(DefaultPreemption, FewerVictimsWinAtEqualPriorities) {
  Fixture f(2);
  f.run(0, 1, 1, 4);
  f.run(0, 2, 1, 4);  // node 0 needs two victims for 8 GPUs
  f.run(1, 3, 1, 8);  // node 1 needs one
  const auto c = f.select(8, 5);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->node, 1u);
}

TEST(DefaultPreemption, NoCandidateWithoutLowerPriorityPodsOrRoom) {
  Fixture f(1);
  f.run(0, 1, 5, 8);
  EXPECT_FALSE(f.select(8, 5)) << "equal priority is not preemptible";
  EXPECT_FALSE(f.select(8, 4));
  Fixture g(1);
  g.run(0, 1, 1, 4);
  g.run(0, 2, 9, 4);  // even without the priority-1 pod only 4 GPUs would be free
  EXPECT_FALSE(g.select(8, 5));
}

}  // namespace
}  // namespace kubetwin::models
