// Validation study: the simulated kube-scheduler's throughput with the default control-plane
// timing (ControlPlaneTiming::calibrated(), what every scenario gets), against upstream's
// scheduler_perf figures (kubernetes test/integration/scheduler_perf, as issue 4 quotes them):
//   - SchedulingBasic, 5,000 nodes: about 810 pods/s. Checked within +-15 %.
//   - DRA SchedulingWithResourceClaimTemplate, 500 nodes: 40 to 56 pods/s. Checked inside that band.
// Throughput is measured as upstream's SchedulingThroughput is: pods bound per second while the
// queue is full (here: Scheduled events between the first and the last).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "models/hardware/gpu_catalog.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"

namespace kubetwin::scenarios {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Runs `doc` and returns pods bound per simulated second.
double scheduled_pods_per_second(const json& doc, const std::string& name, int expect_pods) {
  const Scenario sc = load_scenario(doc, name, fs::current_path(), models::GpuCatalog::builtin());
  const fs::path out = fs::temp_directory_path() / ("kubetwin-throughput-" + name);
  RunOptions options;
  options.out_dir = out;
  options.progress = false;
  run_scenario(sc, options);
  std::ifstream events(out / "events.jsonl");
  double first = -1, last = -1;
  int pods = 0;
  for (std::string line; std::getline(events, line);) {
    const json e = json::parse(line);
    if (e.at("type") != "Scheduled") continue;
    const double t = e.at("t").get<double>();
    if (pods++ == 0) first = t;
    last = t;
  }
  fs::remove_all(out);
  EXPECT_EQ(pods, expect_pods);
  return (pods - 1) / (last - first);
}

json single_pod_job(int i, const json& pod) {
  return {{"jobId", "p" + std::to_string(i)}, {"submitTime", 0}, {"duration", 3600}, {"pods", json::array({pod})}};
}

TEST(SchedulerThroughput, SchedulingBasicAt5000NodesIsAbout810PodsPerSecond) {
  // scheduler_perf's default node (4 CPUs, 32Gi) and pod (100m CPU, 500Mi): every node fits.
  json jobs = json::array();
  const json pod = {{"name", "pod"}, {"requests", {{"cpu", "100m"}, {"memory", "500Mi"}}}};
  for (int i = 0; i < 1000; ++i) jobs.push_back(single_pod_job(i, pod));
  const json doc = {
      {"name", "scheduling-basic-5000"},
      {"platform", {{"nodePools", json::array({{{"name", "node"}, {"count", 5000},
                                                 {"capacity", {{"cpu", "4"}, {"memory", "32Gi"}}}}})}}},
      {"workload", {{"jobs", jobs}}},
      {"output", {{"timeline", false}}}};
  const double rate = scheduled_pods_per_second(doc, "basic", 1000);
  std::printf("SchedulingBasic 5000 nodes: %.1f pods/s (upstream about 810)\n", rate);
  EXPECT_NEAR(rate, 810, 810 * 0.15);
}

TEST(SchedulerThroughput, ResourceClaimTemplateAt500NodesIs40To56PodsPerSecond) {
  json jobs = json::array();
  const json pod = {{"name", "pod"},
                    {"requests", {{"cpu", "100m"}, {"memory", "500Mi"}}},
                    {"resourceClaims", json::array({{{"name", "gpu"}, {"resourceClaimTemplateName", "one-gpu"}}})}};
  for (int i = 0; i < 400; ++i) jobs.push_back(single_pod_job(i, pod));
  const json slices = json::array({{{"driver", "gpu.example.com"},
                                    {"devices", json::array({{{"name", "gpu"}, {"count", 8},
                                                              {"attributes", {{"model", {{"string", "H100"}}}}}}})}}});
  const json doc = {
      {"name", "dra-claim-template-500"},
      {"platform", {{"nodePools", json::array({{{"name", "node"}, {"count", 500},
                                                 {"capacity", {{"cpu", "4"}, {"memory", "32Gi"}}},
                                                 {"resourceSlices", slices}}})}}},
      {"dra", {{"deviceClasses", json::array({{{"metadata", {{"name", "gpu.example.com"}}},
                                               {"spec", {{"selectors", json::array({{{"cel", {{"expression", "device.driver == \"gpu.example.com\""}}}}})}}}}})},
               {"resourceClaimTemplates",
                json::array({{{"metadata", {{"name", "one-gpu"}}},
                              {"spec", {{"spec", {{"devices", {{"requests", json::array({{{"name", "gpu"},
                                {"exactly", {{"deviceClassName", "gpu.example.com"}, {"count", 1}}}}})}}}}}}}}})}}},
      {"workload", {{"jobs", jobs}}},
      {"output", {{"timeline", false}}}};
  const double rate = scheduled_pods_per_second(doc, "dra", 400);
  std::printf("SchedulingWithResourceClaimTemplate 500 nodes: %.1f pods/s (upstream 40 to 56)\n", rate);
  EXPECT_GE(rate, 40);
  EXPECT_LE(rate, 56);
}

}  // namespace
}  // namespace kubetwin::scenarios
