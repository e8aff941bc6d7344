// The framework's mechanics with plugins made for the test: typed cycle state, PreFilter and
// PreScore skipping, PreFilter rejection, and the registry's checks.

#include "models/scheduling/framework.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/scheduling/plugin_registry.hpp"
#include "models/scheduling/plugins.hpp"
#include "models/scheduling/scheduler.hpp"
#include "models/testing/builders.hpp"

namespace kubetwin::models {
namespace {

using testing::kGi;

TEST(CycleState, HoldsOneValuePerTypeUntilCleared) {
  struct Counts {
    int n = 0;
  };
  struct Name {
    std::string s;
  };
  CycleState state;
  EXPECT_EQ(state.read<Counts>(), nullptr);
  state.emplace<Counts>(Counts{3});
  state.emplace<Name>(Name{"a"});
  ASSERT_NE(state.read<Counts>(), nullptr);
  EXPECT_EQ(state.read<Counts>()->n, 3);
  EXPECT_EQ(state.read<Name>()->s, "a");
  state.get<Counts>()->n = 4;
  EXPECT_EQ(state.read<Counts>()->n, 4);
  state.emplace<Counts>(Counts{7});  // replaces, does not add
  EXPECT_EQ(state.read<Counts>()->n, 7);
  state.clear();
  EXPECT_TRUE(state.empty());
  EXPECT_EQ(state.read<Name>(), nullptr);
}

// A plugin whose PreFilter stores the number of the only node it accepts, or skips, or rejects,
// depending on the pod's label "mode"; its Score prefers high node numbers unless skipped.
struct OnlyNode {
  NodeIndex node;
};
class Picky final : public PreFilterPlugin, public FilterPlugin, public PreScorePlugin, public ScorePlugin {
 public:
  static constexpr std::string_view kName = "Picky";
  std::string_view name() const override { return kName; }
  Status pre_filter(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot&) const override {
    const std::string& mode = pod.labels.at("mode");
    if (mode == "skip") return Status::skip();
    if (mode == "reject") return Status::unresolvable(kName, "pod refused by Picky");
    state.emplace<OnlyNode>(OnlyNode{static_cast<NodeIndex>(std::stoi(mode))});
    return Status::success();
  }
  bool pool_constant(const PodGroupSpec&) const override { return false; }
  Status filter(const CycleState& state, const PodGroupSpec&, const ClusterSnapshot&, NodeIndex node) const override {
    const OnlyNode* only = state.read<OnlyNode>();
    if (only == nullptr) return Status::unresolvable(kName, "Filter ran without PreFilter state");
    return only->node == node ? Status::success() : Status::unschedulable(kName, "not the node Picky wants");
  }
  Status pre_score(CycleState&, const PodGroupSpec& pod, const ClusterSnapshot&, std::span<const NodeIndex>) const override {
    return pod.labels.contains("score") ? Status::success() : Status::skip();
  }
  std::int64_t score(const CycleState&, const PodGroupSpec&, const ClusterSnapshot&, NodeIndex node) const override {
    return node;
  }
};

PluginRegistry registry_with_picky() {
  PluginRegistry r = PluginRegistry::builtin();
  r.add("Picky", {ExtensionPoint::PreFilter, ExtensionPoint::Filter, ExtensionPoint::PreScore, ExtensionPoint::Score},
        [](const PluginContext&) { return std::make_unique<Picky>(); });
  return r;
}

ProfileConfig picky_profile() {
  ProfileConfig p;
  p.at(ExtensionPoint::PreFilter) = {{"Picky", 1}};
  p.at(ExtensionPoint::Filter).push_back({"Picky", 1});
  p.at(ExtensionPoint::PreScore) = {{"Picky", 1}};
  p.at(ExtensionPoint::Score) = {{"Picky", 1}};
  return p;
}

PodGroupSpec pod(std::string mode, bool scored = false) {
  PodGroupSpec p;
  p.requests = {1000, kGi, 0};
  p.labels["mode"] = std::move(mode);
  if (scored) p.labels["score"] = "yes";
  return p;
}

TEST(Framework, FilterReadsWhatPreFilterWroteThisCycle) {
  const auto registry = registry_with_picky();
  Cluster cluster({testing::pool("n", 4, {8000, 32 * kGi, 0})});
  sim::RandomStream ties(1);
  Scheduler s(picky_profile(), ties, registry);
  EXPECT_EQ(s.find_node(pod("2"), cluster), std::optional<NodeIndex>(2));
  EXPECT_EQ(s.find_node(pod("0"), cluster), std::optional<NodeIndex>(0));  // state of the new cycle
  EXPECT_EQ(s.explain(pod("1"), cluster), "1/4 nodes are available: 3 not the node Picky wants.");
}

TEST(Framework, PreFilterSkipTurnsOffThatPluginsFilter) {
  const auto registry = registry_with_picky();
  Cluster cluster({testing::pool("n", 3, {8000, 32 * kGi, 0})});
  sim::RandomStream ties(1);
  Scheduler s(picky_profile(), ties, registry);
  EXPECT_TRUE(s.find_node(pod("skip"), cluster).has_value());  // Filter would reject without state
  EXPECT_EQ(s.explain(pod("skip"), cluster), "3/3 nodes are available.");
}

TEST(Framework, PreFilterRejectionRejectsEveryNodeWithItsReason) {
  const auto registry = registry_with_picky();
  Cluster cluster({testing::pool("n", 3, {8000, 32 * kGi, 0})});
  sim::RandomStream ties(1);
  Scheduler s(picky_profile(), ties, registry);
  EXPECT_FALSE(s.find_node(pod("reject"), cluster).has_value());
  std::vector<NodeIndex> seen;
  const std::string why = s.explain(pod("reject"), cluster, [&](NodeIndex n, const Status& st) {
    seen.push_back(n);
    EXPECT_EQ(st.plugin(), "Picky");
  });
  EXPECT_EQ(why, "0/3 nodes are available: 3 pod refused by Picky.");
  EXPECT_EQ(seen, (std::vector<NodeIndex>{0, 1, 2}));
}

TEST(Framework, PreScoreSkipLeavesTheTieToTheOtherScorers) {
  auto registry = registry_with_picky();
  ProfileConfig p = picky_profile();
  p.at(ExtensionPoint::PreFilter).clear();  // every node passes: Picky's Filter is off
  p.at(ExtensionPoint::Filter).pop_back();
  Cluster cluster({testing::pool("n", 4, {8000, 32 * kGi, 0})});
  sim::RandomStream ties(7);
  Scheduler s(p, ties, registry);
  // Scored: the highest node number wins every time.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(s.find_node(pod("any", true), cluster), std::optional<NodeIndex>(3));
  // Skipped: all nodes tie and the tie-break spreads the picks.
  std::vector<int> hits(4, 0);
  for (int i = 0; i < 200; ++i) ++hits[*s.find_node(pod("any", false), cluster)];
  for (int h : hits) EXPECT_GT(h, 20);
}

TEST(PluginRegistry, KnowsEachPluginsExtensionPoints) {
  const auto& r = PluginRegistry::builtin();
  EXPECT_TRUE(r.implements("NodeResourcesFit", ExtensionPoint::Filter));
  EXPECT_TRUE(r.implements("NodeResourcesFit", ExtensionPoint::Score));
  EXPECT_FALSE(r.implements("NodeAffinity", ExtensionPoint::Score));
  EXPECT_TRUE(r.implements("Coscheduling", ExtensionPoint::Permit));
  EXPECT_FALSE(r.knows("Tetris"));
  const auto sorts = r.names_at(ExtensionPoint::QueueSort);
  EXPECT_EQ(sorts, (std::vector<std::string_view>{"PrioritySort"}));
  PluginRegistry copy = r;
  EXPECT_THROW(copy.add("PrioritySort", {ExtensionPoint::QueueSort}, [](const PluginContext&) {
    return std::make_unique<PrioritySort>();
  }), std::invalid_argument);
}

TEST(PluginRegistry, ProfilesMustNameRegisteredPluginsAtTheirPointsAndOneQueueSort) {
  sim::RandomStream ties(1);
  ProfileConfig p;
  p.at(ExtensionPoint::Permit) = {{"NodeResourcesFit", 1}};  // registered, not a Permit plugin
  EXPECT_THROW(PluginSet(p, ties), std::invalid_argument);
  ProfileConfig no_sort;
  no_sort.at(ExtensionPoint::QueueSort).clear();
  EXPECT_THROW(PluginSet(no_sort, ties), std::invalid_argument);
  ProfileConfig ok;
  PluginSet set(ok, ties);
  EXPECT_EQ(set.queue_sort().name(), "PrioritySort");
  ASSERT_EQ(set.bind().size(), 1u);
  EXPECT_EQ(set.bind()[0]->name(), "DefaultBinder");
  // A plugin enabled at several points is one instance.
  ASSERT_EQ(set.permit().size(), 1u);
  ASSERT_EQ(set.reserve().size(), 2u);  // DynamicResources, Coscheduling
  EXPECT_EQ(static_cast<const Plugin*>(set.permit()[0]), static_cast<const Plugin*>(set.reserve()[1]));
}

}  // namespace
}  // namespace kubetwin::models
