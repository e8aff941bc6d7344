#pragma once
// What secure_accelerator_access and virtualized_accelerator share: the pools and pods of
// NVIDIA's TestSecureAcceleratorAccess (a ResourceClaimTemplate `single-accelerator`, pods whose
// container 0 alone references the claim, device-plugin pods with a GPU-less sidecar), and the
// check of per-container isolation read from a run's events (Scheduled, ContainerDevices,
// DeviceAccessDenied/Granted, the job ends).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conformance/case.hpp"

namespace kubetwin::conformance::cases::accelerator {

/// A DRA node pool: `count` nodes publishing `devices_per_node` devices named <device>-<i> from
/// driver gpu.nvidia.com with `attributes` and `memory`, tainted nvidia.com/gpu:NoSchedule.
nlohmann::json dra_pool(const std::string& name, int count, int devices_per_node,
                        const std::string& device, const nlohmann::json& attributes,
                        const std::string& memory);
/// A device-plugin node pool: `count` nodes with `gpus` nvidia.com/gpu each, and `labels`.
nlohmann::json plugin_pool(const std::string& name, int count, int gpus,
                           const nlohmann::json& labels);
/// The gpu.nvidia.com DeviceClass and the ResourceClaimTemplate `single-accelerator` (exactly 1).
nlohmann::json dra_objects();

/// A container: name, whole GPUs (device plugin), the pod's claims it references, device opens.
struct Container {
  std::string name;
  int gpus = 0;
  std::vector<std::string> claims;
  std::vector<std::string> attempts;
  int expect_visible = 0;  ///< devices it must see
};
/// One-pod jobs (10 min each) and what each of their containers must see.
struct Workload {
  nlohmann::json jobs = nlohmann::json::array();
  std::map<std::string, int> expected;  ///< "<job>/<container>" -> devices it must see
  /// A job on pool `pool`; with `claim` its pod has the resourceClaims entry "gpu" from the
  /// template single-accelerator. The pod requests its containers' GPUs.
  void add(const std::string& id, double submit, const std::string& pool, bool claim,
           const std::vector<Container>& containers);
};

/// Per-container isolation as a run showed it.
struct Isolation {
  int containers = 0;   ///< ContainerDevices events
  int wrong_count = 0;  ///< containers that saw other than their expected number of devices
  int saw_foreign = 0;  ///< containers that saw a GPU not allocated to their pod
  int denied = 0, denied_held = 0;  ///< foreign opens refused; of them, of devices another pod held
  int granted = 0,
      granted_held = 0;  ///< foreign opens that succeeded; of them, of devices another pod held
  int devices_allocated =
      0;  ///< devices in Scheduled events (claims' devices or device-plugin GPUs)
  std::map<std::string, int> visible;  ///< "<pod>/<container>" -> devices it saw
  std::vector<std::string> problems;   ///< "FAIL: ..." texts, the first of each kind
};
/// Reads `sim`'s events; `expected` maps "<job>/<container>" to the devices it must see.
Isolation check_isolation(const SimulationResult& sim, const std::map<std::string, int>& expected);

}  // namespace kubetwin::conformance::cases::accelerator
