// ai_service_metrics (KAR-0061's test: an inference server, a PodMonitor and traffic; queries return
// request count, latency and queue depth that reflect the traffic): an inference Deployment of 3
// vLLM-style pods (100 requests/s each at most) whose offered load steps from 150 to 450
// requests/s for 5 minutes (more than fits: a queue builds, then drains), and a second Deployment
// created mid-run; one PodMonitor selects both by label. The case reads only the run's metrics.om
// (strict OpenMetrics) and the pods' PodRunning events. Pass iff every pod's vLLM series first
// appear within kDiscoveryScrapes scrape intervals after it runs (never before), every
// vllm:request_success_total series never decreases, the requests the series account for
// (completed plus the growth of the waiting queue) match the offered load within 2% in each
// window, the queue is empty before the step, grows during it and is drained at the end, and mean
// end-to-end latency and time to first token during the step exceed twice their values before it.

#include <cmath>
#include <map>
#include <sstream>

#include "conformance/cases/case_support.hpp"
#include "conformance/cases/metrics_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr double kInterval = 15;
constexpr int kDiscoveryScrapes = 2;  // the bound: discovery delay (5 s) + one interval fits in two
constexpr double kTolerance = 0.02;
constexpr double kStepUp = 600, kStepDown = 900, kCreated = 1000;
constexpr double kLow = 150, kHigh = 450, kSecondLoad = 40;

