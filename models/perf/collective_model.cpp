#include "models/perf/collective_model.hpp"

#include <algorithm>

namespace kubetwin::models {

AlphaBetaCollectives AlphaBetaCollectives::for_gpu(const GpuSpec& gpu, double nic_bits_per_second) {
  AlphaBetaParameters p;
  p.nvlink_bandwidth = gpu.nvlink_bandwidth_per_direction();
  p.nic_bandwidth = nic_bits_per_second / 8;
  if (p.nvlink_bandwidth <= 0) p.nvlink_bandwidth = p.nic_bandwidth;  // no NVLink: PCIe-class peers
  return AlphaBetaCollectives(p);
}

double AlphaBetaCollectives::ring_pass(double bytes, int n, double bw, double alpha) const {
  if (n <= 1 || bytes <= 0) return 0;
  // Ring reduce-scatter or all-gather: n-1 steps of bytes/n each (Patarasuk & Yuan 2009).
  return (n - 1) * (alpha + bytes / n / bw);
}

double AlphaBetaCollectives::half_collective(double bytes, const CommGroup& g) const {
  const int local = std::clamp(g.per_node, 1, g.size);
  const int nodes = g.nodes();
  double t = ring_pass(bytes, local, intra_bw(), p_.nvlink_latency);
  // Across nodes each of the `local` GPUs runs its own ring on bytes/local through its own NIC.
  t += ring_pass(bytes / local, nodes, inter_bw(), p_.nic_latency);
  return t;
}

double AlphaBetaCollectives::reduce_scatter(double bytes, const CommGroup& g) const { return half_collective(bytes, g); }
double AlphaBetaCollectives::all_gather(double bytes, const CommGroup& g) const { return half_collective(bytes, g); }

double AlphaBetaCollectives::all_reduce(double bytes, const CommGroup& g) const {
  // Reduce-scatter then all-gather: 2 (n-1)/n x bytes per rank, the bandwidth-optimal ring.
  return 2 * half_collective(bytes, g);
}

double AlphaBetaCollectives::all_to_all(double bytes, const CommGroup& g) const {
  if (g.size <= 1 || bytes <= 0) return 0;
  const int local = std::clamp(g.per_node, 1, g.size);
  const double chunk = bytes / g.size;  // to each peer
  // NVLink and the NIC work at once: the slower of the two portions bounds the exchange.
  const double intra = (local - 1) * chunk / intra_bw() + (local - 1) * p_.nvlink_latency;
  const double inter = g.size > local ? (g.size - local) * chunk / inter_bw() + p_.nic_latency : 0;
  return std::max(intra, inter);
}

double AlphaBetaCollectives::send_recv(double bytes, bool same_node) const {
  if (bytes <= 0) return 0;
  return same_node ? p_.nvlink_latency + bytes / intra_bw() : p_.nic_latency + bytes / inter_bw();
}

}  // namespace kubetwin::models
