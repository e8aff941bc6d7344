#include "models/topology/fabric.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace kubetwin::models {
namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer: a stable hash across platforms
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

const char* to_string(VertexKind kind) {
  switch (kind) {
    case VertexKind::Gpu: return "gpu";
    case VertexKind::NvSwitch: return "nvswitch";
    case VertexKind::Nic: return "nic";
    case VertexKind::Leaf: return "leaf";
    case VertexKind::Spine: return "spine";
    case VertexKind::Core: return "core";
  }
  return "?";
}

// Boost.Graph's named-graph lookup (inlined into add_vertex) returns an empty boost::optional that
// GCC 12 flags as maybe-uninitialized under -O2 with the sanitizers; it is a false positive inside
// Boost, silenced for this function only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
VertexId Fabric::add_vertex(VertexKind kind, std::string name, int node) {
  if (by_name_.contains(name)) throw std::invalid_argument("fabric: duplicate vertex name " + name);
  const VertexId v = boost::add_vertex(VertexInfo{kind, name, node, kNoVertex, {}}, graph_);
  by_name_.emplace(std::move(name), v);
  if (kind == VertexKind::Gpu) gpus_.push_back(v);
  return v;
}
#pragma GCC diagnostic pop

VertexId Fabric::add_nic(std::string name, VertexId owner, int node) {
  const VertexId v = add_vertex(VertexKind::Nic, std::move(name), node);
  graph_[v].owner = owner;
  return v;
}

void Fabric::set_block(VertexId v, std::string block) { graph_[v].block = std::move(block); }

std::size_t Fabric::add_link(VertexId a, VertexId b, double bandwidth, double latency, LinkKind kind) {
  if (a == b || a >= vertex_count() || b >= vertex_count()) throw std::invalid_argument("fabric: bad link endpoints");
  if (!(bandwidth > 0) || latency < 0) throw std::invalid_argument("fabric: a link needs bandwidth > 0 and latency >= 0");
  const std::size_t index = links_.size();
  links_.push_back({a, b, bandwidth, latency, kind});
  boost::add_edge(a, b, EdgeIndex{index}, graph_);
  return index;
}