nlohmann::json deployment(const char* name, int replicas, nlohmann::json load, double created_at) {
  nlohmann::json d = {{"name", name}, {"replicas", replicas},
                      {"template", {{"name", "server"}, {"labels", {{"app", "vllm"}, {"model", name}}},
                                    {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", 1}}}}},
                      {"load", std::move(load)},
                      {"server", {{"maxNumSeqs", 200}, {"requestLatency", "2s"}, {"timeToFirstToken", "150ms"}}}};
  if (created_at > 0) d["createdAt"] = std::to_string(static_cast<int>(created_at)) + "s";
  return d;
}

nlohmann::json scenario() {
  nlohmann::json chat_load = {{"interpolation", "step"},
                              {"points", {{{"time", 0}, {"requestsPerSecond", kLow}},
                                          {{"time", kStepUp}, {"requestsPerSecond", kHigh}},
                                          {{"time", kStepDown}, {"requestsPerSecond", kLow}}}}};
  nlohmann::json embed_load = {{"points", {{{"time", 0}, {"requestsPerSecond", kSecondLoad}}}}};
  return {{"name", "ai-service-metrics"},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", 1},
                                        {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                                        {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"deployments", {deployment("chat", 3, chat_load, 0), deployment("embed", 2, embed_load, kCreated)}},
          {"workload", {{"jobs", nlohmann::json::array()}}},
          {"observability", {{"scrapeInterval", "15s"}, {"startTimestamp", static_cast<std::int64_t>(kMetricsOrigin)},
                             {"podMonitors", {{{"name", "vllm"}, {"selector", {{"matchLabels", {{"app", "vllm"}}}}}, {"interval", "15s"}}}}}},
          {"simulation", {{"until", "25m"}}},
          {"output", {{"timeline", false}}}};
}

struct ServerPoint {
  double running = 0, waiting = 0, success = 0, e2e_count = 0, e2e_sum = 0, ttft_count = 0, ttft_sum = 0;
};
using PodSeries = std::map<double, ServerPoint>;  // scrape time -> point

std::string number(double v, int precision = 4) {
  std::ostringstream s;
  s.precision(precision);
  s << v;
  return s.str();
}

// Sum over `pods` of the change of `field` from scrape `t0` to `t1` (pods without both points: skipped).
double change(const std::map<std::string, PodSeries>& pods, const std::string& prefix, double t0, double t1,
              double ServerPoint::*field) {
  double sum = 0;
  for (const auto& [pod, series] : pods) {
    if (!pod.starts_with(prefix)) continue;
    auto a = series.find(t0), b = series.find(t1);
    if (a != series.end() && b != series.end()) sum += b->second.*field - a->second.*field;
  }
  return sum;
}

}  // namespace

CaseResult ai_service_metrics(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::vector<std::string> problems;
  std::ostringstream ev;
  ev << "PodMonitor (app=vllm, every " << seconds_text(kInterval) << ") over Deployment chat (3 pods of 100 req/s at most, load "
     << kLow << " -> " << kHigh << " req/s at " << seconds_text(kStepUp) << " and back at " << seconds_text(kStepDown)
     << ") and Deployment embed (2 pods, " << kSecondLoad << " req/s, created at " << seconds_text(kCreated) << "): ";

  std::map<std::string, double> running_since;  // pod -> PodRunning time
  for (const nlohmann::json* e : sim.of_type("PodRunning")) running_since.emplace((*e)["pod"].get<std::string>(), (*e)["t"].get<double>());

  std::string problem;
  const auto metrics = read_metrics(sim, problem);
  std::map<std::string, PodSeries> pods;
  if (!metrics) problems.push_back(problem);
  else {
    const std::pair<const char*, const char*> kFamilies[] = {{"vllm:num_requests_running", "gauge"},
                                                             {"vllm:num_requests_waiting", "gauge"},
                                                             {"vllm:request_success", "counter"},
                                                             {"vllm:e2e_request_latency_seconds", "histogram"},
                                                             {"vllm:time_to_first_token_seconds", "histogram"}};
    for (const auto& [name, type] : kFamilies) {
      const models::ParsedFamily* f = metrics->find(name);
      if (f == nullptr) {
        problems.push_back(std::string("no ") + name + " series in metrics.om");
        continue;
      }
      if (f->type != type) problems.push_back(std::string(name) + " is a " + f->type + ", not a " + type);
      const std::string_view family = name;
      for (const models::ParsedSample& s : f->samples) {
        ServerPoint& p = pods[std::string(s.label("pod"))][s.timestamp.value_or(0) - kMetricsOrigin];
        const std::string_view sample = s.name;
        if (family == "vllm:num_requests_running") p.running = s.value;
        else if (family == "vllm:num_requests_waiting") p.waiting = s.value;
        else if (family == "vllm:request_success") p.success = s.value;
        else if (sample == "vllm:e2e_request_latency_seconds_count") p.e2e_count = s.value;
        else if (sample == "vllm:e2e_request_latency_seconds_sum") p.e2e_sum = s.value;
        else if (sample == "vllm:time_to_first_token_seconds_count") p.ttft_count = s.value;
        else if (sample == "vllm:time_to_first_token_seconds_sum") p.ttft_sum = s.value;
      }
    }
  }
  if (problems.empty()) {
    // Discovery: each Deployment pod's series appear within the bound after it runs, never before.
    double slowest = 0;
    int discovered = 0;
    for (const auto& [pod, since] : running_since) {
      auto it = pods.find(pod);
      if (it == pods.end() || it->second.empty()) {
        problems.push_back("pod " + pod + " (running at " + seconds_text(since) + ") was never scraped");
        continue;
      }
      const double first = it->second.begin()->first;
      slowest = std::max(slowest, first - since);
      ++discovered;
      if (first < since) problems.push_back("pod " + pod + " has series before it ran");
      if (first - since > kDiscoveryScrapes * kInterval) {
        problems.push_back("pod " + pod + " first scraped " + seconds_text(first - since) + " after it ran (bound " +
                           seconds_text(kDiscoveryScrapes * kInterval) + ")");
      }
    }
    ev << discovered << "/" << running_since.size() << " pods discovered, at most " << seconds_text(slowest)
       << " after running (bound " << kDiscoveryScrapes << " intervals = " << seconds_text(kDiscoveryScrapes * kInterval) << "); ";
    // Counters never decrease.
    int decreases = 0;
    for (const auto& [pod, series] : pods) {
      double last = 0;
      for (const auto& [t, p] : series) {
        if (p.success < last) ++decreases;
        last = p.success;
      }
    }
    if (decreases > 0) problems.push_back(std::to_string(decreases) + " decreases of vllm:request_success_total");
    // Requests accounted for (completed + queue growth) per second against the offered load.
    struct Window {
      const char* deployment;
      double t0, t1, offered;
    };
    const Window windows[] = {{"chat-", 300, kStepUp, kLow},
                              {"chat-", kStepUp, kStepDown, kHigh},
                              // From 80 s after its creation: both pods discovered.
                              {"embed-", 1080, 1500, kSecondLoad}};
    for (const Window& w : windows) {
      const double done = change(pods, w.deployment, w.t0, w.t1, &ServerPoint::success);
      const double queued = change(pods, w.deployment, w.t0, w.t1, &ServerPoint::waiting);
      const double rate = (done + queued) / (w.t1 - w.t0);
      ev << w.deployment << "* " << seconds_text(w.t0) << "-" << seconds_text(w.t1) << ": " << number(done / (w.t1 - w.t0))
         << " completed + " << number(queued / (w.t1 - w.t0)) << " queued req/s vs " << w.offered << " offered; ";
      if (std::abs(rate - w.offered) > kTolerance * w.offered) {
        problems.push_back(std::string(w.deployment) + "* accounts for " + number(rate) + " req/s in " + seconds_text(w.t0) + "-" +
                           seconds_text(w.t1) + ", offered " + number(w.offered) + " (tolerance 2%)");
      }
    }
    // Queue depth and latency follow the step.
    auto max_waiting = [&](double t0, double t1) {
      double m = 0;
      for (const auto& [pod, series] : pods) {
        for (const auto& [t, p] : series) {
          if (pod.starts_with("chat-") && t >= t0 && t <= t1) m = std::max(m, p.waiting);
        }
      }
      return m;
    };
    const double before = max_waiting(0, kStepUp), during = max_waiting(kStepUp, kStepDown), end = max_waiting(1500, 1500);
    ev << "chat queue (max over pods) " << before << " before the step, " << during << " during, " << end << " at the end; ";
    if (before != 0) problems.push_back("requests waited before the load step");
    if (during <= 0) problems.push_back("vllm:num_requests_waiting did not grow under the load step");
    if (end != 0) problems.push_back("the queue did not drain after the load fell");
    auto mean = [&](double t0, double t1, double ServerPoint::*sum, double ServerPoint::*count) {
      const double n = change(pods, "chat-", t0, t1, count);
      return n > 0 ? change(pods, "chat-", t0, t1, sum) / n : 0.0;
    };
    const double e2e_before = mean(300, kStepUp, &ServerPoint::e2e_sum, &ServerPoint::e2e_count),
                 e2e_during = mean(kStepUp, kStepDown, &ServerPoint::e2e_sum, &ServerPoint::e2e_count),
                 ttft_before = mean(300, kStepUp, &ServerPoint::ttft_sum, &ServerPoint::ttft_count),
                 ttft_during = mean(kStepUp, kStepDown, &ServerPoint::ttft_sum, &ServerPoint::ttft_count);
    ev << "mean e2e latency " << number(e2e_before, 3) << " s -> " << number(e2e_during, 3) << " s, time to first token "
       << number(ttft_before, 3) << " s -> " << number(ttft_during, 3) << " s";
    if (!(e2e_during > 2 * e2e_before) || !(ttft_during > 2 * ttft_before)) {
      problems.push_back("latency did not reflect the load step");
    }
  }
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
