#pragma once
// The readings NVIDIA's dcgm-exporter (one pod per GPU node) would report for each GPU, from the
// load the control plane actually placed on it:
// - DCGM_FI_DEV_GPU_UTIL (%): for each running pod holding the device, 100 x its share of the
//   device (1 for whole GPUs, gpuMilli / 1000 for shares) x how busy it keeps it: an inference
//   server's served rate over its capacity (inference_server_metrics), a perf-profile job's compute
//   part of its step ((step - network-bound part) / step, from the runtime model on its placement),
//   1 for any other job; summed over the pods, at most 100. Pods bound but not yet running add 0.
// - DCGM_FI_DEV_FB_USED / _FB_FREE (MiB): each running pod takes 90% of its share of the device's
//   memory (vLLM's default --gpu-memory-utilization; training frameworks' caching allocators fill
//   HBM likewise); free is the rest of the catalog's memory.
// - DCGM_FI_DEV_POWER_USAGE (W): idle + (TDP - idle) x utilization, idle = 10% of the catalog's
//   TDP. DCGM_FI_DEV_GPU_TEMP (C): 30 + 50 x power / TDP (steady state, no thermal lag).
// - DCGM_FI_PROF_NVLINK_TX_BYTES / _RX_BYTES (bytes/s): only where the model knows them: 0 on an
//   idle device; for a job with a simple perf profile whose GPUs all sit on one node, the bytes its
//   collective sends per rank per step (ring: all-reduce 2(n-1)/n x bytes, the others (n-1)/n x
//   bytes) over the step time, the same received. Otherwise (training-model jobs, jobs across
//   nodes, inference servers) the series is left out for that scrape. GPUs without NVLink never
//   report it.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/perf/job_runtime_model.hpp"

namespace kubetwin::models {

struct GpuReading {
  int gpu = 0;
  double utilization = 0;  ///< percent
  double fb_used_mib = 0, fb_free_mib = 0;
  double power_watts = 0, temperature_c = 0;
  std::optional<double> nvlink_bytes_per_second;  ///< unset: the model does not know it
  /// The pod holding the device (the first bound, by submission order, when several share it).
  std::string pod, container;
};

struct NodeGpuReadings {
  NodeIndex node = 0;
  const GpuSpec* gpu = nullptr;
  std::vector<GpuReading> gpus;
};

/// "NVIDIA H100 80GB HBM3" for "H100-SXM-80GB", as nvidia-smi names the product.
std::string dcgm_model_name(const GpuSpec& gpu);
/// A stable, made-up "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" UUID for GPU `gpu` of `node`.
std::string gpu_uuid(std::string_view node, int gpu);
double gpu_power_watts(const GpuSpec& gpu, double utilization_percent);
double gpu_temperature_celsius(const GpuSpec& gpu, double power_watts);

class DcgmExporter {
 public:
  /// `serving_busy(seq)`: the busy fraction of the inference server running as pod `seq`, if it is one.
  using ServingBusy = std::function<std::optional<double>(std::uint64_t)>;
  DcgmExporter(const ControlPlane& control_plane, const JobRuntimeModel& runtime, const GpuCatalog& catalog)
      : cp_(control_plane), runtime_(runtime), catalog_(catalog) {}

  /// Readings of every GPU of every existing node whose pool has a catalog GPU model, by node.
  std::vector<NodeGpuReadings> read(const ServingBusy& serving_busy) const;

 private:
  const ControlPlane& cp_;
  const JobRuntimeModel& runtime_;
  const GpuCatalog& catalog_;
};

}  // namespace kubetwin::models
