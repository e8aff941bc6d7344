#include "models/scheduling/topology_spread.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "models/testing/placement_builders.hpp"

namespace kubetwin::models {
namespace {

using testing::labelled;
using testing::labelled_pool;
using testing::match;
using testing::World;
using Action = UnsatisfiableConstraintAction;
using Op = LabelSelectorRequirement::Operator;

constexpr const char* kZone = "topology.kubernetes.io/zone";

// --- builders -------------------------------------------------------------------------------

/// Zones a (a-0, a-1), b (b-0, b-1) and c (c-0); edge-0 has no zone. Pools a and b are tier x.
World zones() {
  return World({labelled_pool("a", 2, {{kZone, "a"}, {"tier", "x"}}),
                labelled_pool("b", 2, {{kZone, "b"}, {"tier", "x"}}),
                labelled_pool("c", 1, {{kZone, "c"}}), labelled_pool("edge", 1, {})});
}

TopologySpreadConstraint spread(int max_skew, std::string key, Action when = Action::DoNotSchedule,
                                std::optional<LabelSelector> selector = match("app", "web")) {
  TopologySpreadConstraint c;
  c.max_skew = max_skew;
  c.topology_key = std::move(key);
  c.when_unsatisfiable = when;
  c.label_selector = std::move(selector);
  return c;
}

/// A pod labelled app=<app> with the given constraints.
PodGroupSpec pod(std::string app, std::vector<TopologySpreadConstraint> constraints) {
  PodGroupSpec p = labelled({{"app", std::move(app)}});
  p.topology_spread_constraints = std::move(constraints);
  return p;
}

/// Places `count` pods labelled app=<app> on each named node.
void place(World& w, const std::vector<std::pair<std::string, int>>& where,
           const std::string& app = "web") {
  for (const auto& [node, count] : where) w.place(node, labelled({{"app", app}}), count);
}

/// PreFilter, then Filter on every node: the names of the nodes that pass, space-separated.
std::string passing(const World& w, const PodGroupSpec& p) {
  const PodTopologySpread plugin;
  const ClusterSnapshot snapshot = w.snapshot();
  CycleState state;
  const Status pre = plugin.pre_filter(state, p, snapshot);
  EXPECT_TRUE(pre.ok() || pre.is_skip()) << pre.reason();
  return nodes_passing(plugin, state, p, w);
}

// --- Filter ---------------------------------------------------------------------------------

TEST(PodTopologySpread, FilterKeepsSkewWithinMaxSkewTable) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, int>> web;  // app=web pods already placed
    PodGroupSpec pod;
    std::string expected;  // nodes that pass
  };
  const auto zone1 = spread(1, kZone);
  TopologySpreadConstraint min_domains_4 = zone1;
  min_domains_4.min_domains = 4;
  TopologySpreadConstraint min_domains_3 = zone1;
  min_domains_3.min_domains = 3;
  const std::vector<Case> table{
      {"no app=web pods (b-1's app=db pods do not match): edge-0 lacks the key",
       {},
       pod("web", {zone1}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"a has one: placing there makes skew 2", {{"a-0", 1}}, pod("web", {zone1}), "b-0 b-1 c-0"},
      {"one in each zone: skew 1 everywhere",
       {{"a-0", 1}, {"b-1", 1}, {"c-0", 1}},
       pod("web", {zone1}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"a has two, b and c one",
       {{"a-0", 1}, {"a-1", 1}, {"b-0", 1}, {"c-0", 1}},
       pod("web", {zone1}),
       "b-0 b-1 c-0"},
      {"the pod does not match its own selector: no +1",
       {{"a-0", 1}},
       pod("db", {zone1}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"maxSkew 2", {{"a-0", 2}, {"b-0", 1}}, pod("web", {spread(2, kZone)}), "b-0 b-1 c-0"},
      {"pods on a node without the key do not count",
       {{"edge-0", 5}},
       pod("web", {zone1}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"minDomains above the 3 zones: global minimum is 0",
       {{"a-0", 1}, {"b-0", 1}, {"c-0", 1}},
       pod("web", {min_domains_4}),
       ""},
      {"minDomains met",
       {{"a-0", 1}, {"b-0", 1}, {"c-0", 1}},
       pod("web", {min_domains_3}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"hostname: every node is a domain",
       {{"a-0", 1}},
       pod("web", {spread(1, kHostnameLabel)}),
       "a-1 b-0 b-1 c-0 edge-0"},
      {"zone and hostname together",
       {{"a-0", 1}, {"b-0", 1}},
       pod("web", {spread(1, kZone), spread(1, kHostnameLabel)}),
       "c-0"},
      {"matchExpressions In",
       {{"a-0", 1}},
       pod("web", {spread(1, kZone, Action::DoNotSchedule,
                          testing::expression("app", Op::In, {"web", "api"}))}),
       "b-0 b-1 c-0"},
      {"no selector matches no pod",
       {{"a-0", 3}},
       pod("web", {spread(1, kZone, Action::DoNotSchedule, std::nullopt)}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"ScheduleAnyway constraints do not filter",
       {{"a-0", 3}},
       pod("web", {spread(1, kZone, Action::ScheduleAnyway)}),
       "a-0 a-1 b-0 b-1 c-0 edge-0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    World w = zones();
    place(w, c.web);
    place(w, {{"b-1", 2}}, "db");  // never matches app=web
    EXPECT_EQ(passing(w, c.pod), c.expected);
  }
}

TEST(PodTopologySpread, NodeInclusionPoliciesChooseWhichDomainsCount) {
  // a and b hold one app=web pod each, c none. The pod selects tier=x (pools a and b).
  struct Case {
    const char* what;
    NodeInclusionPolicy affinity, taints;
    bool taint_c;
    std::string expected;
  };
  const std::vector<Case> table{
      // Honor (default): c is not a candidate for the pod, so its 0 is not the minimum.
      {"nodeAffinityPolicy Honor", NodeInclusionPolicy::Honor, NodeInclusionPolicy::Ignore, false,
       "a-0 a-1 b-0 b-1 c-0"},
      {"nodeAffinityPolicy Ignore", NodeInclusionPolicy::Ignore, NodeInclusionPolicy::Ignore, false,
       "c-0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    World w = zones();
    place(w, {{"a-0", 1}, {"b-0", 1}});
    TopologySpreadConstraint con = spread(1, kZone);
    con.node_affinity_policy = c.affinity;
    con.node_taints_policy = c.taints;
    PodGroupSpec p = pod("web", {con});
    p.node_selector = {{"tier", "x"}};
    EXPECT_EQ(passing(w, p), c.expected);
  }
  // Taints: zone c's node is tainted and the pod does not tolerate it.
  for (const auto& [policy, expected] : std::vector<std::pair<NodeInclusionPolicy, std::string>>{
           {NodeInclusionPolicy::Ignore, "c-0"},
           {NodeInclusionPolicy::Honor, "a-0 a-1 b-0 b-1 c-0"}}) {
    SCOPED_TRACE(policy == NodeInclusionPolicy::Honor ? "nodeTaintsPolicy Honor"
                                                      : "nodeTaintsPolicy Ignore");
    World w(
        {labelled_pool("a", 2, {{kZone, "a"}}), labelled_pool("b", 2, {{kZone, "b"}}),
         labelled_pool("c", 1, {{kZone, "c"}}, {{"dedicated", "infra", TaintEffect::NoSchedule}})});
    place(w, {{"a-0", 1}, {"b-0", 1}});
    TopologySpreadConstraint con = spread(1, kZone);
    con.node_taints_policy = policy;
    EXPECT_EQ(passing(w, pod("web", {con})), expected);
  }
}

TEST(PodTopologySpread, FilterReasonsAndCodesAreUpstreams) {
  World w = zones();
  place(w, {{"a-0", 1}});
  const PodTopologySpread plugin;
  const PodGroupSpec p = pod("web", {spread(1, kZone)});
  const ClusterSnapshot snapshot = w.snapshot();
  CycleState state;
  ASSERT_TRUE(plugin.pre_filter(state, p, snapshot).ok());

  const Status skewed = plugin.filter(state, p, snapshot, w.node_index("a-1"));
  EXPECT_EQ(skewed.code(), StatusCode::Unschedulable);
  EXPECT_EQ(skewed.plugin(), "PodTopologySpread");
  EXPECT_EQ(skewed.reason(), "node(s) didn't match pod topology spread constraints");

  const Status no_label = plugin.filter(state, p, snapshot, w.node_index("edge-0"));
  EXPECT_EQ(no_label.code(), StatusCode::UnschedulableAndUnresolvable);
  EXPECT_EQ(no_label.reason(),
            "node(s) didn't match pod topology spread constraints (missing required label)");
}

TEST(PodTopologySpread, PodsWithoutHardConstraintsSkipPreFilterAndArePoolConstant) {
  World w = zones();
  const PodTopologySpread plugin;
  const ClusterSnapshot snapshot = w.snapshot();
  for (const PodGroupSpec& p :
       {labelled({{"app", "web"}}), pod("web", {spread(1, kZone, Action::ScheduleAnyway)})}) {
    CycleState state;
    EXPECT_TRUE(plugin.pre_filter(state, p, snapshot).is_skip());
    EXPECT_TRUE(state.empty());  // nothing written, nothing allocated
    EXPECT_TRUE(plugin.pool_constant(p));
  }
  EXPECT_FALSE(plugin.pool_constant(pod("web", {spread(1, kZone)})));
}

// --- Score ----------------------------------------------------------------------------------

/// PreScore over every node, Score, NormalizeScore: "node=score" for every node.
std::string scores(const World& w, const PodGroupSpec& p, bool normalized = true) {
  const PodTopologySpread plugin;
  return scores_on_all_nodes(plugin, p, w, normalized);
}

TEST(PodTopologySpread, ScoreFavoursDomainsWithFewerMatchingPodsTable) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, int>> web;
    PodGroupSpec pod;
    std::string raw, normalized;
  };
  // Zone weight: 3 domains among the feasible nodes -> log(5) = 1.609.
  const std::vector<Case> table{
      {"counts a=2, b=1, c=0; edge-0 lacks the key",
       {{"a-0", 2}, {"b-1", 1}},
       pod("web", {spread(1, kZone, Action::ScheduleAnyway)}),
       "a-0=3 a-1=3 b-0=2 b-1=2 c-0=0 edge-0=-1",  // round(2 x 1.609), round(1.609)
       "a-0=0 a-1=0 b-0=33 b-1=33 c-0=100 edge-0=0"},
      {"maxSkew 3 adds 2 to every scored node",
       {{"a-0", 2}, {"b-1", 1}},
       pod("web", {spread(3, kZone, Action::ScheduleAnyway)}),
       "a-0=5 a-1=5 b-0=4 b-1=4 c-0=2 edge-0=-1",
       "a-0=40 a-1=40 b-0=60 b-1=60 c-0=100 edge-0=0"},
      {"no matching pods: every scored node is best",
       {},
       pod("web", {spread(1, kZone, Action::ScheduleAnyway)}),
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=0 edge-0=-1",
       "a-0=100 a-1=100 b-0=100 b-1=100 c-0=100 edge-0=0"},
      // Hostname: 6 scored nodes -> log(8) = 2.079 per matching pod on the node itself.
      {"hostname",
       {{"a-0", 2}, {"c-0", 1}},
       pod("web", {spread(1, kHostnameLabel, Action::ScheduleAnyway)}),
       "a-0=4 a-1=0 b-0=0 b-1=0 c-0=2 edge-0=0",
       "a-0=0 a-1=100 b-0=100 b-1=100 c-0=50 edge-0=100"},
      {"DoNotSchedule constraints do not score",
       {{"a-0", 2}},
       pod("web", {spread(1, kZone)}),
       "skip",
       "skip"},
      {"no constraints", {{"a-0", 2}}, labelled({{"app", "web"}}), "skip", "skip"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    World w = zones();
    place(w, c.web);
    EXPECT_EQ(scores(w, c.pod, false), c.raw);
    EXPECT_EQ(scores(w, c.pod), c.normalized);
  }
}

TEST(PodTopologySpread, ScoreCountsOnlyDomainsOfFeasibleNodes) {
  // Only zone b and c nodes are feasible: zone a's pods are not counted, and the weight is
  // log(2+2).
  World w = zones();
  place(w, {{"a-0", 5}, {"b-0", 1}});
  const PodTopologySpread plugin;
  const PodGroupSpec p = pod("web", {spread(1, kZone, Action::ScheduleAnyway)});
  const ClusterSnapshot snapshot = w.snapshot();
  const std::vector<NodeIndex> feasible{w.node_index("b-0"), w.node_index("c-0")};
  CycleState state;
  ASSERT_TRUE(plugin.pre_score(state, p, snapshot, feasible).ok());
  EXPECT_EQ(plugin.score(state, p, snapshot, feasible[0]), std::llround(std::log(4.0)));
  EXPECT_EQ(plugin.score(state, p, snapshot, feasible[1]), 0);
}

}  // namespace
}  // namespace kubetwin::models
