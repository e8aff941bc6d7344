#include "models/topology/fabric.hpp"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/topology/fabric_builder.hpp"

namespace kubetwin::models {
namespace {

constexpr double kGB = 1e9;

VertexId at(const Fabric& f, const std::string& name) {
  auto v = f.find(name);
  if (!v) throw std::logic_error("no vertex " + name);
  return *v;
}

// Two servers of two GPUs, one NIC per GPU, a rail leaf per GPU index and one spine:
//   n0g0 --\           /-- nic00 -- leafA -- nic10 --\     /-- n1g0
//           nvs0        \               \spine/        nvs1
//   n0g1 --/           \-- nic01 -- leafB -- nic11 --/     \-- n1g1
Fabric two_by_two() {
  Fabric f;
  const VertexId leaf_a = f.add_vertex(VertexKind::Leaf, "leafA");
  const VertexId leaf_b = f.add_vertex(VertexKind::Leaf, "leafB");
  const VertexId spine = f.add_vertex(VertexKind::Spine, "spine");
  f.set_block(leaf_a, "blockX");
  f.set_block(leaf_b, "blockX");
  f.add_link(leaf_a, spine, 30 * kGB, 1e-6, LinkKind::Network);
  f.add_link(leaf_b, spine, 30 * kGB, 1e-6, LinkKind::Network);
  for (int n = 0; n < 2; ++n) {
    const VertexId nvs = f.add_vertex(VertexKind::NvSwitch, "nvs" + std::to_string(n));
    for (int g = 0; g < 2; ++g) {
      const std::string id = std::to_string(n) + std::to_string(g);
      const VertexId gpu = f.add_vertex(VertexKind::Gpu, "n" + std::to_string(n) + "g" + std::to_string(g), n);
      f.add_link(gpu, nvs, 400 * kGB, 0.5e-6, LinkKind::NvLink);
      const VertexId nic = f.add_nic("nic" + id, gpu, n);
      f.add_link(gpu, nic, 60 * kGB, 0.25e-6, LinkKind::Pcie);
      f.add_link(nic, g == 0 ? leaf_a : leaf_b, 50 * kGB, 1e-6, LinkKind::Network);
    }
  }
  return f;
}

std::vector<std::string> names(const Fabric& f, const Route& r) {
  std::vector<std::string> out;
  for (VertexId v : r.vertices) out.push_back(f.vertex(v).name);
  return out;
}

TEST(FabricRoute, HandBuiltRoutesHopsBottlenecksAndLatencies) {
  const Fabric f = two_by_two();
  struct Case {
    std::string src, dst;
    std::vector<std::string> path;
    double bottleneck, latency;
  };
  const std::vector<Case> cases = {
      {"n0g0", "n0g1", {"n0g0", "nvs0", "n0g1"}, 400 * kGB, 1e-6},
      {"n0g0", "n1g0", {"n0g0", "nic00", "leafA", "nic10", "n1g0"}, 50 * kGB, 2.5e-6},
      // Another rail: up through the spine (the 30 GB/s uplinks), never through a GPU or a foreign NIC.
      {"n0g0", "n1g1", {"n0g0", "nic00", "leafA", "spine", "leafB", "nic11", "n1g1"}, 30 * kGB, 4.5e-6},
      {"n1g1", "n0g0", {"n1g1", "nic11", "leafB", "spine", "leafA", "nic00", "n0g0"}, 30 * kGB, 4.5e-6},
      {"n1g0", "n1g0", {"n1g0"}, std::numeric_limits<double>::infinity(), 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.src + " -> " + c.dst);
    const Route r = f.route(at(f, c.src), at(f, c.dst));
    EXPECT_EQ(names(f, r), c.path);
    EXPECT_EQ(f.hops(at(f, c.src), at(f, c.dst)), static_cast<int>(c.path.size()) - 1);
    EXPECT_DOUBLE_EQ(f.bottleneck_bandwidth(at(f, c.src), at(f, c.dst)), c.bottleneck);
    EXPECT_NEAR(r.latency, c.latency, 1e-15);
  }
}

TEST(FabricRoute, GpusDoNotForwardTraffic) {
  // a -- b -- c with b a GPU: no route from a to c.
  Fabric f;
  const VertexId a = f.add_vertex(VertexKind::Gpu, "a");
  const VertexId b = f.add_vertex(VertexKind::Gpu, "b");
  const VertexId c = f.add_vertex(VertexKind::Gpu, "c");
  f.add_link(a, b, 1, 0, LinkKind::NvLink);
  f.add_link(b, c, 1, 0, LinkKind::NvLink);
  EXPECT_EQ(f.hops(a, b), 1);
  EXPECT_THROW(f.route(a, c), std::invalid_argument);
}

TEST(FabricRoute, DirectedLinksTellTheDirectionOfTravel) {
  const Fabric f = two_by_two();
  const Route there = f.route(at(f, "n0g0"), at(f, "n1g0"));
  const Route back = f.route(at(f, "n1g0"), at(f, "n0g0"));
  for (std::size_t i = 0; i < there.links.size(); ++i) {
    EXPECT_EQ(f.tail(there.links[i]), there.vertices[i]);
    EXPECT_EQ(f.head(there.links[i]), there.vertices[i + 1]);
    // The way back uses the same cables in the other direction (a separate capacity).
    EXPECT_EQ(there.links[i] ^ 1, back.links[back.links.size() - 1 - i]);
  }
}

TEST(FabricBuilder, HopCountsOnTheUsualShapes) {
  FabricSpec rail;
  rail.nodes = 4;
  rail.nodes_per_pod = 2;  // two pods joined by the core layer
  FabricSpec classic = rail;
  classic.kind = FabricKind::FatTree;
  classic.nodes = 4;
  classic.nodes_per_pod = 4;
  classic.nodes_per_leaf = 2;
  struct Case {
    const char* what;
    const FabricSpec* spec;
    std::string src, dst;
    int hops;
  };
  const std::vector<Case> cases = {
      {"same node", &rail, "node0/gpu0", "node0/gpu7", 2},
      {"same rail, same pod", &rail, "node0/gpu3", "node1/gpu3", 4},
      {"other rail, same pod", &rail, "node0/gpu3", "node1/gpu4", 6},
      {"other pod", &rail, "node0/gpu3", "node2/gpu3", 8},
      {"classic, same leaf", &classic, "node0/gpu0", "node1/gpu5", 4},
      {"classic, other leaf", &classic, "node0/gpu0", "node2/gpu0", 6},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const Fabric f = build_fabric(*c.spec);
    EXPECT_EQ(f.hops(at(f, c.src), at(f, c.dst)), c.hops);
  }
}

TEST(FabricBuilder, NvlinkAndNicRatesComeFromTheCatalogAndTheSpec) {
  FabricSpec s;
  s.nodes = 2;
  const Fabric f = build_fabric(s);
  EXPECT_EQ(f.gpus().size(), 16u);
  EXPECT_DOUBLE_EQ(f.bottleneck_bandwidth(at(f, "node0/gpu0"), at(f, "node0/gpu1")), 450 * kGB);  // H100: 900 GB/s both ways
  EXPECT_DOUBLE_EQ(f.bottleneck_bandwidth(at(f, "node0/gpu0"), at(f, "node1/gpu0")), 50 * kGB);   // 400 Gb/s
  s.planes = 2;  // each NIC splits its rate over two ports
  const Fabric two = build_fabric(s);
  EXPECT_DOUBLE_EQ(two.bottleneck_bandwidth(at(two, "node0/gpu0"), at(two, "node1/gpu0")), 25 * kGB);
}

TEST(FabricBuilder, OversubscriptionDividesTheLeafUplinks) {
  // Classic fat-tree, 2 servers per leaf, one spine: the ring alternates leaves, so all 32 flows
  // cross the leaf uplinks, 16 in each direction of each leaf.
  struct Case {
    double oversubscription, expected;
  };
  for (const Case c : {Case{1, 50 * kGB}, Case{2, 25 * kGB}, Case{4, 12.5 * kGB}}) {
    SCOPED_TRACE(c.oversubscription);
    FabricSpec s;
    s.kind = FabricKind::FatTree;
    s.nodes = 4;
    s.nodes_per_leaf = 2;
    s.spines_per_pod = 1;
    s.oversubscription = c.oversubscription;
    const Fabric f = build_fabric(s);
    std::vector<VertexId> ring;
    for (int g = 0; g < 8; ++g) {
      for (int n : {0, 2, 1, 3}) ring.push_back(at(f, "node" + std::to_string(n) + "/gpu" + std::to_string(g)));
    }
    EXPECT_DOUBLE_EQ(f.ring_bandwidth(ring), c.expected);
    // Leaf uplinks are shared, single routes are not: one flow still sees the NIC.
    EXPECT_DOUBLE_EQ(f.bottleneck_bandwidth(ring[0], ring[1]), std::min(50 * kGB, 400 * kGB / c.oversubscription));
  }
}

TEST(FabricBuilder, EcmpIsDeterministicAndSpreadsFlowsOverSpines) {
  FabricSpec s;
  s.nodes = 8;
  s.spines_per_pod = 4;
  const Fabric a = build_fabric(s);
  const Fabric b = build_fabric(s);
  std::set<std::string> spines;
  for (int n = 0; n < 8; ++n) {
    for (int g = 0; g < 8; ++g) {
      const VertexId src = at(a, "node" + std::to_string(n) + "/gpu" + std::to_string(g));
      const VertexId dst = at(a, "node" + std::to_string((n + 1) % 8) + "/gpu" + std::to_string((g + 1) % 8));
      const Route r = a.route(src, dst);
      EXPECT_EQ(r.vertices, b.route(src, dst).vertices);
      EXPECT_EQ(r.vertices, a.route(src, dst).vertices);
      spines.insert(a.vertex(r.vertices[3]).name);  // gpu, nic, leaf, spine
    }
  }
  EXPECT_EQ(spines.size(), 4u);
}

TEST(FabricBuilder, LabelsNameTheNvlinkDomainLeafAndSpineBlock) {
  FabricSpec s;
  s.nodes = 4;
  s.nodes_per_pod = 2;
  const Fabric rail = build_fabric(s);
  const GpuLabels l = rail.labels(at(rail, "node3/gpu5"));
  EXPECT_EQ(l.nvlink_domain, "node3/nvswitch");
  EXPECT_EQ(l.leaf, "pod1/rail5");
  EXPECT_EQ(l.spine_block, "pod1");

  s.kind = FabricKind::FatTree;
  s.nodes_per_leaf = 1;
  const Fabric classic = build_fabric(s);
  EXPECT_EQ(classic.labels(at(classic, "node3/gpu5")).leaf, "pod1/leaf1");
}

TEST(FabricBuilder, Nvl72RacksAreOneNvlinkDomain) {
  FabricSpec s;
  s.gpu_model = "B200-SXM-180GB";
  s.gpus_per_node = 4;
  s.nvlink_domain_gpus = 72;
  s.nodes = 36;  // two racks of 18 trays
  s.nodes_per_pod = 36;
  const Fabric f = build_fabric(s);
  EXPECT_EQ(f.labels(at(f, "node0/gpu0")).nvlink_domain, "rack0/nvswitch");
  EXPECT_EQ(f.labels(at(f, "node17/gpu3")).nvlink_domain, "rack0/nvswitch");
  EXPECT_EQ(f.labels(at(f, "node18/gpu0")).nvlink_domain, "rack1/nvswitch");
  EXPECT_EQ(f.hops(at(f, "node0/gpu0"), at(f, "node17/gpu3")), 2);  // across trays, still NVLink
  EXPECT_DOUBLE_EQ(f.bottleneck_bandwidth(at(f, "node0/gpu0"), at(f, "node17/gpu3")), 900 * kGB);
  EXPECT_GT(f.hops(at(f, "node0/gpu0"), at(f, "node18/gpu0")), 2);
}

TEST(FabricBuilder, RejectsInconsistentSpecs) {
  FabricSpec s;
  s.nvlink_domain_gpus = 12;
  EXPECT_THROW(build_fabric(s), std::invalid_argument);
  s = {};
  s.gpu_model = "TPU-v5";
  EXPECT_THROW(build_fabric(s), std::invalid_argument);
  s = {};
  s.oversubscription = 0.5;
  EXPECT_FALSE(check_fabric_spec(s).empty());
}

TEST(MaxMinRates, ProgressiveFillingGivesTheTextbookShares) {
  // Flows f0 and f1 share the 10 GB/s link x; f1 and f2 share the 4 GB/s link y. y is the
  // tighter: f1 and f2 get 2 each, f0 the rest of x (8).
  Fabric f;
  const VertexId a = f.add_vertex(VertexKind::Leaf, "a");
  const VertexId b = f.add_vertex(VertexKind::Leaf, "b");
  const VertexId c = f.add_vertex(VertexKind::Leaf, "c");
  f.add_link(a, b, 10 * kGB, 0, LinkKind::Network);  // x
  f.add_link(b, c, 4 * kGB, 0, LinkKind::Network);   // y
  Route f0, f1, f2;
  f0.links = {0};
  f1.links = {0, 2};
  f2.links = {2};
  const std::vector<double> rates = max_min_rates(f, {&f0, &f1, &f2});
  EXPECT_DOUBLE_EQ(rates[0], 8 * kGB);
  EXPECT_DOUBLE_EQ(rates[1], 2 * kGB);
  EXPECT_DOUBLE_EQ(rates[2], 2 * kGB);
  // Opposite directions of one cable do not share; the scale factor applies per link kind.
  Route back;
  back.links = {1};
  EXPECT_DOUBLE_EQ(max_min_rates(f, {&f0, &back}, 1.0, 0.5)[1], 5 * kGB);
}

}  // namespace
}  // namespace kubetwin::models