std::optional<VertexId> Fabric::find(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<VertexId> Fabric::neighbors(VertexId v) const {
  std::vector<VertexId> out;
  for (auto [it, end] = boost::adjacent_vertices(v, graph_); it != end; ++it) out.push_back(*it);
  return out;
}

bool Fabric::transit_allowed(VertexId v, VertexId src, VertexId dst) const {
  const VertexInfo& info = graph_[v];
  switch (info.kind) {
    case VertexKind::Gpu: return v == src || v == dst;
    case VertexKind::Nic: return info.owner == kNoVertex || info.owner == src || info.owner == dst;
    default: return true;
  }
}

std::vector<int> Fabric::distances_to(VertexId dst, VertexId src) const {
  std::vector<int> dist(vertex_count(), -1);
  std::vector<VertexId> level{dst}, next;
  dist[dst] = 0;
  // Breadth first from the destination, level by level, stopping once the source is reached:
  // every vertex on a shortest route is then labelled.
  for (int d = 0; !level.empty() && dist[src] < 0; ++d) {
    next.clear();
    for (VertexId u : level) {
      if (u != dst && !transit_allowed(u, src, dst)) continue;  // reached, but forwards nothing
      for (auto [it, end] = boost::adjacent_vertices(u, graph_); it != end; ++it) {
        if (dist[*it] < 0) {
          dist[*it] = d + 1;
          next.push_back(*it);
        }
      }
    }
    level.swap(next);
  }
  return dist;
}

Route Fabric::route(VertexId src, VertexId dst) const {
  const std::uint64_t key = (static_cast<std::uint64_t>(src) << 32) | dst;
  if (cache_routes_) {
    if (auto it = route_cache_.find(key); it != route_cache_.end()) return it->second;
  }
  Route r;
  r.vertices.push_back(src);
  if (src == dst) return r;
  const std::vector<int> dist = distances_to(dst, src);
  if (dist[src] < 0) {
    throw std::invalid_argument("fabric: no route from " + graph_[src].name + " to " + graph_[dst].name);
  }
  const std::uint64_t flow = mix((static_cast<std::uint64_t>(src) << 32) ^ dst);
  std::vector<std::pair<VertexId, std::size_t>> candidates;  // (next vertex, link index)
  for (VertexId v = src; v != dst;) {
    candidates.clear();
    for (auto [it, end] = boost::out_edges(v, graph_); it != end; ++it) {
      const VertexId w = boost::target(*it, graph_);
      if (dist[w] == dist[v] - 1 && transit_allowed(w, src, dst)) candidates.emplace_back(w, graph_[*it].index);
    }
    // Adjacency lists keep insertion order, so the choice depends only on the fabric and the flow.
    const auto [w, index] = candidates[candidates.size() == 1 ? 0 : mix(flow ^ v) % candidates.size()];
    r.links.push_back(2 * index + (links_[index].a == v ? 0 : 1));
    r.latency += links_[index].latency;
    r.vertices.push_back(w);
    v = w;
  }
  if (cache_routes_) route_cache_.emplace(key, r);
  return r;
}

double Fabric::bottleneck_bandwidth(VertexId src, VertexId dst) const {
  double bw = std::numeric_limits<double>::infinity();
  for (DirectedLink d : route(src, dst).links) bw = std::min(bw, link_of(d).bandwidth);
  return bw;
}

double Fabric::ring_bandwidth(std::span<const VertexId> ring) const {
  if (ring.size() < 2) return std::numeric_limits<double>::infinity();
  std::vector<Route> routes;
  routes.reserve(ring.size());
  for (std::size_t i = 0; i < ring.size(); ++i) routes.push_back(route(ring[i], ring[(i + 1) % ring.size()]));
  std::vector<const Route*> flows;
  for (const Route& r : routes) flows.push_back(&r);
  const std::vector<double> rates = max_min_rates(*this, flows);
  return *std::min_element(rates.begin(), rates.end());
}

GpuLabels Fabric::labels(VertexId gpu) const {
  GpuLabels l;
  for (VertexId n : neighbors(gpu)) {
    const VertexInfo& info = graph_[n];
    if (info.kind == VertexKind::NvSwitch && l.nvlink_domain.empty()) l.nvlink_domain = info.name;
    if (info.kind == VertexKind::Nic && l.leaf.empty()) {
      for (VertexId s : neighbors(n)) {
        if (graph_[s].kind == VertexKind::Leaf) {
          l.leaf = graph_[s].name;
          l.spine_block = graph_[s].block;
          break;
        }
      }
    }
  }
  return l;
}

std::vector<double> max_min_rates(const Fabric& fabric, const std::vector<const Route*>& flows, double nvlink_scale,
                                  double network_scale) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> rate(flows.size(), kInf);
  // Compact the directed links the flows use: remaining capacity and the flows crossing each.
  std::unordered_map<DirectedLink, std::size_t> slot;
  std::vector<double> remaining;
  std::vector<std::vector<std::size_t>> crossing;
  std::vector<std::size_t> unfrozen;  // per link: flows on it still without a rate
  for (std::size_t f = 0; f < flows.size(); ++f) {
    for (DirectedLink d : flows[f]->links) {
      auto [it, inserted] = slot.emplace(d, remaining.size());
      if (inserted) {
        const LinkInfo& l = fabric.link_of(d);
        remaining.push_back(l.bandwidth * (l.kind == LinkKind::NvLink ? nvlink_scale : network_scale));
        crossing.emplace_back();
        unfrozen.push_back(0);
      }
      crossing[it->second].push_back(f);
      ++unfrozen[it->second];
    }
  }
  std::vector<bool> frozen(flows.size(), false);
  // Progressive filling: the link with the smallest fair share fixes the rate of all its flows.
  while (true) {
    std::size_t best = remaining.size();
    double share = kInf;
    for (std::size_t i = 0; i < remaining.size(); ++i) {
      if (unfrozen[i] == 0) continue;
      const double s = remaining[i] / static_cast<double>(unfrozen[i]);
      if (s < share) share = s, best = i;
    }
    if (best == remaining.size()) break;
    for (std::size_t f : crossing[best]) {
      if (frozen[f]) continue;
      frozen[f] = true;
      rate[f] = share;
      for (DirectedLink d : flows[f]->links) {
        const std::size_t i = slot.at(d);
        remaining[i] = std::max(0.0, remaining[i] - share);
        --unfrozen[i];
      }
    }
  }
  return rate;
}

}  // namespace kubetwin::models
