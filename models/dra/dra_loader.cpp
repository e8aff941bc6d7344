#include "models/dra/dra_loader.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace kubetwin::models::dra {

namespace {

using sim::JsonIssue;
using sim::Required;
using sim::StrictObject;

constexpr const char* kApiVersion = "resource.k8s.io/v1";

std::string item_pointer(const StrictObject& parent, std::string_view key, std::size_t i) {
  return parent.pointer_of(key) + "/" + std::to_string(i);
}

// apiVersion and kind are optional so that pasted objects and short forms both load.
void read_type_meta(StrictObject& o, std::string_view kind) {
  if (auto v = o.string("apiVersion"); v && *v != kApiVersion) o.issue("apiVersion", "must be " + std::string(kApiVersion));
  if (auto k = o.string("kind"); k && *k != kind) o.issue("kind", "must be " + std::string(kind));
}

std::string read_name(StrictObject& o) {
  auto meta = o.object("metadata", Required::Yes);
  if (!meta) return {};
  std::string name = meta->string("name", Required::Yes).value_or("");
  if (meta->has("name") && name.empty()) meta->issue("name", "must not be empty");
  meta->string("namespace");  // accepted, not modelled: kubetwin has one namespace
  meta->finish();
  return name;
}

std::vector<CelSelector> read_selectors(StrictObject& o, std::vector<JsonIssue>& issues) {
  std::vector<CelSelector> out;
  const auto* list = o.array("selectors");
  if (list == nullptr) return out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject s((*list)[i], item_pointer(o, "selectors", i), issues);
    if (auto cel = s.object("cel", Required::Yes)) {
      if (auto expr = cel->string("expression", Required::Yes)) {
        if (auto sel = read_selector(*expr, cel->pointer_of("expression"), issues)) out.push_back(std::move(*sel));
      }
      cel->finish();
    }
    s.finish();
  }
  return out;
}

ResourceClaimSpec read_claim_spec(StrictObject& spec, const std::set<std::string, std::less<>>& classes,
                                  std::vector<JsonIssue>& issues) {
  ResourceClaimSpec out;
  auto devices = spec.object("devices", Required::Yes);
  spec.finish();
  if (!devices) return out;
  const auto* requests = devices->array("requests");
  const auto* constraints = devices->array("constraints");
  devices->finish();  // config is not modelled: reported as unknown
  std::set<std::string> names;
  for (std::size_t i = 0; requests != nullptr && i < requests->size(); ++i) {
    StrictObject r((*requests)[i], item_pointer(*devices, "requests", i), issues);
    DeviceRequest req;
    req.name = r.string("name", Required::Yes).value_or("");
    if (!req.name.empty() && !names.insert(req.name).second) r.issue("name", "duplicate request name \"" + req.name + "\"");
    if (r.has("firstAvailable")) {
      r.raw("firstAvailable");
      r.issue("firstAvailable", "is not supported by kubetwin (use exactly)");
    }
    if (auto exactly = r.object("exactly", Required::Yes)) {
      req.device_class_name = exactly->string("deviceClassName", Required::Yes).value_or("");
      if (!req.device_class_name.empty() && !classes.contains(req.device_class_name)) {
        exactly->issue("deviceClassName", "DeviceClass \"" + req.device_class_name + "\" is not declared in /dra/deviceClasses");
      }
      req.selectors = read_selectors(*exactly, issues);
      const auto mode = exactly->enumeration("allocationMode", {"ExactCount", "All"});
      req.allocation_mode = mode && *mode == "All" ? AllocationMode::All : AllocationMode::ExactCount;
      if (auto count = exactly->integer("count", Required::No, 1)) {
        if (req.allocation_mode == AllocationMode::All) exactly->issue("count", "must not be set with allocationMode All");
        req.count = *count;
      }
      exactly->finish();
    }
    r.finish();
    out.requests.push_back(std::move(req));
  }
  for (std::size_t i = 0; constraints != nullptr && i < constraints->size(); ++i) {
    StrictObject c((*constraints)[i], item_pointer(*devices, "constraints", i), issues);
    if (!c.valid()) continue;
    DeviceConstraint constraint;
    if (const auto* list = c.array("requests")) {
      for (std::size_t k = 0; k < list->size(); ++k) {
        const auto& name = (*list)[k];
        const std::string pointer = item_pointer(c, "requests", k);
        if (!name.is_string()) issues.push_back({pointer, "must be a string, not " + sim::json_type_name(name)});
        else if (!names.contains(name.get<std::string>())) issues.push_back({pointer, "names no request of this claim"});
        else constraint.requests.push_back(name.get<std::string>());
      }
    }
    if (c.has("distinctAttribute")) {
      c.raw("distinctAttribute");
      c.issue("distinctAttribute", "is not supported by kubetwin (matchAttribute is)");
    }
    constraint.match_attribute = c.string("matchAttribute", Required::Yes).value_or("");
    // Upstream requires a fully qualified name: the same attribute across drivers.
    if (c.has("matchAttribute") && constraint.match_attribute.find('/') == std::string::npos) {
      c.issue("matchAttribute", "must be a fully qualified name (\"domain/name\")");
    }
    c.finish();
    out.constraints.push_back(std::move(constraint));
  }
  return out;
}

