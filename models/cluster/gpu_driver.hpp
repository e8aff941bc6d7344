#pragma once
// The NVIDIA driver stack of a GPU node pool: the driver and CUDA driver API versions installed
// (what nvidia-smi reports) and the container toolkit, how GPU feature discovery (GFD) advertises
// them as node labels, and whether a workload needing a given CUDA version can run on them.
// The model that changes them over a run is models/k8s/gpu_driver_stack.hpp.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/cluster/cuda_version.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

/// What is installed on a node (or advertised for it).
struct DriverVersions {
  std::string driver;             ///< NVIDIA driver, "550.54.15"
  CudaVersion cuda;               ///< the CUDA driver API version the driver provides ("CUDA Version")
  std::string container_toolkit;  ///< nvidia-container-toolkit, "1.16.2"; empty: not stated
  bool operator==(const DriverVersions&) const = default;
};

/// The newest CUDA version driver `version` ("550.54.15") supports, from NVIDIA's table of the
/// minimum Linux driver per CUDA toolkit (CUDA Toolkit release notes, table 3: 12.4 needs
/// >= 550.54.14); nullopt if `version` is malformed or older than CUDA 11.8's 520.61.05.
std::optional<CudaVersion> max_cuda_for_driver(std::string_view version);

/// The pod-start check: a pod needing CUDA `required` runs where the installed CUDA version is at
/// least that (CUDA's backward compatibility); a node without known driver (an accelerator the
/// validator does not know) is Unknown, which is not a failure. No requirement on a known driver
/// is Compatible.
enum class CudaCompatibility { Compatible, Incompatible, Unknown };
const char* compatibility_name(CudaCompatibility c);  ///< "Compatible", "Incompatible", "Unknown"
CudaCompatibility check_cuda(const std::optional<DriverVersions>& installed, const std::optional<CudaVersion>& required);

/// GFD's labels (k8s-device-plugin v0.15+ names; the older nvidia.com/cuda.driver.major etc. are
/// written too, as GFD still does), plus kubetwin's own for the container toolkit, which GFD does
/// not label.
inline constexpr const char* kCudaDriverVersionFullLabel = "nvidia.com/cuda.driver-version.full";
inline constexpr const char* kCudaRuntimeVersionFullLabel = "nvidia.com/cuda.runtime-version.full";
inline constexpr const char* kCudaRuntimeVersionMajorLabel = "nvidia.com/cuda.runtime-version.major";
inline constexpr const char* kCudaRuntimeVersionMinorLabel = "nvidia.com/cuda.runtime-version.minor";
inline constexpr const char* kContainerToolkitLabel = "kubetwin.io/nvidia-container-toolkit.version";
/// Every label driver_labels() writes, for callers that remove them.
std::vector<std::string> driver_label_keys();
/// The labels GFD writes for `v`.
std::vector<std::pair<std::string, std::string>> driver_labels(const DriverVersions& v);
/// What node n's labels advertise; nullopt if it has no driver labels.
std::optional<DriverVersions> advertised_driver(const Cluster& cluster, NodeIndex n);
/// The node's advertised CUDA version is at least `required` (the required node affinity a pod
/// needing CUDA `required` carries: runtime-version.major Gt, or In and minor Gt). No labels: false.
bool advertised_cuda_satisfies(const Cluster& cluster, NodeIndex n, const CudaVersion& required);

/// /driverUpgrades entry: at `at`, every node of `pool` gets driver `to` (in place, all at once);
/// an empty `to.container_toolkit` keeps the toolkit the pool has then.
struct DriverUpgrade {
  std::size_t pool = 0;
  double at = 0;
  DriverVersions to;
};

/// /gpuFeatureDiscovery: GFD relabels every sleep_interval; with `oneshot` it labels once at node
/// start and exits (its --oneshot flag), so labels never follow a driver change.
struct GpuFeatureDiscoveryConfig {
  double sleep_interval = 60;  ///< GFD's --sleep-interval default
  bool oneshot = false;
};

struct GpuDriverConfig {
  std::vector<std::optional<DriverVersions>> pools;  ///< per node pool, in order; nullopt: unknown
  std::vector<DriverUpgrade> upgrades;
  GpuFeatureDiscoveryConfig discovery;
  /// A pool states its driver: the driver stack is modelled.
  bool any() const;
};

/// /platform/nodePools/i/driver of `pool`: {version, cudaVersion?, containerToolkitVersion?};
/// nullopt without it.
std::optional<DriverVersions> read_pool_driver(sim::StrictObject& pool);
/// /driverUpgrades, against the pools' names and drivers (an upgrade needs a pool with a driver).
std::vector<DriverUpgrade> read_driver_upgrades(sim::StrictObject& root, const std::vector<NodePoolSpec>& pools,
                                                const std::vector<std::optional<DriverVersions>>& drivers,
                                                std::vector<sim::JsonIssue>& issues);
/// /gpuFeatureDiscovery.
GpuFeatureDiscoveryConfig read_feature_discovery(sim::StrictObject& gfd);

}  // namespace kubetwin::models
