#pragma once
// A node pool: `count` identical nodes built from one template, as cloud node groups are.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/cluster/resources.hpp"
#include "models/cluster/taint.hpp"

namespace kubetwin::models {

/// Labels every node gets from its pool, in the vocabulary of GPU feature discovery and kubelet.
inline constexpr const char* kGpuProductLabel = "nvidia.com/gpu.product";
inline constexpr const char* kNodePoolLabel = "kubetwin.io/node-pool";
inline constexpr const char* kHostnameLabel = "kubernetes.io/hostname";
/// Where a node sits in the fabric (scenario /fabric): set per node, not per pool.
inline constexpr const char* kTopologyBlockLabel = "topology.kubetwin.io/block";
inline constexpr const char* kTopologyLeafLabel = "topology.kubetwin.io/leaf";
inline constexpr const char* kNvlinkDomainLabel = "topology.kubetwin.io/nvlink-domain";

/// Labels whose value differs from node to node of a pool: the hostname and the fabric's
/// topology.kubetwin.io/ labels. Every other label comes from the node's pool.
inline bool is_per_node_label(std::string_view key) {
  return key == kHostnameLabel || key.starts_with("topology.kubetwin.io/");
}

/// A node pool the cluster autoscaler may grow and shrink between `min_count` and `max_count`.
struct PoolAutoscaling {
  int min_count = 0;
  int max_count = 0;
};

struct NodePoolSpec {
  std::string name;
  int count = 0;
  Resources capacity;     ///< per node; allocatable equals capacity
  std::string gpu_model;  ///< catalog name; empty for CPU-only pools
  std::map<std::string, std::string> labels;  ///< Cluster adds the well-known ones above
  std::vector<Taint> taints;
  /// With autoscaling the cluster keeps max_count node slots; `count` of them exist at the start.
  std::optional<PoolAutoscaling> autoscaling;
};

}  // namespace kubetwin::models
