#pragma once
// Which accelerators each container of a pod can open: the kubelet's device manager and DRA
// manager hand a container only what was allocated to it (the device-plugin GPUs it requested,
// the devices of the claims it references in resources.claims), and the container runtime makes
// exactly those visible. A container that tries to open another device (`ls /dev/nvidia*`,
// NVIDIA_VISIBLE_DEVICES=all) is refused. With the runtime fault `exposeAllDevices` (off by
// default) every container sees every device of its node and foreign opens succeed: the leak
// the conformance case secure_accelerator_access must catch (docs/scenario-format.md, docs/dra.md).

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

namespace dra {
class DraState;
}
class ControlPlane;
struct JobState;

/// A device on a node as a container opens it.
struct NodeDevice {
  std::string name;  ///< "nvidia<k>" for device-plugin GPU k; a DRA device's ResourceSlice name
  std::int64_t gpu = -1;  ///< the node's GPU number (as in Scheduled.gpus); -1: not a GPU
  bool operator==(const NodeDevice&) const = default;
};

/// What the scheduler allocated to one pod on its node.
struct PodDevices {
  std::vector<NodeDevice> plugin_gpus;  ///< device-plugin GPUs (nvidia.com/gpu), in order
  /// The pod's claims by pod.spec.resourceClaims entry name, with their devices.
  std::vector<std::pair<std::string, std::vector<NodeDevice>>> claims;
};

/// The devices one container holds or sees.
struct ContainerDevices {
  std::string container;  ///< the container's name; a pod without containers: its group's name
  std::vector<NodeDevice> devices;
};

/// /containerRuntime: the node's container runtime (the same on every node).
struct ContainerRuntimeConfig {
  /// Fault, off by default: the runtime ignores allocations and exposes every device of the node to
  /// every container (as when NVIDIA_VISIBLE_DEVICES=all is honoured for unprivileged containers).
  bool expose_all_devices = false;
};

/// The devices allocated to each container of `pod`: whole device-plugin GPUs go to the containers
/// that requested them, in container order (a GPU share goes to every container with a share); a
/// claim's devices go to every container that references it; claims no container references go to
/// none. A pod without containers is one container holding everything.
std::vector<ContainerDevices> assign_to_containers(const PodGroupSpec& pod,
                                                   const PodDevices& devices);

/// One device a container tried to open that was not allocated to it.
struct DeviceAccess {
  std::size_t container = 0;  ///< index into the pod's containers
  NodeDevice device;
  bool granted = false;
  bool exists = true;  ///< false: the node has no such device (refused, whatever the runtime)
};

/// The opens of `attempts` (names, or "all": every device of the node) by one container holding
/// `allocated`, on a node with `node_devices`: devices the container holds are not reported; others
/// are refused, or granted when the runtime exposes all devices. Each device once, in node order
/// for "all", then in the order named.
std::vector<DeviceAccess> resolve_access(std::size_t container,
                                         std::span<const std::string> attempts,
                                         std::span<const NodeDevice> allocated,
                                         std::span<const NodeDevice> node_devices,
                                         const ContainerRuntimeConfig& runtime);

/// The kubelet's view of devices across the cluster, read from what the control plane and the DRA
/// state allocated: a node's devices, a pod's devices, and who holds a device.
class KubeletDevices {
 public:
  KubeletDevices(const ControlPlane& cp, const dra::DraState& dra, ContainerRuntimeConfig runtime)
      : cp_(cp), dra_(dra), runtime_(runtime) {}

  /// What a pod's containers get when it starts, and what their access attempts do.
  struct PodStart {
    std::vector<ContainerDevices> visible;  ///< per container: what it sees
    std::vector<ContainerDevices> allocated;
    std::vector<DeviceAccess> accesses;
  };
  PodStart start_pod(const JobState& job, std::size_t pod) const;

  /// Every device of `node`: its device-plugin GPUs, then its DRA devices in slice order.
  std::vector<NodeDevice> node_devices(NodeIndex node) const;
  /// What `pod` of `job` was allocated on its node.
  PodDevices pod_devices(const JobState& job, std::size_t pod) const;
  /// "<pod>/<container>" of every bound pod's container on `node` allocated `device`, sorted.
  std::vector<std::string> holders(NodeIndex node, const NodeDevice& device) const;
  const ContainerRuntimeConfig& runtime() const { return runtime_; }

 private:
  const ControlPlane& cp_;
  const dra::DraState& dra_;
  ContainerRuntimeConfig runtime_;
};

}  // namespace kubetwin::models
