// gpu_sharing (SHOULD 1.35+): pods asking for GPU shares (0.25 and 0.5 of a GPU, as with
// time-slicing or fractional GPUs) on one node with 2 GPUs, more shares than fit at once. Pass iff
// several pods run on one physical GPU at the same time, no GPU is ever given more than its whole
// (1000 milli-GPU), and every pod completes.

#include <map>
#include <sstream>
#include <tuple>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kQuarterPods = 6, kHalfPods = 4;  // 3.5 GPUs of shares on 2 GPUs

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int j = 0; j < kQuarterPods + kHalfPods; ++j) {
    const double share = j < kQuarterPods ? 0.25 : 0.5;
    jobs.push_back({{"jobId", "share-" + std::to_string(j)}, {"submitTime", j}, {"duration", "10m"},
                    {"pods", {{{"name", "main"}, {"requests", {{"cpu", "2"}, {"memory", "16Gi"}, {"nvidia.com/gpu", share}}}}}}});
  }
  return {{"name", "gpu-sharing"},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", 1},
                                         {"capacity", {{"cpu", "32"}, {"memory", "256Gi"}, {"nvidia.com/gpu", 2}}},
                                         {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "3h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult gpu_sharing(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  using Device = std::pair<std::string, int>;              // node, device number
  std::map<std::string, std::pair<Device, int>> holding;   // job -> device and milli-GPU
  std::map<Device, int> used, pods_on;
  int max_pods_on_one = 0, max_milli = 0, shared_binds = 0;
  for (const auto& e : sim.events) {
    const std::string type = e["type"].get<std::string>();
    const std::string job = e.value("job", std::string());
    if (type == "Scheduled" && e.contains("gpuMilli") && e.contains("gpus") && e["gpus"].size() == 1) {
      const Device d{e["node"].get<std::string>(), e["gpus"][0].get<int>()};
      const int milli = e["gpuMilli"].get<int>();
      holding[job] = {d, milli};
      used[d] += milli;
      ++pods_on[d];
      ++shared_binds;
      max_milli = std::max(max_milli, used[d]);
      max_pods_on_one = std::max(max_pods_on_one, pods_on[d]);
    } else if (type == "JobCompleted" || type == "JobFailed" || type == "Preempted") {
      if (auto it = holding.find(job); it != holding.end()) {
        used[it->second.first] -= it->second.second;
        --pods_on[it->second.first];
        holding.erase(it);
      }
    }
  }
  const int pods = kQuarterPods + kHalfPods;
  const int completed = sim.summary["jobs"]["completed"].get<int>();
  std::vector<std::string> problems;
  std::ostringstream ev;
  ev << kQuarterPods << " pods of 0.25 GPU and " << kHalfPods << " of 0.5 GPU on one node with 2 GPUs: " << shared_binds
     << " shares bound, at most " << max_pods_on_one << " pods on one GPU at once, at most " << max_milli
     << " milli-GPU given out on one GPU, " << completed << "/" << pods << " completed";
  if (max_pods_on_one < 2) problems.push_back("no GPU was ever shared");
  if (max_milli > 1000) problems.push_back("a GPU was given out beyond its whole");
  if (completed != pods) problems.push_back("not every pod completed");
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
