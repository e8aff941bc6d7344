// The FGD paper's six policies as score plugins of the framework, on hand-built nodes with GPU
// shares: their raw scores, normalization, device choices, and the edge cases of the formulas.

#include "models/scheduling/gpu_share_plugins.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models/scheduling/plugin_registry.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/testing/builders.hpp"

namespace kubetwin::models {
namespace {

using testing::kGi;

/// Three 64-core, 8-GPU H100 nodes: 0 idle; 1 with a 500-milli share on device 0 (4 cores);
/// 2 with four whole GPUs taken (16 cores).
Cluster three_nodes() {
  Cluster c({testing::pool("g", 3, {64000, 256 * kGi, 8})});
  c.allocate(1, {4000, 8 * kGi, 0, 500}, DeviceSet{0});
  c.allocate(2, {16000, 32 * kGi, 4});
  return c;
}
/// The pods three_nodes() placed, as the snapshot lists them (GpuClustering reads their shapes).
PodsOnNodes three_nodes_pods() {
  PodsOnNodes pods(3);
  pods[1].push_back({1, 0, 0, 0, {4000, 8 * kGi, 0, 500}, nullptr, DeviceSet{0}});
  pods[2].push_back({2, 0, 0, 0, {16000, 32 * kGi, 4}, nullptr, DeviceSet{0, 1, 2, 3}});
  return pods;
}

PodGroupSpec share(std::int64_t cpu_milli, std::int64_t gpu_milli) {
  PodGroupSpec p;
  p.requests = {cpu_milli, kGi, 0, gpu_milli};
  return p;
}
PodGroupSpec whole(std::int64_t cpu_milli, std::int64_t gpus) {
  PodGroupSpec p;
  p.requests = {cpu_milli, kGi, gpus, 0};
  return p;
}

struct Scored {
  std::vector<std::int64_t> raw, normalized;
  std::map<NodeIndex, DeviceSet> devices;
};

Scored score_all(std::string_view policy, const PodGroupSpec& pod, const ClusterSnapshot& cluster,
                 ProfileConfig profile = {}, std::uint64_t seed = 1) {
  sim::RandomStream random(seed);
  GpuSharePolicyPlugin plugin(policy, profile, random);
  CycleState state;
  std::vector<NodeIndex> feasible;
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) feasible.push_back(n);
  EXPECT_TRUE(plugin.pre_score(state, pod, cluster, feasible).ok());
  Scored out;
  for (NodeIndex n : feasible) out.raw.push_back(plugin.score(state, pod, cluster, n));
  out.normalized = out.raw;
  plugin.normalize(state, out.normalized);
  if (const auto* p = state.read<PreferredDevices>()) {
    for (const auto& [n, d] : p->by_node) out.devices[n] = d;
  }
  return out;
}

TEST(GpuSharePlugins, AreRegisteredUnderTheirCommandLineNames) {
  for (const char* name : {"FGD", "BestFit", "DotProd", "GpuPacking", "GpuClustering", "Random"}) {
    EXPECT_TRUE(PluginRegistry::builtin().implements(name, ExtensionPoint::Score)) << name;
    EXPECT_TRUE(PluginRegistry::builtin().implements(name, ExtensionPoint::PreScore)) << name;
    EXPECT_FALSE(PluginRegistry::builtin().implements(name, ExtensionPoint::Filter)) << name;
  }
}

TEST(GpuSharePlugins, RawScoresFollowThePublishedFormulas) {
  const Cluster nodes = three_nodes();
  const PodsOnNodes pods = three_nodes_pods();
  const ClusterSnapshot cluster(nodes, pods);
  struct Case {
    const char* policy;
    PodGroupSpec pod;
    std::vector<std::int64_t> raw, normalized;
  };
  const std::vector<Case> table{
      // BestFit: 100 (1 - (cpu_left/128 cores + gpu_left/8000 milli) / 2), then min-max to 0..100.
      // node 0: (56/128 + 7750/8000)/2 = .703 -> 29; node 1: (52/128 + 7250/8000)/2 = .656 -> 34;
      // node 2: (40/128 + 3750/8000)/2 = .391 -> 60. Min-max: 0, (34-29)*100/31 = 16, 100.
      {"BestFit", share(8000, 250), {29, 34, 60}, {0, 16, 100}},
      // DotProd: 100 (1 - (cpu_free/128 x cpu/128 + gpu_free/8000 x gpu/8000) / 2), no normalization.
      // node 0: (.5 x .0625 + 1 x .03125)/2 = .03125 -> 96; node 1: (.46875 x .0625 + .9375 x .03125)/2
      // = .0293 -> 97; node 2: (.375 x .0625 + .5 x .03125)/2 = .0195 -> 98.
      {"DotProd", share(8000, 250), {96, 97, 98}, {96, 97, 98}},
      // GpuPacking: idle node max(33 - free, free) = 25 ... node 0 has 8 free -> max(25, 8) = 25;
      // node 1: the share fits on the used device 0 (tightest) -> 100 - 50/10 = 95;
      // node 2: opens a free device on a used node -> max(50 - 1, 33) = 49.
      {"GpuPacking", share(8000, 250), {25, 95, 49}, {25, 95, 49}},
      // Whole GPUs: node 0 idle 25; node 1 opens 2 devices -> 48; node 2 opens 2 -> 48.
      {"GpuPacking", whole(8000, 2), {25, 48, 48}, {25, 48, 48}},
      // CPU-only pods score 0 with GpuPacking and GpuClustering.
      {"GpuPacking", whole(8000, 0), {0, 0, 0}, {0, 0, 0}},
      {"GpuClustering", whole(8000, 0), {0, 0, 0}, {0, 0, 0}},
      // GpuClustering: base 25 (8000 - free)/8000; idle +25; same tag only +75; shared tag +50.
      // Share pod: node 0 idle: 0 + 25; node 1 holds one share pod (same tag): 1 + 75 = 76;
      // node 2 holds a 4-GPU pod (other tag): 12 + 0 = 12.
      {"GpuClustering", share(8000, 250), {25, 76, 12}, {25, 76, 12}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(std::string(c.policy) + " cpu " + std::to_string(c.pod.requests.cpu_milli) + " gpus " +
                 std::to_string(c.pod.requests.gpus) + " milli " + std::to_string(c.pod.requests.gpu_milli));
    const Scored s = score_all(c.policy, c.pod, cluster);
    EXPECT_EQ(s.raw, c.raw);
    EXPECT_EQ(s.normalized, c.normalized);
  }
}

TEST(GpuSharePlugins, BestFitTakesTheTightestDeviceWhileFgdKeepsUsableSharesWhole) {
  const Cluster cluster = three_nodes();
  ProfileConfig profile;  // the workload is mostly half-GPU pods
  profile.fgd_typical_pods = {{4000, 1, 500, "", 1.0}};
  const Scored best_fit = score_all("BestFit", share(4000, 250), cluster, profile);
  const Scored fgd = score_all("FGD", share(4000, 250), cluster, profile);
  // On node 1, device 0 has 500 free: a 250 share there would leave 250 that no 500 pod can use.
  EXPECT_EQ(best_fit.devices.at(1), (DeviceSet{0}));
  EXPECT_EQ(fgd.devices.at(1), (DeviceSet{1}));
  // FGD: trunc(100 sigmoid(-(F(after) - F(before)) / 1000)); placing without new fragments
  // scores 100 sigmoid(0) = 50 everywhere here.
  EXPECT_EQ(fgd.raw, (std::vector<std::int64_t>{50, 50, 50}));
  // Whole-GPU pods take the lowest-numbered fully free devices.
  const Scored whole_gpus = score_all("FGD", whole(4000, 2), cluster, profile);
  EXPECT_EQ(whole_gpus.devices.at(2), (DeviceSet{4, 5}));
  EXPECT_EQ(whole_gpus.devices.at(1), (DeviceSet{1, 2}));
}

TEST(GpuSharePlugins, FgdPenalisesAPlacementThatStrandsFreeGpu) {
  // One node: device 0 has 600 free, the rest are taken. A 300 share leaves 300 there, useless
  // to the typical 500 pods: F rises from 0 to 300, score trunc(100 sigmoid(-0.3)) = 42.
  Cluster cluster({testing::pool("g", 1, {64000, 256 * kGi, 8})});
  cluster.allocate(0, {1000, kGi, 0, 400}, DeviceSet{0});
  cluster.allocate(0, {1000, kGi, 7}, DeviceSet{1, 2, 3, 4, 5, 6, 7});
  ProfileConfig profile;
  profile.fgd_typical_pods = {{1000, 1, 500, "", 1.0}};
  EXPECT_EQ(score_all("FGD", share(1000, 300), cluster, profile).raw, (std::vector<std::int64_t>{42}));
  // A 100 share leaves 500, still usable: F stays 0, score 50.
  EXPECT_EQ(score_all("FGD", share(1000, 100), cluster, profile).raw, (std::vector<std::int64_t>{50}));
}

TEST(GpuSharePlugins, FgdWithoutTypicalPodsLearnsThemFromThePodsItScores) {
  const Cluster cluster = three_nodes();
  sim::RandomStream random(1);
  GpuSharePolicyPlugin plugin("FGD", ProfileConfig{}, random);
  CycleState state;
  const std::vector<NodeIndex> feasible{0, 1, 2};
  for (int i = 0; i < 3; ++i) {
    state.clear();
    ASSERT_TRUE(plugin.pre_score(state, share(4000, 500), cluster, feasible).ok());
  }
  // Having seen only 500 shares, FGD avoids leaving 250 behind, as with configured typical pods.
  state.clear();
  ASSERT_TRUE(plugin.pre_score(state, share(4000, 250), cluster, feasible).ok());
  EXPECT_EQ(DeviceSet(state.read<PreferredDevices>()->on(1).begin(), state.read<PreferredDevices>()->on(1).end()),
            (DeviceSet{1}));
}

TEST(GpuSharePlugins, RandomSpreadsPicksOverTheFeasibleNodesAndIsReproducible) {
  Cluster cluster({testing::pool("g", 4, {64000, 256 * kGi, 8})});
  ProfileConfig profile;
  profile.at(ExtensionPoint::Score) = {{"Random", 1}};
  std::vector<int> hits(4, 0);
  std::vector<NodeIndex> first, second;
  for (int run = 0; run < 2; ++run) {
    sim::RandomStream random(9);
    Scheduler s(profile, random);
    for (int i = 0; i < 400; ++i) {
      const NodeIndex n = *s.find_node(share(1000, 100), cluster);
      (run == 0 ? first : second).push_back(n);
      if (run == 0) ++hits[n];
    }
  }
  EXPECT_EQ(first, second);
  for (int h : hits) EXPECT_GT(h, 60);
}

TEST(GpuSharePlugins, TheSchedulerAllocatesTheDevicesThePolicyChose) {
  Cluster cluster = three_nodes();
  ProfileConfig profile;
  profile.at(ExtensionPoint::Score) = {{"FGD", 1}};
  profile.fgd_typical_pods = {{4000, 1, 500, "", 1.0}};
  sim::RandomStream random(1);
  Scheduler s(profile, random);
  PodGroupSpec pod = share(4000, 250);
  pod.node_selector[kHostnameLabel] = "g-1";
  const auto node = s.find_node(pod, cluster);
  ASSERT_EQ(node, std::optional<NodeIndex>(1));
  const auto devices = s.preferred_devices(1);
  const DeviceSet got = cluster.allocate(1, pod.requests, devices);
  EXPECT_EQ(got, (DeviceSet{1}));
  EXPECT_EQ(cluster.device_free(1)[0], 500);
  EXPECT_EQ(cluster.device_free(1)[1], 750);
}

TEST(Cluster, GpuSharesUseOneDeviceEachTightestFirst) {
  Cluster c({testing::pool("g", 1, {64000, 256 * kGi, 4})});
  EXPECT_EQ(c.allocate(0, {0, 0, 0, 600}), (DeviceSet{0}));
  EXPECT_EQ(c.free(0).gpus, 3);                     // device 0 no longer fully free
  EXPECT_EQ(c.allocate(0, {0, 0, 0, 300}), (DeviceSet{0}));  // 400 left on 0 is the tightest fit
  EXPECT_EQ(c.allocate(0, {0, 0, 0, 500}), (DeviceSet{1}));  // 100 left on 0 is too little
  EXPECT_TRUE(c.gpus_fit(0, {0, 0, 0, 1000}));
  EXPECT_TRUE(c.gpus_fit(0, {0, 0, 2, 0}));
  EXPECT_FALSE(c.gpus_fit(0, {0, 0, 3, 0}));
  EXPECT_EQ(c.allocated_gpu_milli(), 1400);
  EXPECT_EQ(c.allocated_gpus(), 0);
  EXPECT_EQ(c.max_free_gpus_on_a_node(), 2);
  c.release(0, {0, 0, 0, 300}, DeviceSet{0});
  c.release(0, {0, 0, 0, 600}, DeviceSet{0});
  EXPECT_EQ(c.device_free(0)[0], 1000);
  EXPECT_EQ(c.free(0).gpus, 3);
  EXPECT_EQ(c.allocated_gpu_milli(), 500);
}

}  // namespace
}  // namespace kubetwin::models
