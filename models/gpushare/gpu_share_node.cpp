#include "models/gpushare/gpu_share_node.hpp"

#include <algorithm>
#include <cassert>

namespace kubetwin::models::gpushare {

PodTag PodShape::tag() const {
  if (num_gpu == 0) return PodTag::None;
  if (fractional()) return PodTag::ShareGpu;
  switch (num_gpu) {
    case 1: return PodTag::OneGpu;
    case 2: return PodTag::TwoGpu;
    case 4: return PodTag::FourGpu;
    case 8: return PodTag::EightGpu;
    default: return PodTag::Other;
  }
}

int GpuShareNode::free_gpu_milli() const {
  int sum = 0;
  for (int i = 0; i < gpus; ++i) sum += gpu_free[static_cast<std::size_t>(i)];
  return sum;
}

int GpuShareNode::fully_free_gpus() const { return gpus_with_free(kMilliPerGpu); }

int GpuShareNode::gpus_with_free(int milli) const {
  int n = 0;
  for (int i = 0; i < gpus; ++i) n += gpu_free[static_cast<std::size_t>(i)] >= milli;
  return n;
}

bool GpuShareNode::fits(const PodShape& pod) const {
  if (pod.cpu_milli > cpu_free || pod.memory_mib > memory_free) return false;
  if (pod.cpu_only()) return true;
  if ((pod.models & (ModelMask{1} << model)) == 0) return false;
  return gpus_with_free(pod.gpu_milli) >= pod.num_gpu;
}

GpuChoice lowest_fully_free(const GpuShareNode& node, int n) { return tightest_devices(node, n, kMilliPerGpu); }

GpuChoice tightest_device(const GpuShareNode& node, int milli) {
  if (node.gpus_with_free(milli) == 0) return {};
  return tightest_devices(node, 1, milli);
}

GpuChoice tightest_devices(const GpuShareNode& node, int n, int milli) {
  std::array<int, kMaxGpusPerNode> order{};
  int feasible = 0;
  for (int i = 0; i < node.gpus; ++i) {
    if (node.gpu_free[static_cast<std::size_t>(i)] >= milli) order[static_cast<std::size_t>(feasible++)] = i;
  }
  std::stable_sort(order.begin(), order.begin() + feasible, [&](int a, int b) {
    return node.gpu_free[static_cast<std::size_t>(a)] < node.gpu_free[static_cast<std::size_t>(b)];
  });
  assert(feasible >= n);
  GpuChoice c;
  c.count = std::min(n, feasible);
  for (int k = 0; k < c.count; ++k) c.devices[static_cast<std::size_t>(k)] = order[static_cast<std::size_t>(k)];
  return c;
}

void place(GpuShareNode& node, const PodShape& pod, const GpuChoice& devices) {
  node.cpu_free -= pod.cpu_milli;
  node.memory_free -= pod.memory_mib;
  for (int k = 0; k < devices.count; ++k) {
    int& f = node.gpu_free[static_cast<std::size_t>(devices.devices[static_cast<std::size_t>(k)])];
    f -= pod.gpu_milli;
    assert(f >= 0);
  }
  node.tags |= static_cast<std::uint8_t>(pod.tag());
  assert(node.cpu_free >= 0 && node.memory_free >= 0);
}

}  // namespace kubetwin::models::gpushare
