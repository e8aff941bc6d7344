// driver_runtime_management: two GPU pools with different NVIDIA drivers (legacy: 535.104.05,
// CUDA 12.2, too old for CUDA 12.4 applications; current: 550.54.15, CUDA 12.4) and a pool whose
// accelerator has no known driver. More CUDA 12.4 pods than the current pool holds, plus pods with
// no CUDA requirement; the legacy pool's driver is upgraded to 550.54.15 mid-run. GPU feature
// discovery (sleepInterval 60 s) advertises the drivers as node labels; the scheduler places the
// 12.4 pods by them.
// Pass iff the labels at the start advertise what is installed (none on the unknown pool), every
// upgrade's drift was detected at once and resolved within one GFD interval, none is left at the
// end, no 12.4 pod was bound where the installed CUDA was older (replayed from the upgrades' times,
// not taken from the model's own check), 12.4 pods ran on the upgraded pool and only after its
// relabel, the unknown accelerator's pod-start checks say Unknown (not a failure), and every pod
// completes.

#include <algorithm>
#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kCudaJobs = 8;     // 1 node's worth each; only the current pool's node fits them at first
constexpr int kPlainJobs = 6;    // half a node each, no CUDA requirement
constexpr double kUpgradeAt = 1230;
constexpr double kInterval = 60;  // GFD's default sleepInterval
const char* const kNeed = "12.4";

struct Versions {
  std::string driver, cuda;
};
// The installed driver per pool at the start; "unknown" has none.
const std::map<std::string, Versions> kInstalled = {{"legacy", {"535.104.05", "12.2"}}, {"current", {"550.54.15", "12.4"}}};
const Versions kUpgradeTo = {"550.54.15", "12.4"};

nlohmann::json pool(const std::string& name, int count, const std::string& model, bool with_driver) {
  nlohmann::json p = {{"name", name}, {"count", count}, {"gpuModel", model},
                      {"capacity", {{"cpu", "192"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}}};
  if (with_driver) p["driver"] = {{"version", kInstalled.at(name).driver}, {"containerToolkitVersion", "1.16.2"}};
  return p;
}

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int j = 0; j < kCudaJobs; ++j) {
    jobs.push_back({{"jobId", "cuda-" + std::to_string(j)}, {"submitTime", j}, {"duration", "10m"},
                    {"pods", {{{"name", "worker"}, {"requiresCuda", kNeed},
                               {"requests", {{"cpu", "32"}, {"memory", "256Gi"}, {"nvidia.com/gpu", 8}}}}}}});
  }
  for (int j = 0; j < kPlainJobs; ++j) {
    jobs.push_back({{"jobId", "plain-" + std::to_string(j)}, {"submitTime", 10 + j}, {"duration", "15m"},
                    {"pods", {{{"name", "worker"}, {"requests", {{"cpu", "16"}, {"memory", "128Gi"}, {"nvidia.com/gpu", 4}}}}}}});
  }
  return {{"name", "driver-runtime-management"},
          {"platform", {{"nodePools", {pool("legacy", 2, "H100-SXM-80GB", true), pool("current", 1, "H100-SXM-80GB", true),
                                       pool("unknown", 1, "A100-SXM-80GB", false)}}}},
          {"driverUpgrades", {{{"pool", "legacy"}, {"at", kUpgradeAt}, {"version", kUpgradeTo.driver}}}},
          {"gpuFeatureDiscovery", {{"sleepInterval", kInterval}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "6h"}}},
          {"output", {{"timeline", false}}}};
}

std::string pool_of(const std::string& node) { return node.substr(0, node.rfind('-')); }  // nodes are <pool>-<index>

bool at_least(const std::string& cuda, const std::string& need) {
  auto parts = [](const std::string& v) { return std::pair{std::stoi(v), std::stoi(v.substr(v.find('.') + 1))}; };
  return parts(cuda) >= parts(need);
}

}  // namespace

