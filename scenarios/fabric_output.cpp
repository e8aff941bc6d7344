#include "scenarios/fabric_output.hpp"

#include <algorithm>
#include <ostream>
#include <set>

#include "sim/json_writer.hpp"

namespace kubetwin::scenarios {

std::string fabric_label_value(std::string name) {
  std::replace(name.begin(), name.end(), '/', '.');
  return name;
}

void write_fabric_json(std::ostream& out, const models::FabricSpec& spec, const models::FabricIndex& index,
                       const models::Cluster& cluster, double efficiency) {
  const models::Fabric& fabric = index.fabric();
  int cores = 0;
  std::vector<int> spines(static_cast<std::size_t>(index.blocks()), 0);
  for (models::VertexId v = 0; v < fabric.vertex_count(); ++v) {
    const models::VertexInfo& info = fabric.vertex(v);
    if (info.kind == models::VertexKind::Core) ++cores;
    if (info.kind != models::VertexKind::Spine) continue;
    for (int b = 0; b < index.blocks(); ++b) {
      if (index.block_name(b) == info.block) ++spines[static_cast<std::size_t>(b)];
    }
  }
  std::string text;
  {
    sim::JsonObjectWriter head(text);
    head.field("kind", spec.kind == models::FabricKind::RailOptimized ? "railOptimized" : "fatTree")
        .field("planes", spec.planes)
        .field("gpusPerNode", index.gpus_per_node())
        .field("nicBytesPerSecond", index.nic_rate())
        .field("efficiency", efficiency)
        .field("cores", cores);
    // Left open: the lists follow, one entry per line, so a 1,000-node fabric stays readable.
  }
  text += ",\n\"blocks\": [";
  for (int b = 0; b < index.blocks(); ++b) {
    text += b == 0 ? "\n" : ",\n";
    sim::JsonObjectWriter(text)
        .field("name", fabric_label_value(index.block_name(b)))
        .field("spines", spines[static_cast<std::size_t>(b)])
        .field("coreBytesPerSecond", index.capacity(index.block_up(b)))
        .close();
  }
  text += "\n],\n\"leaves\": [";
  for (int l = 0; l < index.leaves(); ++l) {
    text += l == 0 ? "\n" : ",\n";
    sim::JsonObjectWriter(text)
        .field("name", fabric_label_value(fabric.vertex(index.leaf_vertex(l)).name))
        .field("block", index.block_of_leaf(l))
        .field("spineBytesPerSecond", index.capacity(index.leaf_up(l)))
        .close();
  }
  text += "\n],\n\"servers\": [";
  for (int n = 0; n < index.nodes(); ++n) {
    std::set<int> leaves;
    for (int d = 0; d < index.gpus_per_node(); ++d) leaves.insert(index.gpu_leaf(n, d));
    std::string list = "[";
    for (int l : leaves) list += (list.size() > 1 ? "," : "") + std::to_string(l);
    text += n == 0 ? "\n" : ",\n";
    sim::JsonObjectWriter(text)
        .field("node", cluster.node_name(static_cast<models::NodeIndex>(n)))
        .raw_field("leaves", list + "]")
        .close();
  }
  text += "\n]}\n";
  out << text;
}

void append_fabric_usage(std::string& out, double t, std::string_view job, bool started,
                         std::span<const models::ResourceDemand> crossed, const models::FabricContention& contention) {
  std::string resources = "[", loads = "[";
  for (const models::ResourceDemand& d : crossed) {
    if (resources.size() > 1) {
      resources += ',';
      loads += ',';
    }
    resources += std::to_string(d.resource);
    loads += '[';
    sim::append_json_number(loads, contention.load(d.resource));
    loads += ',';
    sim::append_json_number(loads, contention.demand(d.resource));
    loads += ']';
  }
  sim::JsonObjectWriter w(out);
  w.field("t", t).field("job", job).field("change", started ? "start" : "end").raw_field("resources", resources + "]")
      .raw_field("load", loads + "]");
  w.close();
  out += '\n';
}

}  // namespace kubetwin::scenarios
