// Inference family: two model Deployments with HPAs on requests/s per replica, load steps that
// overlap in time, on 2 nodes that hold both peaks. Pass iff after each step up every Deployment
// reaches the replica count its load asks for within 2 HPA syncs + 15 s, its replicas run, and after
// the step down it returns to that count within the 300 s stabilization window + 2 syncs + 15 s.

#include <algorithm>
#include <cmath>
#include <sstream>

#include "conformance/cases/case_support.hpp"
#include "conformance/workloads/workload_support.hpp"

namespace kubetwin::conformance::workloads {

namespace {

constexpr double kSync = 15, kStabilization = 300;
constexpr double kUpBound = 2 * kSync + 15, kDownBound = kStabilization + 2 * kSync + 15;

struct Service {
  const char* name;
  int gpus, min, max;
  double target, base, peak, up_at, down_at;  // req/s per replica; load before, during, after the step
  int desired(double load) const { return std::clamp(static_cast<int>(std::ceil(load / target)), min, max); }
};
constexpr Service kServices[] = {
    {"chat-8b", 1, 2, 8, 40, 60, 240, 600, 2400},
    {"code-70b", 2, 1, 4, 20, 20, 70, 1200, 3000},
};

nlohmann::json scenario() {
  nlohmann::json deployments = nlohmann::json::array();
  for (const Service& s : kServices) {
    deployments.push_back(
        {{"name", s.name}, {"replicas", s.min},
         {"template", {{"name", "server"}, {"requests", {{"cpu", "12"}, {"memory", "128Gi"}, {"nvidia.com/gpu", s.gpus}}}}},
         {"load", {{"interpolation", "step"},
                   {"points", {{{"time", 0}, {"requestsPerSecond", s.base}},
                               {{"time", s.up_at}, {"requestsPerSecond", s.peak}},
                               {{"time", s.down_at}, {"requestsPerSecond", s.base}}}}}},
         {"autoscaling", {{"minReplicas", s.min}, {"maxReplicas", s.max}, {"targetRequestsPerSecondPerReplica", s.target}}}});
  }
  return {{"name", "workload-inference"},
          {"platform", {{"nodePools", {h100_pool(2)}}}},
          {"controllers", {{"hpaSyncPeriod", "15s"}}},
          {"deployments", deployments},
          {"workload", {{"jobs", nlohmann::json::array()}}},
          {"simulation", {{"until", "80m"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult inference_services(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::vector<std::string> problems;
  std::ostringstream ev;
  for (const Service& s : kServices) {
    const int up = s.desired(s.peak), down = s.desired(s.base);
    double reached_up = -1, reached_down = -1;
    for (const nlohmann::json* e : sim.of_type("SuccessfulRescale")) {
      if ((*e)["deployment"] != s.name) continue;
      const double t = (*e)["t"].get<double>();
      const int to = (*e)["to"].get<int>();
      if (t >= s.up_at && t < s.down_at && to >= up && reached_up < 0) reached_up = t;
      if (t >= s.down_at && to == down && reached_down < 0) reached_down = t;
    }
    int running = 0;
    for (const nlohmann::json* e : sim.of_type("PodRunning")) running += (*e)["job"] == s.name ? 1 : 0;
    ev << s.name << " (" << s.gpus << "-GPU replicas, " << s.base << " -> " << s.peak << " req/s at "
       << cases::seconds_text(s.up_at) << ", back at " << cases::seconds_text(s.down_at) << "): ";
    if (reached_up < 0) {
      problems.push_back(std::string(s.name) + " never reached " + std::to_string(up) + " replicas");
    } else {
      ev << up << " replicas " << cases::seconds_text(reached_up - s.up_at) << " after the step (bound "
         << cases::seconds_text(kUpBound) << "), ";
      if (reached_up - s.up_at > kUpBound) problems.push_back(std::string(s.name) + " scaled up late");
    }
    if (reached_down < 0) {
      problems.push_back(std::string(s.name) + " never returned to " + std::to_string(down) + " replicas");
    } else {
      ev << "back to " << down << " " << cases::seconds_text(reached_down - s.down_at) << " after the drop (bound "
         << cases::seconds_text(kDownBound) << "), ";
      if (reached_down - s.down_at > kDownBound) problems.push_back(std::string(s.name) + " scaled down late");
    }
    ev << running << " pods started; ";
    if (running < up) problems.push_back(std::string(s.name) + ": fewer pods ran than the peak needs");
  }
  for (const auto& d : sim.summary["deployments"]) {
    ev << d["name"].get<std::string>() << " ready " << d["ready"].get<int>() << "/" << d["replicas"].get<int>() << " at the end; ";
    if (d["ready"] != d["replicas"]) problems.push_back(d["name"].get<std::string>() + " has replicas not ready at the end");
  }
  std::string text = ev.str();
  text.resize(text.size() - 2);  // the last "; "
  for (const auto& p : problems) text += "; FAIL: " + p;
  return {problems.empty() ? Status::Pass : Status::Fail, text};
}

}  // namespace kubetwin::conformance::workloads
