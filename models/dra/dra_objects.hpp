#pragma once
// The resource.k8s.io/v1 objects of Dynamic Resource Allocation, in the fields kubetwin models
// (docs/dra.md): DeviceClass, ResourceSlice with its devices, ResourceClaim and
// ResourceClaimTemplate (spec.devices.requests[].exactly), and the claim's status (allocation
// results and reservedFor).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/dra/cel_selector.hpp"
#include "models/dra/device_values.hpp"

namespace kubetwin::models::dra {

/// One device of a ResourceSlice. Attribute and capacity names are qualified names
/// ("gpu.nvidia.com/model"), or bare ("model") for the slice driver's domain.
struct Device {
  std::string name;
  std::vector<std::pair<std::string, AttributeValue>> attributes;
  std::vector<std::pair<std::string, DeviceQuantity>> capacity;
};

/// A node's devices from one driver. Every device is identified by <driver>/<pool>/<device>.
struct ResourceSlice {
  std::string driver;
  std::string pool;  ///< empty: the node's name (what node-local drivers publish)
  std::vector<Device> devices;
};

struct DeviceClass {
  std::string name;
  std::vector<CelSelector> selectors;  ///< all must match
};

enum class AllocationMode { ExactCount, All };

/// One entry of spec.devices.requests, with its `exactly` part (firstAvailable is not modelled).
struct DeviceRequest {
  std::string name;
  std::string device_class_name;
  std::vector<CelSelector> selectors;  ///< in addition to the class's
  AllocationMode allocation_mode = AllocationMode::ExactCount;
  std::int64_t count = 1;  ///< with ExactCount
};

/// One entry of spec.devices.constraints: every device allocated for the listed requests (all of
/// the claim's requests when the list is empty) must carry attribute `match_attribute` (a fully
/// qualified name, "domain/id") with one and the same value, e.g. a GPU and a NIC on one NUMA node.
struct DeviceConstraint {
  std::vector<std::string> requests;
  std::string match_attribute;
};

struct ResourceClaimSpec {
  std::vector<DeviceRequest> requests;
  std::vector<DeviceConstraint> constraints = {};
};

/// The value of `device`'s attribute `qualified` ("domain/id"), published by `driver` (a bare
/// attribute name in the slice is in the driver's domain); nullptr if it has none.
inline const AttributeValue* find_attribute(const Device& device, std::string_view driver, std::string_view qualified) {
  const auto wanted = split_qualified_name(qualified, driver);
  for (const auto& a : device.attributes) {
    if (split_qualified_name(a.first, driver) == wanted) return &a.second;
  }
  return nullptr;
}

/// A pod that uses a claim: its job's submission sequence number and its index in the job.
struct PodRef {
  std::uint64_t job = 0;
  std::size_t pod = 0;
  bool operator==(const PodRef&) const = default;
};

/// status.allocation.devices.results[]: which device satisfied which request.
struct DeviceRequestAllocationResult {
  std::string request;
  std::string driver;
  std::string pool;
  std::string device;
};

struct AllocationResult {
  NodeIndex node = 0;  ///< allocation.nodeSelector, reduced to the one node the devices are on
  std::vector<DeviceRequestAllocationResult> results;
};

struct ResourceClaimStatus {
  std::optional<AllocationResult> allocation;
  std::vector<PodRef> reserved_for;  ///< pods bound with the claim (PreBind)
};

struct ResourceClaim {
  std::string name;
  ResourceClaimSpec spec;
  ResourceClaimStatus status;
};

struct ResourceClaimTemplate {
  std::string name;
  ResourceClaimSpec spec;  ///< spec.spec of the template
};

}  // namespace kubetwin::models::dra
