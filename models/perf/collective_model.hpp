#pragma once
// Time of a collective over a group of GPUs. CollectiveModel is the seam: the analytic alpha-beta
// model below knows only "inside one NVLink node" or "across nodes through each GPU's NIC"; a model
// that routes flows over a fabric topology (issue 5, models/topology) replaces it behind the same calls.

#include "models/hardware/gpu_catalog.hpp"

namespace kubetwin::models {

/// `size` ranks, `per_node` of them in each node (sharing NVLink); per_node = size: one node.
struct CommGroup {
  int size = 1;
  int per_node = 1;
  int nodes() const { return (size + per_node - 1) / per_node; }
};

class CollectiveModel {
 public:
  virtual ~CollectiveModel() = default;
  /// `bytes`: the buffer each rank contributes and receives reduced.
  virtual double all_reduce(double bytes, const CommGroup& g) const = 0;
  /// `bytes`: the full gathered buffer (each rank contributes bytes / size).
  virtual double all_gather(double bytes, const CommGroup& g) const = 0;
  /// `bytes`: the full input buffer of each rank (each keeps bytes / size reduced).
  virtual double reduce_scatter(double bytes, const CommGroup& g) const = 0;
  /// `bytes`: what each rank holds before the exchange (it keeps bytes / size of it).
  virtual double all_to_all(double bytes, const CommGroup& g) const = 0;
  /// Point to point between two GPUs, in one node or not.
  virtual double send_recv(double bytes, bool same_node) const = 0;
};

struct AlphaBetaParameters {
  double nvlink_bandwidth = 0;   ///< bytes/s per GPU per direction (datasheet / 2)
  double nic_bandwidth = 50e9;   ///< bytes/s per GPU per direction (400 Gb/s ConnectX-7 NDR)
  /// Achieved fraction of link bandwidth by NCCL's ring kernels on large messages (nccl-tests bus
  /// bandwidth on DGX-class nodes is about 80% of NVLink per direction and 90% of NDR/HDR NICs) [A].
  double nvlink_efficiency = 0.8;
  double nic_efficiency = 0.9;
  double nvlink_latency = 5e-6;  ///< per ring step inside a node
  double nic_latency = 10e-6;    ///< per step across nodes
};

/// Ring collectives; across nodes hierarchical (NCCL-style): reduce-scatter inside the node over
/// NVLink, the inter-node ring on 1/per_node of the data through every GPU's NIC at once, then
/// all-gather inside the node. Time = sum over steps of (alpha + bytes_per_step / bandwidth).
class AlphaBetaCollectives : public CollectiveModel {
 public:
  explicit AlphaBetaCollectives(const AlphaBetaParameters& p) : p_(p) {}
  /// NVLink from the GPU's datasheet, `nic_bits_per_second` per GPU across nodes.
  static AlphaBetaCollectives for_gpu(const GpuSpec& gpu, double nic_bits_per_second = 400e9);

  double all_reduce(double bytes, const CommGroup& g) const override;
  double all_gather(double bytes, const CommGroup& g) const override;
  double reduce_scatter(double bytes, const CommGroup& g) const override;
  double all_to_all(double bytes, const CommGroup& g) const override;
  double send_recv(double bytes, bool same_node) const override;

  const AlphaBetaParameters& parameters() const { return p_; }

 private:
  double intra_bw() const { return p_.nvlink_bandwidth * p_.nvlink_efficiency; }
  double inter_bw() const { return p_.nic_bandwidth * p_.nic_efficiency; }
  // One ring pass (reduce-scatter or all-gather) moving `bytes` in total over `n` ranks.
  double ring_pass(double bytes, int n, double bw, double alpha) const;
  double half_collective(double bytes, const CommGroup& g) const;  // reduce-scatter = all-gather

  AlphaBetaParameters p_;
};

}  // namespace kubetwin::models
