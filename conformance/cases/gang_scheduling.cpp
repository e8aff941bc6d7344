// gang_scheduling: more gangs than fit at once. Pass iff no gang ever has some but not all of its
// pods bound (checked after every instant's events), every gang completes (no deadlock), and each
// completed gang had all its pods Running (KAR-0053's test watches Running) before it completed.
// A profile without a gang mechanism fails by what it does: it binds gangs partially.

#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"
#include "conformance/cases/gang_watch.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kNodes = 4, kGangs = 5, kGangPods = 3;  // 8-GPU pods: one gang fits at a time

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (int g = 0; g < kGangs; ++g) {
    jobs.push_back({{"jobId", "gang-" + std::to_string(g)}, {"submitTime", g}, {"duration", "10m"}, {"minMember", kGangPods},
                    {"pods", {{{"name", "worker"}, {"replicas", kGangPods},
                               {"requests", {{"cpu", "64"}, {"memory", "512Gi"}, {"nvidia.com/gpu", 8}}}}}}});
  }
  return {{"name", "gang-scheduling"},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", kNodes},
                                        {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                                        {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"workload", {{"jobs", jobs}}},
          {"simulation", {{"until", "6h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult gang_scheduling(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::map<std::string, int> sizes;
  for (int g = 0; g < kGangs; ++g) sizes["gang-" + std::to_string(g)] = kGangPods;
  const GangWatch w = watch_gangs(sim, sizes);
  const auto completed = sim.summary["jobs"]["completed"].get<int>();
  std::ostringstream ev;
  ev << kGangs << " gangs of " << kGangPods << " x 8-GPU pods on " << kNodes
     << " x 8-GPU nodes (one gang fits at a time): " << completed << "/" << kGangs << " completed, "
     << w.partial_instants << " instants with a partially bound gang";
  if (!w.first_partial.empty()) {
    ev << " (first: " << w.first_partial << "; longest: " << w.longest_job << " partially bound for " << seconds_text(w.longest) << ")";
  }
  ev << ", at most " << w.max_whole_bound << " whole gangs bound at once, " << sim.of_type("PermitRejected").size()
     << " PermitRejected; " << w.completed_all_running << " gangs completed with all " << kGangPods
     << " pods Running (first to last member Running at most " << seconds_text(w.max_running_spread) << " apart)";
  const bool pass = w.partial_instants == 0 && completed == kGangs && w.completed_all_running == completed;
  if (completed < kGangs) ev << "; FAIL: not all gangs completed within 6h (deadlock)";
  if (w.completed_all_running < completed) ev << "; FAIL: a gang completed without all its pods Running";
  return {pass ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
