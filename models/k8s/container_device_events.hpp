#pragma once
// The typed records of events.jsonl for per-container accelerator access (docs/output-files.md):
// what each container sees when its pod starts, and its opens of devices not allocated to it.

#include <cstdint>
#include <string_view>

#include "sim/json_writer.hpp"

namespace kubetwin::models {

/// A container of a pod with a `containers` list started: the devices it can open.
struct ContainerDevicesEvent {
  static constexpr std::string_view kType = "ContainerDevices";
  std::string_view job, pod, container, node;
  std::string_view devices_json;  ///< a JSON array of device names ("nvidia0", "gpu-3")
  std::string_view gpus_json;     ///< a JSON array of the node's GPU numbers among them
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job)
        .field("pod", pod)
        .field("container", container)
        .field("node", node)
        .raw_field("devices", devices_json)
        .raw_field("gpus", gpus_json);
  }
};

/// A container tried to open a device not allocated to it (`held_by_json`: "<pod>/<container>" of
/// its holders, a JSON array).
struct DeviceAccessFields {
  std::string_view job, pod, container, node, device;
  std::int64_t gpu = -1;  ///< the node's GPU number; -1: not a GPU (left out)
  std::string_view held_by_json;
  void write_fields(sim::JsonObjectWriter& w) const {
    w.field("job", job)
        .field("pod", pod)
        .field("container", container)
        .field("node", node)
        .field("device", device);
    if (gpu >= 0) w.field("gpu", gpu);
    w.raw_field("heldBy", held_by_json);
  }
};

/// The runtime refused: `reason` NotAllocated, or NotFound for a device the node does not have.
struct DeviceAccessDeniedEvent : DeviceAccessFields {
  static constexpr std::string_view kType = "DeviceAccessDenied";
  std::string_view reason;
  void write(sim::JsonObjectWriter& w) const {
    write_fields(w);
    w.field("reason", reason);
  }
};

/// The container opened a device not allocated to it: only with the runtime fault exposeAllDevices.
struct DeviceAccessGrantedEvent : DeviceAccessFields {
  static constexpr std::string_view kType = "DeviceAccessGranted";
  void write(sim::JsonObjectWriter& w) const { write_fields(w); }
};

}  // namespace kubetwin::models
