#include "models/hardware/gpu_catalog.hpp"

#include <nlohmann/json.hpp>

#include "sim/input_error.hpp"
#include "sim/named_list.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

extern const char* const kBuiltinGpuCatalogJson;  // generated from data/gpus.json

double GpuSpec::peak(std::string_view dtype) const {
  auto it = peak_flops.find(std::string(dtype));
  return it == peak_flops.end() ? 0.0 : it->second;
}

const GpuCatalog& GpuCatalog::builtin() {
  static const GpuCatalog catalog = parse(kBuiltinGpuCatalogJson, "models/hardware/data/gpus.json");
  return catalog;
}

GpuCatalog GpuCatalog::parse(std::string_view json_text, const std::string& source) {
  nlohmann::json doc = sim::parse_json_document(json_text, source);
  std::vector<sim::JsonIssue> issues;
  GpuCatalog catalog;
  sim::StrictObject root(doc, "", issues);
  root.string("_comment");
  if (const auto* list = root.array("gpus", sim::Required::Yes)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      sim::StrictObject g((*list)[i], "/gpus/" + std::to_string(i), issues);
      GpuSpec spec;
      spec.name = g.string("name", sim::Required::Yes).value_or("");
      spec.memory_bytes = g.quantity("memory", sim::Dimension::Bytes, sim::Required::Yes, 1).value_or(0);
      spec.memory_bandwidth =
          g.quantity("memoryBandwidth", sim::Dimension::Bandwidth, sim::Required::Yes, 1).value_or(0);
      spec.nvlink_bandwidth = g.quantity("nvlinkBandwidth", sim::Dimension::Bandwidth).value_or(0);
      spec.tdp_watts = g.number("tdpWatts", sim::Required::No, 0).value_or(0);
      spec.streaming_multiprocessors =
          static_cast<int>(g.integer("streamingMultiprocessors", sim::Required::No, 1, 100000).value_or(0));
      if (auto peak = g.object("peak", sim::Required::Yes)) {
        for (const auto& [dtype, value] : doc["gpus"][i]["peak"].items()) {
          if (auto f = peak->quantity(dtype, sim::Dimension::FlopRate, sim::Required::Yes, 1)) {
            spec.peak_flops[dtype] = *f;
          }
        }
        peak->finish();
      }
      g.finish();
      if (catalog.find(spec.name) != nullptr) {
        issues.push_back({"/gpus/" + std::to_string(i) + "/name", "duplicate GPU \"" + spec.name + "\""});
      }
      catalog.gpus_.push_back(std::move(spec));
    }
  }
  root.finish();
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const auto& is : issues) lines.push_back(source + ": " + is.pointer + ": " + is.message);
    throw sim::InputError(std::move(lines));
  }
  return catalog;
}

const GpuSpec* GpuCatalog::find(std::string_view name) const { return sim::find_by_name(gpus_, name); }

std::string GpuCatalog::names() const { return sim::joined_names(gpus_); }

}  // namespace kubetwin::models
