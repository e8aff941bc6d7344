#include "models/scheduling/topology_aware.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/testing/builders.hpp"
#include "models/testing/control_plane_harness.hpp"

// Each TEST builds at most one Harness (SimGrid allows one engine per process; ctest runs each
// TEST in its own process).

namespace kubetwin::models {
namespace {

using testing::Harness;
using testing::JobBuilder;
using testing::kGi;

constexpr const char* kBlock = kTopologyBlockLabel;
constexpr const char* kLeaf = kTopologyLeafLabel;
constexpr const char* kNvlink = kNvlinkDomainLabel;

// --- builders -------------------------------------------------------------------------------

/// One NVLink domain: `nodes` nodes of `gpus` GPUs under block `block`, leaf `leaf`. The pool is
/// named <block>-<leaf>-<nvlink>, its nodes <pool>-<i>.
NodePoolSpec domain(const std::string& block, const std::string& leaf, const std::string& nvlink, int nodes,
                    int gpus) {
  return testing::pool(block + "-" + leaf + "-" + nvlink, nodes, {256000, 2048 * kGi, gpus},
                       {{kBlock, block}, {kLeaf, leaf}, {kNvlink, nvlink}});
}

/// 2 blocks x 2 leaves x 2 NVLink domains x 2 nodes of 4 GPUs: 16 nodes, 64 GPUs. No node holds
/// 8 GPUs; an NVLink domain holds exactly 8.
std::vector<NodePoolSpec> small_nodes_fabric() {
  std::vector<NodePoolSpec> pools;
  for (const char* b : {"b0", "b1"}) {
    for (const char* l : {"l0", "l1"}) {
      for (const char* n : {"n0", "n1"}) pools.push_back(domain(b, l, n, 2, 4));
    }
  }
  return pools;
}

/// 2 blocks x 2 leaves x 2 nodes of 8 GPUs (each node its own NVLink domain, as HGX boards).
std::vector<NodePoolSpec> hgx_fabric() {
  std::vector<NodePoolSpec> pools;
  for (const char* b : {"b0", "b1"}) {
    for (const char* l : {"l0", "l1"}) {
      for (const char* n : {"n0", "n1"}) pools.push_back(domain(b, l, n, 1, 8));
    }
  }
  return pools;
}

SchedulerConfig with_topology_aware(ProfileConfig profile = {}) {
  for (ExtensionPoint p : {ExtensionPoint::PreFilter, ExtensionPoint::Filter, ExtensionPoint::PreScore,
                           ExtensionPoint::Score}) {
    profile.at(p).push_back({std::string(TopologyAware::kName), 1});
  }
  SchedulerConfig c;
  c.profiles = {profile};
  return c;
}

/// A group of `replicas` pods of `gpus` GPUs each.
PodGroupSpec group(int replicas, int gpus, PodGroupTopology topology = {}) {
  PodGroupSpec g;
  g.name = "worker";
  g.replicas = replicas;
  g.requests = {1000, kGi, gpus};
  g.topology = std::move(topology);
  return g;
}

/// Takes `gpus` GPUs on the node named `node` (another job's pods).
void occupy(Cluster& c, const std::string& node, int gpus) {
  for (NodeIndex n = 0; n < c.node_count(); ++n) {
    if (c.node_name(n) == node) {
      c.allocate(n, {1000, kGi, gpus});
      return;
    }
  }
  FAIL() << "no node " << node;
}

/// The label `key` of the nodes a job's pods were bound to, as a set.
std::set<std::string> bound_label(const Harness& h, const std::string& job, const char* key) {
  std::set<std::string> out;
  for (const auto& b : h.binds) {
    if (b.job == job) out.insert(std::string(h.cluster.node_label(b.node, key).value_or("-")));
  }
  return out;
}

/// The plan's target, as "<level key>=<domain's node names>" or "none".
std::string target(const Cluster& c, const TopologyPlan& p, const std::vector<std::string>& levels) {
  if (p.target_level == TopologyPlan::kNoLevel) return "none";
  const auto l = static_cast<std::size_t>(p.target_level);
  std::string nodes;
  for (NodeIndex n = 0; n < c.node_count(); ++n) {
    if (p.levels->of(n, l) == p.target_path[l]) nodes += (nodes.empty() ? "" : " ") + c.node_name(n);
  }
  return levels[l] + "=" + nodes;
}

/// PreFilter, then Filter on every node: the names of those that pass, or "skip" if PreFilter
/// skips, or the rejection's reason.
std::string passing(const TopologyAware& plugin, const PodGroupSpec& pod, const ClusterSnapshot& s) {
  CycleState state;
  const Status pre = plugin.pre_filter(state, pod, s);
  if (pre.is_skip()) return "skip";
  if (!pre.ok()) return std::string(pre.reason());
  std::string out;
  for (NodeIndex n = 0; n < s.node_count(); ++n) {
    const bool ok = plugin.filter(state, pod, s, n).ok();
    EXPECT_EQ(ok, plugin.passes(state, pod, s, n)) << s.cluster().node_name(n);
    if (ok) out += (out.empty() ? "" : " ") + s.cluster().node_name(n);
  }
  return out;
}

// --- the plan ---------------------------------------------------------------------------------

TEST(TopologyAware, PlanChoosesTheNarrowestDomainThatFitsAndTheTightestThereTable) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, int>> used;  // GPUs taken per node
    PodGroupSpec pod;
    std::string expected;
  };
  const ProfileConfig profile;
  const std::vector<std::string>& levels = profile.topology_levels;
  const std::vector<Case> table{
      {"a one-node group goes to the fullest node that holds it (best fit)",
       {{"b1-l1-n1-1", 1}, {"b0-l1-n0-0", 2}},
       group(2, 1),
       "kubernetes.io/hostname=b0-l1-n0-0"},
      {"eight one-GPU pods: one NVLink domain; the lowest one on ties",
       {},
       group(8, 1),
       "topology.kubetwin.io/nvlink-domain=b0-l0-n0-0 b0-l0-n0-1"},
      {"best fit: the NVLink domain with just enough room, not the empty one",
       {{"b0-l0-n0-0", 1}, {"b1-l0-n1-1", 4}, {"b1-l0-n1-0", 1}, {"b1-l1-n0-0", 2}},
       group(6, 1),
       "topology.kubetwin.io/nvlink-domain=b1-l1-n0-0 b1-l1-n0-1"},
      {"no NVLink domain has 8 free: the tightest leaf that has (10 free, not 14)",
       {{"b0-l0-n0-0", 1}, {"b0-l0-n1-0", 1}, {"b0-l1-n0-0", 1}, {"b0-l1-n1-0", 1}, {"b1-l0-n0-0", 1},
        {"b1-l0-n1-0", 1}, {"b1-l1-n0-0", 1}, {"b1-l1-n1-0", 1}, {"b1-l1-n1-1", 4}},
       group(8, 1),
       "topology.kubetwin.io/leaf=b1-l1-n0-0 b1-l1-n0-1 b1-l1-n1-0 b1-l1-n1-1"},
      {"twenty pods: a block",
       {},
       group(20, 1),
       "topology.kubetwin.io/block=b0-l0-n0-0 b0-l0-n0-1 b0-l0-n1-0 b0-l0-n1-1 b0-l1-n0-0 b0-l1-n0-1 b0-l1-n1-0 "
       "b0-l1-n1-1"},
      {"more than a block holds: no target", {}, group(40, 1), "none"},
      {"a required leaf bounds the search, a wider preference is ignored",
       {},
       group(17, 1, {kLeaf, kBlock}),
       "none"},
      {"CPU pods count by CPU", {}, [] {
         PodGroupSpec g = group(3, 0);
         g.requests.cpu_milli = 100000;  // two per node
         return g;
       }(),
       "topology.kubetwin.io/nvlink-domain=b0-l0-n0-0 b0-l0-n0-1"},
  };
  for (const Case& c : table) {
    Cluster cluster(small_nodes_fabric());
    for (const auto& [node, gpus] : c.used) occupy(cluster, node, gpus);
    const TopologyAware plugin(profile);
    TopologyPlan plan;
    const Status s = plugin.plan(plan, c.pod, ClusterSnapshot(cluster));
    EXPECT_EQ(target(cluster, plan, levels), c.expected) << c.what << " (" << s.reason() << ")";
  }
}

