#pragma once
// Builders for the usual GPU cluster fabrics. Every server has `gpus_per_node` GPUs on an NVSwitch
// (or, with nvlink_domain_gpus > gpus_per_node, one NVSwitch domain per rack as in NVL72) and one
// NIC per GPU (the GPU's rail) behind PCIe. The scale-out network is a leaf/spine fabric per pod
// with a core layer joining pods:
//   - RailOptimized: in each pod, one leaf per rail; NIC k of every server goes to rail leaf k.
//   - FatTree (classic): all NICs of a server on one leaf, `nodes_per_leaf` servers per leaf.
// Every leaf links to every spine of its pod and every spine to every core; uplink capacity is the
// downlink capacity divided by the oversubscription. With several planes each NIC splits its rate
// over one port per plane and every plane has its own leaves, spines and cores.

#include <string>

#include "models/hardware/gpu_catalog.hpp"
#include "models/topology/fabric.hpp"

namespace kubetwin::models {

enum class FabricKind { RailOptimized, FatTree };

struct FabricSpec {
  FabricKind kind = FabricKind::RailOptimized;
  int nodes = 1;
  int gpus_per_node = 8;
  std::string gpu_model = "H100-SXM-80GB";
  /// GPUs in one NVLink domain: gpus_per_node (HGX) or a multiple of it (72: NVL72 racks).
  int nvlink_domain_gpus = 8;
  double nvlink_bandwidth = 0;          ///< bytes/s per GPU per direction; 0: the catalog's figure
  double nic_bandwidth = 400e9 / 8;     ///< bytes/s per NIC per direction (400 Gb/s)
  double pcie_bandwidth = 64e9;         ///< GPU to NIC, bytes/s per direction (PCIe Gen5 x16)
  int nodes_per_pod = 32;               ///< servers under one spine block (a scalable unit)
  int nodes_per_leaf = 4;               ///< FatTree only
  int spines_per_pod = 0;               ///< 0: one per leaf of the pod, at most a leaf's uplink ports
  int cores = 0;                        ///< 0: as many as a pod has spines (only with several pods)
  double oversubscription = 1.0;        ///< leaf downlink : uplink capacity (2 for "2:1")
  int planes = 1;
  double nvlink_latency = 1e-6;         ///< per link, seconds
  double pcie_latency = 0.5e-6;
  double network_latency = 1e-6;        ///< per NIC-leaf, leaf-spine or spine-core link

  int pods() const { return (nodes + nodes_per_pod - 1) / nodes_per_pod; }
};

/// Builds the fabric; GPUs are named "node<i>/gpu<k>" and added node by node. Throws
/// std::invalid_argument on an inconsistent spec (load_fabric_spec reports those as input errors)
/// and when the GPU model is unknown.
Fabric build_fabric(const FabricSpec& spec, const GpuCatalog& catalog = GpuCatalog::builtin());

/// The problems of `spec` (empty: buildable), one sentence each.
std::vector<std::string> check_fabric_spec(const FabricSpec& spec, const GpuCatalog& catalog = GpuCatalog::builtin());

}  // namespace kubetwin::models
