#pragma once
// Builders for GPU-sharing tests: nodes with given free milli-GPU per device, pod shapes.

#include <cstdint>
#include <initializer_list>

#include "models/gpushare/gpu_share_node.hpp"

namespace kubetwin::models::gpushare::testing {

/// A node with `cpu` free milli-cores, the given free milli on each device, GPU model bit `model`.
inline GpuShareNode gpu_node(std::int64_t cpu, std::initializer_list<int> gpu_free, int model = 0,
                             std::int64_t memory = 1 << 20, std::uint8_t tags = 0) {
  GpuShareNode n;
  n.cpu_free = cpu;
  n.memory_free = memory;
  n.model = model;
  n.tags = tags;
  for (int f : gpu_free) n.gpu_free[static_cast<std::size_t>(n.gpus++)] = f;
  return n;
}

}  // namespace kubetwin::models::gpushare::testing