TEST(TopologyAware, RequiredLevelThatCannotBeMetRejectsThePodNamingThePlugin) {
  Cluster cluster(small_nodes_fabric());
  const TopologyAware plugin{ProfileConfig{}};
  CycleState state;
  const Status s = plugin.pre_filter(state, group(17, 1, {kLeaf, ""}), ClusterSnapshot(cluster));  // a leaf has 16 GPUs
  EXPECT_EQ(s.code(), StatusCode::Unschedulable);
  EXPECT_EQ(s.plugin(), TopologyAware::kName);
  EXPECT_EQ(s.reason(),
            "no topology.kubetwin.io/leaf domain has room for the pod group's 17 pods (TopologyAware: required "
            "topology)");
}

TEST(TopologyAware, UnknownLevelIsUnresolvable) {
  Cluster cluster(small_nodes_fabric());
  const TopologyAware plugin{ProfileConfig{}};
  CycleState state;
  const Status s = plugin.pre_filter(state, group(2, 1, {"", "example.com/rack"}), ClusterSnapshot(cluster));
  EXPECT_EQ(s.code(), StatusCode::UnschedulableAndUnresolvable);
  EXPECT_EQ(s.reason(), "pod group's topology names a level that is not in TopologyAware's levels");
}

// --- Filter and Score -------------------------------------------------------------------------

