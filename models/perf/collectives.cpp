#include "models/perf/collectives.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace kubetwin::models {
namespace {

// n - 1 identical steps: rank i sends `chunk` to rank i + 1 (Patarasuk & Yuan 2009).
void ring_pass(CommSchedule& s, std::span<const VertexId> ring, double chunk) {
  const std::size_t n = ring.size();
  if (n < 2 || chunk <= 0) return;
  CommStep step;
  step.repeat = static_cast<int>(n - 1);
  for (std::size_t i = 0; i < n; ++i) step.transfers.push_back({ring[i], ring[(i + 1) % n], chunk});
  s.push_back(std::move(step));
}

// Several rings at once (one per node, or one per local rank), step by step.
void ring_passes(CommSchedule& s, const std::vector<std::vector<VertexId>>& rings, double chunk) {
  std::vector<CommSchedule> each(rings.size());
  for (std::size_t i = 0; i < rings.size(); ++i) ring_pass(each[i], rings[i], chunk);
  const CommSchedule together = run_together(each);
  s.insert(s.end(), together.begin(), together.end());
}

// The ranks by node (in order of first appearance); empty if the nodes hold different counts.
std::vector<std::vector<VertexId>> by_node(const Fabric& fabric, std::span<const VertexId> ranks) {
  std::vector<std::vector<VertexId>> nodes;
  std::unordered_map<int, std::size_t> index;
  for (VertexId r : ranks) {
    auto [it, inserted] = index.emplace(fabric.vertex(r).node, nodes.size());
    if (inserted) nodes.emplace_back();
    nodes[it->second].push_back(r);
  }
  for (const auto& n : nodes) {
    if (n.size() != nodes.front().size()) return {};
  }
  return nodes;
}

std::vector<std::vector<VertexId>> transpose(const std::vector<std::vector<VertexId>>& nodes) {
  std::vector<std::vector<VertexId>> rails(nodes.front().size());
  for (const auto& n : nodes) {
    for (std::size_t k = 0; k < n.size(); ++k) rails[k].push_back(n[k]);
  }
  return rails;
}

// Reduce-scatter (reduce_first) or all-gather with `bytes` the full buffer of each rank.
void half(CommSchedule& s, CollectiveAlgorithm a, const Fabric& fabric, std::span<const VertexId> ranks, double bytes,
          bool reduce_first) {
  const auto nodes = a == CollectiveAlgorithm::Hierarchical ? by_node(fabric, ranks) : decltype(by_node(fabric, ranks)){};
  if (nodes.empty()) {
    ring_pass(s, ranks, bytes / static_cast<double>(ranks.size()));
    return;
  }
  const double local = static_cast<double>(nodes.front().size());
  const double count = static_cast<double>(nodes.size());
  // Inside the node: 1/local of the buffer per step; across nodes each local rank's ring carries
  // its 1/local share, cut in 1/count per step.
  if (reduce_first) {
    ring_passes(s, nodes, bytes / local);
    ring_passes(s, transpose(nodes), bytes / local / count);
  } else {
    ring_passes(s, transpose(nodes), bytes / local / count);
    ring_passes(s, nodes, bytes / local);
  }
}

void tree_all_reduce(CommSchedule& s, std::span<const VertexId> ranks, double bytes) {
  // Binary tree in heap order: the parent of rank i is (i - 1) / 2. Reduce level by level from the
  // deepest, then broadcast the result back down.
  const std::size_t n = ranks.size();
  int depth = 0;
  while ((std::size_t{2} << depth) - 1 < n) ++depth;  // levels below the root
  auto level_of = [](std::size_t i) {
    int d = 0;
    for (std::size_t k = i + 1; k > 1; k /= 2) ++d;
    return d;
  };
  std::vector<CommStep> up(static_cast<std::size_t>(depth)), down(static_cast<std::size_t>(depth));
  for (std::size_t i = 1; i < n; ++i) {
    const auto d = static_cast<std::size_t>(level_of(i) - 1);
    up[d].transfers.push_back({ranks[i], ranks[(i - 1) / 2], bytes});
    down[d].transfers.push_back({ranks[(i - 1) / 2], ranks[i], bytes});
  }
  for (auto it = up.rbegin(); it != up.rend(); ++it) s.push_back(*it);
  for (const CommStep& step : down) s.push_back(step);
}

}  // namespace

const char* to_string(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::AllReduce: return "all-reduce";
    case CollectiveOp::AllGather: return "all-gather";
    case CollectiveOp::ReduceScatter: return "reduce-scatter";
    case CollectiveOp::AllToAll: return "all-to-all";
    case CollectiveOp::SendRecv: return "send-recv";
  }
  return "?";
}

const char* to_string(CollectiveAlgorithm a) {
  switch (a) {
    case CollectiveAlgorithm::Ring: return "ring";
    case CollectiveAlgorithm::Tree: return "tree";
    case CollectiveAlgorithm::Hierarchical: return "hierarchical";
  }
  return "?";
}

