// dra_support: DRA claims with a CEL selector that only some devices satisfy (GPU memory >= 100Gi:
// the H200 pool's 141Gi devices, not the H100 pool's 80Gi ones). Pass iff every device the
// scheduler allocated to a claim satisfies it and every pod runs to completion. "Satisfies" is
// decided by evaluating the claim template's and device class's CEL selectors on each allocated
// device as its node's ResourceSlice publishes it (the loaded scenario), not by a table of ours.

#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"
#include "scenarios/scenario_loader.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kJobs = 6;           // 4-GPU claims; 4 fit on the two H200 nodes at once
const std::map<std::string, double> kPoolMemoryGi = {{"h100", 80}, {"h200", 141}};

nlohmann::json pool(const std::string& name, const std::string& model) {
  const std::string memory = std::to_string(static_cast<int>(kPoolMemoryGi.at(name))) + "Gi";
  return {{"name", name}, {"count", 2}, {"capacity", {{"cpu", "192"}, {"memory", "2Ti"}}},
          {"resourceSlices", {{{"driver", "gpu.nvidia.com"},
                               {"devices", {{{"name", "gpu"}, {"count", 8},
                                             {"attributes", {{"model", {{"string", model}}}}},
                                             {"capacity", {{"memory", {{"value", memory}}}}}}}}}}}};
}

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int j = 0; j < kJobs; ++j) {
    jobs.push_back({{"jobId", "claim-" + std::to_string(j)}, {"submitTime", j}, {"duration", "20m"},
                    {"pods", {{{"name", "worker"}, {"requests", {{"cpu", "16"}, {"memory", "64Gi"}}},
                               {"resourceClaims", {{{"name", "gpus"}, {"resourceClaimTemplateName", "big-gpus"}}}}}}}});
  }
  return {
      {"name", "dra-support"},
      {"platform", {{"nodePools", {pool("h100", "H100"), pool("h200", "H200")}}}},
      {"dra", nlohmann::json::parse(R"({
        "deviceClasses": [{"metadata": {"name": "gpu.nvidia.com"},
          "spec": {"selectors": [{"cel": {"expression": "device.driver == \"gpu.nvidia.com\""}}]}}],
        "resourceClaimTemplates": [{"metadata": {"name": "big-gpus"}, "spec": {"spec": {"devices": {"requests": [
          {"name": "gpus", "exactly": {"deviceClassName": "gpu.nvidia.com", "count": 4, "selectors": [{"cel": {"expression":
            "device.capacity[\"gpu.nvidia.com\"].memory.compareTo(quantity(\"100Gi\")) >= 0"}}]}}]}}}}]
      })")},
      {"workload", {{"jobs", jobs}}},
      {"simulation", {{"until", "6h"}}},
      {"output", {{"timeline", false}}}};
}

}  // namespace

namespace {

// The selectors a device of the "big-gpus" template's request must satisfy: the request's own
// and its device class's.
std::vector<const models::dra::CelSelector*> claim_selectors(const models::dra::DraObjects& dra) {
  std::vector<const models::dra::CelSelector*> out;
  for (const auto& t : dra.resource_claim_templates) {
    if (t.name != "big-gpus") continue;
    for (const auto& request : t.spec.requests) {
      for (const auto& sel : request.selectors) out.push_back(&sel);
      for (const auto& c : dra.device_classes) {
        if (c.name == request.device_class_name) {
          for (const auto& sel : c.selectors) out.push_back(&sel);
        }
      }
    }
  }
  return out;
}

// The device `name` as the pool publishes it, with its driver; nullptr if the pool has none.
std::pair<const models::dra::Device*, std::string> published(const models::dra::DraObjects& dra, const std::string& pool,
                                                             const std::string& name) {
  for (const auto& p : dra.pool_slices) {
    if (p.pool != pool) continue;
    for (const auto& slice : p.slices) {
      for (const auto& d : slice.devices) {
        if (d.name == name) return {&d, slice.driver};
      }
    }
  }
  return {nullptr, ""};
}

}  // namespace

CaseResult dra_support(const CaseContext& ctx) {
  const nlohmann::json doc = scenario();
  const SimulationResult sim = ctx.simulate(doc);
  const scenarios::Scenario sc = scenarios::load_scenario(ctx.profile().apply(doc), "dra_support case", ".");
  const auto selectors = claim_selectors(sc.dra);
  int devices = 0, violating = 0, claims = 0;
  std::string first_violation;
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    const std::string node = (*e)["node"].get<std::string>();
    const std::string pool_name = node.substr(0, node.rfind('-'));  // nodes are <pool>-<index>
    for (const auto& claim : e->value("claims", nlohmann::json::array())) {
      ++claims;
      for (const auto& d : claim["devices"]) {
        ++devices;
        const auto [device, driver] = published(sc.dra, pool_name, d.get<std::string>());
        bool ok = device != nullptr;
        for (const auto* sel : selectors) ok = ok && sel->evaluate(*device, driver).matches;
        if (!ok) {
          ++violating;
          if (first_violation.empty()) {
            first_violation = claim["name"].get<std::string>() + " got " + d.get<std::string>() + " on " + node + " (" +
                              std::to_string(static_cast<int>(kPoolMemoryGi.at(pool_name))) + "Gi)";
          }
        }
      }
    }
  }
  const auto completed = sim.summary["jobs"]["completed"].get<int>();
  std::ostringstream ev;
  ev << kJobs << " pods with a 4-GPU ResourceClaimTemplate selecting memory >= 100Gi (16 of 32 devices match): "
     << claims << " claims allocated " << devices << " devices, " << violating << " not satisfying the selector ("
     << selectors.size() << " CEL selectors evaluated on each allocated device as published)";
  if (!first_violation.empty()) ev << " (first: " << first_violation << ")";
  ev << "; " << completed << "/" << kJobs << " pods completed";
  const bool pass = claims == kJobs && violating == 0 && completed == kJobs;
  return {pass ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