TEST(TopologyAware, FilterConfinesGroupsToTheirDomainTable) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, int>> used;
    PodGroupSpec pod;
    std::string expected;  // nodes that pass
  };
  const std::vector<Case> table{
      {"a single pod without settings is not confined", {}, group(1, 1), "skip"},
      {"a gang of 8 without settings: the target NVLink domain", {}, group(8, 1), "b0-l0-n0-0 b0-l0-n0-1"},
      {"preferred leaf: confined to the leaf, packed by Score", {}, group(8, 1, {"", kLeaf}),
       "b0-l0-n0-0 b0-l0-n0-1 b0-l0-n1-0 b0-l0-n1-1"},
      {"required block, preferred NVLink domain: the NVLink domain",
       {{"b0-l0-n0-0", 1}},
       group(8, 1, {kBlock, kNvlink}),
       "b0-l0-n1-0 b0-l0-n1-1"},
      {"a preference that cannot be met: the narrowest level that can",
       {{"b0-l0-n0-0", 1}, {"b0-l0-n1-0", 1}, {"b0-l1-n0-0", 1}, {"b0-l1-n1-0", 1}, {"b1-l0-n0-0", 1},
        {"b1-l0-n1-0", 1}, {"b1-l1-n0-0", 1}, {"b1-l1-n1-0", 1}},
       group(8, 1, {"", kNvlink}),
       "b0-l0-n0-0 b0-l0-n0-1 b0-l0-n1-0 b0-l0-n1-1"},
      {"a single pod with a required block: confined to the fullest block that fits",
       {{"b1-l0-n0-0", 1}},
       group(1, 1, {kBlock, ""}),
       "b1-l0-n0-0 b1-l0-n0-1 b1-l0-n1-0 b1-l0-n1-1 b1-l1-n0-0 b1-l1-n0-1 b1-l1-n1-0 b1-l1-n1-1"},
  };
  for (const Case& c : table) {
    Cluster cluster(small_nodes_fabric());
    for (const auto& [node, gpus] : c.used) occupy(cluster, node, gpus);
    const TopologyAware plugin{ProfileConfig{}};
    EXPECT_EQ(passing(plugin, c.pod, ClusterSnapshot(cluster)), c.expected) << c.what;
  }
}

