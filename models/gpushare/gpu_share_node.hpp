#pragma once
// A node as the GPU-sharing scheduler sees it: free CPU and memory, and the free milli-GPU of each
// device (1000 = a whole GPU), so fractional pods can share one GPU (the "Open-Gpu-Share" model of
// the FGD paper's simulator).

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/gpushare/openb_trace.hpp"

namespace kubetwin::models::gpushare {

/// GPU models as bits, so a pod's allowed-model list is one mask.
using ModelMask = std::uint32_t;
inline constexpr ModelMask kAnyModel = ~ModelMask{0};

/// The shapes of GPU pods, for GpuClustering's grouping.
enum class PodTag : std::uint8_t { None = 0, ShareGpu = 1, OneGpu = 2, TwoGpu = 4, FourGpu = 8, EightGpu = 16, Other = 32 };

/// A pod reduced to what scheduling needs.
struct PodShape {
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  int num_gpu = 0;
  int gpu_milli = 0;
  ModelMask models = kAnyModel;  ///< allowed GPU models

  bool cpu_only() const { return num_gpu == 0; }
  bool fractional() const { return num_gpu == 1 && gpu_milli < kMilliPerGpu; }
  std::int64_t gpu_request() const { return static_cast<std::int64_t>(num_gpu) * gpu_milli; }
  PodTag tag() const;
};

struct GpuShareNode {
  std::int64_t cpu_free = 0;
  std::int64_t memory_free = 0;
  int gpus = 0;
  int model = 0;  ///< bit index in ModelMask
  std::array<int, kMaxGpusPerNode> gpu_free{};  ///< milli-GPU free on each device
  std::uint8_t tags = 0;  ///< PodTag bits of the GPU pods placed here

  int free_gpu_milli() const;
  int fully_free_gpus() const;
  /// Devices with at least `milli` free.
  int gpus_with_free(int milli) const;
  /// The Open-Gpu-Share filter plus CPU and memory fit.
  bool fits(const PodShape& pod) const;
};

/// Which devices a pod takes on a node (indices), chosen by a policy.
struct GpuChoice {
  std::array<int, kMaxGpusPerNode> devices{};
  int count = 0;
};

/// Lowest-index fully free devices, `n` of them (the node must have them).
GpuChoice lowest_fully_free(const GpuShareNode& node, int n);
/// For a fractional pod: the feasible device with the least free milli (first index on ties).
GpuChoice tightest_device(const GpuShareNode& node, int milli);
/// `n` devices with at least `milli` free, tightest first (least free, then lowest index). For
/// whole-GPU pods these are the lowest-index fully free devices; the node must have enough.
GpuChoice tightest_devices(const GpuShareNode& node, int n, int milli);

/// Applies `pod` on `devices` of `node`.
void place(GpuShareNode& node, const PodShape& pod, const GpuChoice& devices);

}  // namespace kubetwin::models::gpushare
