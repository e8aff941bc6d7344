#pragma once
// A Prometheus-style monitoring system in the twin (/observability): every `scrapeInterval` it
// scrapes the DCGM exporter of each GPU node (dcgm_exporter.hpp) and, on each PodMonitor's own
// interval, the pods it has discovered (the inference servers' vLLM series,
// inference_server_metrics.hpp), and keeps every sample for metrics.om (exposition_writer.hpp).
//
// Discovery, as Kubernetes service discovery with prometheus-operator's PodMonitors: a running pod
// whose labels match a PodMonitor's selector becomes a target `discoveryDelay` after it started
// running (the SD update and the config reload; Prometheus batches SD updates every 5 s), and is
// first scraped at that monitor's next scrape tick: a new pod's series appear at most
// discoveryDelay + interval after it runs. A pod that ends (deleted, failed, preempted, evicted,
// completed) is dropped at once: its series get no further points. Every scraped target also
// gets `up` = 1, with Prometheus's `job` and `instance` labels.
//
// Scrapes happen at multiples of scrapeInterval from 0 up to the scenario's horizon.

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "models/hardware/gpu_catalog.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/k8s/deployment_controller.hpp"
#include "models/metrics/dcgm_exporter.hpp"
#include "models/metrics/exposition_writer.hpp"
#include "models/metrics/inference_server_metrics.hpp"
#include "models/perf/job_runtime_model.hpp"
#include "models/workload/pod_constraints.hpp"
#include "sim/engine.hpp"

namespace kubetwin::models {

/// A monitoring.coreos.com/v1 PodMonitor: which pods to scrape, and how often.
struct PodMonitorSpec {
  std::string name;
  std::string ns = "default";  ///< its namespace; the job label is "<namespace>/<name>"
  LabelSelector selector;      ///< matchLabels on the pod template's labels
  double interval = 0;         ///< seconds; 0: the global scrape interval (else a multiple of it)
};

/// /observability: the monitoring system's settings.
struct ObservabilityConfig {
  double scrape_interval = 30;
  /// Unix time, in seconds, of simulated time 0 (the file's timestamps are this plus simulated time).
  double start_timestamp = 0;
  bool dcgm_exporter = true;
  /// Fault (off by default): the exporter is stuck and reports each GPU's values of its first
  /// scrape forever, as a hung DCGM host engine behind a live exporter does.
  bool dcgm_stale = false;
  /// Kubernetes service discovery; off, no pod is ever discovered (only the DCGM exporters are
  /// scraped, as static targets).
  bool service_discovery = true;
  double discovery_delay = 5;
  std::vector<PodMonitorSpec> pod_monitors;
};

class MetricsScraper {
 public:
  MetricsScraper(sim::Engine& engine, ControlPlane& control_plane, const JobRuntimeModel& runtime, const GpuCatalog& catalog,
                 ObservabilityConfig config, double until);
  MetricsScraper(const MetricsScraper&) = delete;
  MetricsScraper& operator=(const MetricsScraper&) = delete;

  /// The pods of Deployment d serve requests with `servers[d]` (and report vLLM's series).
  void serve(const DeploymentController& deployments, std::vector<InferenceServerSpec> servers);
  /// Schedules the scrapes.
  void start();
  /// metrics.om: every sample, OpenMetrics text.
  void write(std::ostream& out) const { writer_.write(out, config_.start_timestamp); }

  std::uint64_t scrapes() const { return scrapes_; }
  std::size_t samples() const { return writer_.points(); }
  std::uint64_t targets_discovered() const { return discovered_; }

 private:
  struct Target {
    std::string pod, container;
    double discovered_at = 0;
  };
  struct Families {
    ExpositionWriter::FamilyId up, util, fb_used, fb_free, temp, power, nvlink_tx, nvlink_rx;
    ExpositionWriter::FamilyId running, waiting, success, e2e, ttft;
  };
  void scrape(std::uint64_t tick);
  void scrape_dcgm(double t);
  void scrape_target(const PodMonitorSpec& monitor, std::uint64_t seq, const Target& target, double t);
  void pod_started(const JobState& job);
  void pod_ended(const JobState& job);
  /// Offered requests per second to one pod of Deployment d at time t.
  double offered_per_pod(std::size_t d, double t) const;
  /// Serves every running server pod (of one Deployment, or all) up to now.
  void advance_servers(std::optional<std::size_t> deployment);

  sim::Engine& engine_;
  const ControlPlane& cp_;
  ObservabilityConfig config_;
  double until_;
  DcgmExporter dcgm_;
  ExpositionWriter writer_;
  Families f_;
  const DeploymentController* deployments_ = nullptr;
  std::vector<InferenceServerSpec> servers_;
  std::unordered_map<std::string, std::size_t> deployment_index_;  // name -> d
  struct Server {
    std::size_t deployment;
    InferenceServerState state;
  };
  std::map<std::uint64_t, Server> servers_by_pod_;  // running inference-server pods by seq
  std::vector<int> serving_pods_;                   // per Deployment: its running pods
  // Discovered targets per monitor: (seq, pod index) -> target, in submission order.
  std::vector<std::map<std::pair<std::uint64_t, std::size_t>, Target>> targets_;
  std::map<NodeIndex, NodeGpuReadings> stale_;  // with dcgm_stale: each node's first reading
  std::uint64_t scrapes_ = 0, discovered_ = 0;
};

}  // namespace kubetwin::models
