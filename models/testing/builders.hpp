#pragma once
// Builders for model tests: hand-built node pools and pods without JSON.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"

namespace kubetwin::models::testing {

inline constexpr std::int64_t kGi = std::int64_t{1} << 30;
inline constexpr const char* kH100 = "H100-SXM-80GB";

/// `count` nodes of `capacity`; GPU nodes carry H100s. Well-known labels are added by Cluster.
inline NodePoolSpec pool(std::string name, int count, Resources capacity,
                         std::map<std::string, std::string> labels = {}, std::vector<Taint> taints = {}) {
  NodePoolSpec p;
  p.name = std::move(name);
  p.count = count;
  p.capacity = capacity;
  p.labels = std::move(labels);
  p.taints = std::move(taints);
  if (capacity.gpus > 0) p.gpu_model = kH100;
  return p;
}

}  // namespace kubetwin::models::testing