std::optional<AttributeValue> read_attribute(StrictObject& a) {
  std::optional<AttributeValue> out;
  int kinds = 0;
  if (auto v = a.integer("int")) out = *v, ++kinds;
  if (auto v = a.boolean("bool")) out = *v, ++kinds;
  if (auto v = a.string("string")) out = *v, ++kinds;
  if (auto v = a.string("version")) {
    ++kinds;
    if (auto sv = parse_semver(*v)) out = std::move(*sv);
    else a.issue("version", "\"" + *v + "\" is not a semantic version");
  }
  a.finish();
  if (kinds != 1) {
    a.issue("", "must have exactly one of int, bool, string, version");
    return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<CelSelector> read_selector(const std::string& expression, const std::string& pointer,
                                         std::vector<JsonIssue>& issues) {
  auto parsed = CelSelector::parse(expression);
  if (auto* error = std::get_if<CelParseError>(&parsed)) {
    issues.push_back({pointer, "does not parse: " + error->describe()});
    return std::nullopt;
  }
  return std::get<CelSelector>(std::move(parsed));
}

void read_dra(StrictObject& dra, DraObjects& out, std::vector<JsonIssue>& issues) {
  if (auto faults = dra.object("faults")) {
    out.ignore_request_selectors = faults->boolean("ignoreRequestSelectors").value_or(false);
    out.ignore_constraints = faults->boolean("ignoreConstraints").value_or(false);
    faults->finish();
  }
  std::set<std::string, std::less<>> classes;
  if (const auto* list = dra.array("deviceClasses")) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject o((*list)[i], item_pointer(dra, "deviceClasses", i), issues);
      if (!o.valid()) continue;
      read_type_meta(o, "DeviceClass");
      DeviceClass c;
      c.name = read_name(o);
      if (!c.name.empty() && !classes.insert(c.name).second) o.issue("metadata", "DeviceClass \"" + c.name + "\" is declared twice");
      if (auto spec = o.object("spec")) {
        c.selectors = read_selectors(*spec, issues);
        spec->finish();  // config and extendedResourceName are not modelled
      }
      o.finish();
      out.device_classes.push_back(std::move(c));
    }
  }
  auto read_claims = [&](std::string_view key, bool templates) {
    const auto* list = dra.array(key);
    if (list == nullptr) return;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list->size(); ++i) {
      StrictObject o((*list)[i], item_pointer(dra, key, i), issues);
      if (!o.valid()) continue;
      read_type_meta(o, templates ? "ResourceClaimTemplate" : "ResourceClaim");
      const std::string name = read_name(o);
      if (!name.empty() && !names.insert(name).second) o.issue("metadata", "\"" + name + "\" is declared twice");
      ResourceClaimSpec spec;
      if (auto s = o.object("spec", Required::Yes)) {
        if (templates) {
          s->object("metadata");  // labels of generated claims: accepted, not modelled
          if (auto inner = s->object("spec", Required::Yes)) spec = read_claim_spec(*inner, classes, issues);
          s->finish();
        } else {
          spec = read_claim_spec(*s, classes, issues);
        }
      }
      o.finish();
      if (templates) out.resource_claim_templates.push_back({name, std::move(spec)});
      else out.resource_claims.push_back({name, std::move(spec), {}});
    }
  };
  read_claims("resourceClaims", false);
  read_claims("resourceClaimTemplates", true);
  dra.finish();
}

