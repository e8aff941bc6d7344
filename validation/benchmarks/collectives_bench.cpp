// Timings for validation/benchmarks/collectives.sh: building a large fabric, routing on it, and
// the routed collective model at fleet scale; the SimGrid flow-level fidelity on a small case.
// Prints one "name seconds" line per measurement.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "models/perf/collectives.hpp"
#include "models/perf/collectives_flow_level.hpp"
#include "models/topology/fabric_builder.hpp"

using namespace kubetwin::models;

namespace {

template <class F>
double seconds(F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::atoi(argv[1]) : 1000;
  FabricSpec spec;
  spec.nodes = nodes;
  spec.oversubscription = 2;
  const auto t0 = std::chrono::steady_clock::now();
  const Fabric fabric = build_fabric(spec);
  std::printf("build_fabric_%d_nodes %.6f\n", nodes, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::printf("vertices %zu links %zu\n", fabric.vertex_count(), fabric.link_count());

  // Random GPU pairs, fixed seed: most cross pods on a 1,000-node fabric.
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::size_t> pick(0, fabric.gpus().size() - 1);
  const int pairs = 10000;
  long hops = 0;
  const double t_routes = seconds([&] {
    for (int i = 0; i < pairs; ++i) hops += fabric.hops(fabric.gpus()[pick(rng)], fabric.gpus()[pick(rng)]);
  });
  std::printf("route_random_pair_us %.3f (mean hops %.2f)\n", 1e6 * t_routes / pairs, double(hops) / pairs);

  // Data-parallel all-reduce over every node, one group per rail (tp 8), 1 GiB of gradients.
  const RoutedCollectives routed(fabric, fabric.gpus());
  double t = 0;
  const double first = seconds([&] { t = routed.all_reduce(1 << 30, {nodes, 1}); });  // sequenced before the print
  std::printf("hierarchical_all_reduce_%d_ranks_x8_first_query %.6f (collective %.4f s)\n", nodes, first, t);
  const double again = seconds([&] { t = routed.all_reduce(1 << 29, {nodes, 1}); });
  std::printf("hierarchical_all_reduce_%d_ranks_x8_new_size %.6f\n", nodes, again);
  std::vector<VertexId> ring(fabric.gpus().begin(), fabric.gpus().end());
  double bw = 0;
  const double t_ring = seconds([&] { bw = fabric.ring_bandwidth(ring); });  // before printing bw
  std::printf("ring_bandwidth_%zu_gpus %.6f (%.2f GB/s)\n", ring.size(), t_ring, bw / 1e9);

  // Flow-level fidelity: all-to-all of 64 MiB over 4 nodes x 8 GPUs (992 concurrent flows).
  FabricSpec small;
  small.nodes = 4;
  small.oversubscription = 2;
  const Fabric f4 = build_fabric(small);
  FlowLevelCollectives flow(f4, f4.gpus());
  const std::vector<VertexId> ranks(f4.gpus().begin(), f4.gpus().end());
  const CommSchedule a2a = plan_collective(CollectiveOp::AllToAll, CollectiveAlgorithm::Ring, f4, ranks, 64 << 20);
  const CommSchedule ar = plan_collective(CollectiveOp::AllReduce, CollectiveAlgorithm::Ring, f4, ranks, 256 << 20);
  std::printf("simgrid_all_to_all_32_gpus %.6f\n", seconds([&] { flow.run(a2a); }));
  std::printf("analytic_all_to_all_32_gpus %.6f\n", seconds([&] { schedule_seconds(f4, a2a, {}); }));
  std::printf("simgrid_ring_all_reduce_32_gpus %.6f\n", seconds([&] { flow.run(ar); }));
  std::printf("analytic_ring_all_reduce_32_gpus %.6f\n", seconds([&] { schedule_seconds(f4, ar, {}); }));
  return 0;
}
