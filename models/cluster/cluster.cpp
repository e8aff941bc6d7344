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
    const int existing = pools_[p].count;
    if (pools_[p].autoscaling) pools_[p].count = std::max(pools_[p].count, pools_[p].autoscaling->max_count);
    for (int i = 0; i < pools_[p].count; ++i) {
      pool_of_.push_back(p);
      names_.push_back(pools_[p].name + "-" + std::to_string(i));
      exists_.push_back(i < existing ? 1 : 0);
    }
    existing_nodes_ += static_cast<std::size_t>(existing);
    total_gpus_ += pools_[p].capacity.gpus * existing;
    max_gpus = std::max(max_gpus, pools_[p].capacity.gpus);
  }
  requested_.assign(pool_of_.size(), Resources{});
  for (NodeIndex n = 0; n < pool_of_.size(); ++n) {
    const auto gpus = static_cast<std::uint32_t>(allocatable(n).gpus);
    first_device_.push_back(static_cast<std::uint32_t>(device_free_.size()));
    device_free_.insert(device_free_.end(), gpus, static_cast<std::int16_t>(kMilliPerDevice));
    fully_free_.push_back(static_cast<std::int32_t>(gpus));
  }
  nodes_by_free_gpus_.assign(static_cast<std::size_t>(max_gpus) + 1, 0);
  for (NodeIndex n = 0; n < pool_of_.size(); ++n) count_free_gpus(n, +1);
}

void Cluster::count_free_gpus(NodeIndex n, int delta) {
  // A node that does not exist offers nothing: it counts as having no free GPU.
  nodes_by_free_gpus_[exists_[n] ? static_cast<std::size_t>(free(n).gpus) : 0] += delta;
}

void Cluster::add_node_taint(NodeIndex n, Taint taint) {
  if (node_taints_.empty()) node_taints_.resize(node_count());
  if (node_taints_[n].empty()) ++tainted_nodes_;
  node_taints_[n].push_back(std::move(taint));
}

void Cluster::remove_node_taints(NodeIndex n, std::string_view key) {
  if (node_taints_.empty() || node_taints_[n].empty()) return;
  std::erase_if(node_taints_[n], [&](const Taint& t) { return t.key == key; });
  if (node_taints_[n].empty()) --tainted_nodes_;
}

void Cluster::set_exists(NodeIndex n, bool exists) {
  if ((exists_[n] != 0) == exists) return;
  assert(exists || requested_[n] == Resources{});
  count_free_gpus(n, -1);
  exists_[n] = exists ? 1 : 0;
  count_free_gpus(n, +1);
  const std::int64_t gpus = allocatable(n).gpus;
  total_gpus_ += exists ? gpus : -gpus;
  if (exists) {
    ++existing_nodes_;
  } else {
    --existing_nodes_;
  }
}

int Cluster::max_device_free_milli(NodeIndex n) const {
  int best = 0;
  for (std::int16_t f : device_free(n)) best = std::max<int>(best, f);
  return best;
}

DeviceSet Cluster::allocate(NodeIndex n, const Resources& r, std::span<const DeviceIndex> devices) {
  count_free_gpus(n, -1);
  DeviceSet used;
  const auto count = static_cast<DeviceIndex>(allocatable(n).gpus);
  if (r.gpus > 0) {
    if (!devices.empty()) {
      assert(static_cast<std::int64_t>(devices.size()) == r.gpus);
      used.assign(devices.begin(), devices.end());
    } else {
      for (DeviceIndex d = 0; d < count && static_cast<std::int64_t>(used.size()) < r.gpus; ++d) {
        if (device(n, d) == kMilliPerDevice) used.push_back(d);
      }
    }
    assert(static_cast<std::int64_t>(used.size()) == r.gpus);
    for (DeviceIndex d : used) {
      assert(device(n, d) == kMilliPerDevice);
      device(n, d) = 0;
    }
    fully_free_[n] -= static_cast<std::int32_t>(used.size());
  } else if (r.gpu_milli > 0) {
    DeviceIndex chosen = count;
    if (!devices.empty()) {
      chosen = devices.front();
    } else {
      for (DeviceIndex d = 0; d < count; ++d) {
        if (device(n, d) >= r.gpu_milli && (chosen == count || device(n, d) < device(n, chosen))) chosen = d;
      }
    }
    assert(chosen < count && device(n, chosen) >= r.gpu_milli);
    if (device(n, chosen) == kMilliPerDevice) --fully_free_[n];
    device(n, chosen) = static_cast<std::int16_t>(device(n, chosen) - r.gpu_milli);
    used.push_back(chosen);
  }
  requested_[n] += r;
  assert(requested_[n].fits_in(allocatable(n)));
  count_free_gpus(n, +1);
  allocated_gpus_ += r.gpus;
  allocated_gpu_milli_ += r.total_gpu_milli();
  return used;
}

void Cluster::release(NodeIndex n, const Resources& r, std::span<const DeviceIndex> devices) {
  count_free_gpus(n, -1);
  assert((r.gpus == 0 && r.gpu_milli == 0) || !devices.empty());
  if (r.gpus > 0) {
    for (DeviceIndex d : devices) {
      assert(device(n, d) == 0);
      device(n, d) = kMilliPerDevice;
    }
    fully_free_[n] += static_cast<std::int32_t>(devices.size());
  } else if (r.gpu_milli > 0) {
    const DeviceIndex d = devices.front();
    device(n, d) = static_cast<std::int16_t>(device(n, d) + r.gpu_milli);
    assert(device(n, d) <= kMilliPerDevice);
    if (device(n, d) == kMilliPerDevice) ++fully_free_[n];
  }
  requested_[n] -= r;
  assert(requested_[n].cpu_milli >= 0 && requested_[n].memory_bytes >= 0 && requested_[n].gpus >= 0);
  count_free_gpus(n, +1);
  allocated_gpus_ -= r.gpus;
  allocated_gpu_milli_ -= r.total_gpu_milli();
}

std::optional<std::string_view> Cluster::node_label(NodeIndex n, std::string_view key) const {
  if (key == kHostnameLabel) return std::string_view(names_[n]);
  if (!node_labels_.empty()) {
    for (const auto& [k, v] : node_labels_[n]) {
      if (k == key) return std::string_view(v);
    }
    if (is_per_node_label(key)) return std::nullopt;
  }
  for (const auto& [k, v] : pools_[pool_of_[n]].labels) {  // a handful of labels: a scan is enough
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

void Cluster::set_pool_labels(std::size_t p, const std::vector<std::pair<std::string, std::string>>& labels) {
  assert(std::none_of(labels.begin(), labels.end(), [](const auto& l) { return is_per_node_label(l.first); }));
  for (const auto& [key, value] : labels) pools_[p].labels[key] = value;
}

void Cluster::set_node_labels(NodeIndex n, std::vector<std::pair<std::string, std::string>> labels) {
  assert(std::all_of(labels.begin(), labels.end(), [](const auto& l) { return is_per_node_label(l.first); }));
  if (node_labels_.empty()) node_labels_.resize(node_count());
  node_labels_[n] = std::move(labels);
}

std::int64_t Cluster::max_free_gpus_on_a_node() const {
  for (std::size_t k = nodes_by_free_gpus_.size(); k-- > 0;) {
    if (nodes_by_free_gpus_[k] > 0) return static_cast<std::int64_t>(k);
  }
  return 0;
}

}  // namespace kubetwin::models
