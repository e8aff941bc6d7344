// pod_autoscaling (KAR-0057's test): a GPU inference Deployment with an HPA on requests/s per
// replica (a custom AI metric) under a load step up and back down. Pass iff replicas rise within
// the bound after the step, the new replicas run on GPU nodes, and replicas fall back after the
// load drops, no later than the scale-down stabilization window plus two syncs.

#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr double kStepUp = 300, kStepDown = 1800;  // load 60 -> 300 -> 60 requests/s
constexpr double kSync = 15, kStabilization = 300;
constexpr int kMin = 2;
constexpr double kUpBound = 2 * kSync + 15;  // two syncs and a rescale period
constexpr double kDownBound = kStabilization + 2 * kSync + 15;

nlohmann::json scenario() {
  return {{"name", "pod-autoscaling"},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", 2},
                                         {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                                         {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"controllers", {{"hpaSyncPeriod", "15s"}}},
          {"deployments", {{{"name", "llm"}, {"replicas", kMin},
                            {"template", {{"name", "server"}, {"requests", {{"cpu", "12"}, {"memory", "128Gi"}, {"nvidia.com/gpu", 1}}}}},
                            {"load", {{"interpolation", "step"},
                                      {"points", {{{"time", 0}, {"requestsPerSecond", 60}},
                                                  {{"time", kStepUp}, {"requestsPerSecond", 300}},
                                                  {{"time", kStepDown}, {"requestsPerSecond", 60}}}}}},
                            {"autoscaling", {{"minReplicas", kMin}, {"maxReplicas", 10}, {"targetRequestsPerSecondPerReplica", 40}}}}}},
          {"workload", {{"jobs", nlohmann::json::array()}}},
          {"simulation", {{"until", "1h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult pod_autoscaling(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  double t_up = -1, t_down = -1;
  int peak = kMin, final_replicas = kMin;
  for (const nlohmann::json* e : sim.of_type("SuccessfulRescale")) {
    const double t = (*e)["t"].get<double>();
    const int from = (*e)["from"].get<int>(), to = (*e)["to"].get<int>();
    if (to > from && t >= kStepUp && t_up < 0) t_up = t;
    if (to < from && t >= kStepDown && t_down < 0) t_down = t;
    peak = std::max(peak, to);
    final_replicas = to;
  }
  int pods_running = 0;
  for (const nlohmann::json* e : sim.of_type("PodRunning")) pods_running += (*e)["job"] == "llm" ? 1 : 0;
  std::vector<std::string> problems;
  std::ostringstream ev;
  ev << "Deployment of 1-GPU replicas, HPA target 40 req/s per replica, load 60 -> 300 req/s at " << seconds_text(kStepUp)
     << " and back at " << seconds_text(kStepDown) << ": ";
  if (t_up < 0) problems.push_back("replicas never rose above " + std::to_string(kMin));
  else {
    ev << "first scale-up at " << seconds_text(t_up) << " (bound " << seconds_text(kStepUp + kUpBound) << "), ";
    if (t_up - kStepUp > kUpBound) problems.push_back("scale-up later than the bound");
  }
  ev << "peak " << peak << " replicas, " << pods_running << " replica pods ran";
  if (pods_running <= kMin) problems.push_back("no new replica ran");
  if (t_down < 0) problems.push_back("replicas never fell after the load dropped");
  else {
    ev << ", first scale-down at " << seconds_text(t_down) << " (bound " << seconds_text(kStepDown + kDownBound) << "), "
       << final_replicas << " replicas at the end";
    if (t_down - kStepDown > kDownBound) problems.push_back("scale-down later than the bound");
  }
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
