#include "models/dra/resource_slice_output.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

namespace kubetwin::models::dra {

namespace {

std::string quantity_text(DeviceQuantity q) {
  return q.milli % 1000 == 0 ? std::to_string(q.milli / 1000) : std::to_string(q.milli) + "m";
}

nlohmann::ordered_json attribute_json(const AttributeValue& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return {{"int", *i}};
  if (const auto* b = std::get_if<bool>(&v)) return {{"bool", *b}};
  if (const auto* s = std::get_if<std::string>(&v)) return {{"string", *s}};
  const SemVer& sv = std::get<SemVer>(v);
  std::string text = std::to_string(sv.major) + "." + std::to_string(sv.minor) + "." + std::to_string(sv.patch);
  if (!sv.pre_release.empty()) text += "-" + sv.pre_release;
  return {{"version", text}};
}

nlohmann::ordered_json device_json(const Device& d) {
  nlohmann::ordered_json attributes = nlohmann::ordered_json::object(), capacity = nlohmann::ordered_json::object();
  for (const auto& [name, value] : d.attributes) attributes[name] = attribute_json(value);
  for (const auto& [name, q] : d.capacity) capacity[name] = {{"value", quantity_text(q)}};
  nlohmann::ordered_json out = {{"name", d.name}};
  if (!attributes.empty()) out["attributes"] = std::move(attributes);
  if (!capacity.empty()) out["capacity"] = std::move(capacity);
  return out;
}

}  // namespace

void write_resource_slices(std::ostream& out, const DraState& state, const Cluster& cluster) {
  out << "{\"apiVersion\": \"resource.k8s.io/v1\", \"kind\": \"ResourceSliceList\", \"items\": [";
  bool first = true;
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    const auto devices = state.devices_on(n);
    for (std::size_t i = 0; i < devices.size();) {
      // A slice: the node's consecutive devices of one driver and pool.
      const std::string_view driver = state.driver(devices[i].shape_device);
      const std::string& pool = state.pool_of_slot(devices[i].slot);
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (; i < devices.size() && state.driver(devices[i].shape_device) == driver && state.pool_of_slot(devices[i].slot) == pool;
           ++i) {
        list.push_back(device_json(state.device(devices[i].shape_device)));
      }
      const nlohmann::ordered_json item = {
          {"metadata", {{"name", cluster.node_name(n) + "-" + std::string(driver)}}},
          {"spec", {{"driver", driver}, {"nodeName", cluster.node_name(n)}, {"pool", {{"name", pool}}}, {"devices", list}}}};
      out << (first ? "\n" : ",\n") << item.dump();
      first = false;
    }
  }
  out << "\n]}\n";
}

}  // namespace kubetwin::models::dra
