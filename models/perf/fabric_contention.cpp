#include "models/perf/fabric_contention.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace kubetwin::models {

FabricIndex::FabricIndex(const Fabric& fabric, int gpus_per_node, double efficiency)
    : fabric_(fabric), gpus_per_node_(gpus_per_node) {
  if (gpus_per_node < 1 || fabric.gpus().size() % static_cast<std::size_t>(gpus_per_node) != 0) {
    throw std::invalid_argument("FabricIndex: the fabric's GPUs are not whole servers of " + std::to_string(gpus_per_node));
  }
  std::unordered_map<VertexId, int> leaf_id;
  std::unordered_map<std::string, int> block_id;
  std::vector<VertexId> leaf_vertex;
  std::vector<int> planes_of_leaf;
  const std::size_t nodes = fabric.gpus().size() / static_cast<std::size_t>(gpus_per_node);
  for (std::size_t g = 0; g < fabric.gpus().size(); ++g) {
    // The GPU's NIC, and the NIC's first leaf (the first plane's).
    int leaf = -1;
    for (VertexId nic : fabric.neighbors(fabric.gpus()[g])) {
      if (fabric.vertex(nic).kind != VertexKind::Nic) continue;
      int planes = 0;
      VertexId first = kNoVertex;
      for (VertexId l : fabric.neighbors(nic)) {
        if (fabric.vertex(l).kind != VertexKind::Leaf) continue;
        if (first == kNoVertex) first = l;
        ++planes;
      }
      if (g == 0) {  // every NIC has the same rate: the first one's ports, all planes
        for (std::size_t i = 0; i < fabric.link_count(); ++i) {
          const LinkInfo& li = fabric.link(i);
          if ((li.a == nic || li.b == nic) && li.kind == LinkKind::Network) nic_rate_ += li.bandwidth * efficiency;
        }
      }
      if (first == kNoVertex) break;
      auto [it, is_new] = leaf_id.emplace(first, static_cast<int>(leaf_vertex.size()));
      if (is_new) {
        leaf_vertex.push_back(first);
        planes_of_leaf.push_back(planes);
      }
      leaf = it->second;
      break;
    }
    if (leaf < 0) throw std::invalid_argument("FabricIndex: GPU " + fabric.vertex(fabric.gpus()[g]).name + " has no NIC on a leaf");
    gpu_leaf_.push_back(leaf);
  }
  // Capacities: a leaf's links to spines, a block's spines' links to cores, times the planes.
  leaf_up_.assign(leaf_vertex.size(), 0.0);
  std::vector<int> leaf_block(leaf_vertex.size());
  std::vector<std::vector<VertexId>> block_spines;
  for (std::size_t l = 0; l < leaf_vertex.size(); ++l) {
    const std::string& block = fabric.vertex(leaf_vertex[l]).block;
    auto [it, is_new] = block_id.emplace(block, static_cast<int>(block_spines.size()));
    if (is_new) block_spines.emplace_back();
    leaf_block[l] = it->second;
  }
  std::unordered_map<VertexId, std::size_t> leaf_slot;
  for (std::size_t l = 0; l < leaf_vertex.size(); ++l) leaf_slot.emplace(leaf_vertex[l], l);
  block_up_.assign(block_spines.size(), 0.0);
  for (std::size_t i = 0; i < fabric.link_count(); ++i) {
    const LinkInfo& li = fabric.link(i);
    for (auto [x, y] : {std::pair{li.a, li.b}, std::pair{li.b, li.a}}) {
      const VertexKind kx = fabric.vertex(x).kind, ky = fabric.vertex(y).kind;
      if (kx == VertexKind::Leaf && ky == VertexKind::Spine) {
        if (auto it = leaf_slot.find(x); it != leaf_slot.end()) leaf_up_[it->second] += li.bandwidth;
      }
      if (kx == VertexKind::Spine && ky == VertexKind::Core) {
        if (auto it = block_id.find(fabric.vertex(x).block); it != block_id.end()) {
          block_up_[static_cast<std::size_t>(it->second)] += li.bandwidth;
        }
      }
    }
  }
  const int planes = planes_of_leaf.empty() ? 1 : planes_of_leaf.front();
  for (double& c : leaf_up_) c *= planes * efficiency;
  for (double& c : block_up_) c *= planes * efficiency;
  leaf_vertex_ = leaf_vertex;
  leaf_block_ = leaf_block;
  block_names_.resize(block_spines.size());
  for (const auto& [name, id] : block_id) block_names_[static_cast<std::size_t>(id)] = name;
  leaf_nodes_.assign(leaf_vertex.size(), {});
  block_leaves_.assign(block_spines.size(), {});
  for (std::size_t n = 0; n < nodes; ++n) {
    const int leaf = gpu_leaf_[n * static_cast<std::size_t>(gpus_per_node)];
    node_leaf_.push_back(leaf);
    node_block_.push_back(leaf_block[static_cast<std::size_t>(leaf)]);
    auto& in_leaf = leaf_nodes_[static_cast<std::size_t>(leaf)];
    if (in_leaf.empty()) block_leaves_[static_cast<std::size_t>(node_block_.back())].push_back(leaf);
    in_leaf.push_back(static_cast<int>(n));
  }
}

