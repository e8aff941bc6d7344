#include "models/topology/fabric_file.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {
namespace {

using sim::Dimension;
using sim::JsonIssue;
using sim::Required;
using sim::StrictObject;

// "2:1" or a number: downlink over uplink capacity.
std::optional<double> read_ratio(StrictObject& o, std::string_view key) {
  const nlohmann::json* v = o.raw(key);
  if (v == nullptr) return std::nullopt;
  double ratio = -1;
  if (v->is_number()) {
    ratio = v->get<double>();
  } else if (v->is_string()) {
    const std::string s = v->get<std::string>();
    const auto colon = s.find(':');
    double down = 0, up = 0;
    if (colon != std::string::npos) {
      const char* b = s.data();
      const auto r1 = std::from_chars(b, b + colon, down);
      const auto r2 = std::from_chars(b + colon + 1, b + s.size(), up);
      if (r1.ec == std::errc() && r1.ptr == b + colon && r2.ec == std::errc() && r2.ptr == b + s.size() && up > 0)
        ratio = down / up;
    }
  }
  if (!(ratio >= 1)) {
    o.issue(key, "must be a downlink:uplink ratio of at least 1 such as \"2:1\" or a number, got " + v->dump());
    return std::nullopt;
  }
  return ratio;
}

}  // namespace

void read_fabric_object(StrictObject& root, FabricSpec& s, bool nodes_required, const GpuCatalog& catalog) {
  if (auto kind = root.enumeration("topology", {"railOptimized", "fatTree"}, Required::Yes))
    s.kind = *kind == "fatTree" ? FabricKind::FatTree : FabricKind::RailOptimized;
  s.nodes = static_cast<int>(root.integer("nodes", nodes_required ? Required::Yes : Required::No, 1, 1'000'000).value_or(s.nodes));
  s.gpus_per_node = static_cast<int>(root.integer("gpusPerNode", Required::No, 1, 1024).value_or(s.gpus_per_node));
  s.nvlink_domain_gpus = s.gpus_per_node;
  if (auto gpu = root.string("gpuModel")) {
    if (catalog.find(*gpu) == nullptr)
      root.issue("gpuModel", "unknown GPU model \"" + *gpu + "\" (known: " + catalog.names() + ")");
    else
      s.gpu_model = *gpu;
  }
  s.nvlink_domain_gpus =
      static_cast<int>(root.integer("nvlinkDomainGpus", Required::No, 1, 1'000'000).value_or(s.nvlink_domain_gpus));
  s.nvlink_bandwidth = root.quantity("nvlinkBandwidth", Dimension::Bandwidth, Required::No, 1).value_or(0);
  s.nic_bandwidth = root.quantity("nicBandwidth", Dimension::Bandwidth, Required::No, 1).value_or(s.nic_bandwidth);
  s.pcie_bandwidth = root.quantity("pcieBandwidth", Dimension::Bandwidth, Required::No, 1).value_or(s.pcie_bandwidth);
  s.nodes_per_pod = static_cast<int>(root.integer("nodesPerPod", Required::No, 1, 1'000'000).value_or(s.nodes_per_pod));
  if (root.has("nodesPerLeaf") && s.kind == FabricKind::RailOptimized)
    root.issue("nodesPerLeaf", "applies only to \"topology\": \"fatTree\" (rail-optimized pods have one leaf per rail)");
  s.nodes_per_leaf = static_cast<int>(root.integer("nodesPerLeaf", Required::No, 1, 1'000'000).value_or(s.nodes_per_leaf));
  s.spines_per_pod = static_cast<int>(root.integer("spinesPerPod", Required::No, 1, 100'000).value_or(0));
  s.cores = static_cast<int>(root.integer("cores", Required::No, 1, 100'000).value_or(0));
  s.oversubscription = read_ratio(root, "oversubscription").value_or(1.0);
  s.planes = static_cast<int>(root.integer("planes", Required::No, 1, 64).value_or(1));
  if (auto lat = root.object("latency")) {
    s.nvlink_latency = lat->quantity("nvlink", Dimension::Time).value_or(s.nvlink_latency);
    s.pcie_latency = lat->quantity("pcie", Dimension::Time).value_or(s.pcie_latency);
    s.network_latency = lat->quantity("network", Dimension::Time).value_or(s.network_latency);
    lat->finish();
  }
}

void check_fabric_object(StrictObject& root, const FabricSpec& s, const GpuCatalog& catalog) {
  if (s.nvlink_domain_gpus % s.gpus_per_node != 0)
    root.issue("nvlinkDomainGpus", "must be a multiple of gpusPerNode (" + std::to_string(s.gpus_per_node) + "), got " +
                                       std::to_string(s.nvlink_domain_gpus));
  else if (s.nvlink_bandwidth == 0 && catalog.find(s.gpu_model) != nullptr && catalog.find(s.gpu_model)->nvlink_bandwidth <= 0)
    root.issue("nvlinkBandwidth", "is required: " + s.gpu_model + " has no NVLink in the catalog");
}

FabricSpec read_fabric_spec(const nlohmann::json& doc, const std::string& source, const GpuCatalog& catalog) {
  std::vector<JsonIssue> issues;
  FabricSpec s;
  StrictObject root(doc, "", issues);
  if (root.valid()) {
    read_fabric_object(root, s, /*nodes_required=*/true, catalog);
    root.finish();
    // Cross-field rules, once every field read cleanly.
    if (issues.empty()) check_fabric_object(root, s, catalog);
  }
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const auto& is : issues) lines.push_back(source + ": " + (is.pointer.empty() ? "(root)" : is.pointer) + ": " + is.message);
    throw sim::InputError(std::move(lines));
  }
  return s;
}

FabricSpec load_fabric_file(const std::filesystem::path& path, const GpuCatalog& catalog) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sim::InputError(path.string() + ": cannot open fabric file");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t at = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const long line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    throw sim::InputError(path.string() + ":" + std::to_string(line) + ": not valid JSON: " + e.what());
  }
  return read_fabric_spec(doc, path.string(), catalog);
}

}  // namespace kubetwin::models
