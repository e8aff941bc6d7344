// dra_support: DRA claims with a CEL selector that only some devices satisfy (GPU memory >= 100Gi:
// the H200 pool's 141Gi devices, not the H100 pool's 80Gi ones). Pass iff every device the
// scheduler allocated to a claim satisfies it and every pod runs to completion.

#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kJobs = 6;           // 4-GPU claims; 4 fit on the two H200 nodes at once
constexpr double kNeedGi = 100;    // the claim's selector: memory >= 100Gi
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

CaseResult dra_support(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  int devices = 0, violating = 0, claims = 0;
  std::string first_violation;
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    const std::string node = (*e)["node"].get<std::string>();
    const std::string pool_name = node.substr(0, node.rfind('-'));  // nodes are <pool>-<index>
    const double memory = kPoolMemoryGi.at(pool_name);
    for (const auto& claim : e->value("claims", nlohmann::json::array())) {
      ++claims;
      for (const auto& d : claim["devices"]) {
        ++devices;
        if (memory < kNeedGi) {
          ++violating;
          if (first_violation.empty()) {
            first_violation = claim["name"].get<std::string>() + " got " + d.get<std::string>() + " on " + node + " (" +
                              std::to_string(static_cast<int>(memory)) + "Gi)";
          }
        }
      }
    }
  }
  const auto completed = sim.summary["jobs"]["completed"].get<int>();
  std::ostringstream ev;
  ev << kJobs << " pods with a 4-GPU ResourceClaimTemplate selecting memory >= 100Gi (16 of 32 devices match): "
     << claims << " claims allocated " << devices << " devices, " << violating << " not satisfying the selector";
  if (!first_violation.empty()) ev << " (first: " << first_violation << ")";
  ev << "; " << completed << "/" << kJobs << " pods completed";
  const bool pass = claims == kJobs && violating == 0 && completed == kJobs;
  return {pass ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
