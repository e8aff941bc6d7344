// cluster_autoscaling (KAR-0055's test): a GPU pool of N one-GPU nodes (min N, max N+2) beside a
// CPU-only pool that may also grow, and N+1 one-GPU pods. Pass iff a pod is pending, the GPU pool
// (not the CPU pool) scales up within the bound, the pending pod runs, and after the pods finish
// the pool is back to N nodes within the scale-down bound.

#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kNodes = 2;
constexpr double kScanInterval = 10, kProvisioning = 120, kUnneeded = 600, kDelayAfterAdd = 600;
// Bounds: the scale-up decision within two scans of the first FailedScheduling; the pod running
// within the provisioning delay plus a minute more; removal within the unneeded time (or the
// delay after add) plus two scans after the pods end.
constexpr double kScaleUpBound = 2 * kScanInterval;
constexpr double kRunBound = kScaleUpBound + kProvisioning + 60;
constexpr double kScaleDownBound = std::max(kUnneeded, kDelayAfterAdd) + 2 * kScanInterval + 60;

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int j = 0; j <= kNodes; ++j) {
    jobs.push_back({{"jobId", "gpu-pod-" + std::to_string(j)}, {"submitTime", 0}, {"duration", "15m"},
                    {"pods", {{{"name", "main"}, {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", 1}}}}}}});
  }
  return {{"name", "cluster-autoscaling"},
          {"platform", {{"nodePools", {{{"name", "gpu"}, {"count", kNodes},
                                         {"capacity", {{"cpu", "16"}, {"memory", "128Gi"}, {"nvidia.com/gpu", 1}}},
                                         {"gpuModel", "H100-SXM-80GB"}, {"autoscaling", {{"minCount", kNodes}, {"maxCount", kNodes + 2}}}},
                                        {{"name", "cpu"}, {"count", 1},
                                         {"capacity", {{"cpu", "32"}, {"memory", "128Gi"}}},
                                         {"autoscaling", {{"minCount", 1}, {"maxCount", 3}}}}}}}},
          {"autoscaler", {{"scanInterval", "10s"}, {"provisioningDelay", "2m"}, {"scaleDownUnneededTime", "10m"},
                          {"scaleDownDelayAfterAdd", "10m"}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "2h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult cluster_autoscaling(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::ostringstream ev;
  std::vector<std::string> problems;
  const auto pending = sim.of_type("FailedScheduling");
  const double t_pending = pending.empty() ? -1 : (*pending.front())["t"].get<double>();
  double t_up = -1, t_cpu_up = -1;
  for (const nlohmann::json* e : sim.of_type("TriggeredScaleUp")) {
    if ((*e)["pool"] == "gpu" && t_up < 0) t_up = (*e)["t"].get<double>();
    if ((*e)["pool"] == "cpu" && t_cpu_up < 0) t_cpu_up = (*e)["t"].get<double>();
  }
  double t_last_start = -1, t_last_end = 0;
  for (const nlohmann::json* e : sim.of_type("JobStarted")) t_last_start = std::max(t_last_start, (*e)["t"].get<double>());
  for (const nlohmann::json* e : sim.of_type("JobCompleted")) t_last_end = std::max(t_last_end, (*e)["t"].get<double>());
  int gpu_nodes = kNodes, max_gpu_nodes = kNodes;
  double t_back = -1;
  for (const auto& e : sim.events) {
    const std::string type = e["type"].get<std::string>();
    const bool gpu_node = e.contains("node") && e["node"].get<std::string>().rfind("gpu-", 0) == 0;
    if (type == "NodeAdded" && gpu_node) max_gpu_nodes = std::max(max_gpu_nodes, ++gpu_nodes);
    if (type == "ScaleDown" && gpu_node && --gpu_nodes == kNodes) t_back = e["t"].get<double>();
  }
  const int completed = sim.summary["jobs"]["completed"].get<int>();
  ev << kNodes + 1 << " one-GPU pods on " << kNodes << " one-GPU nodes (min " << kNodes << ", max " << kNodes + 2 << "): ";
  if (t_pending < 0) problems.push_back("no pod was ever pending");
  else ev << "first pending at " << seconds_text(t_pending) << ", ";
  if (t_up < 0) problems.push_back("the GPU pool never scaled up");
  else {
    ev << "GPU pool scale-up decided at " << seconds_text(t_up) << " (bound " << seconds_text(t_pending + kScaleUpBound) << "), ";
    if (t_up - t_pending > kScaleUpBound) problems.push_back("scale-up later than the bound");
  }
  if (t_cpu_up >= 0) problems.push_back("the CPU-only pool was scaled up for GPU pods");
  ev << "pool peaked at " << max_gpu_nodes << " nodes, last pod started at " << seconds_text(t_last_start) << " (bound "
     << seconds_text(t_pending + kRunBound) << "), " << completed << "/" << kNodes + 1 << " completed";
  if (completed != kNodes + 1) problems.push_back("not every pod completed");
  if (t_pending >= 0 && t_last_start - t_pending > kRunBound) problems.push_back("the pending pod ran later than the bound");
  if (t_back < 0) problems.push_back("the pool never returned to " + std::to_string(kNodes) + " nodes");
  else {
    ev << ", back to " << kNodes << " nodes at " << seconds_text(t_back) << " (bound " << seconds_text(t_last_end + kScaleDownBound) << ")";
    if (t_back - t_last_end > kScaleDownBound) problems.push_back("scale-down later than the bound");
  }
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
