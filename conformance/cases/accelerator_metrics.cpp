// accelerator_metrics (KAR-0059's test: scrape the metrics endpoint, find per-device utilization
// and memory, run a compute task and see utilization change between scrapes): three compute jobs
// are submitted mid-run on 2 nodes of 8 GPUs, more than fit (the third waits for the second's
// node), while a Prometheus-style scraper reads each node's DCGM exporter every 30 s. The case
// reads only the run's metrics.om (strict OpenMetrics) and the jobs' placement events. Pass iff
// every device has DCGM_FI_DEV_GPU_UTIL and DCGM_FI_DEV_FB_USED series with a point at every
// scrape; at every scrape while a job runs on a device (Scheduled gpus, JobStarted..JobCompleted)
// its utilization and memory used are above 0 and its pod label names the job's pod, and at every
// other scrape the device shows 0 % and 0 MiB with no pod; each job's devices read 0 at the last
// scrape before it started and above 0 at the first one after (utilization rises between scrapes),
// and every job's devices read 0 again after it ended unless the next job took them over.

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "conformance/cases/case_support.hpp"
#include "conformance/cases/metrics_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr int kNodes = 2, kGpusPerNode = 8;
constexpr double kSubmit = 615, kInterval = 30;  // submitted between two scrapes
struct ComputeJob {
  const char* id;
  int gpus;
  const char* duration;
};
// compute-c needs a whole node: it waits until compute-b ends.
constexpr ComputeJob kJobs[] = {{"compute-a", 4, "15m"}, {"compute-b", 8, "10m"}, {"compute-c", 8, "5m"}};

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  for (const ComputeJob& j : kJobs) {
    jobs.push_back({{"jobId", j.id}, {"submitTime", kSubmit}, {"duration", j.duration},
                    {"pods", {{{"name", "worker"}, {"replicas", 1},
                               {"requests", {{"cpu", "16"}, {"memory", "256Gi"}, {"nvidia.com/gpu", j.gpus}}}}}}});
  }
  return {{"name", "accelerator-metrics"},
          {"platform", {{"nodePools", {{{"name", "h100"}, {"count", kNodes},
                                        {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", kGpusPerNode}}},
                                        {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"workload", {{"jobs", jobs}}},
          {"observability", {{"scrapeInterval", "30s"}, {"startTimestamp", static_cast<std::int64_t>(kMetricsOrigin)}}},
          {"simulation", {{"until", "40m"}}},
          {"output", {{"timeline", false}}}};
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

struct Holding {
  std::string job, pod;
  double start = -1, end = -1;
};

struct DevicePoint {
  double util = -1, fb = -1;
  std::string pod;
};

}  // namespace

CaseResult accelerator_metrics(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::vector<std::string> problems;
  std::ostringstream ev;
  ev << kNodes << " nodes x " << kGpusPerNode << " H100, DCGM exporters scraped every " << seconds_text(kInterval) << ", "
     << std::size(kJobs) << " compute jobs (4, 8, 8 GPUs) submitted at " << seconds_text(kSubmit) << ": ";

  // Which devices each job's pod held, and when it ran (the placement events).
  std::map<std::string, std::vector<Holding>> held;  // "node/gpu" -> its holders in bind order
  std::map<std::string, std::pair<double, double>> runs;
  for (const nlohmann::json* e : sim.of_type("JobStarted")) runs[(*e)["job"].get<std::string>()].first = (*e)["t"].get<double>();
  for (const nlohmann::json* e : sim.of_type("JobCompleted")) runs[(*e)["job"].get<std::string>()].second = (*e)["t"].get<double>();
  for (const nlohmann::json* e : sim.of_type("Scheduled")) {
    const std::string job = (*e)["job"].get<std::string>();
    for (const auto& g : e->value("gpus", nlohmann::json::array())) {
      held[(*e)["node"].get<std::string>() + "/" + std::to_string(g.get<int>())].push_back(
          Holding{job, (*e)["pod"].get<std::string>(), runs[job].first, runs[job].second});
    }
  }
  for (const ComputeJob& j : kJobs) {
    if (runs[j.id].second <= runs[j.id].first) problems.push_back(std::string(j.id) + " did not run to completion");
  }

  std::string problem;
  const auto metrics = read_metrics(sim, problem);
  if (!metrics) {
    problems.push_back(problem);
  } else {
    std::map<std::string, std::map<double, DevicePoint>> devices;  // device -> scrape time -> point
    std::set<double> scrapes;
    for (const char* name : {"DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED"}) {
      const models::ParsedFamily* f = metrics->find(name);
      if (f == nullptr) {
        problems.push_back(std::string("no ") + name + " series in metrics.om");
        continue;
      }
      if (f->type != "gauge") problems.push_back(std::string(name) + " is a " + f->type + ", not a gauge");
      for (const models::ParsedSample& s : f->samples) {
        const double t = s.timestamp.value_or(0) - kMetricsOrigin;
        DevicePoint& p = devices[std::string(s.label("Hostname")) + "/" + std::string(s.label("gpu"))][t];
        (std::string_view(name) == "DCGM_FI_DEV_GPU_UTIL" ? p.util : p.fb) = s.value;
        p.pod = s.label("pod");
        scrapes.insert(t);
      }
    }
    int missing = 0, busy_points = 0, idle_points = 0, busy_devices = 0;
    double min_busy_util = 100, busy_fb = 0;
    std::map<std::string, std::pair<int, std::string>> wrong;  // kind of problem -> points, first example
    auto count_wrong = [&wrong](const std::string& what, const std::string& device, double t) {
      auto& [count, example] = wrong[what];
      if (count++ == 0) example = device + " at " + seconds_text(t);
    };
    std::map<std::string, std::string> rise;  // job -> evidence of its rise and fall
    for (int n = 0; n < kNodes; ++n) {
      for (int g = 0; g < kGpusPerNode; ++g) {
        const std::string device = "h100-" + std::to_string(n) + "/" + std::to_string(g);
        const auto& series = devices[device];
        const auto& holders = held[device];
        busy_devices += holders.empty() ? 0 : 1;
        for (double t : scrapes) {
          auto it = series.find(t);
          if (it == series.end() || it->second.util < 0 || it->second.fb < 0) {
            ++missing;
            continue;
          }
          const DevicePoint& p = it->second;
          const Holding* holder = nullptr;
          bool at_an_edge = false;  // a scrape at the very instant a job starts or ends: either reading is right
          for (const Holding& h : holders) {
            if (t == h.start || t == h.end) at_an_edge = true;
            if (t > h.start && t < h.end) holder = &h;
          }
          if (at_an_edge) continue;
          if (holder != nullptr) {
            ++busy_points;
            min_busy_util = std::min(min_busy_util, p.util);
            busy_fb = std::max(busy_fb, p.fb);
            if (p.util <= 0) count_wrong("utilization 0 on a device while its job runs", device, t);
            if (p.fb <= 0) count_wrong("no memory used on a device while its job runs", device, t);
            if (p.pod != holder->pod) count_wrong("the pod label does not name the pod holding the device", device, t);
          } else {
            ++idle_points;
            if (p.util != 0 || p.fb != 0 || !p.pod.empty()) count_wrong("a device no job holds reads above 0 or names a pod", device, t);
          }
        }
        // The rise and fall around each job, on the first device it held: from 0 at the scrape before
        // it started, unless another job held the device then (a takeover: the pod label changes).
        for (const Holding& h : holders) {
          if (rise.count(h.job) || series.empty()) continue;
          const DevicePoint *before = nullptr, *first = nullptr, *after = nullptr;
          double t_before = -1, t_first = -1, t_after = -1;
          for (const auto& [t, p] : series) {
            if (t < h.start) std::tie(before, t_before) = std::pair{&p, t};
            else if (t > h.start && t < h.end && first == nullptr) std::tie(first, t_first) = std::pair{&p, t};
            else if (t > h.end && after == nullptr) std::tie(after, t_after) = std::pair{&p, t};
          }
          const bool takeover = std::any_of(holders.begin(), holders.end(), [&](const Holding& o) {
            return &o != &h && t_before > o.start && t_before < o.end;
          });
          std::ostringstream r;
          r << h.job << " on " << device.substr(0, device.find('/')) << " (" << seconds_text(h.start) << "-" << seconds_text(h.end) << "): ";
          if (before == nullptr || first == nullptr || (!takeover && before->util != 0) || first->util <= 0) {
            problems.push_back("utilization of " + h.job + "'s devices did not rise from 0 between the scrapes around its start");
            r << "no rise";
          } else {
            r << number(before->util) << "% at " << seconds_text(t_before) << (takeover ? " (" + before->pod + ")" : "") << " -> "
              << number(first->util) << "% at " << seconds_text(t_first) << " (" << first->pod << ")";
          }
          if (after != nullptr) r << " -> " << number(after->util) << "% at " << seconds_text(t_after) << (after->pod.empty() ? "" : " (" + after->pod + ")");
          rise[h.job] = r.str();
        }
      }
    }
    if (busy_devices == 0) problems.push_back("no device was held by the jobs");
    if (missing > 0) problems.push_back(std::to_string(missing) + " device-scrapes without a utilization or memory point");
    for (const auto& [what, seen] : wrong) problems.push_back(what + ": " + std::to_string(seen.first) + " points, first " + seen.second);
    const auto reported = std::count_if(devices.begin(), devices.end(), [](const auto& d) { return !d.second.empty(); });
    ev << scrapes.size() << " scrapes, " << reported << " devices with DCGM_FI_DEV_GPU_UTIL and DCGM_FI_DEV_FB_USED";
    if (busy_points > 0) {
      ev << "; ";
      for (const auto& [job, text] : rise) ev << text << "; ";
      ev << busy_points << " points of " << busy_devices << " held devices: utilization >= " << number(min_busy_util) << "%, up to "
         << number(busy_fb) << " MiB used; " << idle_points << " points of devices not held (" << (kNodes * kGpusPerNode - busy_devices)
         << " never held) checked for 0 % and 0 MiB";
    }
  }
  for (const auto& p : problems) ev << "; FAIL: " << p;
  return {problems.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
