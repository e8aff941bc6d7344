#include "gui/core/fabric_model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::gui {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw sim::InputError(file.string() + ": cannot be read");
  std::ostringstream s;
  s << in.rdbuf();
  return std::move(s).str();
}

}  // namespace

FabricModel FabricModel::load(const fs::path& dir, const std::unordered_map<std::string, std::uint32_t>& node_index) {
  FabricModel m;
  m.read_fabric(dir / "fabric.json", node_index);
  const fs::path usage = dir / "fabric-usage.jsonl";
  if (!fs::exists(usage)) throw sim::InputError(usage.string() + ": missing (the run folder has fabric.json, so kubetwin run wrote it)");
  m.read_usage(usage);
  return m;
}

void FabricModel::read_fabric(const fs::path& file, const std::unordered_map<std::string, std::uint32_t>& node_index) {
  const nlohmann::json f = sim::parse_json_document(read_text(file), file.string());
  auto bad = [&](const std::string& pointer, const std::string& what) {
    return sim::InputError(file.string() + ": " + pointer + ": " + what);
  };
  auto number = [&](const nlohmann::json& o, const std::string& ptr, const char* key) {
    if (!o.contains(key) || !o[key].is_number() || o[key].get<double>() < 0) throw bad(ptr + "/" + key, "missing or not a number >= 0");
    return o[key].get<double>();
  };
  auto count = [&](const nlohmann::json& o, const std::string& ptr, const char* key, std::size_t below) {
    if (!o.contains(key) || !o[key].is_number_unsigned() || o[key].get<std::size_t>() >= below) {
      throw bad(ptr + "/" + key, below == std::numeric_limits<std::size_t>::max() ? "missing or not an integer >= 0"
                                                                                 : "missing or not an index below " + std::to_string(below));
    }
    return o[key].get<std::uint32_t>();
  };
  auto string = [&](const nlohmann::json& o, const std::string& ptr, const char* key) {
    if (!o.contains(key) || !o[key].is_string()) throw bad(ptr + "/" + key, "missing or not a string");
    return o[key].get<std::string>();
  };
  auto array = [&](const nlohmann::json& o, const char* key) -> const nlohmann::json& {
    if (!o.contains(key) || !o[key].is_array()) throw bad(std::string("/") + key, "missing or not an array");
    return o[key];
  };
  constexpr std::size_t kAny = std::numeric_limits<std::size_t>::max();
  if (!f.is_object()) throw bad("", "not an object");
  kind_ = string(f, "", "kind");
  cores_ = static_cast<int>(count(f, "", "cores", kAny));
  planes_ = static_cast<int>(count(f, "", "planes", kAny));
  nic_rate_ = number(f, "", "nicBytesPerSecond");
  const auto& blocks = array(f, "blocks");
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const std::string ptr = "/blocks/" + std::to_string(b);
    if (!blocks[b].is_object()) throw bad(ptr, "not an object");
    blocks_.push_back(FabricBlock{string(blocks[b], ptr, "name"), static_cast<int>(count(blocks[b], ptr, "spines", kAny)),
                                  number(blocks[b], ptr, "coreBytesPerSecond"), {}});
  }
  const auto& leaves = array(f, "leaves");
  for (std::size_t l = 0; l < leaves.size(); ++l) {
    const std::string ptr = "/leaves/" + std::to_string(l);
    if (!leaves[l].is_object()) throw bad(ptr, "not an object");
    FabricLeaf leaf{string(leaves[l], ptr, "name"), count(leaves[l], ptr, "block", blocks_.size()),
                    number(leaves[l], ptr, "spineBytesPerSecond"), {}};
    blocks_[leaf.block].leaves.push_back(static_cast<std::uint32_t>(l));
    leaves_.push_back(std::move(leaf));
  }
  node_leaves_.resize(node_index.size());
  const auto& servers = array(f, "servers");
  for (std::size_t s = 0; s < servers.size(); ++s) {
    const std::string ptr = "/servers/" + std::to_string(s);
    if (!servers[s].is_object()) throw bad(ptr, "not an object");
    const std::string name = string(servers[s], ptr, "node");
    const auto it = node_index.find(name);
    if (it == node_index.end()) throw bad(ptr + "/node", "\"" + name + "\" is not in topology.json");
    if (!servers[s].contains("leaves") || !servers[s]["leaves"].is_array()) throw bad(ptr + "/leaves", "missing or not an array");
    auto& out = node_leaves_[it->second];
    for (std::size_t i = 0; i < servers[s]["leaves"].size(); ++i) {
      const auto& v = servers[s]["leaves"][i];
      if (!v.is_number_unsigned() || v.get<std::size_t>() >= leaves_.size()) {
        throw bad(ptr + "/leaves/" + std::to_string(i), "not the index of a leaf");
      }
      out.push_back(v.get<std::uint32_t>());
      leaves_[out.back()].nodes.push_back(it->second);
    }
  }
  for (FabricLeaf& leaf : leaves_) std::sort(leaf.nodes.begin(), leaf.nodes.end());
  loads_.assign(link_count(), {});
  crossings_.assign(link_count(), {});
}

