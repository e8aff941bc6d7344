#pragma once
// Export of a fabric to a SimGrid platform: one host per exported GPU, one split-duplex link per
// fabric link a route uses (each direction with the link's capacity), and explicit routes taken
// from Fabric::route, so SimGrid's flows follow exactly the paths (and ECMP choices) the analytic
// model uses. Routes are stored for every ordered pair of exported GPUs, so export the GPUs a
// study needs (a job's placement), not a 1,000-node fabric.

#include <string>
#include <vector>

#include "models/topology/fabric.hpp"

namespace simgrid::s4u {
class Host;
class NetZone;
}  // namespace simgrid::s4u

namespace kubetwin::models {

struct PlatformExportOptions {
  std::vector<VertexId> gpus;     ///< GPUs to export; empty: all of the fabric's
  double nvlink_scale = 1.0;      ///< capacity factor of NVLink links (achieved fraction of peak)
  double network_scale = 1.0;     ///< capacity factor of every other link
  std::string zone_name = "fabric";
  simgrid::s4u::NetZone* parent = nullptr;  ///< nullptr: the new zone is the platform's root
};

struct ExportedPlatform {
  simgrid::s4u::NetZone* zone = nullptr;
  std::vector<VertexId> gpus;                 ///< the exported GPUs
  std::vector<simgrid::s4u::Host*> hosts;     ///< hosts[i] stands for gpus[i] (named as the GPU)
  std::size_t links = 0;                      ///< SimGrid links created
};

/// Builds and seals the zone. Needs a live simgrid::s4u::Engine whose platform is still open.
ExportedPlatform export_to_simgrid(const Fabric& fabric, const PlatformExportOptions& options = {});

}  // namespace kubetwin::models