TEST(TopologyAware, FollowersJoinTheDomainOfTheGroupsPlacedPods) {
  Cluster cluster(small_nodes_fabric());
  PodsOnNodes pods(cluster.node_count());
  const PodGroupSpec pod = group(4, 1, {"", kNvlink});
  // One member already on b1-l1-n1-0: the target is that node (room for the other 3), although
  // best fit alone would pick b0-l0-n0-0.
  NodeIndex member = 0;
  while (cluster.node_name(member) != "b1-l1-n1-0") ++member;
  cluster.allocate(member, pod.requests);
  RunningPod p;
  p.spec = &pod;
  p.requests = pod.requests;
  pods[member].push_back(p);
  const ClusterSnapshot snapshot(cluster, pods);
  const TopologyAware plugin{ProfileConfig{}};

  EXPECT_EQ(passing(plugin, pod, snapshot), "b1-l1-n1-0 b1-l1-n1-1") << "confined to the members' NVLink domain";
  CycleState state;
  ASSERT_TRUE(plugin.pre_filter(state, pod, snapshot).ok());
  const auto* plan = state.read<TopologyPlan>();
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->placed, 1);
  EXPECT_EQ(plan->remaining, 3);
  std::vector<NodeIndex> all(cluster.node_count());
  for (NodeIndex n = 0; n < all.size(); ++n) all[n] = n;
  ASSERT_TRUE(plugin.pre_score(state, pod, snapshot, all).ok());
  std::map<std::string, std::int64_t> scores;
  for (NodeIndex n : all) scores[cluster.node_name(n)] = plugin.score(state, pod, snapshot, n);
  EXPECT_EQ(scores.at("b1-l1-n1-0"), 100) << "the members' node";
  EXPECT_EQ(scores.at("b1-l1-n1-1"), 75) << "same NVLink domain";
  EXPECT_EQ(scores.at("b1-l1-n0-0"), 50) << "same leaf";
  EXPECT_EQ(scores.at("b1-l0-n0-0"), 25) << "same block";
  EXPECT_EQ(scores.at("b0-l0-n0-0"), 0);

  // Once the members' domain has no room for the rest, the next level up takes over.
  occupy(cluster, "b1-l1-n1-1", 4);
  occupy(cluster, "b1-l1-n1-0", 2);
  EXPECT_EQ(passing(plugin, pod, ClusterSnapshot(cluster, pods)), "b1-l1-n0-0 b1-l1-n0-1 b1-l1-n1-0 b1-l1-n1-1")
      << "the members' leaf";
}

TEST(TopologyAware, SinglePodWithoutSettingsIsOnlyScoredTowardsTheFullestNode) {
  Cluster cluster(small_nodes_fabric());
  occupy(cluster, "b1-l0-n1-1", 3);
  occupy(cluster, "b0-l1-n0-0", 2);
  const TopologyAware plugin{ProfileConfig{}};
  const PodGroupSpec pod = group(1, 1);
  const ClusterSnapshot snapshot(cluster);
  CycleState state;
  EXPECT_TRUE(plugin.pre_filter(state, pod, snapshot).is_skip()) << "no node is filtered out";
  std::vector<NodeIndex> all(cluster.node_count());
  for (NodeIndex n = 0; n < all.size(); ++n) all[n] = n;
  ASSERT_TRUE(plugin.pre_score(state, pod, snapshot, all).ok());
  std::map<std::string, std::int64_t> scores;
  for (NodeIndex n : all) scores[cluster.node_name(n)] = plugin.score(state, pod, snapshot, n);
  EXPECT_EQ(scores.at("b1-l0-n1-1"), 100) << "best fit: 1 GPU left";
  EXPECT_EQ(scores.at("b1-l0-n1-0"), 75);
  EXPECT_EQ(scores.at("b0-l1-n0-0"), 0) << "another block";

  ProfileConfig no_default;
  no_default.topology_default_preferred.clear();
  const TopologyAware quiet(no_default);
  CycleState fresh;
  EXPECT_TRUE(quiet.pre_filter(fresh, pod, snapshot).is_skip());
  EXPECT_TRUE(quiet.pre_score(fresh, pod, snapshot, all).is_skip()) << "defaultPreferredLevel \"\": left alone";
}

TEST(TopologyAware, LevelsAreHierarchicalAndNodesWithoutLabelsAreOnlyNodes) {
  std::vector<NodePoolSpec> pools = small_nodes_fabric();
  pools.push_back(testing::pool("bare", 1, {256000, 2048 * kGi, 8}));
  Cluster cluster(std::move(pools));
  const ProfileConfig profile;
  const TopologyLevels levels(cluster, profile.topology_levels);
  EXPECT_EQ(levels.domain_count(0), 2u);
  EXPECT_EQ(levels.domain_count(1), 4u) << "l0 under b0 and l0 under b1 are two leaves";
  EXPECT_EQ(levels.domain_count(2), 8u);
  EXPECT_EQ(levels.domain_count(3), cluster.node_count());
  const auto bare = static_cast<NodeIndex>(cluster.node_count() - 1);
  EXPECT_EQ(levels.of(bare, 0), TopologyLevels::kNone);
  EXPECT_EQ(levels.of(bare, 3), static_cast<std::int32_t>(bare));

  // A required block keeps the group off the unlabelled node even though it alone has room.
  const TopologyAware plugin(profile);
  CycleState state;
  const Status s = plugin.pre_filter(state, group(1, 8, {kBlock, ""}), ClusterSnapshot(cluster));
  EXPECT_EQ(s.code(), StatusCode::Unschedulable) << s.reason();
}

