#pragma once
// The cluster's nodes and what is allocated on them, kept in flat arrays indexed by node so that
// filtering thousands of nodes per scheduling cycle stays cache-friendly.

#include <cstdint>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/cluster/resources.hpp"

namespace kubetwin::models {

using NodeIndex = std::uint32_t;

class Cluster {
 public:
  /// Nodes are numbered pool by pool, in the order given. Pools must already be validated.
  explicit Cluster(std::vector<NodePoolSpec> pools);

  std::size_t node_count() const { return pool_of_.size(); }
  std::size_t pool_count() const { return pools_.size(); }
  const NodePoolSpec& pool(std::size_t p) const { return pools_[p]; }
  std::uint32_t pool_of(NodeIndex n) const { return pool_of_[n]; }
  /// Position of the node inside its pool (0-based).
  std::uint32_t index_in_pool(NodeIndex n) const { return n - first_node_of_pool_[pool_of_[n]]; }
  const std::string& node_name(NodeIndex n) const { return names_[n]; }
  NodeIndex first_node_of_pool(std::size_t p) const { return first_node_of_pool_[p]; }

  const Resources& allocatable(NodeIndex n) const { return pools_[pool_of_[n]].capacity; }
  const Resources& requested(NodeIndex n) const { return requested_[n]; }
  Resources free(NodeIndex n) const { return allocatable(n) - requested_[n]; }

  void allocate(NodeIndex n, const Resources& r);
  void release(NodeIndex n, const Resources& r);

  std::int64_t total_gpus() const { return total_gpus_; }
  std::int64_t allocated_gpus() const { return allocated_gpus_; }
  /// Largest number of free GPUs on any single node, in O(max GPUs per node).
  std::int64_t max_free_gpus_on_a_node() const;

 private:
  void count_free_gpus(NodeIndex n, int delta);

  std::vector<NodePoolSpec> pools_;
  std::vector<std::uint32_t> first_node_of_pool_;
  std::vector<std::uint32_t> pool_of_;
  std::vector<std::string> names_;
  std::vector<Resources> requested_;
  std::vector<std::int64_t> nodes_by_free_gpus_;  // histogram: [k] = nodes with exactly k free
  std::int64_t total_gpus_ = 0;
  std::int64_t allocated_gpus_ = 0;
};

}  // namespace kubetwin::models