double FabricIndex::capacity(std::size_t r) const {
  const std::size_t leaf_resources = 2 * leaf_up_.size();
  return r < leaf_resources ? leaf_up_[r / 2] : block_up_[(r - leaf_resources) / 2];
}

std::vector<ResourceDemand> job_demands(const FabricIndex& index, std::span<const int> nodes,
                                        std::span<const std::vector<int>> devices) {
  const std::size_t m = nodes.size();
  if (m < 2) return {};
  // Topology order, as NCCL's rings: by block, leaf, node.
  std::vector<std::size_t> order(m);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const int na = nodes[a], nb = nodes[b];
    return std::tuple(index.block_of(na), index.leaf_of(na), na) < std::tuple(index.block_of(nb), index.leaf_of(nb), nb);
  });
  std::size_t local = devices[0].size();
  for (const auto& d : devices) local = std::min(local, d.size());
  // One ring per local rank: flow i -> i + 1; each crosses up to four shared resources.
  struct Flow {
    std::size_t r[4];
    int count = 0;
  };
  std::vector<Flow> flows;
  std::unordered_map<std::size_t, int> crossing;
  for (std::size_t k = 0; k < local; ++k) {
    for (std::size_t i = 0; i < m; ++i) {
      const std::size_t a = order[i], b = order[(i + 1) % m];
      const int na = nodes[a], nb = nodes[b];
      const int la = index.gpu_leaf(na, devices[a][k]), lb = index.gpu_leaf(nb, devices[b][k]);
      Flow f;
      if (la != lb) {
        f.r[f.count++] = index.leaf_up(la);
        f.r[f.count++] = index.leaf_down(lb);
      }
      if (index.block_of(na) != index.block_of(nb)) {
        f.r[f.count++] = index.block_up(index.block_of(na));
        f.r[f.count++] = index.block_down(index.block_of(nb));
      }
      if (f.count == 0) continue;
      for (int j = 0; j < f.count; ++j) ++crossing[f.r[j]];
      flows.push_back(f);
    }
  }
  // Each flow at its NIC's rate or its equal share of the job's own tightest resource.
  std::map<std::size_t, double> demand;
  for (const Flow& f : flows) {
    double rate = index.nic_rate();
    for (int j = 0; j < f.count; ++j) rate = std::min(rate, index.capacity(f.r[j]) / crossing[f.r[j]]);
    for (int j = 0; j < f.count; ++j) demand[f.r[j]] += rate;
  }
  std::vector<ResourceDemand> out;
  for (const auto& [r, d] : demand) out.push_back({r, d});
  return out;
}

std::vector<FabricContention::Change> FabricContention::add(std::uint64_t job, std::vector<ResourceDemand> demands) {
  Job& j = jobs_[job];
  j.demands = std::move(demands);
  j.shares.assign(j.demands.size(), 0.0);
  std::vector<std::size_t> touched;
  for (const ResourceDemand& d : j.demands) {
    auto& on = jobs_on_[d.resource];
    on.insert(std::upper_bound(on.begin(), on.end(), job), job);
    touched.push_back(d.resource);
  }
  std::vector<Change> changes = recompute(touched, job);
  j.slowdown = worst_ratio(job);
  ++recomputed_;
  if (j.slowdown > 1) {
    const Change self{job, 1.0, j.slowdown};
    changes.insert(std::upper_bound(changes.begin(), changes.end(), self, [](const Change& a, const Change& b) { return a.job < b.job; }),
                   self);
  }
  return changes;
}

