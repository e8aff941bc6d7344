// MLOps family: three pipelines of four steps (data prep on CPUs -> a 2-node training gang ->
// a 1-GPU evaluation -> registering the model), steps chained with dependsOn (Argo / Kubeflow
// Pipelines DAG semantics). The training step of pipeline 1 fails (exit 1, backoffLimit 0). Pass iff
// no step is submitted before all its dependencies completed, the healthy pipelines complete every
// step, the failed pipeline's later steps are skipped and never run, and nothing waits at the end.

#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"
#include "conformance/workloads/workload_support.hpp"

namespace kubetwin::conformance::workloads {

namespace {

constexpr int kPipelines = 3, kFailing = 1;
const char* const kSteps[] = {"prep", "train", "eval", "register"};

std::string step_id(int p, int s) { return "pipeline-" + std::to_string(p) + "-" + kSteps[s]; }

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int p = 0; p < kPipelines; ++p) {
    const int start = 60 * p;
    auto step = [&](int s, const char* duration, nlohmann::json pods) {
      nlohmann::json j = {{"jobId", step_id(p, s)}, {"submitTime", start}, {"duration", duration}, {"pods", std::move(pods)}};
      if (s > 0) j["dependsOn"] = {step_id(p, s - 1)};
      return j;
    };
    jobs.push_back(step(0, "10m", {{{"name", "prep"}, {"requests", {{"cpu", "32"}, {"memory", "128Gi"}}}}}));
    nlohmann::json train = step(1, "30m", {{{"name", "worker"}, {"replicas", 2},
                                             {"requests", {{"cpu", "96"}, {"memory", "1Ti"}, {"nvidia.com/gpu", 8}}}}});
    train["minMember"] = 2;
    if (p == kFailing) {  // a batch Job whose pod exits 1 after 5 minutes, with no retries
      train["backoffLimit"] = 0;
      train["failures"] = {{"failAt", {{{"after", "5m"}, {"exitCode", 1}}}}};
    }
    jobs.push_back(train);
    jobs.push_back(step(2, "5m", {{{"name", "eval"}, {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", 1}}}}}));
    jobs.push_back(step(3, "1m", {{{"name", "register"}, {"requests", {{"cpu", "1"}, {"memory", "1Gi"}}}}}));
  }
  // Sorted by submit time, as the scenario format asks: the pipelines start 60 s apart.
  return {{"name", "workload-mlops"},
          {"platform", {{"nodePools", {h100_pool(2)}}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "6h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult mlops_pipelines(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::map<std::string, double> submitted, completed, failed, skipped;
  for (const auto& e : sim.events) {
    const std::string type = e["type"].get<std::string>();
    if (!e.contains("job")) continue;
    const std::string job = e["job"].get<std::string>();
    const double t = e["t"].get<double>();
    if (type == "JobSubmitted") submitted.emplace(job, t);
    else if (type == "JobCompleted") completed[job] = t;
    else if (type == "JobFailed") failed[job] = t;
    else if (type == "JobSkipped") skipped[job] = t;
  }
  std::vector<std::string> problems;
  std::ostringstream ev;
  ev << kPipelines << " pipelines of prep -> train (2 x 8 GPUs) -> eval -> register on 2 x 8-GPU nodes, pipeline-" << kFailing
     << "'s training failing: ";
  int early = 0;
  for (int p = 0; p < kPipelines; ++p) {
    for (int s = 1; s < 4; ++s) {
      const auto sub = submitted.find(step_id(p, s));
      const auto dep = completed.find(step_id(p, s - 1));
      if (sub != submitted.end() && (dep == completed.end() || sub->second < dep->second)) {
        ++early;
        problems.push_back(step_id(p, s) + " was submitted before " + step_id(p, s - 1) + " completed");
      }
    }
    ev << "pipeline-" << p;
    if (p == kFailing) {
      const bool train_failed = failed.contains(step_id(p, 1));
      const bool later_skipped = skipped.contains(step_id(p, 2)) && skipped.contains(step_id(p, 3));
      const bool later_ran = submitted.contains(step_id(p, 2)) || submitted.contains(step_id(p, 3));
      ev << (train_failed ? " training failed" : " training did not fail") << ", eval and register "
         << (later_skipped && !later_ran ? "skipped" : "not skipped");
      if (!train_failed) problems.push_back(step_id(p, 1) + " should have failed");
      if (!later_skipped || later_ran) problems.push_back("the steps after " + step_id(p, 1) + " were not skipped");
    } else {
      int done = 0;
      for (int s = 0; s < 4; ++s) done += completed.contains(step_id(p, s)) ? 1 : 0;
      ev << " " << done << "/4 steps completed";
      if (done == 4) ev << " in " << cases::seconds_text(completed[step_id(p, 3)] - submitted[step_id(p, 0)]);
      if (done != 4) problems.push_back("pipeline-" + std::to_string(p) + " did not complete every step");
    }
    ev << "; ";
  }
  const auto& deps = sim.summary.contains("dependencies") ? sim.summary["dependencies"] : nlohmann::json::object();
  const int held = deps.value("heldAtEnd", -1);
  ev << early << " steps submitted before their dependency completed, " << deps.value("released", 0)
     << " steps released by their dependencies, " << deps.value("skipped", 0) << " skipped, " << held << " still waiting at the end";
  if (held != 0) problems.push_back("steps still wait for their dependencies at the end");
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::workloads