std::size_t FabricModel::link_of_resource(std::size_t resource) const { return resource / 2; }

void FabricModel::read_usage(const fs::path& file) {
  const std::string text = read_text(file);
  std::size_t line_number = 0, pos = 0;
  auto fail = [&](const std::string& what) {
    throw sim::InputError(file.string() + ":" + std::to_string(line_number) + ": " + what);
  };
  if (!text.empty() && text.back() != '\n') {
    line_number = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    fail("the last line is cut short (a truncated file?)");
  }
  const std::size_t resources = 2 * link_count();
  double last_t = 0;
  std::vector<std::size_t> links;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    const std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    if (line.empty()) continue;
    const nlohmann::json e = nlohmann::json::parse(line, nullptr, false);
    if (e.is_discarded() || !e.is_object()) fail("not a JSON object");
    if (!e.contains("t") || !e["t"].is_number()) fail("\"t\" missing or not a number");
    const double t = e["t"].get<double>();
    if (t < last_t) fail("records out of time order");
    last_t = t;
    if (!e.contains("job") || !e["job"].is_string()) fail("\"job\" missing or not a string");
    const std::string job = e["job"].get<std::string>();
    const std::string change = e.value("change", std::string());
    if (change != "start" && change != "end") fail("\"change\" is not \"start\" or \"end\"");
    if (!e.contains("resources") || !e["resources"].is_array()) fail("\"resources\" missing or not an array");
    if (!e.contains("load") || !e["load"].is_array() || e["load"].size() != e["resources"].size()) {
      fail("\"load\" missing or not one [load, demand] per resource");
    }
    links.clear();
    for (std::size_t i = 0; i < e["resources"].size(); ++i) {
      const auto& r = e["resources"][i];
      const auto& ld = e["load"][i];
      if (!r.is_number_unsigned() || r.get<std::size_t>() >= resources) fail("resource " + r.dump() + " is not a link direction of fabric.json");
      if (!ld.is_array() || ld.size() != 2 || !ld[0].is_number() || !ld[1].is_number()) fail("\"load\" entry " + std::to_string(i) + " is not [load, demand]");
      const std::size_t resource = r.get<std::size_t>();
      const std::size_t link = link_of_resource(resource);
      auto& series = loads_[link];
      if (series.empty() || series.back().t != t) {
        series.push_back(series.empty() ? DirectionLoad{} : series.back());
        series.back().t = t;
      }
      series.back().load[resource % 2] = ld[0].get<double>();
      series.back().demand[resource % 2] = ld[1].get<double>();
      if (std::find(links.begin(), links.end(), link) == links.end()) links.push_back(link);
    }
    for (std::size_t link : links) {
      auto& c = crossings_[link];
      if (change == "start") {
        c.push_back(Crossing{job, t, std::numeric_limits<double>::infinity()});
        continue;
      }
      const auto open = std::find_if(c.rbegin(), c.rend(), [&](const Crossing& x) { return x.job == job && std::isinf(x.stop); });
      if (open == c.rend()) fail("job \"" + job + "\" ends on a link it did not start on");
      open->stop = t;
    }
    ++usage_records_;
  }
}

const std::vector<std::uint32_t>& FabricModel::leaves_of_node(std::uint32_t n) const {
  static const std::vector<std::uint32_t> kNone;
  return n < node_leaves_.size() ? node_leaves_[n] : kNone;
}

std::string FabricModel::link_name(std::size_t link) const {
  if (link < leaves_.size()) return "leaf " + leaves_[link].name + " -> spines";
  return "block " + blocks_[link - leaves_.size()].name + " spines -> core";
}

LinkUse FabricModel::use_at(std::size_t link, double t) const {
  LinkUse use;
  use.capacity = link < leaves_.size() ? leaves_[link].spine_capacity : blocks_[link - leaves_.size()].core_capacity;
  const auto& series = loads_[link];
  const auto it = std::upper_bound(series.begin(), series.end(), t, [](double v, const DirectionLoad& d) { return v < d.t; });
  if (it == series.begin()) return use;
  const DirectionLoad& d = *(it - 1);
  const int busier = d.load[1] > d.load[0] ? 1 : 0;  // links are full duplex: the busier direction counts
  use.load = d.load[busier];
  use.demand = d.demand[busier];
  return use;
}

std::vector<std::string> FabricModel::jobs_at(std::size_t link, double t) const {
  std::vector<std::string> out;
  for (const Crossing& c : crossings_[link]) {
    if (c.start > t) break;
    if (t < c.stop) out.push_back(c.job);
  }
  return out;
}

}  // namespace kubetwin::gui