CaseResult driver_runtime_management(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::vector<std::string> failures;

  // The labels GFD wrote at node start (topology.json): what is installed, none on the unknown pool.
  const auto topology = nlohmann::json::parse(sim.read_output("topology.json"));
  for (const auto& p : topology["nodePools"]) {
    const std::string name = p["name"].get<std::string>();
    const auto& labels = p["labels"];
    const std::string advertised = labels.value("nvidia.com/cuda.driver-version.full", "");
    const std::string expected = kInstalled.contains(name) ? kInstalled.at(name).driver : "";
    if (advertised != expected) failures.push_back("pool " + name + " advertised driver \"" + advertised + "\" at the start, installed \"" + expected + "\"");
  }

  // Replay the installed CUDA per pool from the upgrades; check drifts.
  std::map<std::string, std::vector<std::pair<double, std::string>>> cuda_at;  // pool -> (from time, cuda)
  for (const auto& [name, v] : kInstalled) cuda_at[name].push_back({0.0, v.cuda});
  std::map<std::string, double> drift_open, resolved_at;
  int upgrades = 0, drifts = 0, resolved = 0;
  double longest = 0;
  for (const auto& e : sim.events) {
    const std::string type = e["type"].get<std::string>();
    const double t = e["t"].get<double>();
    if (type == "DriverUpgraded") {
      ++upgrades;
      cuda_at[e["pool"].get<std::string>()].push_back({t, e["cuda"].get<std::string>()});
    } else if (type == "DriverDrift") {
      ++drifts;
      drift_open[e["pool"].get<std::string>()] = t;
    } else if (type == "DriverDriftResolved") {
      const std::string p = e["pool"].get<std::string>();
      if (!drift_open.contains(p)) {
        failures.push_back("DriverDriftResolved for pool " + p + " without a DriverDrift");
        continue;
      }
      ++resolved;
      const double lasted = t - drift_open[p];
      longest = std::max(longest, lasted);
      if (lasted > kInterval) failures.push_back("pool " + p + "'s drift lasted " + seconds_text(lasted) + ", more than one GFD interval");
      resolved_at[p] = t;
      drift_open.erase(p);
    }
  }
  for (const auto& [p, since] : drift_open) failures.push_back("pool " + p + "'s drift since " + seconds_text(since) + " was never resolved");
  if (upgrades != 1) failures.push_back(std::to_string(upgrades) + " DriverUpgraded events, expected 1");
  if (drifts < upgrades) failures.push_back("only " + std::to_string(drifts) + " drifts detected for " + std::to_string(upgrades) + " upgrades");
  auto installed_cuda = [&](const std::string& pool, double t) -> std::string {
    std::string cuda;
    for (const auto& [from, v] : cuda_at[pool]) {
      if (from <= t) cuda = v;
    }
    return cuda;
  };

  // 12.4 pods: bound only where the installed CUDA was new enough; on the upgraded pool only after its relabel.
  int cuda_binds = 0, bad_binds = 0, on_upgraded = 0, before_relabel = 0;
  std::string first_bad;
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    if (!(*e)["job"].get<std::string>().starts_with("cuda-")) continue;
    ++cuda_binds;
    const std::string node = (*e)["node"].get<std::string>(), pool = pool_of(node);
    const std::string cuda = installed_cuda(pool, (*e)["t"].get<double>());
    if (cuda.empty() || !at_least(cuda, kNeed)) {
      if (bad_binds++ == 0) first_bad = (*e)["pod"].get<std::string>() + " on " + node + " (CUDA " + (cuda.empty() ? "unknown" : cuda) + ")";
    }
  }
  for (const nlohmann::json* e : sim.of_type("PodRunning")) {
    if (!(*e)["job"].get<std::string>().starts_with("cuda-") || pool_of((*e)["node"].get<std::string>()) != "legacy") continue;
    ++on_upgraded;
    if (!resolved_at.contains("legacy") || (*e)["t"].get<double>() < resolved_at["legacy"]) ++before_relabel;
  }
  if (bad_binds > 0) failures.push_back(std::to_string(bad_binds) + " CUDA 12.4 pods bound where the installed driver is older (first: " + first_bad + ")");
  if (on_upgraded == 0) failures.push_back("no CUDA 12.4 pod ran on the upgraded pool");
  if (before_relabel > 0) failures.push_back(std::to_string(before_relabel) + " CUDA 12.4 pods ran on the upgraded pool before its relabel");

  // Pod-start checks: the unknown accelerator gives Unknown, never a failure.
  std::map<std::string, int> checks, unknown_pool;
  for (const nlohmann::json* e : sim.of_type("CudaCompatibility")) {
    ++checks[(*e)["result"].get<std::string>()];
    if (pool_of((*e)["node"].get<std::string>()) == "unknown") ++unknown_pool[(*e)["result"].get<std::string>()];
  }
  if (unknown_pool["Unknown"] == 0) failures.push_back("no pod-start check on the unknown accelerator's node said Unknown");
  if (unknown_pool.size() > 1 || (unknown_pool.size() == 1 && !unknown_pool.contains("Unknown"))) {
    failures.push_back("the unknown accelerator's node gave a check other than Unknown");
  }
  if (checks["Incompatible"] > 0) failures.push_back(std::to_string(checks["Incompatible"]) + " pods failed their CUDA check at start");

  const int completed = sim.summary["jobs"]["completed"].get<int>();
  if (completed != kCudaJobs + kPlainJobs) failures.push_back(std::to_string(completed) + "/" + std::to_string(kCudaJobs + kPlainJobs) + " pods completed");
  if (sim.summary.contains("gpuDrivers") && sim.summary["gpuDrivers"]["poolsDriftingAtEnd"].get<int>() != 0) {
    failures.push_back("pools still drifting at the end: " + sim.summary["gpuDrivers"]["poolsDriftingAtEnd"].dump());
  }

  std::ostringstream ev;
  ev << "legacy pool (2 nodes, driver 535.104.05, CUDA 12.2) upgraded to " << kUpgradeTo.driver << " (CUDA " << kUpgradeTo.cuda
     << ") at " << seconds_text(kUpgradeAt) << ", GFD sleepInterval " << seconds_text(kInterval) << ": " << drifts << " drift(s) detected, "
     << resolved << " resolved, longest " << seconds_text(longest) << "; " << cuda_binds << " binds of " << kCudaJobs
     << " CUDA 12.4 pods, " << bad_binds << " where the installed CUDA was older, " << on_upgraded << " ran on the upgraded pool ("
     << before_relabel << " before its relabel); pod-start checks " << checks["Compatible"] << " Compatible, " << checks["Incompatible"]
     << " Incompatible, " << checks["Unknown"] << " Unknown (" << unknown_pool["Unknown"] << " on the unknown accelerator); " << completed
     << "/" << (kCudaJobs + kPlainJobs) << " pods completed";
  for (const auto& f : failures) ev << ". FAIL: " << f;
  return {failures.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
