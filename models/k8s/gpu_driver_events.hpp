#pragma once
// The typed records of events.jsonl for GPU drivers (models/k8s/gpu_driver_stack.hpp;
// docs/output-files.md lists every field).

#include <cstdint>
#include <string_view>

#include "sim/json_writer.hpp"

namespace kubetwin::models {

/// Every node of `pool` got a new driver (in place).
struct DriverUpgradedEvent {
  static constexpr std::string_view kType = "DriverUpgraded";
  std::string_view pool;
  std::int64_t nodes;
  std::string_view from_driver, from_cuda, driver, cuda, toolkit;
  void write(sim::JsonObjectWriter& w) const {
    w.field("pool", pool).field("nodes", nodes).field("fromDriver", from_driver).field("fromCuda", from_cuda)
        .field("driver", driver).field("cuda", cuda);
    if (!toolkit.empty()) w.field("containerToolkit", toolkit);
  }
};

/// The validator found the pool's labels advertising other versions than those installed.
struct DriverDriftEvent {
  static constexpr std::string_view kType = "DriverDrift";
  std::string_view pool;
  std::int64_t nodes;
  std::string_view advertised_driver, advertised_cuda, advertised_toolkit, driver, cuda, toolkit;
  void write(sim::JsonObjectWriter& w) const {
    w.field("pool", pool).field("nodes", nodes).field("advertisedDriver", advertised_driver)
        .field("advertisedCuda", advertised_cuda);
    if (!advertised_toolkit.empty() || !toolkit.empty()) w.field("advertisedContainerToolkit", advertised_toolkit);
    w.field("driver", driver).field("cuda", cuda);
    if (!advertised_toolkit.empty() || !toolkit.empty()) w.field("containerToolkit", toolkit);
  }
};

/// GPU feature discovery relabelled the pool; its labels match the installed driver again.
struct DriverDriftResolvedEvent {
  static constexpr std::string_view kType = "DriverDriftResolved";
  std::string_view pool;
  std::int64_t nodes;
  std::string_view driver, cuda;
  double drift_seconds;
  void write(sim::JsonObjectWriter& w) const {
    w.field("pool", pool).field("nodes", nodes).field("driver", driver).field("cuda", cuda).field("driftSeconds", drift_seconds);
  }
};

/// The pod-start check of a pod that uses GPUs (or needs CUDA): "Compatible", "Incompatible"
/// (the pod fails) or "Unknown" (no known driver on the node; not a failure).
struct CudaCompatibilityEvent {
  static constexpr std::string_view kType = "CudaCompatibility";
  std::string_view job, pod, node, requires_cuda, driver, cuda, result;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("pod", pod).field("node", node);
    if (!requires_cuda.empty()) w.field("requiresCuda", requires_cuda);
    if (!driver.empty()) w.field("driver", driver).field("cuda", cuda);
    w.field("result", result);
  }
};

}  // namespace kubetwin::models
