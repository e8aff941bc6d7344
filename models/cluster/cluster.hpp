#pragma once
// The cluster's nodes and what is allocated on them, kept in flat arrays indexed by node so that
// filtering thousands of nodes per scheduling cycle stays cache-friendly.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/cluster/resources.hpp"
#include "models/cluster/taint.hpp"

namespace kubetwin::models {

using NodeIndex = std::uint32_t;
/// A GPU of a node, numbered from 0 on each node.
using DeviceIndex = std::uint16_t;
/// The devices a pod holds on its node.
using DeviceSet = std::vector<DeviceIndex>;
inline constexpr int kMilliPerDevice = 1000;

class Cluster {
 public:
  /// Nodes are numbered pool by pool, in the order given. Pools must already be validated. An
  /// autoscaled pool gets max_count node slots, of which the first `count` exist; pool(p).count is
  /// then the number of slots.
  explicit Cluster(std::vector<NodePoolSpec> pools);

  std::size_t node_count() const { return pool_of_.size(); }
  std::size_t pool_count() const { return pools_.size(); }
  const NodePoolSpec& pool(std::size_t p) const { return pools_[p]; }
  std::uint32_t pool_of(NodeIndex n) const { return pool_of_[n]; }
  /// Position of the node inside its pool (0-based).
  std::uint32_t index_in_pool(NodeIndex n) const { return n - first_node_of_pool_[pool_of_[n]]; }
  const std::string& node_name(NodeIndex n) const { return names_[n]; }
  NodeIndex first_node_of_pool(std::size_t p) const { return first_node_of_pool_[p]; }
  /// The node's value of label `key` (its pool's labels, kubernetes.io/hostname and the labels
  /// set by set_node_labels), if any.
  std::optional<std::string_view> node_label(NodeIndex n, std::string_view key) const;
  /// Sets labels on every node of pool p at run time (GPU feature discovery relabelling the pool's
  /// nodes after a driver change); the scheduler sees them from its next cycle.
  void set_pool_labels(std::size_t p, const std::vector<std::pair<std::string, std::string>>& labels);
  /// Gives node n labels of its own (is_per_node_label keys: where it sits in the fabric).
  void set_node_labels(NodeIndex n, std::vector<std::pair<std::string, std::string>> labels);

  const Resources& allocatable(NodeIndex n) const { return pools_[pool_of_[n]].capacity; }
  const Resources& requested(NodeIndex n) const { return requested_[n]; }
  /// What is left; `gpus` counts the fully free devices (a shared device is not free for a pod
  /// that wants whole GPUs).
  Resources free(NodeIndex n) const {
    Resources f = allocatable(n) - requested_[n];
    f.gpus = fully_free_[n];
    f.gpu_milli = 0;
    return f;
  }
  /// Milli-GPU free on each device of node n (per-device accounting, for GPU sharing).
  std::span<const std::int16_t> device_free(NodeIndex n) const {
    return {device_free_.data() + first_device_[n], static_cast<std::size_t>(allocatable(n).gpus)};
  }
  /// The most milli-GPU free on one device of node n (0 without GPUs).
  int max_device_free_milli(NodeIndex n) const;
  /// True if node n's devices can take the GPUs of `r`: that many fully free devices, or for a
  /// share one device with that much free. CPU and memory are not checked here.
  bool gpus_fit(NodeIndex n, const Resources& r) const {
    if (r.gpu_milli > 0) return max_device_free_milli(n) >= r.gpu_milli;
    return r.gpus <= fully_free_[n];
  }

  /// Takes `r` on node n and returns the devices its GPUs went to: `devices` if given (they must
  /// be able to hold it), else the lowest-numbered fully free devices for whole GPUs, or for a
  /// share the device with the least free milli-GPU that still fits (lowest number on ties).
  DeviceSet allocate(NodeIndex n, const Resources& r, std::span<const DeviceIndex> devices = {});
  /// Gives back what allocate() took; `devices` are those it returned.
  void release(NodeIndex n, const Resources& r, std::span<const DeviceIndex> devices = {});

  /// A node slot of an autoscaled pool may not exist (not yet provisioned, or scaled down); the
  /// scheduler passes over such nodes. Nodes of fixed pools always exist.
  bool exists(NodeIndex n) const { return exists_[n] != 0; }
  /// Adds or removes a node; a node is removed only when nothing is allocated on it.
  void set_exists(NodeIndex n, bool exists);
  std::size_t existing_nodes() const { return existing_nodes_; }

  /// Taints put on one node at run time (the node lifecycle controller's
  /// node.kubernetes.io/not-ready), on top of its pool's taints.
  const std::vector<Taint>& node_taints(NodeIndex n) const {
    static const std::vector<Taint> kNone;
    return node_taints_.empty() ? kNone : node_taints_[n];
  }
  void add_node_taint(NodeIndex n, Taint taint);
  /// Removes the node's run-time taints with key `key`.
  void remove_node_taints(NodeIndex n, std::string_view key);
  /// True while some node has a run-time taint (the scheduler then filters taints per node).
  bool has_node_taints() const { return tainted_nodes_ > 0; }

  /// GPUs of the nodes that exist.
  std::int64_t total_gpus() const { return total_gpus_; }
  /// Whole devices held by pods that take whole GPUs.
  std::int64_t allocated_gpus() const { return allocated_gpus_; }
  /// Everything allocated, whole devices and shares, in milli-GPU.
  std::int64_t allocated_gpu_milli() const { return allocated_gpu_milli_; }
  /// Largest number of fully free GPUs on any single node, in O(max GPUs per node).
  std::int64_t max_free_gpus_on_a_node() const;

 private:
  void count_free_gpus(NodeIndex n, int delta);
  std::int16_t& device(NodeIndex n, DeviceIndex d) { return device_free_[first_device_[n] + d]; }

  std::vector<NodePoolSpec> pools_;
  std::vector<std::uint32_t> first_node_of_pool_;
  std::vector<std::uint32_t> pool_of_;
  std::vector<std::string> names_;
  std::vector<std::vector<std::pair<std::string, std::string>>> node_labels_;  // empty unless set
  std::vector<Resources> requested_;
  std::vector<std::uint32_t> first_device_;  // per node: offset into device_free_
  std::vector<std::int16_t> device_free_;    // per device: milli-GPU free
  std::vector<std::int32_t> fully_free_;     // per node: devices with nothing allocated
  std::vector<std::uint8_t> exists_;
  std::vector<std::vector<Taint>> node_taints_;  // empty until a node is tainted
  std::size_t tainted_nodes_ = 0;
  std::size_t existing_nodes_ = 0;
  std::vector<std::int64_t> nodes_by_free_gpus_;  // histogram: [k] = nodes with exactly k free
  std::int64_t total_gpus_ = 0;
  std::int64_t allocated_gpus_ = 0;
  std::int64_t allocated_gpu_milli_ = 0;
};

}  // namespace kubetwin::models
