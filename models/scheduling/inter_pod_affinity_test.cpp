#include "models/scheduling/inter_pod_affinity.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "models/testing/placement_builders.hpp"

namespace kubetwin::models {
namespace {

using testing::labelled;
using testing::labelled_pool;
using testing::match;
using testing::term;
using testing::World;

constexpr const char* kZone = "topology.kubernetes.io/zone";

// --- builders -------------------------------------------------------------------------------

/// Zones a (a-0, a-1), b (b-0, b-1) and c (c-0); edge-0 has no zone.
World zones() {
  return World({labelled_pool("a", 2, {{kZone, "a"}}), labelled_pool("b", 2, {{kZone, "b"}}),
                labelled_pool("c", 1, {{kZone, "c"}}), labelled_pool("edge", 1, {})});
}

PodGroupSpec app(std::string name) { return labelled({{"app", std::move(name)}}); }

PodGroupSpec with_affinity(PodGroupSpec p, std::vector<PodAffinityTerm> required,
                           std::vector<WeightedPodAffinityTerm> preferred = {}) {
  p.affinity.pod_affinity.required = std::move(required);
  p.affinity.pod_affinity.preferred = std::move(preferred);
  return p;
}

PodGroupSpec with_anti_affinity(PodGroupSpec p, std::vector<PodAffinityTerm> required,
                                std::vector<WeightedPodAffinityTerm> preferred = {}) {
  p.affinity.pod_anti_affinity.required = std::move(required);
  p.affinity.pod_anti_affinity.preferred = std::move(preferred);
  return p;
}

/// A term selecting app=<name> by zone.
PodAffinityTerm zone_of(const std::string& name) { return term(match("app", name), kZone); }

/// PreFilter, then Filter on every node: the names of the nodes that pass, or "skip".
std::string passing(const World& w, const PodGroupSpec& p) {
  const InterPodAffinity plugin;
  const ClusterSnapshot snapshot = w.snapshot();
  CycleState state;
  const Status pre = plugin.pre_filter(state, p, snapshot);
  if (pre.is_skip()) {
    EXPECT_TRUE(state.empty());  // nothing allocated for a pod nothing applies to
    return "skip";
  }
  EXPECT_TRUE(pre.ok()) << pre.reason();
  return nodes_passing(plugin, state, p, w);
}

// --- Filter ---------------------------------------------------------------------------------

TEST(InterPodAffinity, FilterTable) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, PodGroupSpec>> placed;
    PodGroupSpec pod;
    std::string expected;  // nodes that pass, or "skip"
  };
  const PodGroupSpec db = app("db");
  const PodGroupSpec web = app("web");
  const PodGroupSpec db_hating_web = with_anti_affinity(app("db"), {zone_of("web")});
  const std::vector<Case> table{
      {"no terms anywhere: Skip", {{"a-0", db}}, web, "skip"},
      {"affinity to db by zone: only db's zone",
       {{"a-1", db}},
       with_affinity(web, {zone_of("db")}),
       "a-0 a-1"},
      {"affinity by hostname: only db's node",
       {{"a-1", db}},
       with_affinity(web, {term(match("app", "db"), kHostnameLabel)}),
       "a-1"},
      {"affinity with no db pod anywhere, and the pod is not db",
       {{"a-0", web}},
       with_affinity(web, {zone_of("db")}),
       ""},
      {"first pod of a self-affine group goes anywhere that has the key",
       {{"a-0", web}},
       with_affinity(db, {zone_of("db")}),
       "a-0 a-1 b-0 b-1 c-0"},
      {"self-affine, but a db pod exists: join it",
       {{"b-0", db}},
       with_affinity(db, {zone_of("db")}),
       "b-0 b-1"},
      {"two affinity terms: a pod must match both to count",
       {{"a-0", db}, {"b-0", labelled({{"app", "db"}, {"tier", "1"}})}},
       with_affinity(web, {zone_of("db"), term(match("tier", "1"), kHostnameLabel)}),
       "b-0"},
      {"anti-affinity to web by zone; nodes without the key pass",
       {{"a-0", web}},
       with_anti_affinity(db, {zone_of("web")}),
       "b-0 b-1 c-0 edge-0"},
      {"anti-affinity by hostname: one per node",
       {{"a-0", web}, {"c-0", web}},
       with_anti_affinity(web, {term(match("app", "web"), kHostnameLabel)}),
       "a-1 b-0 b-1 edge-0"},
      {"existing pod's anti-affinity keeps web out of its zone",
       {{"b-1", db_hating_web}},
       web,
       "a-0 a-1 c-0 edge-0"},
      {"existing pod's anti-affinity does not select api: Skip",
       {{"b-1", db_hating_web}},
       app("api"),
       "skip"},
      {"matchExpressions NotIn",
       {{"a-0", web}, {"b-0", db}},
       with_anti_affinity(
           app("x"),
           {term(testing::expression("app", LabelSelectorRequirement::Operator::NotIn, {"db"}),
                 kZone)}),
       "b-0 b-1 c-0 edge-0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    World w = zones();
    for (const auto& [node, spec] : c.placed) w.place(node, spec);
    EXPECT_EQ(passing(w, c.pod), c.expected);
  }
}

TEST(InterPodAffinity, FilterReasonsAndCodesAreUpstreams) {
  World w = zones();
  w.place("a-0", app("db"));
  w.place("b-0", with_anti_affinity(app("cache"), {zone_of("web")}));
  const InterPodAffinity plugin;
  const ClusterSnapshot snapshot = w.snapshot();
  const PodGroupSpec p =
      with_anti_affinity(with_affinity(app("web"), {zone_of("db")}), {zone_of("db")});
  // Contradictory on purpose: affinity and anti-affinity to db in the same zone.
  CycleState state;
  ASSERT_TRUE(plugin.pre_filter(state, p, snapshot).ok());

  const Status affinity = plugin.filter(state, p, snapshot, w.node_index("c-0"));
  EXPECT_EQ(affinity.code(), StatusCode::UnschedulableAndUnresolvable);
  EXPECT_EQ(affinity.plugin(), "InterPodAffinity");
  EXPECT_EQ(affinity.reason(), "node(s) didn't match pod affinity rules");

  const Status anti = plugin.filter(state, p, snapshot, w.node_index("a-1"));
  EXPECT_EQ(anti.code(), StatusCode::Unschedulable);
  EXPECT_EQ(anti.reason(), "node(s) didn't match pod anti-affinity rules");

  const PodGroupSpec plain = app("web");
  CycleState state2;
  ASSERT_TRUE(plugin.pre_filter(state2, plain, snapshot).ok());
  const Status existing = plugin.filter(state2, plain, snapshot, w.node_index("b-1"));
  EXPECT_EQ(existing.code(), StatusCode::Unschedulable);
  EXPECT_EQ(existing.reason(), "node(s) didn't satisfy existing pods anti-affinity rules");
  EXPECT_FALSE(plugin.pool_constant(plain));
}

// --- Score ----------------------------------------------------------------------------------

/// PreScore over every node, Score and NormalizeScore: "node=score" for every node, or "skip".
std::string scores(const World& w, const PodGroupSpec& p, bool normalized, int hard_weight = 1) {
  const InterPodAffinity plugin(hard_weight);
  return scores_on_all_nodes(plugin, p, w, normalized);
}

TEST(InterPodAffinity, ScoreTable) {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, PodGroupSpec>> placed;
    PodGroupSpec pod;
    int hard_weight;
    std::string raw, normalized;
  };
  const PodGroupSpec db = app("db");
  const PodGroupSpec web = app("web");
  const std::vector<Case> table{
      {"nothing applies: Skip", {{"a-0", db}}, web, 1, "skip", "skip"},
      {"preferred affinity weight 10 to db: per matching pod in the zone",
       {{"a-0", db}, {"b-0", db}, {"b-1", db}},
       with_affinity(web, {}, {{10, zone_of("db")}}),
       1,
       "a-0=10 a-1=10 b-0=20 b-1=20 c-0=0 edge-0=0",
       "a-0=50 a-1=50 b-0=100 b-1=100 c-0=0 edge-0=0"},
      {"preferred anti-affinity weight 5 to web",
       {{"a-0", web}},
       with_anti_affinity(db, {}, {{5, zone_of("web")}}),
       1,
       "a-0=-5 a-1=-5 b-0=0 b-1=0 c-0=0 edge-0=0",
       "a-0=0 a-1=0 b-0=100 b-1=100 c-0=100 edge-0=100"},
      {"affinity and anti-affinity add up",
       {{"a-0", db}, {"a-1", web}, {"b-0", db}},
       with_anti_affinity(with_affinity(app("api"), {}, {{10, zone_of("db")}}), {},
                          {{20, zone_of("web")}}),
       1,
       "a-0=-10 a-1=-10 b-0=10 b-1=10 c-0=0 edge-0=0",
       "a-0=0 a-1=0 b-0=100 b-1=100 c-0=50 edge-0=50"},
      {"hostname terms score the node only",
       {{"a-0", db}},
       with_affinity(web, {}, {{3, term(match("app", "db"), kHostnameLabel)}}),
       1,
       "a-0=3 a-1=0 b-0=0 b-1=0 c-0=0 edge-0=0",
       "a-0=100 a-1=0 b-0=0 b-1=0 c-0=0 edge-0=0"},
      {"symmetry: an existing pod's preferred affinity to web",
       {{"c-0", with_affinity(db, {}, {{7, zone_of("web")}})}},
       web,
       1,
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=7 edge-0=0",
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=100 edge-0=0"},
      {"symmetry: an existing pod's preferred anti-affinity to web",
       {{"c-0", with_anti_affinity(db, {}, {{7, zone_of("web")}})}},
       web,
       1,
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=-7 edge-0=0",
       "a-0=100 a-1=100 b-0=100 b-1=100 c-0=0 edge-0=100"},
      {"an existing pod's required affinity counts hardPodAffinityWeight",
       {{"c-0", with_affinity(db, {zone_of("web")})}},
       web,
       1,
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=1 edge-0=0",
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=100 edge-0=0"},
      {"hardPodAffinityWeight 5",
       {{"c-0", with_affinity(db, {zone_of("web")})}},
       web,
       5,
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=5 edge-0=0",
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=100 edge-0=0"},
      {"hardPodAffinityWeight 0 turns that off",
       {{"c-0", with_affinity(db, {zone_of("web")})}},
       web,
       0,
       "skip",
       "skip"},
      {"an existing pod's required anti-affinity does not score",
       {{"c-0", with_anti_affinity(db, {zone_of("web")})}},
       web,
       1,
       "skip",
       "skip"},
      {"equal scores normalize to 0",
       {{"a-0", db}, {"b-0", db}, {"c-0", db}, {"edge-0", db}},
       with_affinity(web, {}, {{10, term(match("app", "db"), kNodePoolLabel)}}),
       1,
       "a-0=10 a-1=10 b-0=10 b-1=10 c-0=10 edge-0=10",
       "a-0=0 a-1=0 b-0=0 b-1=0 c-0=0 edge-0=0"},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    World w = zones();
    for (const auto& [node, spec] : c.placed) w.place(node, spec);
    EXPECT_EQ(scores(w, c.pod, false, c.hard_weight), c.raw);
    EXPECT_EQ(scores(w, c.pod, true, c.hard_weight), c.normalized);
  }
}

}  // namespace
}  // namespace kubetwin::models
