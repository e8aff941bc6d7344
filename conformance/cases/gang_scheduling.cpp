// gang_scheduling: more gangs than fit at once. Pass iff no gang ever has some but not all of its
// pods bound (checked after every instant's events), every gang completes (no deadlock), and each
// completed gang had all its pods Running (KAR-0053's test watches Running) before it completed.
// A profile without a gang mechanism fails by what it does: it binds gangs partially.

#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"

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
  std::map<std::string, int> bound;  // job -> pods bound now
  std::map<std::string, double> partial_since;  // job -> when its current partial binding began
  int partial_instants = 0, max_concurrent = 0;
  double longest = 0;
  std::string first_partial, longest_job;
  auto check = [&](double t) {
    int running = 0;
    for (const auto& [job, n] : bound) {
      if (n == kGangPods) ++running;
      const bool partial = n > 0 && n < kGangPods;
      if (!partial) {
        if (auto it = partial_since.find(job); it != partial_since.end()) {
          if (t - it->second > longest) {
            longest = t - it->second;
            longest_job = job;
          }
          partial_since.erase(it);
        }
      } else {
        partial_since.emplace(job, t);
        ++partial_instants;
        if (first_partial.empty()) {
          std::ostringstream s;
          s << job << " had " << n << "/" << kGangPods << " pods bound at t=" << t << " s";
          first_partial = s.str();
        }
      }
    }
    max_concurrent = std::max(max_concurrent, running);
  };
  std::map<std::string, std::pair<double, int>> running;  // job -> first PodRunning of this run, pods Running
  int gangs_all_running = 0;
  double max_spread = 0;  // first to last member Running, over gangs
  double now = 0;
  for (const auto& e : sim.events) {
    const double t = e["t"].get<double>();
    if (t != now) check(now);  // the state after every event of an instant
    now = t;
    const std::string type = e["type"].get<std::string>();
    const std::string job = e["job"].get<std::string>();
    if (type == "Scheduled") ++bound[job];
    else if (type == "PodRunning") {
      auto& [first, n] = running[job];
      if (n++ == 0) first = t;
      if (n == kGangPods) max_spread = std::max(max_spread, t - first);
    } else if (type == "JobCompleted" || type == "JobFailed" || type == "Preempted" || type == "Evicted") {
      bound[job] = 0;
      if (type == "JobCompleted" && running[job].second == kGangPods) ++gangs_all_running;
      running.erase(job);
    }
  }
  check(now);
  for (const auto& [job, since] : partial_since) {  // still partial at the end: a deadlock
    if (now - since > longest) {
      longest = now - since;
      longest_job = job;
    }
  }
  const auto completed = sim.summary["jobs"]["completed"].get<int>();
  std::ostringstream ev;
  ev << kGangs << " gangs of " << kGangPods << " x 8-GPU pods on " << kNodes
     << " x 8-GPU nodes (one gang fits at a time): " << completed << "/" << kGangs << " completed, "
     << partial_instants << " instants with a partially bound gang";
  if (!first_partial.empty()) {
    ev << " (first: " << first_partial << "; longest: " << longest_job << " partially bound for " << seconds_text(longest) << ")";
  }
  ev << ", at most " << max_concurrent << " whole gangs bound at once, " << sim.of_type("PermitRejected").size()
     << " PermitRejected; " << gangs_all_running << " gangs completed with all " << kGangPods
     << " pods Running (first to last member Running at most " << seconds_text(max_spread) << " apart)";
  const bool pass = partial_instants == 0 && completed == kGangs && gangs_all_running == completed;
  if (completed < kGangs) ev << "; FAIL: not all gangs completed within 6h (deadlock)";
  if (gangs_all_running < completed) ev << "; FAIL: a gang completed without all its pods Running";
  return {pass ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