void read_pool_resource_slices(StrictObject& pool, const std::string& pool_name, std::int64_t pool_gpus,
                               DraObjects& out, std::vector<JsonIssue>& issues) {
  const auto* list = pool.array("resourceSlices");
  if (list == nullptr) return;
  PoolSlices ps;
  ps.pool = pool_name;
  for (std::size_t i = 0; i < list->size(); ++i) {
    StrictObject s((*list)[i], item_pointer(pool, "resourceSlices", i), issues);
    if (!s.valid()) continue;
    ResourceSlice slice;
    slice.driver = s.string("driver", Required::Yes).value_or("");
    slice.pool = s.string("pool").value_or("");
    if (slice.driver.starts_with("gpu.") && pool_gpus > 0) {
      s.issue("driver", "the pool publishes GPUs as DRA devices, so its capacity must declare nvidia.com/gpu: 0 "
                        "(a GPU is either a device or an extended resource, never both)");
    }
    std::set<std::string> names;
    if (const auto* devices = s.array("devices", Required::Yes)) {
      for (std::size_t k = 0; k < devices->size(); ++k) {
        StrictObject d((*devices)[k], item_pointer(s, "devices", k), issues);
        if (!d.valid()) continue;
        Device device;
        device.name = d.string("name", Required::Yes).value_or("");
        // kubetwin's shorthand: `count` identical devices named <name>-0 .. <name>-(count-1).
        const std::int64_t copies = d.integer("count", Required::No, 1, 1024).value_or(0);
        // attributes and capacity are maps keyed by qualified name
        auto each_entry = [&](std::string_view key, auto&& read) {
          const auto* map = d.raw(key);
          if (map == nullptr) return;
          if (!map->is_object()) {
            d.issue(key, "must be an object, not " + sim::json_type_name(*map));
            return;
          }
          for (const auto& item : map->items()) {
            StrictObject entry(item.value(), d.pointer_of(key) + "/" + sim::json_pointer_token(item.key()), issues);
            if (entry.valid()) read(item.key(), entry);
          }
        };
        each_entry("attributes", [&](const std::string& name, StrictObject& a) {
          if (auto v = read_attribute(a)) device.attributes.emplace_back(name, std::move(*v));
        });
        each_entry("capacity", [&](const std::string& name, StrictObject& c) {
          const auto* v = c.raw("value", Required::Yes);
          c.finish();  // requestPolicy (consumable capacity) is not modelled
          if (v == nullptr) return;
          std::optional<DeviceQuantity> q;
          if (v->is_string()) q = parse_device_quantity(v->get<std::string>());
          else if (v->is_number_integer()) q = DeviceQuantity{v->get<std::int64_t>() * 1000};
          if (!q) {
            c.issue("value", "must be a quantity such as \"80Gi\"");
            return;
          }
          device.capacity.emplace_back(name, *q);
        });
        d.finish();
        auto add = [&](Device dev) {
          if (!dev.name.empty() && !names.insert(dev.name).second) d.issue("name", "duplicate device name \"" + dev.name + "\"");
          slice.devices.push_back(std::move(dev));
        };
        if (copies == 0) {
          add(std::move(device));
        } else {
          for (std::int64_t c = 0; c < copies; ++c) {
            Device copy = device;
            copy.name += "-" + std::to_string(c);
            add(std::move(copy));
          }
        }
      }
    }
    s.finish();
    ps.slices.push_back(std::move(slice));
  }
  out.pool_slices.push_back(std::move(ps));
}

DraState build_dra_state(const DraObjects& objects, const Cluster& cluster) {
  DraState state(cluster.node_count());
  state.set_ignore_request_selectors(objects.ignore_request_selectors);
  state.set_ignore_constraints(objects.ignore_constraints);
  for (const auto& c : objects.device_classes) state.add_device_class(c);
  for (const auto& c : objects.resource_claims) state.add_claim(c);
  for (const auto& t : objects.resource_claim_templates) state.add_claim_template(t);
  for (const PoolSlices& ps : objects.pool_slices) {
    std::size_t p = 0;
    while (p < cluster.pool_count() && cluster.pool(p).name != ps.pool) ++p;
    if (p == cluster.pool_count()) throw std::invalid_argument("no node pool named \"" + ps.pool + "\"");
    for (const ResourceSlice& s : ps.slices) state.add_pool_slices(cluster, p, s);
  }
  return state;
}

}  // namespace kubetwin::models::dra
