#include "models/cluster/cluster.hpp"

#include <algorithm>
#include <cassert>

namespace kubetwin::models {

Cluster::Cluster(std::vector<NodePoolSpec> pools) : pools_(std::move(pools)) {
  std::int64_t max_gpus = 0;
  for (std::uint32_t p = 0; p < pools_.size(); ++p) {
    pools_[p].labels[kNodePoolLabel] = pools_[p].name;
    if (!pools_[p].gpu_model.empty()) pools_[p].labels[kGpuProductLabel] = pools_[p].gpu_model;
    first_node_of_pool_.push_back(static_cast<std::uint32_t>(pool_of_.size()));
    for (int i = 0; i < pools_[p].count; ++i) {
      pool_of_.push_back(p);
      names_.push_back(pools_[p].name + "-" + std::to_string(i));
    }
    total_gpus_ += pools_[p].capacity.gpus * pools_[p].count;
    max_gpus = std::max(max_gpus, pools_[p].capacity.gpus);
  }
  requested_.assign(pool_of_.size(), Resources{});
  nodes_by_free_gpus_.assign(static_cast<std::size_t>(max_gpus) + 1, 0);
  for (NodeIndex n = 0; n < pool_of_.size(); ++n) count_free_gpus(n, +1);
}

void Cluster::count_free_gpus(NodeIndex n, int delta) {
  nodes_by_free_gpus_[static_cast<std::size_t>(free(n).gpus)] += delta;
}

void Cluster::allocate(NodeIndex n, const Resources& r) {
  count_free_gpus(n, -1);
  requested_[n] += r;
  assert(requested_[n].fits_in(allocatable(n)));
  count_free_gpus(n, +1);
  allocated_gpus_ += r.gpus;
}

void Cluster::release(NodeIndex n, const Resources& r) {
  count_free_gpus(n, -1);
  requested_[n] -= r;
  assert(requested_[n].cpu_milli >= 0 && requested_[n].memory_bytes >= 0 && requested_[n].gpus >= 0);
  count_free_gpus(n, +1);
  allocated_gpus_ -= r.gpus;
}

std::int64_t Cluster::max_free_gpus_on_a_node() const {
  for (std::size_t k = nodes_by_free_gpus_.size(); k-- > 0;) {
    if (nodes_by_free_gpus_[k] > 0) return static_cast<std::int64_t>(k);
  }
  return 0;
}

}  // namespace kubetwin::models
