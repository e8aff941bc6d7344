#include "models/topology/fabric_builder.hpp"

#include <algorithm>
#include <stdexcept>

namespace kubetwin::models {
namespace {

std::string str(int v) { return std::to_string(v); }

}  // namespace

std::vector<std::string> check_fabric_spec(const FabricSpec& s, const GpuCatalog& catalog) {
  std::vector<std::string> p;
  if (s.nodes < 1) p.push_back("nodes must be at least 1, got " + str(s.nodes));
  if (s.gpus_per_node < 1) p.push_back("gpusPerNode must be at least 1, got " + str(s.gpus_per_node));
  if (s.nodes_per_pod < 1) p.push_back("nodesPerPod must be at least 1, got " + str(s.nodes_per_pod));
  if (s.nodes_per_leaf < 1) p.push_back("nodesPerLeaf must be at least 1, got " + str(s.nodes_per_leaf));
  if (s.planes < 1) p.push_back("planes must be at least 1, got " + str(s.planes));
  if (s.spines_per_pod < 0 || s.cores < 0) p.push_back("spinesPerPod and cores must not be negative");
  if (!(s.oversubscription >= 1)) p.push_back("oversubscription must be at least 1 (downlink:uplink)");
  if (!(s.nic_bandwidth > 0) || !(s.pcie_bandwidth > 0) || s.nvlink_bandwidth < 0)
    p.push_back("bandwidths must be positive");
  if (s.gpus_per_node >= 1 && (s.nvlink_domain_gpus < s.gpus_per_node || s.nvlink_domain_gpus % s.gpus_per_node != 0))
    p.push_back("nvlinkDomainGpus (" + str(s.nvlink_domain_gpus) + ") must be a multiple of gpusPerNode (" +
                str(s.gpus_per_node) + ")");
  const GpuSpec* gpu = catalog.find(s.gpu_model);
  if (gpu == nullptr) {
    p.push_back("unknown GPU model " + s.gpu_model + " (known: " + catalog.names() + ")");
  } else if (s.nvlink_bandwidth == 0 && gpu->nvlink_bandwidth <= 0) {
    p.push_back(s.gpu_model + " has no NVLink; give nvlinkBandwidth");
  }
  return p;
}

Fabric build_fabric(const FabricSpec& s, const GpuCatalog& catalog) {
  if (auto problems = check_fabric_spec(s, catalog); !problems.empty()) throw std::invalid_argument(problems.front());
  const double nvlink = s.nvlink_bandwidth > 0 ? s.nvlink_bandwidth : catalog.find(s.gpu_model)->nvlink_bandwidth_per_direction();
  const bool rails = s.kind == FabricKind::RailOptimized;
  const int pods = s.pods();
  const int node_pod = std::min(s.nodes, s.nodes_per_pod);
  const int leaves_per_pod = rails ? s.gpus_per_node : (node_pod + s.nodes_per_leaf - 1) / s.nodes_per_leaf;
  const double port = s.nic_bandwidth / s.planes;  // each NIC port, one per plane
  // Leaf downlink capacity: one port per GPU of the servers below it.
  const int down_ports = rails ? node_pod : std::min(s.nodes_per_leaf, node_pod) * s.gpus_per_node;
  const double leaf_down = port * down_ports;
  // By default a spine per leaf of the pod, but no more than the leaf has uplink ports of the NIC
  // rate (a leaf over two servers cannot reach eight spines with full-rate cables).
  const int up_ports = std::max(1, static_cast<int>(down_ports / s.oversubscription));
  const int spines = s.spines_per_pod > 0 ? s.spines_per_pod : std::min(leaves_per_pod, up_ports);
  const int cores = pods > 1 ? (s.cores > 0 ? s.cores : spines) : 0;
  const double leaf_up_each = leaf_down / s.oversubscription / spines;
  const double spine_down = leaf_up_each * leaves_per_pod;
  const double spine_up_each = cores > 0 ? spine_down / cores : 0;  // the core layer is not oversubscribed

  Fabric f;
  // Switches first, plane by plane, so that names and indices do not depend on the node count.
  std::vector<std::vector<std::vector<VertexId>>> leaf(s.planes, std::vector<std::vector<VertexId>>(pods));
  for (int pl = 0; pl < s.planes; ++pl) {
    const std::string plane = s.planes > 1 ? "plane" + str(pl) + "/" : "";
    std::vector<VertexId> core;
    for (int c = 0; c < cores; ++c) core.push_back(f.add_vertex(VertexKind::Core, plane + "core" + str(c)));
    for (int p = 0; p < pods; ++p) {
      const std::string block = plane + "pod" + str(p);
      std::vector<VertexId> spine;
      for (int k = 0; k < spines; ++k) {
        spine.push_back(f.add_vertex(VertexKind::Spine, block + "/spine" + str(k)));
        f.set_block(spine.back(), block);
        for (VertexId c : core) f.add_link(spine.back(), c, spine_up_each, s.network_latency, LinkKind::Network);
      }
      for (int l = 0; l < leaves_per_pod; ++l) {
        const VertexId v = f.add_vertex(VertexKind::Leaf, block + (rails ? "/rail" : "/leaf") + str(l));
        f.set_block(v, block);
        for (VertexId sp : spine) f.add_link(v, sp, leaf_up_each, s.network_latency, LinkKind::Network);
        leaf[pl][p].push_back(v);
      }
    }
  }
  const int nodes_per_domain = s.nvlink_domain_gpus / s.gpus_per_node;
  VertexId nvswitch = kNoVertex;
  for (int n = 0; n < s.nodes; ++n) {
    const std::string node = "node" + str(n);
    if (n % nodes_per_domain == 0) {
      const std::string name = nodes_per_domain == 1 ? node + "/nvswitch" : "rack" + str(n / nodes_per_domain) + "/nvswitch";
      nvswitch = f.add_vertex(VertexKind::NvSwitch, name, nodes_per_domain == 1 ? n : -1);
    }
    const int pod = n / s.nodes_per_pod, in_pod = n % s.nodes_per_pod;
    for (int g = 0; g < s.gpus_per_node; ++g) {
      const VertexId gpu = f.add_vertex(VertexKind::Gpu, node + "/gpu" + str(g), n);
      f.add_link(gpu, nvswitch, nvlink, s.nvlink_latency, LinkKind::NvLink);
      const VertexId nic = f.add_nic(node + "/nic" + str(g), gpu, n);
      f.add_link(gpu, nic, s.pcie_bandwidth, s.pcie_latency, LinkKind::Pcie);
      const int l = rails ? g : in_pod / s.nodes_per_leaf;
      for (int pl = 0; pl < s.planes; ++pl) f.add_link(nic, leaf[pl][pod][l], port, s.network_latency, LinkKind::Network);
    }
  }
  return f;
}

}  // namespace kubetwin::models
