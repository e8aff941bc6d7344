// Training family: pretraining gangs (2 nodes x 8 GPUs, minMember 2) and a burst of 2-GPU
// fine-tuning jobs, more than 4 nodes hold at once. Pass iff every job completes within the
// horizon, no gang is ever partially bound, and every gang had all its pods Running.

#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"
#include "conformance/cases/gang_watch.hpp"
#include "conformance/workloads/workload_support.hpp"

namespace kubetwin::conformance::workloads {

namespace {

constexpr int kNodes = 4, kGangs = 3, kGangPods = 2, kFineTunes = 8;

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int i = 0; i < kGangs + kFineTunes; ++i) {
    if (i < kGangs) {
      jobs.push_back({{"jobId", "pretrain-" + std::to_string(i)}, {"submitTime", 60 * i}, {"duration", "1h"},
                      {"priority", 100}, {"minMember", kGangPods},
                      {"pods", {{{"name", "worker"}, {"replicas", kGangPods},
                                 {"requests", {{"cpu", "96"}, {"memory", "1Ti"}, {"nvidia.com/gpu", 8}}}}}}});
    } else {
      const int f = i - kGangs;
      jobs.push_back({{"jobId", "finetune-" + std::to_string(f)}, {"submitTime", 150 + 30 * f}, {"duration", "20m"},
                      {"pods", {{{"name", "trainer"}, {"requests", {{"cpu", "16"}, {"memory", "128Gi"}, {"nvidia.com/gpu", 2}}}}}}});
    }
  }
  return {{"name", "workload-training"},
          {"platform", {{"nodePools", {h100_pool(kNodes)}}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "12h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult training_mix(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::map<std::string, int> sizes;
  for (int g = 0; g < kGangs; ++g) sizes["pretrain-" + std::to_string(g)] = kGangPods;
  const cases::GangWatch w = cases::watch_gangs(sim, sizes);
  double gang_wait = 0, tune_wait = 0;
  int gangs_started = 0, tunes_started = 0;
  for (const nlohmann::json* e : sim.of_type("JobStarted")) {
    const bool gang = sizes.contains((*e)["job"].get<std::string>());
    (gang ? gang_wait : tune_wait) += (*e)["queueingDelay"].get<double>();
    ++(gang ? gangs_started : tunes_started);
  }
  const int completed = sim.summary["jobs"]["completed"].get<int>();
  const int total = kGangs + kFineTunes;
  std::ostringstream ev;
  ev << kGangs << " pretraining gangs of " << kGangPods << " x 8 GPUs and " << kFineTunes << " 2-GPU fine-tuning jobs on "
     << kNodes << " x 8-GPU nodes: " << completed << "/" << total << " completed by "
     << cases::seconds_text(sim.summary["simulatedSeconds"].get<double>()) << ", " << w.partial_instants
     << " instants with a partially bound gang, " << w.completed_all_running << "/" << kGangs
     << " gangs completed with all pods Running; mean queueing " << cases::seconds_text(gangs_started ? gang_wait / gangs_started : 0)
     << " (gangs), " << cases::seconds_text(tunes_started ? tune_wait / tunes_started : 0) << " (fine-tuning)";
  std::vector<std::string> problems;
  if (completed != total) problems.push_back("not every job completed within 12 h");
  if (w.partial_instants > 0) problems.push_back("a gang was partially bound (first: " + w.first_partial + ")");
  if (w.completed_all_running != kGangs) problems.push_back("a gang did not complete with all its pods Running");
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::workloads
