#include "models/metrics/dcgm_exporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kubetwin::models {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kMemoryUtilization = 0.9;  // share of its device memory a running pod takes
constexpr double kIdlePowerShare = 0.1;     // idle draw as a share of TDP
constexpr double kAmbientC = 30, kRiseAtTdpC = 50;

std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Bytes one rank sends per step for a simple profile's collective over n ranks (ring algorithms).
double collective_bytes_sent(const SimplePerf& p, int n) {
  const double share = static_cast<double>(n - 1) / n;
  return p.collective == StepCollective::AllReduce ? 2 * share * p.comm_bytes : share * p.comm_bytes;
}

}  // namespace

std::string dcgm_model_name(const GpuSpec& gpu) {
  static const std::pair<const char*, const char*> kNames[] = {{"A100-SXM-80GB", "NVIDIA A100-SXM4-80GB"},
                                                              {"H100-SXM-80GB", "NVIDIA H100 80GB HBM3"},
                                                              {"H200-SXM-141GB", "NVIDIA H200"},
                                                              {"B200-SXM-180GB", "NVIDIA B200"}};
  for (const auto& [key, name] : kNames) {
    if (gpu.name == key) return name;
  }
  return "NVIDIA " + gpu.name;
}

std::string gpu_uuid(std::string_view node, int gpu) {
  const std::string key = std::string(node) + "/" + std::to_string(gpu);
  const std::uint64_t a = fnv1a(key), b = fnv1a(key, a ^ 0x9e3779b97f4a7c15ull);
  char buf[48];
  std::snprintf(buf, sizeof buf, "GPU-%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xffff),
                static_cast<unsigned>(b >> 48), static_cast<unsigned long long>(b & 0xffffffffffffull));
  return buf;
}

double gpu_power_watts(const GpuSpec& gpu, double utilization_percent) {
  const double idle = kIdlePowerShare * gpu.tdp_watts;
  return idle + (gpu.tdp_watts - idle) * std::clamp(utilization_percent, 0.0, 100.0) / 100.0;
}

double gpu_temperature_celsius(const GpuSpec& gpu, double power_watts) {
  return gpu.tdp_watts > 0 ? kAmbientC + kRiseAtTdpC * power_watts / gpu.tdp_watts : kAmbientC;
}

std::vector<NodeGpuReadings> DcgmExporter::read(const ServingBusy& serving_busy) const {
  const Cluster& cluster = cp_.cluster();
  std::vector<NodeGpuReadings> out;
  std::vector<std::int32_t> slot(cluster.node_count(), -1);  // node -> index in out
  for (NodeIndex n = 0; n < cluster.node_count(); ++n) {
    const NodePoolSpec& pool = cluster.pool(cluster.pool_of(n));
    const GpuSpec* gpu = pool.gpu_model.empty() ? nullptr : catalog_.find(pool.gpu_model);
    if (!cluster.exists(n) || gpu == nullptr || pool.capacity.gpus <= 0) continue;
    slot[n] = static_cast<std::int32_t>(out.size());
    NodeGpuReadings r{n, gpu, {}};
    for (int g = 0; g < pool.capacity.gpus; ++g) {
      GpuReading d;
      d.gpu = g;
      d.nvlink_bytes_per_second = 0.0;  // idle: known to be 0
      r.gpus.push_back(d);
    }
    out.push_back(std::move(r));
  }
  // Running jobs in submission order, so that sums and the pod named on a shared device are the
  // same on every run.
  std::vector<const JobState*> running;
  for (const auto& [seq, job] : cp_.live_jobs()) {
    if (job.started()) running.push_back(&job);
  }
  std::sort(running.begin(), running.end(), [](const JobState* a, const JobState* b) { return a->seq < b->seq; });
  for (const JobState* job : running) {
    double busy = 1;
    std::optional<double> nvlink;  // bytes/s per GPU, if known
    if (auto s = serving_busy(job->seq)) {
      busy = *s;
    } else if (job->spec.perf) {
      const StepPrediction step = runtime_.predict_step(job->spec, job->pod_nodes, cluster);
      if (step.step_seconds > 0) {
        busy = std::clamp((step.step_seconds - step.network_seconds) / step.step_seconds, 0.0, 1.0);
        const auto* simple = std::get_if<SimplePerf>(&job->spec.perf->shape);
        const bool one_node = std::all_of(job->pod_nodes.begin(), job->pod_nodes.end(),
                                          [&](NodeIndex n) { return n == job->pod_nodes.front(); });
        const int gpus = static_cast<int>(job->spec.total_requests().gpus);
        if (simple != nullptr && one_node && gpus > 1) nvlink = collective_bytes_sent(*simple, gpus) / step.step_seconds;
      }
    }
    for (std::size_t p = 0; p < job->pod_nodes.size(); ++p) {
      const NodeIndex n = job->pod_nodes[p];
      if (n == kUnbound || slot[n] < 0) continue;
      NodeGpuReadings& node = out[static_cast<std::size_t>(slot[n])];
      const Resources& req = job->group_of(p).requests;
      const double share = req.gpu_milli > 0 ? req.gpu_milli / 1000.0 : 1.0;
      const double memory_mib = node.gpu->memory_bytes / kMiB;
      for (DeviceIndex dev : job->pod_devices[p]) {
        if (dev >= node.gpus.size()) continue;
        GpuReading& d = node.gpus[dev];
        d.utilization += 100 * share * busy;
        d.fb_used_mib += kMemoryUtilization * share * memory_mib;
        if (d.pod.empty()) {
          d.pod = job->pod_name(p);
          d.container = job->group_of(p).name;
          d.nvlink_bytes_per_second = nvlink;
        } else {
          d.nvlink_bytes_per_second.reset();  // several pods: not known
        }
      }
    }
  }
  for (NodeGpuReadings& node : out) {
    const double memory_mib = node.gpu->memory_bytes / kMiB;
    for (GpuReading& d : node.gpus) {
      d.utilization = std::round(std::min(d.utilization, 100.0));  // DCGM reports whole percent
      d.fb_used_mib = std::round(std::min(d.fb_used_mib, memory_mib));
      d.fb_free_mib = std::floor(memory_mib) - d.fb_used_mib;
      d.power_watts = std::round(gpu_power_watts(*node.gpu, d.utilization) * 1000) / 1000;
      d.temperature_c = std::round(gpu_temperature_celsius(*node.gpu, d.power_watts));
      if (node.gpu->nvlink_bandwidth <= 0) d.nvlink_bytes_per_second.reset();
      else if (d.nvlink_bytes_per_second) d.nvlink_bytes_per_second = std::round(*d.nvlink_bytes_per_second);
    }
  }
  return out;
}

}  // namespace kubetwin::models
