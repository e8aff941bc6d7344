#pragma once
// A node pool: `count` identical nodes built from one template, as cloud node groups are.

#include <map>
#include <string>
#include <vector>

#include "models/cluster/resources.hpp"
#include "models/cluster/taint.hpp"

namespace kubetwin::models {

/// Labels every node gets from its pool, in the vocabulary of GPU feature discovery and kubelet.
inline constexpr const char* kGpuProductLabel = "nvidia.com/gpu.product";
inline constexpr const char* kNodePoolLabel = "kubetwin.io/node-pool";
inline constexpr const char* kHostnameLabel = "kubernetes.io/hostname";

struct NodePoolSpec {
  std::string name;
  int count = 0;
  Resources capacity;     ///< per node; allocatable equals capacity
  std::string gpu_model;  ///< catalog name; empty for CPU-only pools
  std::map<std::string, std::string> labels;  ///< Cluster adds the well-known ones above
  std::vector<Taint> taints;
};

}  // namespace kubetwin::models