std::vector<FabricContention::Change> FabricContention::remove(std::uint64_t job) {
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return {};
  std::vector<std::size_t> touched;
  for (const ResourceDemand& d : it->second.demands) {
    std::erase(jobs_on_[d.resource], job);
    touched.push_back(d.resource);
  }
  jobs_.erase(it);
  return recompute(touched, job);
}

double FabricContention::slowdown(std::uint64_t job) const {
  auto it = jobs_.find(job);
  return it == jobs_.end() ? 1.0 : it->second.slowdown;
}

std::span<const ResourceDemand> FabricContention::demands(std::uint64_t job) const {
  auto it = jobs_.find(job);
  return it == jobs_.end() ? std::span<const ResourceDemand>{} : std::span<const ResourceDemand>(it->second.demands);
}

double FabricContention::load(std::size_t r) const {
  double sum = 0;
  for (std::uint64_t id : jobs_on_[r]) {
    const Job& j = jobs_.at(id);
    for (std::size_t i = 0; i < j.demands.size(); ++i) {
      if (j.demands[i].resource == r) sum += j.shares[i];
    }
  }
  return sum;
}

double FabricContention::demand(std::size_t r) const {
  double sum = 0;
  for (std::uint64_t id : jobs_on_[r]) {
    for (const ResourceDemand& d : jobs_.at(id).demands) {
      if (d.resource == r) sum += d.rate;
    }
  }
  return sum;
}

void FabricContention::share(std::size_t r) {
  const auto& on = jobs_on_[r];
  // (demand, job, position of r in the job's demands)
  std::vector<std::tuple<double, std::uint64_t, std::size_t>> d;
  d.reserve(on.size());
  double total = 0;
  for (std::uint64_t id : on) {
    Job& j = jobs_.at(id);
    for (std::size_t i = 0; i < j.demands.size(); ++i) {
      if (j.demands[i].resource != r) continue;
      d.emplace_back(j.demands[i].rate, id, i);
      total += j.demands[i].rate;
      break;
    }
  }
  double remaining = index_.capacity(r);
  if (total <= remaining) {
    for (auto& [rate, id, i] : d) jobs_.at(id).shares[i] = rate;
    return;
  }
  // Water-filling: the smallest demands are met in full while they are below the fair share.
  std::sort(d.begin(), d.end());
  for (std::size_t k = 0; k < d.size(); ++k) {
    auto& [rate, id, i] = d[k];
    const double fair = remaining / static_cast<double>(d.size() - k);
    const double got = std::min(rate, fair);
    jobs_.at(id).shares[i] = got;
    remaining -= got;
  }
}

double FabricContention::worst_ratio(std::uint64_t job) const {
  const Job& j = jobs_.at(job);
  double worst = 1;
  for (std::size_t i = 0; i < j.demands.size(); ++i) {
    if (j.shares[i] > 0) worst = std::max(worst, j.demands[i].rate / j.shares[i]);
  }
  return worst;
}

std::vector<FabricContention::Change> FabricContention::recompute(std::span<const std::size_t> resources, std::uint64_t except) {
  std::vector<std::uint64_t> affected;
  for (std::size_t r : resources) {
    share(r);
    affected.insert(affected.end(), jobs_on_[r].begin(), jobs_on_[r].end());
  }
  std::sort(affected.begin(), affected.end());
  affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
  std::vector<Change> changes;
  for (std::uint64_t id : affected) {
    if (id == except) continue;
    ++recomputed_;
    Job& j = jobs_.at(id);
    const double now = worst_ratio(id);
    if (std::abs(now - j.slowdown) > 1e-12 * now) {  // shares recomputed alike are not a change
      changes.push_back({id, j.slowdown, now});
      j.slowdown = now;
    }
  }
  return changes;
}

}  // namespace kubetwin::models
