#pragma once
// A pod's or node's resources, in the units Kubernetes accounts them in.

#include <cstdint>
#include <string>

namespace kubetwin::models {

/// The extended-resource name GPUs are requested under.
inline constexpr const char* kGpuResource = "nvidia.com/gpu";

struct Resources {
  std::int64_t cpu_milli = 0;
  std::int64_t memory_bytes = 0;
  std::int64_t gpus = 0;  ///< whole devices
  /// A share of one device, 1..999 milli-GPU (GPU sharing, as in the openb trace); 0 for pods
  /// that take whole devices or none. A pod has either `gpus` or `gpu_milli`, not both.
  std::int64_t gpu_milli = 0;

  /// CPU, memory and whole GPUs; a GPU share also needs a device with that much free, which
  /// only the node's device accounting (Cluster) can tell.
  bool fits_in(const Resources& free) const {
    return cpu_milli <= free.cpu_milli && memory_bytes <= free.memory_bytes && gpus <= free.gpus;
  }
  Resources& operator+=(const Resources& o) {
    cpu_milli += o.cpu_milli;
    memory_bytes += o.memory_bytes;
    gpus += o.gpus;
    gpu_milli += o.gpu_milli;
    return *this;
  }
  Resources& operator-=(const Resources& o) {
    cpu_milli -= o.cpu_milli;
    memory_bytes -= o.memory_bytes;
    gpus -= o.gpus;
    gpu_milli -= o.gpu_milli;
    return *this;
  }
  friend Resources operator+(Resources a, const Resources& b) { return a += b; }
  friend Resources operator-(Resources a, const Resources& b) { return a -= b; }
  Resources operator*(std::int64_t k) const { return {cpu_milli * k, memory_bytes * k, gpus * k, gpu_milli * k}; }
  /// GPU in milli-GPU, whole devices and shares together.
  std::int64_t total_gpu_milli() const { return gpus * 1000 + gpu_milli; }
  bool operator==(const Resources&) const = default;
};

}  // namespace kubetwin::models
