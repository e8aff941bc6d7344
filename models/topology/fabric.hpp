#pragma once
// The interconnect as a graph: GPUs, NVSwitches, NICs and leaf/spine/core switches joined by
// full-duplex links (a capacity per direction and a latency). Builders (fabric_builder.hpp) make
// the usual shapes; hand-made fabrics (tests, odd clusters) use add_vertex/add_link directly.
//
// Routing is shortest path by hop count with a deterministic ECMP choice (hash of the two endpoint
// GPUs and the switch). GPUs never forward traffic, and a NIC carries only its own GPU's traffic,
// so a route between two nodes always leaves through the sender's NIC (no PXN-style detours).

#include <boost/graph/adjacency_list.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace kubetwin::models {

enum class VertexKind { Gpu, NvSwitch, Nic, Leaf, Spine, Core };
enum class LinkKind { NvLink, Pcie, Network };

const char* to_string(VertexKind kind);

using VertexId = std::size_t;
constexpr VertexId kNoVertex = static_cast<VertexId>(-1);

struct VertexInfo {
  VertexKind kind = VertexKind::Gpu;
  std::string name;
  int node = -1;              ///< GPUs and NICs: the server they sit in
  VertexId owner = kNoVertex;  ///< NICs: the GPU whose traffic they carry (kNoVertex: any)
  std::string block;          ///< leaves and spines: the spine block (pod) they belong to
};

struct LinkInfo {
  VertexId a = 0, b = 0;  ///< endpoints; the direction a -> b is the link's "up" direction
  double bandwidth = 0;   ///< bytes/s in each direction
  double latency = 0;     ///< seconds
  LinkKind kind = LinkKind::Network;
};

/// One direction of one link: 2 * link index, + 1 for the b -> a direction.
using DirectedLink = std::size_t;

struct Route {
  std::vector<VertexId> vertices;    ///< from source to destination, both included
  std::vector<DirectedLink> links;   ///< vertices.size() - 1 of them
  double latency = 0;                ///< sum of the links' latencies
  int hops() const { return static_cast<int>(links.size()); }
};

/// Where a GPU sits, as labels the topology-aware scheduler can use ("" when there is none).
struct GpuLabels {
  std::string nvlink_domain;  ///< the NVSwitch the GPU hangs off
  std::string leaf;           ///< the leaf its (first-plane) NIC connects to
  std::string spine_block;    ///< that leaf's block
};

class Fabric {
 public:
  VertexId add_vertex(VertexKind kind, std::string name, int node = -1);
  /// A NIC that carries only `owner`'s traffic.
  VertexId add_nic(std::string name, VertexId owner, int node = -1);
  void set_block(VertexId v, std::string block);
  /// A full-duplex link; returns its index.
  std::size_t add_link(VertexId a, VertexId b, double bandwidth, double latency, LinkKind kind);

  std::size_t vertex_count() const { return boost::num_vertices(graph_); }
  std::size_t link_count() const { return links_.size(); }
  const VertexInfo& vertex(VertexId v) const { return graph_[v]; }
  const LinkInfo& link(std::size_t index) const { return links_[index]; }
  const LinkInfo& link_of(DirectedLink d) const { return links_[d / 2]; }
  /// The vertex a directed link leaves from and the one it enters.
  VertexId tail(DirectedLink d) const { return d % 2 == 0 ? links_[d / 2].a : links_[d / 2].b; }
  VertexId head(DirectedLink d) const { return d % 2 == 0 ? links_[d / 2].b : links_[d / 2].a; }
  /// GPUs in the order they were added (builders add them node by node).
  const std::vector<VertexId>& gpus() const { return gpus_; }
  std::optional<VertexId> find(const std::string& name) const;
  std::vector<VertexId> neighbors(VertexId v) const;

  /// Shortest route between two GPUs (empty for src == dst); throws std::invalid_argument if there is none.
  Route route(VertexId src, VertexId dst) const;
  /// Remember every route found (a breadth-first search over the whole fabric each, otherwise):
  /// for callers that time many placements over the same GPUs (the fleet's step-time model).
  void cache_routes(bool on) { cache_routes_ = on; }
  int hops(VertexId src, VertexId dst) const { return route(src, dst).hops(); }
  /// The smallest link capacity on the route (infinity for src == dst).
  double bottleneck_bandwidth(VertexId src, VertexId dst) const;
  /// Bandwidth each flow of a ring over `ring` (i -> i+1, the last back to the first) gets when
  /// all of them run at once, max-min fair: the ring's bus bandwidth under its own contention.
  double ring_bandwidth(std::span<const VertexId> ring) const;
  GpuLabels labels(VertexId gpu) const;

 private:
  // The edge property is the index into links_; a struct so that Boost's default-constructed
  // copies are initialised (a bare size_t trips -Wmaybe-uninitialized when a Fabric is copied).
  struct EdgeIndex {
    std::size_t index = 0;
  };
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, VertexInfo, EdgeIndex>;
  bool transit_allowed(VertexId v, VertexId src, VertexId dst) const;
  // Hop distance to `dst` of every vertex whose distance is at most the source's (-1: unknown).
  std::vector<int> distances_to(VertexId dst, VertexId src) const;

  Graph graph_;
  std::vector<LinkInfo> links_;
  std::vector<VertexId> gpus_;
  std::unordered_map<std::string, VertexId> by_name_;
  bool cache_routes_ = false;
  mutable std::unordered_map<std::uint64_t, Route> route_cache_;  // (src << 32 | dst) -> route
};

/// Max-min fair rates (progressive filling) of flows sharing directed links of `fabric`, NVLink
/// capacities scaled by `nvlink_scale` and all others by `network_scale`. A flow with no link gets
/// infinity.
std::vector<double> max_min_rates(const Fabric& fabric, const std::vector<const Route*>& flows,
                                  double nvlink_scale = 1.0, double network_scale = 1.0);

}  // namespace kubetwin::models