// --- through the control plane ------------------------------------------------------------------

TEST(TopologyAwareGang, EightOneGpuPodsLandInOneNvlinkDomain) {
  // b0-l0-n0 has 7 GPUs free, too few; the gang takes b0-l0-n1 whole.
  Harness h(small_nodes_fabric(), with_topology_aware());
  h.submit_at(0, JobBuilder("filler", 1).duration(1000));
  h.submit_at(1, JobBuilder("gang", 1, 8).gang());
  h.engine.run();
  ASSERT_EQ(h.bind_times("gang").size(), 8u);
  EXPECT_EQ(bound_label(h, "gang", kNvlink), (std::set<std::string>{"n1"}));
  EXPECT_EQ(bound_label(h, "gang", kLeaf), (std::set<std::string>{"l0"}));
  EXPECT_EQ(bound_label(h, "gang", kBlock), (std::set<std::string>{"b0"}));
}

TEST(TopologyAwareGang, WithoutThePluginTheSameGangSpreads) {
  // The contrast that makes the test above meaningful: LeastAllocated spreads the pods.
  Harness h(small_nodes_fabric());
  h.submit_at(0, JobBuilder("filler", 1).duration(1000));
  h.submit_at(1, JobBuilder("gang", 1, 8).gang());
  h.engine.run();
  ASSERT_EQ(h.bind_times("gang").size(), 8u);
  EXPECT_GT(bound_label(h, "gang", kNvlink).size() + bound_label(h, "gang", kBlock).size(), 2u);
}

TEST(TopologyAwareGang, SixteenGpusOnTwoNodesLandUnderOneLeafWhenPossible) {
  Harness h(hgx_fabric(), with_topology_aware());
  h.submit_at(0, JobBuilder("gang", 8, 2).gang());
  h.engine.run();
  ASSERT_EQ(h.bind_times("gang").size(), 2u);
  EXPECT_EQ(bound_label(h, "gang", kLeaf).size(), 1u);
  EXPECT_EQ(bound_label(h, "gang", kBlock).size(), 1u);
  EXPECT_EQ(bound_label(h, "gang", kNvlink).size(), 2u);
}

TEST(TopologyAwareGang, SixteenGpusOnTwoNodesLandInOneBlockWhenNoLeafHasRoom) {
  // One node of every leaf is busy: no leaf has two free nodes, each block has two.
  Harness h(hgx_fabric(), with_topology_aware());
  for (int i = 0; i < 4; ++i) {
    h.submit_at(0, JobBuilder("busy" + std::to_string(i), 8).select(kNvlink, "n0").duration(1000));
  }
  h.submit_at(1, JobBuilder("gang", 8, 2).gang().duration(10));
  h.engine.run();
  ASSERT_EQ(h.bind_times("gang").size(), 2u);
  EXPECT_EQ(h.started.at("gang"), 1) << "placed at once, across two leaves";
  EXPECT_EQ(bound_label(h, "gang", kBlock).size(), 1u);
  EXPECT_EQ(bound_label(h, "gang", kLeaf).size(), 2u);
}

TEST(TopologyAwareGang, RequiredLeafThatCannotBeMetLeavesTheGangPending) {
  Harness h(hgx_fabric(), with_topology_aware());
  for (int i = 0; i < 4; ++i) {
    h.submit_at(0, JobBuilder("busy" + std::to_string(i), 8).select(kNvlink, "n0").duration(1000));
  }
  JobSpec gang = JobBuilder("gang", 8, 2).gang().duration(10);
  gang.pods[0].topology.required = kLeaf;
  h.submit_at(1, gang);
  h.at(500, [&] {
    EXPECT_TRUE(h.bind_times("gang").empty());
    EXPECT_EQ(h.cluster.allocated_gpus(), 32) << "no member holds GPUs while pending";
  });
  h.engine.run();
  ASSERT_EQ(h.unschedulable.size(), 1u);
  EXPECT_EQ(h.unschedulable[0].first, "gang");
  EXPECT_EQ(h.unschedulable[0].second,
            "0/8 nodes are available: 8 no topology.kubetwin.io/leaf domain has room for the pod group's 2 pods "
            "(TopologyAware: required topology).");
  EXPECT_EQ(h.started.at("gang"), 1000) << "placed once the busy jobs end";
  EXPECT_EQ(bound_label(h, "gang", kLeaf).size(), 1u);
}

}  // namespace
}  // namespace kubetwin::models
