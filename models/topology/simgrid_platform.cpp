#include "models/topology/simgrid_platform.hpp"

#include <simgrid/s4u.hpp>
#include <unordered_map>

namespace kubetwin::models {

namespace sg4 = simgrid::s4u;

ExportedPlatform export_to_simgrid(const Fabric& fabric, const PlatformExportOptions& options) {
  ExportedPlatform out;
  out.gpus = options.gpus.empty() ? fabric.gpus() : options.gpus;
  // A full zone: routes are given explicitly, so SimGrid does no path finding of its own.
  out.zone = sg4::create_full_zone(options.zone_name);
  if (options.parent != nullptr) out.zone->set_parent(options.parent);
  for (VertexId g : out.gpus) out.hosts.push_back(out.zone->create_host(fabric.vertex(g).name, 1e9)->seal());

  std::unordered_map<std::size_t, sg4::Link*> links;  // fabric link index -> SimGrid link
  auto link_for = [&](std::size_t index) {
    auto it = links.find(index);
    if (it != links.end()) return it->second;
    const LinkInfo& l = fabric.link(index);
    const double scale = l.kind == LinkKind::NvLink ? options.nvlink_scale : options.network_scale;
    // Split duplex: the two directions do not share capacity, as on real full-duplex links.
    sg4::Link* link = out.zone->create_split_duplex_link("link" + std::to_string(index), l.bandwidth * scale)
                          ->set_latency(l.latency)
                          ->seal();
    return links.emplace(index, link).first->second;
  };
  for (std::size_t i = 0; i < out.gpus.size(); ++i) {
    for (std::size_t j = 0; j < out.gpus.size(); ++j) {
      if (i == j) continue;
      const Route r = fabric.route(out.gpus[i], out.gpus[j]);
      std::vector<sg4::LinkInRoute> hops;
      for (DirectedLink d : r.links) {
        hops.emplace_back(link_for(d / 2), d % 2 == 0 ? sg4::LinkInRoute::Direction::UP : sg4::LinkInRoute::Direction::DOWN);
      }
      // Not symmetrical: the reverse route is its own ECMP choice.
      out.zone->add_route(out.hosts[i]->get_netpoint(), out.hosts[j]->get_netpoint(), nullptr, nullptr, hops, false);
    }
  }
  out.zone->seal();
  out.links = links.size();
  return out;
}

}  // namespace kubetwin::models
