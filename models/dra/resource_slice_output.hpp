#pragma once
// resourceslices.json: the ResourceSlices every node publishes, as `kubectl get resourceslices -o
// json` lists them (resource.k8s.io/v1), so that what the devices are (a NIC's RDMA, NUMA node,
// PCI address, link speed; a GPU's model and memory) can be read from the run folder beside the
// devices that Scheduled events say each pod's claims got.

#include <iosfwd>

#include "models/cluster/cluster.hpp"
#include "models/dra/dra_state.hpp"

namespace kubetwin::models::dra {

/// A ResourceSliceList: one item per node, driver and pool, named "<node>-<driver>", with its
/// devices' attributes ({"int"|"bool"|"string"|"version": value}) and capacity ({"value":
/// quantity}) under their names as published. Nodes in index order, devices in slice order.
void write_resource_slices(std::ostream& out, const DraState& state, const Cluster& cluster);

}  // namespace kubetwin::models::dra