CommSchedule run_together(const std::vector<CommSchedule>& schedules) {
  CommSchedule out;
  for (const CommSchedule& s : schedules) {
    if (s.empty()) continue;
    if (out.empty()) {
      out = s;
      continue;
    }
    if (s.size() != out.size()) throw std::invalid_argument("run_together: schedules of different shapes");
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i].repeat != out[i].repeat) throw std::invalid_argument("run_together: schedules of different shapes");
      out[i].transfers.insert(out[i].transfers.end(), s[i].transfers.begin(), s[i].transfers.end());
    }
  }
  return out;
}

CommSchedule plan_collective(CollectiveOp op, CollectiveAlgorithm a, const Fabric& fabric,
                             std::span<const VertexId> ranks, double bytes) {
  CommSchedule s;
  const std::size_t n = ranks.size();
  if (n < 2 || bytes <= 0) return s;
  switch (op) {
    case CollectiveOp::ReduceScatter: half(s, a, fabric, ranks, bytes, true); break;
    case CollectiveOp::AllGather: half(s, a, fabric, ranks, bytes, false); break;
    case CollectiveOp::AllReduce:
      if (a == CollectiveAlgorithm::Tree) {
        tree_all_reduce(s, ranks, bytes);
      } else {
        half(s, a, fabric, ranks, bytes, true);
        half(s, a, fabric, ranks, bytes, false);
      }
      break;
    case CollectiveOp::AllToAll: {
      // Every rank sends 1/n of its buffer to every other rank, all at once.
      CommStep step;
      for (VertexId src : ranks) {
        for (VertexId dst : ranks) {
          if (src != dst) step.transfers.push_back({src, dst, bytes / static_cast<double>(n)});
        }
      }
      s.push_back(std::move(step));
      break;
    }
    case CollectiveOp::SendRecv: s.push_back({{{ranks[0], ranks[1], bytes}}, 1}); break;
  }
  return s;
}

TimedSchedule time_schedule(const Fabric& fabric, const CommSchedule& schedule, const RoutedCollectiveParameters& p,
                            double unit_bytes) {
  TimedSchedule out;
  std::unordered_map<VertexId, std::size_t> rank;
  auto rank_of = [&](VertexId v) { return rank.emplace(v, rank.size()).first->second; };
  std::map<std::pair<VertexId, VertexId>, Route> routes;
  for (const CommStep& step : schedule) {
    std::vector<const Route*> flows;
    for (const Transfer& t : step.transfers) {
      auto it = routes.find({t.src, t.dst});
      if (it == routes.end()) it = routes.emplace(std::pair{t.src, t.dst}, fabric.route(t.src, t.dst)).first;
      flows.push_back(&it->second);
    }
    const std::vector<double> rates = max_min_rates(fabric, flows, p.nvlink_efficiency, p.network_efficiency);
    TimedSchedule::Step ts;
    ts.repeat = step.repeat;
    for (std::size_t f = 0; f < flows.size(); ++f) {
      const Transfer& t = step.transfers[f];
      ts.flows.push_back({rank_of(t.src), rank_of(t.dst), flows[f]->latency, t.bytes / unit_bytes / rates[f]});
    }
    out.steps.push_back(std::move(ts));
  }
  out.ranks = rank.size();
  return out;
}

double schedule_seconds(const TimedSchedule& timed, double scale, double step_latency) {
  // Per rank, the instant it is done with the steps so far. A transfer starts once both ends have
  // finished their previous step and paid the step latency (a rendezvous, as S4U comms do).
  std::vector<double> ready(timed.ranks, 0.0), next(timed.ranks);
  std::vector<bool> involved(timed.ranks);
  for (const TimedSchedule::Step& step : timed.steps) {
    std::fill(involved.begin(), involved.end(), false);
    for (const auto& f : step.flows) involved[f.src] = involved[f.dst] = true;
    for (int r = 0; r < step.repeat; ++r) {
      const std::vector<double> before = ready;
      for (std::size_t i = 0; i < ready.size(); ++i) next[i] = ready[i] + step_latency;
      for (const auto& f : step.flows) {
        const double end = std::max(ready[f.src], ready[f.dst]) + step_latency + f.latency + f.seconds_per_byte * scale;
        next[f.src] = std::max(next[f.src], end);
        next[f.dst] = std::max(next[f.dst], end);
      }
      ready.swap(next);
      // A step that leaves every involved rank as level as it found them repeats identically:
      // add the remaining repeats at once (rings of thousands of ranks would otherwise cost n^2).
      bool level_before = true, level_after = true;
      double b0 = -1, a0 = -1;
      for (std::size_t i = 0; i < ready.size(); ++i) {
        if (!involved[i]) continue;
        if (b0 < 0) b0 = before[i], a0 = ready[i];
        level_before = level_before && before[i] == b0;
        level_after = level_after && ready[i] == a0;
      }
      if (level_before && level_after && r + 1 < step.repeat) {
        const double left = step.repeat - r - 1;
        for (std::size_t i = 0; i < ready.size(); ++i) ready[i] += left * (involved[i] ? a0 - b0 : step_latency);
        break;
      }
    }
  }
  return ready.empty() ? 0.0 : *std::max_element(ready.begin(), ready.end());
}

