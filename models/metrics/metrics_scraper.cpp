#include "models/metrics/metrics_scraper.hpp"

#include <algorithm>
#include <cmath>

namespace kubetwin::models {

namespace {

constexpr const char* kDcgmJob = "dcgm-exporter";
constexpr const char* kDcgmPort = ":9400";  // dcgm-exporter's default listen port
constexpr const char* kServerPort = ":8000";  // vLLM's OpenAI-compatible server

// Expected counts exposed as whole requests (rounding keeps buckets cumulative and monotone).
std::vector<double> rounded(const std::vector<double>& counts) {
  std::vector<double> out(counts.size());
  for (std::size_t i = 0; i < counts.size(); ++i) out[i] = std::round(counts[i]);
  return out;
}

}  // namespace

MetricsScraper::MetricsScraper(sim::Engine& engine, ControlPlane& cp, const JobRuntimeModel& runtime, const GpuCatalog& catalog,
                               ObservabilityConfig config, double until)
    : engine_(engine), cp_(cp), config_(std::move(config)), until_(until), dcgm_(cp, runtime, catalog),
      targets_(config_.pod_monitors.size()) {
  // dcgm-exporter's default-counters.csv help texts; vLLM's metric descriptions.
  f_.up = writer_.family("up", MetricType::Gauge, "1 if the target was scraped successfully.");
  f_.util = writer_.family("DCGM_FI_DEV_GPU_UTIL", MetricType::Gauge, "GPU utilization (in %).");
  f_.fb_used = writer_.family("DCGM_FI_DEV_FB_USED", MetricType::Gauge, "Framebuffer memory used (in MiB).");
  f_.fb_free = writer_.family("DCGM_FI_DEV_FB_FREE", MetricType::Gauge, "Framebuffer memory free (in MiB).");
  f_.temp = writer_.family("DCGM_FI_DEV_GPU_TEMP", MetricType::Gauge, "GPU temperature (in C).");
  f_.power = writer_.family("DCGM_FI_DEV_POWER_USAGE", MetricType::Gauge, "Power draw (in W).");
  f_.nvlink_tx = writer_.family("DCGM_FI_PROF_NVLINK_TX_BYTES", MetricType::Gauge,
                                "The rate of data transmitted over NVLink, not including protocol headers, in bytes per second.");
  f_.nvlink_rx = writer_.family("DCGM_FI_PROF_NVLINK_RX_BYTES", MetricType::Gauge,
                                "The rate of data received over NVLink, not including protocol headers, in bytes per second.");
  f_.running = writer_.family("vllm:num_requests_running", MetricType::Gauge, "Number of requests in model execution batches.");
  f_.waiting = writer_.family("vllm:num_requests_waiting", MetricType::Gauge, "Number of requests waiting to be processed.");
  f_.success = writer_.family("vllm:request_success", MetricType::Counter, "Count of successfully processed requests.");
  f_.e2e = writer_.family("vllm:e2e_request_latency_seconds", MetricType::Histogram,
                          "Histogram of e2e request latency in seconds.", vllm_e2e_latency_buckets());
  f_.ttft = writer_.family("vllm:time_to_first_token_seconds", MetricType::Histogram,
                           "Histogram of time to first token in seconds.", vllm_ttft_buckets());
  cp.job_started.connect([this](const JobState& job) { pod_started(job); });
  cp.job_completed.connect([this](const JobState& job) { pod_ended(job); });
  cp.job_terminated.connect([this](const JobState& job, const PodTermination&) { pod_ended(job); });
  cp.job_preempted.connect([this](const JobState& job, const JobState&, NodeIndex) { pod_ended(job); });
  cp.job_evicted.connect([this](const JobState& job, std::string_view) { pod_ended(job); });
  cp.job_failed.connect([this](const JobState& job, std::string_view, std::string_view) { pod_ended(job); });
}

void MetricsScraper::serve(const DeploymentController& deployments, std::vector<InferenceServerSpec> servers) {
  deployments_ = &deployments;
  servers_ = std::move(servers);
  serving_pods_.assign(deployments.size(), 0);
  for (std::size_t d = 0; d < deployments.size(); ++d) {
    deployment_index_[deployments.spec(d).name] = d;
    if (servers_[d].model_name.empty()) servers_[d].model_name = deployments.spec(d).name;
  }
}

void MetricsScraper::start() {
  engine_.schedule_at(0, [this] { scrape(0); });
}

double MetricsScraper::offered_per_pod(std::size_t d, double t) const {
  // The Service spreads the Deployment's load over its running pods.
  return serving_pods_[d] > 0 ? deployments_->spec(d).load.at(t) / serving_pods_[d] : 0.0;
}

void MetricsScraper::advance_servers(std::optional<std::size_t> deployment) {
  const double t = engine_.now();
  for (auto& [seq, server] : servers_by_pod_) {
    const std::size_t d = server.deployment;
    if (!deployment || d == *deployment) server.state.advance(t, [this, d](double at) { return offered_per_pod(d, at); });
  }
}

void MetricsScraper::pod_started(const JobState& job) {
  if (deployments_ != nullptr && !job.spec.owner.empty()) {
    if (auto it = deployment_index_.find(job.spec.owner); it != deployment_index_.end()) {
      // The pods already serving got the old share of the load up to now.
      advance_servers(it->second);
      servers_by_pod_.insert_or_assign(job.seq, Server{it->second, InferenceServerState(servers_[it->second], engine_.now())});
      ++serving_pods_[it->second];
    }
  }
  if (!config_.service_discovery) return;
  for (std::size_t m = 0; m < config_.pod_monitors.size(); ++m) {
    for (std::size_t p = 0; p < job.pod_nodes.size(); ++p) {
      if (!config_.pod_monitors[m].selector.matches(job.group_of(p).labels)) continue;
      targets_[m][{job.seq, p}] = Target{job.pod_name(p), job.group_of(p).name, engine_.now() + config_.discovery_delay};
      ++discovered_;
    }
  }
}

void MetricsScraper::pod_ended(const JobState& job) {
  if (auto it = servers_by_pod_.find(job.seq); it != servers_by_pod_.end()) {
    const std::size_t d = it->second.deployment;
    advance_servers(d);
    servers_by_pod_.erase(it);
    --serving_pods_[d];
  }
  for (auto& targets : targets_) {
    std::erase_if(targets, [&](const auto& entry) { return entry.first.first == job.seq; });
  }
}

void MetricsScraper::scrape(std::uint64_t tick) {
  const double t = engine_.now();
  ++scrapes_;
  advance_servers(std::nullopt);
  if (config_.dcgm_exporter) scrape_dcgm(t);
  for (std::size_t m = 0; m < config_.pod_monitors.size(); ++m) {
    const PodMonitorSpec& monitor = config_.pod_monitors[m];
    const auto every = static_cast<std::uint64_t>(
        std::max(1.0, std::round((monitor.interval > 0 ? monitor.interval : config_.scrape_interval) / config_.scrape_interval)));
    if (tick % every != 0) continue;
    for (const auto& [key, target] : targets_[m]) {
      if (target.discovered_at <= t) scrape_target(monitor, key.first, target, t);
    }
  }
  // Multiply rather than add, so scrape times do not drift with rounding.
  const double next = static_cast<double>(tick + 1) * config_.scrape_interval;
  if (next > until_ || (!std::isfinite(until_) && engine_.pending_timers() == 0)) return;
  engine_.schedule_at(next, [this, tick] { scrape(tick + 1); });
}

void MetricsScraper::scrape_dcgm(double t) {
  std::vector<NodeGpuReadings> readings = dcgm_.read([this](std::uint64_t seq) -> std::optional<double> {
    auto it = servers_by_pod_.find(seq);
    if (it == servers_by_pod_.end()) return std::nullopt;
    return it->second.state.busy_fraction();
  });
  const Cluster& cluster = cp_.cluster();
  for (NodeGpuReadings& node : readings) {
    if (config_.dcgm_stale) {
      // A stuck exporter: the first reading, again and again.
      auto [it, first] = stale_.try_emplace(node.node, node);
      if (!first) node = it->second;
    }
    const std::string& host = cluster.node_name(node.node);
    const std::string instance = host + kDcgmPort;
    writer_.record(f_.up, {{"instance", instance}, {"job", kDcgmJob}}, t, 1);
    const std::string model = dcgm_model_name(*node.gpu);
    for (const GpuReading& d : node.gpus) {
      MetricLabels labels = {{"gpu", std::to_string(d.gpu)},
                             {"UUID", gpu_uuid(host, d.gpu)},
                             {"device", "nvidia" + std::to_string(d.gpu)},
                             {"modelName", model},
                             {"Hostname", host}};
      if (!d.pod.empty()) {
        labels.insert(labels.end(), {{"container", d.container}, {"namespace", "default"}, {"pod", d.pod}});
      }
      labels.insert(labels.end(), {{"instance", instance}, {"job", kDcgmJob}});
      writer_.record(f_.util, labels, t, d.utilization);
      writer_.record(f_.fb_used, labels, t, d.fb_used_mib);
      writer_.record(f_.fb_free, labels, t, d.fb_free_mib);
      writer_.record(f_.temp, labels, t, d.temperature_c);
      writer_.record(f_.power, labels, t, d.power_watts);
      if (d.nvlink_bytes_per_second) {
        writer_.record(f_.nvlink_tx, labels, t, *d.nvlink_bytes_per_second);
        writer_.record(f_.nvlink_rx, labels, t, *d.nvlink_bytes_per_second);
      }
    }
  }
}

void MetricsScraper::scrape_target(const PodMonitorSpec& monitor, std::uint64_t seq, const Target& target, double t) {
  const std::string job = monitor.ns + "/" + monitor.name;
  MetricLabels target_labels = {{"container", target.container}, {"namespace", "default"}, {"pod", target.pod},
                                {"instance", target.pod + kServerPort}, {"job", job}};
  writer_.record(f_.up, {{"instance", target.pod + kServerPort}, {"job", job}, {"namespace", "default"}, {"pod", target.pod}}, t, 1);
  auto it = servers_by_pod_.find(seq);
  if (it == servers_by_pod_.end()) return;  // not an inference server: only `up`
  const InferenceServerState& s = it->second.state;
  MetricLabels labels = {{"engine", "0"}, {"model_name", s.spec().model_name}};
  labels.insert(labels.end(), target_labels.begin(), target_labels.end());
  writer_.record(f_.running, labels, t, std::round(s.running()));
  writer_.record(f_.waiting, labels, t, std::round(s.waiting()));
  MetricLabels finished = labels;
  finished.insert(finished.begin() + 2, {"finished_reason", "stop"});
  writer_.record(f_.success, finished, t, std::round(s.successes()));
  writer_.record_histogram(f_.e2e, labels, t, rounded(s.e2e_counts()), s.e2e_sum());
  writer_.record_histogram(f_.ttft, labels, t, rounded(s.ttft_counts()), s.ttft_sum());
}

}  // namespace kubetwin::models
