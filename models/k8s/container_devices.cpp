#include "models/k8s/container_devices.hpp"

#include <algorithm>

#include "models/dra/dra_state.hpp"
#include "models/k8s/control_plane.hpp"

namespace kubetwin::models {

namespace {

void add_once(std::vector<NodeDevice>& list, const NodeDevice& d) {
  if (std::find(list.begin(), list.end(), d) == list.end()) list.push_back(d);
}

bool holds(std::span<const NodeDevice> list, const NodeDevice& d) {
  return std::find(list.begin(), list.end(), d) != list.end();
}

}  // namespace

std::vector<ContainerDevices> assign_to_containers(const PodGroupSpec& pod,
                                                   const PodDevices& devices) {
  if (pod.containers.empty()) {
    ContainerDevices only{pod.name, {}};
    for (const auto& d : devices.plugin_gpus) add_once(only.devices, d);
    for (const auto& [entry, list] : devices.claims) {
      for (const auto& d : list) add_once(only.devices, d);
    }
    return {only};
  }
  std::vector<ContainerDevices> out;
  std::size_t next_gpu =
      0;  // whole GPUs are handed out in container order, as the device manager does
  for (const ContainerSpec& c : pod.containers) {
    ContainerDevices cd{c.name, {}};
    if (c.gpu_milli > 0) {
      for (const auto& d : devices.plugin_gpus)
        add_once(cd.devices, d);  // the pod's one shared GPU
    }
    for (std::int64_t g = 0; g < c.gpus && next_gpu < devices.plugin_gpus.size(); ++g) {
      add_once(cd.devices, devices.plugin_gpus[next_gpu++]);
    }
    for (const std::string& ref : c.claims) {
      for (const auto& [entry, list] : devices.claims) {
        if (entry != ref) continue;
        for (const auto& d : list) add_once(cd.devices, d);
      }
    }
    out.push_back(std::move(cd));
  }
  return out;
}

std::vector<DeviceAccess> resolve_access(std::size_t container,
                                         std::span<const std::string> attempts,
                                         std::span<const NodeDevice> allocated,
                                         std::span<const NodeDevice> node_devices,
                                         const ContainerRuntimeConfig& runtime) {
  std::vector<NodeDevice> targets, missing;
  for (const std::string& name : attempts) {
    if (name == "all") {
      for (const auto& d : node_devices) add_once(targets, d);
      continue;
    }
    auto it = std::find_if(node_devices.begin(), node_devices.end(),
                           [&](const NodeDevice& d) { return d.name == name; });
    if (it != node_devices.end()) {
      add_once(targets, *it);
    } else {
      add_once(missing, NodeDevice{name, -1});
    }
  }
  std::vector<DeviceAccess> out;
  for (const auto& d : targets) {
    if (holds(allocated, d)) continue;  // its own device: an ordinary open
    out.push_back({container, d, runtime.expose_all_devices, true});
  }
  for (const auto& d : missing) out.push_back({container, d, false, false});
  return out;
}

std::vector<NodeDevice> KubeletDevices::node_devices(NodeIndex node) const {
  std::vector<NodeDevice> out;
  const std::int64_t plugin_gpus = cp_.cluster().allocatable(node).gpus;
  for (std::int64_t g = 0; g < plugin_gpus; ++g) out.push_back({"nvidia" + std::to_string(g), g});
  // DRA GPUs (drivers "gpu.*") are numbered in the order the node publishes them, as Scheduled.gpus
  // does.
  std::int64_t dra_gpu = 0;
  for (const dra::DeviceSlot& slot : dra_.devices_on(node)) {
    const bool gpu = dra_.driver(slot.shape_device).starts_with("gpu.");
    out.push_back({dra_.device(slot.shape_device).name, gpu ? dra_gpu++ : -1});
  }
  return out;
}

PodDevices KubeletDevices::pod_devices(const JobState& job, std::size_t pod) const {
  PodDevices out;
  for (DeviceIndex d : job.pod_devices[pod])
    out.plugin_gpus.push_back({"nvidia" + std::to_string(d), d});
  const PodGroupSpec& spec = job.group_of(pod);
  if (spec.resource_claims.empty()) return out;
  const std::vector<NodeDevice> on_node = node_devices(job.pod_nodes[pod]);
  const auto dra_begin = on_node.begin() + cp_.cluster().allocatable(job.pod_nodes[pod]).gpus;
  for (const PodResourceClaim& entry : spec.resource_claims) {
    const dra::ClaimId id = entry.resource_claim_name.empty()
                                ? dra_.generated_claim({job.seq, pod}, entry.name)
                                : dra_.find_claim(entry.resource_claim_name);
    std::vector<NodeDevice> list;
    if (id != dra::kNoClaim && dra_.claim(id).status.allocation) {
      for (const auto& r : dra_.claim(id).status.allocation->results) {
        auto it = std::find_if(dra_begin, on_node.end(),
                               [&](const NodeDevice& d) { return d.name == r.device; });
        list.push_back(it != on_node.end() ? *it : NodeDevice{r.device, -1});
      }
    }
    out.claims.emplace_back(entry.name, std::move(list));
  }
  return out;
}

std::vector<std::string> KubeletDevices::holders(NodeIndex node, const NodeDevice& device) const {
  std::vector<std::string> out;
  for (const auto& [seq, job] : cp_.live_jobs()) {
    for (std::size_t p = 0; p < job.pod_nodes.size(); ++p) {
      if (job.pod_nodes[p] != node) continue;
      for (const ContainerDevices& c : assign_to_containers(job.group_of(p), pod_devices(job, p))) {
        if (holds(c.devices, device)) out.push_back(job.pod_name(p) + "/" + c.container);
      }
    }
  }
  std::sort(out.begin(), out.end());  // live_jobs() is unordered
  return out;
}

KubeletDevices::PodStart KubeletDevices::start_pod(const JobState& job, std::size_t pod) const {
  PodStart out;
  const PodGroupSpec& spec = job.group_of(pod);
  out.allocated = assign_to_containers(spec, pod_devices(job, pod));
  const std::vector<NodeDevice> on_node = node_devices(job.pod_nodes[pod]);
  out.visible = out.allocated;
  if (runtime_.expose_all_devices) {
    for (ContainerDevices& c : out.visible) c.devices = on_node;
  }
  for (std::size_t c = 0; c < spec.containers.size(); ++c) {
    for (DeviceAccess& a : resolve_access(c, spec.containers[c].device_access_attempts,
                                          out.allocated[c].devices, on_node, runtime_)) {
      out.accesses.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace kubetwin::models