double schedule_seconds(const Fabric& fabric, const CommSchedule& schedule, const RoutedCollectiveParameters& p) {
  return schedule_seconds(time_schedule(fabric, schedule, p), 1.0, p.step_latency);
}

RoutedCollectives::RoutedCollectives(const Fabric& fabric, std::vector<VertexId> placement, RoutedCollectiveParameters p)
    : fabric_(fabric), p_(p) {
  std::unordered_map<int, std::size_t> index;
  for (VertexId g : placement) {
    if (g >= fabric.vertex_count() || fabric.vertex(g).kind != VertexKind::Gpu) {
      throw std::invalid_argument("RoutedCollectives: the placement holds a vertex that is not a GPU");
    }
    auto [it, inserted] = index.emplace(fabric.vertex(g).node, nodes_.size());
    if (inserted) nodes_.emplace_back();
    nodes_[it->second].push_back(g);
  }
}

CommSchedule RoutedCollectives::schedule(CollectiveOp op, double bytes, const CommGroup& g) const {
  if (op == CollectiveOp::SendRecv) throw std::invalid_argument("RoutedCollectives::schedule: use send_recv");
  const int per = std::clamp(g.per_node, 1, std::max(1, g.size));
  const auto nodes = static_cast<std::size_t>(g.nodes());
  if (g.size < 2) return {};
  if (nodes > nodes_.size()) throw std::invalid_argument("RoutedCollectives: the group spans more nodes than the placement");
  std::size_t room = nodes_[0].size();
  for (std::size_t i = 0; i < nodes; ++i) room = std::min(room, nodes_[i].size());
  if (room < static_cast<std::size_t>(per)) throw std::invalid_argument("RoutedCollectives: a node holds fewer GPUs than the group needs");
  const std::size_t copies = p_.concurrent_groups ? room / static_cast<std::size_t>(per) : 1;
  std::vector<CommSchedule> groups;
  for (std::size_t c = 0; c < copies; ++c) {
    // Megatron-LM order: tensor-parallel ranks are adjacent, so a data-parallel group takes every
    // copies-th GPU of each node.
    std::vector<VertexId> ranks;
    for (std::size_t i = 0; i < nodes && ranks.size() < static_cast<std::size_t>(g.size); ++i) {
      for (int k = 0; k < per && ranks.size() < static_cast<std::size_t>(g.size); ++k) {
        ranks.push_back(nodes_[i][c + static_cast<std::size_t>(k) * copies]);
      }
    }
    groups.push_back(plan_collective(op, p_.algorithm, fabric_, ranks, bytes));
  }
  return run_together(groups);
}

double RoutedCollectives::cost(CollectiveOp op, double bytes, const CommGroup& g) const {
  if (bytes <= 0 || g.size < 2) return 0;
  const auto key = std::tuple{static_cast<int>(op), g.size, g.per_node};
  auto done = seconds_.find(std::tuple_cat(key, std::tuple{bytes}));
  if (done != seconds_.end()) return done->second;
  auto it = plans_.find(key);
  // Planned for one byte: every transfer's size, hence its time at a fixed rate, scales with bytes.
  if (it == plans_.end()) it = plans_.emplace(key, time_schedule(fabric_, schedule(op, 1.0, g), p_)).first;
  const double t = schedule_seconds(it->second, bytes, p_.step_latency);
  seconds_.emplace(std::tuple_cat(key, std::tuple{bytes}), t);
  return t;
}

double RoutedCollectives::all_reduce(double bytes, const CommGroup& g) const { return cost(CollectiveOp::AllReduce, bytes, g); }
double RoutedCollectives::all_gather(double bytes, const CommGroup& g) const { return cost(CollectiveOp::AllGather, bytes, g); }
double RoutedCollectives::reduce_scatter(double bytes, const CommGroup& g) const {
  return cost(CollectiveOp::ReduceScatter, bytes, g);
}
double RoutedCollectives::all_to_all(double bytes, const CommGroup& g) const { return cost(CollectiveOp::AllToAll, bytes, g); }

double RoutedCollectives::send_recv(double bytes, bool same_node) const {
  if (bytes <= 0) return 0;
  CommStep step;
  if (same_node) {
    if (nodes_.empty() || nodes_[0].size() < 2) throw std::invalid_argument("RoutedCollectives: no two GPUs in one node");
    step.transfers.push_back({nodes_[0][0], nodes_[0][1], bytes});
  } else {
    if (nodes_.size() < 2) throw std::invalid_argument("RoutedCollectives: the placement has a single node");
    const std::size_t pairs = p_.concurrent_groups ? std::min(nodes_[0].size(), nodes_[1].size()) : 1;
    for (std::size_t k = 0; k < pairs; ++k) step.transfers.push_back({nodes_[0][k], nodes_[1][k], bytes});
  }
  return schedule_seconds(fabric_, {step}, p_);
}

}  // namespace kubetwin::models
