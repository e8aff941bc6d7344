#include "scenarios/runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "models/autoscaling/cluster_autoscaler.hpp"
#include "models/cluster/cluster.hpp"
#include "models/dra/dra_loader.hpp"
#include "models/dra/dynamic_resources.hpp"
#include "models/dra/resource_slice_output.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/k8s/api_job_controller.hpp"
#include "models/k8s/admission_webhook.hpp"
#include "models/k8s/api_server.hpp"
#include "models/k8s/custom_resources.hpp"
#include "models/k8s/container_device_events.hpp"
#include "models/k8s/container_devices.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/k8s/gpu_driver_events.hpp"
#include "models/k8s/gpu_driver_stack.hpp"
#include "models/k8s/job_events.hpp"
#include "models/k8s/job_controller.hpp"
#include "models/k8s/job_dependencies.hpp"
#include "models/k8s/job_injector.hpp"
#include "models/k8s/job_rates.hpp"
#include "models/k8s/node_lifecycle.hpp"
#include "models/k8s/pod_status_writer.hpp"
#include "models/k8s/train_job_events.hpp"
#include "models/k8s/train_job_operator.hpp"
#include "models/metrics/metrics_scraper.hpp"
#include "models/metrics/run_metrics.hpp"
#include "models/metrics/series_sampler.hpp"
#include "models/networking/gateway_controller.hpp"
#include "models/networking/gateway_events.hpp"
#include "models/perf/fabric_contention.hpp"
#include "models/perf/job_runtime_model.hpp"
#include "models/queueing/kueue_admission.hpp"
#include "models/queueing/queueing_events.hpp"
#include "models/topology/fabric_builder.hpp"
#include "models/workload/synthetic_workload.hpp"
#include "models/workload/trace_reader.hpp"
#include "scenarios/fabric_output.hpp"
#include "scenarios/serving_output.hpp"
#include "scenarios/gateway_output.hpp"
#include "sim/engine.hpp"
#include "sim/event_log.hpp"
#include "sim/output_directory.hpp"
#include "sim/quantity.hpp"
#include "sim/timeline_writer.hpp"

namespace kubetwin::scenarios {

namespace {

using Clock = std::chrono::steady_clock;
// The achieved fraction of network link capacity the contention model shares out (FabricIndex's).
constexpr double kFabricEfficiency = 0.9;

class InlineJobSource final : public models::JobSource {
 public:
  explicit InlineJobSource(const std::vector<models::JobSpec>& jobs) : jobs_(jobs) {}
  std::optional<models::JobSpec> next() override {
    if (next_ == jobs_.size()) return std::nullopt;
    return jobs_[next_++];
  }

 private:
  const std::vector<models::JobSpec>& jobs_;
  std::size_t next_ = 0;
};

std::unique_ptr<models::JobSource> make_job_source(const Scenario& sc, sim::RandomStreams& streams) {
  const auto& catalog = models::GpuCatalog::builtin();
  if (const auto* trace = std::get_if<TraceWorkload>(&sc.workload)) {
    return std::make_unique<models::TraceReader>(trace->path.string(), catalog);
  }
  if (const auto* jobs = std::get_if<InlineWorkload>(&sc.workload)) {
    return std::make_unique<InlineJobSource>(jobs->jobs);
  }
  const auto& spec = std::get<models::SyntheticWorkloadSpec>(sc.workload);
  return std::make_unique<models::SyntheticWorkload>(
      spec, models::SyntheticClusterShape::of(sc.node_pools, spec.gpu_model), streams);
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Progress on stderr, at most every two seconds of wall time, only once a run has taken that long.
class ProgressReporter {
 public:
  ProgressReporter(bool enabled, const sim::Engine& engine) : enabled_(enabled), engine_(engine) {}
  void tick(std::uint64_t submitted, std::uint64_t completed) {
    if (!enabled_ || ++calls_ % 1024 != 0) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(2)) return;
    last_ = now;
    printed_ = true;
    std::fprintf(stderr, "kubetwin: simulated %s, %llu jobs submitted, %llu completed, %llu events, %.1f s\n",
                 sim::format_duration(engine_.now()).c_str(), static_cast<unsigned long long>(submitted),
                 static_cast<unsigned long long>(completed),
                 static_cast<unsigned long long>(engine_.events_processed()),
                 std::chrono::duration<double>(now - start_).count());
  }
  bool printed() const { return printed_; }

 private:
  bool enabled_;
  const sim::Engine& engine_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
  std::uint64_t calls_ = 0;
  bool printed_ = false;
};

void write_pod_slices(sim::TimelineWriter& tl, const models::Cluster& cluster, const models::JobState& job,
                      double end, std::string_view category) {
  for (std::size_t pod = 0; pod < job.pod_nodes.size(); ++pod) {
    const models::NodeIndex node = job.pod_nodes[pod];
    std::string args;
    sim::JsonObjectWriter(args).field("pod", job.pod_name(pod)).field("gpus", job.group_of(pod).requests.gpus).close();
    tl.slice(static_cast<int>(cluster.pool_of(node)) + 1, static_cast<int>(cluster.index_in_pool(node)),
             job.spec.id, category, job.start_time, end - job.start_time, args);
  }
}

// The number of DRA device `device` among the node's devices from GPU drivers ("gpu.*"), in the
// order the node publishes them, so that a pod holding GPUs through claims shows which of the
// node's GPUs it holds; -1 if it is not such a device. An empty name counts the node's DRA GPUs.
std::int64_t dra_gpu_number(const models::dra::DraState& dra, models::NodeIndex node, std::string_view device) {
  std::int64_t number = 0;
  for (const models::dra::DeviceSlot& d : dra.devices_on(node)) {
    if (!dra.driver(d.shape_device).starts_with("gpu.")) continue;
    if (!device.empty() && dra.device(d.shape_device).name == device) return number;
    ++number;
  }
  return device.empty() ? number : -1;
}

// topology.json: the node inventory at the start (pools, nodes, GPUs per node, fabric labels), so a reader of the
// run folder (the GUI) can draw every GPU, idle ones included, without the scenario.
void write_topology(sim::OutputDirectory& out, const models::Cluster& cluster, const models::dra::DraState& dra) {
  // A pool that publishes its GPUs as DRA devices has GPUs too (numbered as dra_gpu_number does).
  std::vector<std::int64_t> dra_gpus(cluster.pool_count(), 0);
  for (models::NodeIndex n = 0; n < cluster.node_count(); ++n) {
    std::int64_t& g = dra_gpus[cluster.pool_of(n)];
    g = std::max(g, dra_gpu_number(dra, n, {}));
  }
  nlohmann::ordered_json pools = nlohmann::ordered_json::array();
  for (std::size_t p = 0; p < cluster.pool_count(); ++p) {
    const auto& pool = cluster.pool(p);
    nlohmann::ordered_json labels = nlohmann::ordered_json::object();
    for (const auto& [key, value] : pool.labels) labels[key] = value;
    pools.push_back({{"name", pool.name}, {"gpuModel", pool.gpu_model}, {"gpusPerNode", pool.capacity.gpus + dra_gpus[p]},
                     {"labels", labels}});
  }
  std::string text = "{\"nodePools\": " + pools.dump() + ",\n\"nodes\": [";
  for (models::NodeIndex n = 0; n < cluster.node_count(); ++n) {
    text += n == 0 ? "\n" : ",\n";
    sim::JsonObjectWriter node(text);
    node.field("name", cluster.node_name(n))
        .field("pool", static_cast<std::int64_t>(cluster.pool_of(n)))
        .field("exists", cluster.exists(n));
    // Where the node sits in the fabric (only with /fabric), so readers can group by leaf or block.
    nlohmann::ordered_json where = nlohmann::ordered_json::object();
    for (std::string_view key : {models::kTopologyBlockLabel, models::kTopologyLeafLabel, models::kNvlinkDomainLabel}) {
      if (auto value = cluster.node_label(n, key)) where[std::string(key)] = *value;
    }
    if (!where.empty()) node.raw_field("labels", where.dump());
    node.close();
  }
  text += "\n]}\n";
  std::ofstream f = out.open("topology.json");
  f << text;
}

// Every node gets the labels of where it sits: spine block, leaf (of its first NIC), NVLink domain
// (the node itself on HGX servers, the rack with NVL72-style domains).
void label_nodes(models::Cluster& cluster, const models::FabricIndex& index) {
  const models::Fabric& fabric = index.fabric();
  for (models::NodeIndex n = 0; n < cluster.node_count(); ++n) {
    const models::GpuLabels l = fabric.labels(index.gpu(static_cast<int>(n), 0));
    const models::VertexInfo& nvswitch = fabric.vertex(*fabric.find(l.nvlink_domain));
    std::string domain = nvswitch.node >= 0 ? cluster.node_name(n) : l.nvlink_domain.substr(0, l.nvlink_domain.find('/'));
    cluster.set_node_labels(n, {{models::kTopologyBlockLabel, fabric_label_value(l.spine_block)},
                                {models::kTopologyLeafLabel, fabric_label_value(l.leaf)},
                                {models::kNvlinkDomainLabel, std::move(domain)}});
  }
}

struct ContainerDeviceCounts {
  std::uint64_t containers = 0, devices_allocated = 0, denied = 0, granted = 0;
};

std::string json_string_array(const std::vector<std::string>& list) {
  std::string out = "[";
  for (const auto& s : list) {
    if (out.size() > 1) out += ',';
    sim::append_json_string(out, s);
  }
  return out + "]";
}

// A started pod's containers: what each sees (ContainerDevices), and each open of a device not
// allocated to it (DeviceAccessDenied, or DeviceAccessGranted with the runtime fault).
void log_container_devices(sim::EventLog& log, double now, const models::KubeletDevices& kubelet, const models::JobState& job,
                           std::size_t pod, std::string_view owner, const models::Cluster& cluster,
                           ContainerDeviceCounts& counts) {
  const models::KubeletDevices::PodStart start = kubelet.start_pod(job, pod);
  const std::string pod_name = job.pod_name(pod);
  const std::string node = cluster.node_name(job.pod_nodes[pod]);
  for (std::size_t c = 0; c < start.visible.size(); ++c) {
    std::vector<std::string> names;
    std::string gpus = "[";
    for (const models::NodeDevice& d : start.visible[c].devices) {
      names.push_back(d.name);
      if (d.gpu >= 0) gpus += (gpus.size() > 1 ? "," : "") + std::to_string(d.gpu);
    }
    ++counts.containers;
    counts.devices_allocated += start.allocated[c].devices.size();
    log.record(now, models::ContainerDevicesEvent{owner, pod_name, start.visible[c].container, node, json_string_array(names),
                                                  gpus + "]"});
  }
  for (const models::DeviceAccess& a : start.accesses) {
    const std::string held_by = json_string_array(a.exists ? kubelet.holders(job.pod_nodes[pod], a.device) : std::vector<std::string>{});
    models::DeviceAccessFields fields{owner, pod_name, start.visible[a.container].container, node, a.device.name, a.device.gpu, held_by};
    if (a.granted) {
      ++counts.granted;
      log.record(now, models::DeviceAccessGrantedEvent{fields});
    } else {
      ++counts.denied;
      log.record(now, models::DeviceAccessDeniedEvent{fields, a.exists ? "NotAllocated" : "NotFound"});
    }
  }
}

/// The name events give a pod's job: its controller's object for owned pods.
std::string_view job_name(const models::JobState& job) { return job.spec.owner.empty() ? job.spec.id : job.spec.owner; }

}  // namespace

nlohmann::ordered_json run_scenario(const Scenario& sc, const RunOptions& options) {
  const auto wall_start = Clock::now();
  sim::OutputDirectory out(options.out_dir);
  std::ofstream events_file = out.open("events.jsonl");
  std::optional<std::ofstream> timeline_file;
  std::optional<sim::TimelineWriter> timeline;
  if (sc.timeline) timeline.emplace(timeline_file.emplace(out.open("timeline.json")));

  sim::Engine engine;
  sim::RandomStreams streams(sc.seed);
  models::Cluster cluster(sc.node_pools);
  // With a fabric, server i is node i: nodes get its topology labels and perf jobs its routes.
  std::optional<models::Fabric> fabric;
  std::optional<models::FabricIndex> fabric_index;
  if (sc.fabric) {
    fabric.emplace(models::build_fabric(*sc.fabric));
    fabric->cache_routes(true);  // canonical placements reuse the same GPUs' routes
    fabric_index.emplace(*fabric, sc.fabric->gpus_per_node, kFabricEfficiency);
    label_nodes(cluster, *fabric_index);
  }
  models::JobRuntimeModel runtime(models::GpuCatalog::builtin(), sc.mfu, fabric_index ? &*fabric_index : nullptr);
  // DRA: the objects live here; the DynamicResources plugin of every profile works on them.
  models::dra::DraState dra = models::dra::build_dra_state(sc.dra, cluster);
  models::PluginRegistry registry = models::PluginRegistry::builtin();
  models::dra::bind_dynamic_resources(registry, dra);
  models::ControlPlane cp(engine, cluster, sc.scheduler, runtime, streams, registry, sc.control_plane);
  // Pods that end free their claims, as the resource-claim controller does upstream.
  cp.job_completed.connect([&dra](const models::JobState& j) { dra.release_job(j.seq); });
  cp.job_preempted.connect([&dra](const models::JobState& v, const models::JobState&, models::NodeIndex) { dra.release_job(v.seq); });
  cp.job_evicted.connect([&dra](const models::JobState& j, std::string_view) { dra.release_job(j.seq); });
  cp.job_terminated.connect([&dra](const models::JobState& j, const models::PodTermination&) { dra.release_job(j.seq); });
  // Controllers: the Job controller (jobs with batch fields), node faults, inference Deployments.
  models::JobController jobs(engine, cp, streams.stream("failures"));
  models::JobSetController job_sets(engine, jobs);
  // With /apiServer, batch Jobs go through the object store: their controller sees and writes Job
  // and Pod objects through the API, and the status writer (scheduler and kubelets) turns new Pod
  // objects into control-plane units and writes their phases back. Without it nothing changes.
  std::optional<models::ApiServer> api;
  std::optional<models::PodStatusWriter> pod_status;
  std::optional<models::ApiJobController> api_jobs;
  std::optional<std::ofstream> audit_file;
  // With /trainJobs: the TrainJob CRD, the operator's validating webhook and the operator itself.
  std::optional<models::CustomResourceDefinitions> crds;
  std::optional<models::AdmissionWebhook> webhook;
  std::optional<models::TrainJobOperator> train_jobs;
  if (sc.api_server) {
    api.emplace(engine, *sc.api_server, sc.seed);
    pod_status.emplace(engine, *api, cp, streams.stream("failures"));
    api_jobs.emplace(engine, *api);
    if (sc.api_server->audit) {
      audit_file.emplace(out.open("audit.jsonl"));
      api->audited.connect([&audit_file](const models::AuditEntry& a) {
        nlohmann::ordered_json line = {{"verb", models::verb_name(a.verb)}, {"kind", a.kind},      {"namespace", a.ns},
                                       {"name", a.name},                    {"uid", a.uid},        {"resourceVersion", a.resource_version},
                                       {"client", a.client},                {"submitted", a.submitted}, {"replied", a.replied},
                                       {"code", a.code}};
        *audit_file << line.dump() << '\n';
      });
    }
    pod_status->start();
    api_jobs->start();
    if (sc.train_jobs) {
      crds.emplace(engine, *api, sc.train_jobs->establish_delay);
      crds->install({"trainer.kubeflow.org", models::kTrainJobKind, "trainjobs", "v1alpha1"}, 0);
      webhook.emplace(engine, *api, sc.train_jobs->webhook,
                      [&runtimes = sc.train_jobs->runtimes](const models::ApiObject& o) { return models::validate_train_job(o, runtimes); },
                      sc.seed);
      train_jobs.emplace(engine, *api, sc.train_job_operator);
      train_jobs->start();
      for (const models::TrainJobSubmission& s : sc.train_jobs->jobs) {
        engine.schedule_at(s.submit_time, [&train_jobs, &s] { train_jobs->submit(s); });
      }
    }
    for (const models::ControllerRestart& r : sc.api_server->faults.restarts) {
      engine.schedule_at(r.at, [&api_jobs, &train_jobs, r] {
        if (r.client == "trainjob-controller") {
          train_jobs->restart(r.downtime);
        } else {
          api_jobs->restart(r.downtime);
        }
      });
    }
  }
  std::optional<models::NodeLifecycleController> node_lifecycle;
  if (!sc.faults.empty()) node_lifecycle.emplace(engine, cluster, cp, sc.node_lifecycle, sc.faults);
  std::optional<models::DeploymentController> deployments;
  std::vector<std::unique_ptr<models::HorizontalPodAutoscaler>> hpas;
  std::vector<int> rescales(sc.deployments.size(), 0);
  if (!sc.deployments.empty()) {
    std::vector<models::DeploymentSpec> specs;
    for (const auto& d : sc.deployments) specs.push_back(d.deployment);
    deployments.emplace(engine, cp, std::move(specs));
    for (std::size_t d = 0; d < sc.deployments.size(); ++d) {
      if (sc.deployments[d].hpa && sc.hpa.enabled) {
        hpas.push_back(std::make_unique<models::HorizontalPodAutoscaler>(engine, *deployments, d, *sc.deployments[d].hpa, sc.hpa));
      }
    }
  }
  // Prefill/decode-split serving: its two roles are Deployments above; each request goes through both.
  std::vector<std::unique_ptr<models::DisaggregatedServing>> serving;
  std::optional<std::ofstream> serving_file;
  std::string serving_line;
  if (!sc.disaggregated_serving.empty()) {
    serving_file.emplace(out.open("serving-requests.jsonl"));
    for (models::DisaggregatedServingSpec spec : sc.disaggregated_serving) {
      spec.requests.seed += sc.seed * 1000;
      auto& s = *serving.emplace_back(std::make_unique<models::DisaggregatedServing>(engine, cp, cluster, *fabric_index, std::move(spec)));
      s.prefilled.connect([&](const models::ServedRequest& r) {
        serving_line.clear();
        append_prefill_line(serving_line, engine.now(), r);
        *serving_file << serving_line;
      });
      s.finished.connect([&](const models::ServedRequest& r) {
        serving_line.clear();
        append_finished_line(serving_line, engine.now(), r);
        *serving_file << serving_line;
      });
    }
  }
  // The inference gateway: routes its traffic to the Deployments' model-server pods.
  std::optional<models::networking::GatewayController> gateway;
  if (sc.gateway) {
    std::vector<std::string> names;
    std::vector<std::optional<models::networking::ModelServing>> model_servers;
    for (const auto& d : sc.deployments) {
      names.push_back(d.deployment.name);
      model_servers.push_back(d.serving);
    }
    gateway.emplace(engine, cp, cluster, *sc.gateway, std::move(names), std::move(model_servers), sc.seed);
  }
  std::uint64_t batch_jobs = 0, evicted_pods = 0, nodes_not_ready = 0;
  std::optional<models::ClusterAutoscaler> autoscaler;
  if (sc.autoscaler.enabled &&
      std::any_of(sc.node_pools.begin(), sc.node_pools.end(), [](const auto& p) { return p.autoscaling.has_value(); })) {
    autoscaler.emplace(engine, cluster, cp, sc.autoscaler, streams.stream("autoscaler"));
  }
  // The monitoring system (/observability): scrapes the DCGM exporters and the discovered pods.
  std::optional<models::MetricsScraper> scraper;
  if (sc.observability) {
    scraper.emplace(engine, cp, runtime, models::GpuCatalog::builtin(), *sc.observability, sc.until);
    if (deployments) {
      std::vector<models::InferenceServerSpec> servers;
      for (const auto& d : sc.deployments) servers.push_back(d.server);
      scraper->serve(*deployments, std::move(servers));
    }
  }
  models::RunMetrics metrics(engine, cp);
  metrics.track(jobs);
  metrics.track(job_sets);
  if (api_jobs) metrics.track(*api_jobs);
  sim::EventLog log(&events_file);
  ProgressReporter progress(options.progress, engine);
  double last_activity = 0;

  if (train_jobs) {
    crds->established.connect([&](const models::ApiObject& crd) {
      log.record(engine.now(), models::CrdEstablishedEvent{crd.meta.name, crd.spec["names"].value("kind", "")});
    });
    train_jobs->stored.connect([&](const models::ApiObject& tj) {
      last_activity = engine.now();
      log.record(engine.now(), models::TrainJobStoredEvent{tj.meta.name, tj.meta.uid, tj.spec["trainer"].value("numNodes", std::int64_t{0})});
    });
    train_jobs->rejected.connect([&](std::string_view name, const models::ApiReply& r) {
      last_activity = engine.now();
      log.record(engine.now(), models::TrainJobRejectedEvent{name, r.status.code, r.status.reason, r.message});
    });
    train_jobs->condition_added.connect([&](const models::ApiObject& tj, std::string_view type, std::string_view reason,
                                            std::string_view message) {
      last_activity = engine.now();
      log.record(engine.now(), models::TrainJobConditionEvent{tj.meta.name, type, reason, message});
    });
  }
  cp.job_submitted.connect([&](const models::JobState& job) {
    last_activity = engine.now();
    if (!job.spec.owner.empty()) return;  // a controller's pod: its object is logged
    const auto req = job.spec.total_requests();
    log.record(engine.now(), models::JobSubmittedEvent{job.spec.id, job.spec.queue, job.spec.priority,
                                                      job.spec.total_pods(), req.gpus, job.spec.min_member});
    progress.tick(metrics.submitted(), metrics.completed());
  });
  cp.pod_bound.connect([&](const models::JobState& job, std::size_t pod) {
    std::string devices;
    for (models::DeviceIndex d : job.pod_devices[pod]) devices += (devices.empty() ? "[" : ",") + std::to_string(d);
    if (!devices.empty()) devices += ']';
    // The DRA claims it holds, with the devices allocated to them: [{"name":"c","devices":["gpu-0"]}].
    // GPUs it holds through claims (on a pool that publishes GPUs as DRA devices) are its "gpus".
    std::string claims;
    std::vector<std::int64_t> dra_gpus;
    for (models::dra::ClaimId id : dra.claims_of({job.seq, pod})) {
      const models::dra::ResourceClaim& claim = dra.claim(id);
      claims += claims.empty() ? "[" : ",";
      std::string names = "[";
      if (claim.status.allocation) {
        for (const auto& r : claim.status.allocation->results) {
          if (names.size() > 1) names += ',';
          sim::append_json_string(names, r.device);
          if (r.driver.starts_with("gpu.")) dra_gpus.push_back(dra_gpu_number(dra, job.pod_nodes[pod], r.device));
        }
      }
      sim::JsonObjectWriter(claims).field("name", claim.name).raw_field("devices", names + "]").close();
    }
    if (!claims.empty()) claims += ']';
    std::sort(dra_gpus.begin(), dra_gpus.end());
    dra_gpus.erase(std::unique(dra_gpus.begin(), dra_gpus.end()), dra_gpus.end());
    if (job.pod_devices[pod].empty() && !dra_gpus.empty()) {  // a pool has GPUs one way or the other, never both
      for (std::int64_t g : dra_gpus) devices += (devices.empty() ? "[" : ",") + std::to_string(g);
      devices += ']';
    }
    log.record(engine.now(), models::PodScheduledEvent{job_name(job), job.pod_name(pod),
                                                      cluster.node_name(job.pod_nodes[pod]), devices,
                                                      job.group_of(pod).requests.gpu_milli, claims});
  });
  // Per-container devices (docs/dra.md, "Containers and device isolation"): only pods that list
  // containers log them, so runs without containers log exactly what they did before.
  const models::KubeletDevices kubelet_devices(cp, dra, sc.container_runtime);
  ContainerDeviceCounts container_counts;
  cp.pod_running.connect([&](const models::JobState& job, std::size_t pod, models::ControlPlane::ImagePull how) {
    log.record(engine.now(), models::PodRunningEvent{job_name(job), job.pod_name(pod), cluster.node_name(job.pod_nodes[pod]),
                                                    job.group_of(pod).image,
                                                    how == models::ControlPlane::ImagePull::Pulled ? "Pulled"
                                                    : how == models::ControlPlane::ImagePull::Cached ? "Cached"
                                                                                                      : ""});
    if (!job.group_of(pod).containers.empty()) {
      log_container_devices(log, engine.now(), kubelet_devices, job, pod, job_name(job), cluster, container_counts);
    }
  });
  // GPU drivers, GPU feature discovery's labels and the validator, where a pool states its driver.
  // Made after the PodRunning log hook, so a pod's CudaCompatibility check follows its PodRunning.
  std::optional<models::GpuDriverStack> drivers;
  if (sc.gpu_drivers.any()) {
    drivers.emplace(engine, cluster, cp, sc.gpu_drivers);
    drivers->driver_upgraded.connect([&](std::size_t p, const models::DriverVersions& from, const models::DriverVersions& to) {
      log.record(engine.now(), models::DriverUpgradedEvent{cluster.pool(p).name, static_cast<std::int64_t>(cluster.pool(p).count), from.driver, from.cuda.text(),
                                                          to.driver, to.cuda.text(), to.container_toolkit});
    });
    drivers->drift_detected.connect([&](std::size_t p, const models::DriverVersions& adv, const models::DriverVersions& now) {
      log.record(engine.now(), models::DriverDriftEvent{cluster.pool(p).name, static_cast<std::int64_t>(cluster.pool(p).count), adv.driver, adv.cuda.text(),
                                                       adv.container_toolkit, now.driver, now.cuda.text(), now.container_toolkit});
    });
    drivers->drift_resolved.connect([&](std::size_t p, const models::DriverVersions& v, double seconds) {
      log.record(engine.now(), models::DriverDriftResolvedEvent{cluster.pool(p).name, static_cast<std::int64_t>(cluster.pool(p).count), v.driver, v.cuda.text(), seconds});
    });
    drivers->pod_checked.connect([&](const models::JobState& job, std::size_t pod, models::CudaCompatibility result,
                                     const std::optional<models::DriverVersions>& installed) {
      const auto& required = job.group_of(pod).requires_cuda;
      log.record(engine.now(), models::CudaCompatibilityEvent{job_name(job), job.pod_name(pod), cluster.node_name(job.pod_nodes[pod]),
                                                             required ? required->text() : std::string(),
                                                             installed ? installed->driver : std::string(),
                                                             installed ? installed->cuda.text() : std::string(),
                                                             models::compatibility_name(result)});
    });
  }
  if (autoscaler) {
    autoscaler->scaled_up.connect([&](std::size_t pool, int nodes, double ready_at) {
      log.record(engine.now(), models::ScaleUpEvent{cluster.pool(pool).name, nodes, ready_at});
    });
    autoscaler->node_added.connect([&](models::NodeIndex n) {
      log.record(engine.now(), models::NodeAddedEvent{cluster.node_name(n)});
    });
    autoscaler->node_removed.connect([&](models::NodeIndex n) {
      log.record(engine.now(), models::NodeRemovedEvent{cluster.node_name(n)});
    });
  }
  cp.job_gated.connect([&](const models::JobState& job, std::string_view message) {
    log.record(engine.now(), models::SchedulingGatedEvent{job_name(job), message});
  });
  cp.permit_rejected.connect([&](const models::JobState& job, std::string_view plugin, std::string_view reason) {
    log.record(engine.now(), models::PermitRejectedEvent{job_name(job), plugin, reason});
  });
  cp.job_unschedulable.connect([&](const models::JobState& job, std::string_view message) {
    log.record(engine.now(), models::FailedSchedulingEvent{job_name(job), message});
  });
  if (sc.plugin_verdicts) {
    cp.filter_rejected.connect([&](const models::JobState& job, std::size_t group, models::NodeIndex node,
                                   const models::Status& status) {
      std::string reasons = "[";
      for (std::string_view r : status.reasons()) {
        if (reasons.size() > 1) reasons += ',';
        sim::append_json_string(reasons, r);
      }
      reasons += ']';
      log.record(engine.now(), models::FilterRejectedEvent{job_name(job), job.spec.pods[group].name,
                                                          cluster.node_name(node), status.plugin(), reasons});
    });
  }
  cp.job_started.connect([&](const models::JobState& job) {
    if (!job.spec.owner.empty()) return;
    const double step = job.spec.perf ? runtime.predict_step(job.spec, job.pod_nodes, cluster).step_seconds : -1.0;
    log.record(engine.now(), models::JobStartedEvent{job.spec.id, job.start_time - job.spec.submit_time, step});
  });
  cp.job_completed.connect([&](const models::JobState& job) {
    last_activity = engine.now();
    if (job.spec.owner.empty()) {
      double slowdown = -1;
      if (job.spec.perf) {
        const double alone = static_cast<double>(job.spec.perf->iterations) *
                             runtime.predict_step(job.spec, job.pod_nodes, cluster).step_seconds;
        slowdown = alone > 0 ? (job.end_time - job.start_time) / alone : 1.0;
      }
      log.record(engine.now(), models::JobCompletedEvent{job.spec.id, job.end_time - job.spec.submit_time,
                                                        job.end_time - job.start_time, slowdown});
    }
    if (timeline) write_pod_slices(*timeline, cluster, job, job.end_time, job.spec.owner.empty() ? "job" : "pod");
    progress.tick(metrics.submitted(), metrics.completed());
  });
  cp.job_preempted.connect([&](const models::JobState& victim, const models::JobState& preemptor,
                                models::NodeIndex node) {
    const double ran = victim.started() ? victim.end_time - victim.start_time : 0.0;
    log.record(engine.now(), models::PreemptedEvent{job_name(victim), job_name(preemptor), cluster.node_name(node), ran});
    if (timeline && victim.started()) write_pod_slices(*timeline, cluster, victim, victim.end_time, "job (preempted)");
  });
  cp.job_failed.connect([&](const models::JobState& job, std::string_view reason, std::string_view message) {
    last_activity = engine.now();
    if (job.spec.owner.empty()) log.record(engine.now(), models::JobFailedEvent{job.spec.id, reason, message});
  });
  cp.job_terminated.connect([&](const models::JobState& unit, const models::PodTermination& why) {
    last_activity = engine.now();
    if (timeline && unit.started()) write_pod_slices(*timeline, cluster, unit, engine.now(), why.failed ? "pod (failed)" : "pod (deleted)");
  });
  auto pod_node = [&](const models::JobState& unit, std::size_t pod) -> std::string_view {
    const models::NodeIndex n = unit.pod_nodes[pod];
    return n == models::kUnbound ? std::string_view() : std::string_view(cluster.node_name(n));
  };
  // Jobs are logged alike whether the Job controller runs them directly or through the API server.
  auto batch_job_created = [&](const models::BatchJob& job) {
    ++batch_jobs;
    last_activity = engine.now();
    log.record(engine.now(), models::JobSubmittedEvent{job.spec.id, job.spec.queue, job.spec.priority, job.spec.total_pods(),
                                                      job.spec.total_requests().gpus, job.spec.min_member});
  };
  auto batch_job_started = [&](const models::BatchJob& job) {
    log.record(engine.now(), models::JobStartedEvent{job.spec.id, job.start_time - job.spec.submit_time});
  };
  auto batch_job_completed = [&](const models::BatchJob& job) {
    last_activity = engine.now();
    log.record(engine.now(), models::JobCompletedEvent{job.spec.id, job.end_time - job.spec.submit_time,
                                                      job.end_time - job.start_time});
  };
  auto batch_job_failed = [&](const models::BatchJob& job, std::string_view reason, std::string_view message) {
    last_activity = engine.now();
    log.record(engine.now(), models::JobFailedEvent{job.spec.id, reason, message});
  };
  jobs.job_created.connect(batch_job_created);
  jobs.job_started.connect(batch_job_started);
  jobs.job_completed.connect(batch_job_completed);
  jobs.job_failed.connect(batch_job_failed);
  if (api_jobs) {
    api_jobs->job_created.connect(batch_job_created);
    api_jobs->job_started.connect(batch_job_started);
    api_jobs->job_completed.connect(batch_job_completed);
    api_jobs->job_failed.connect(batch_job_failed);
  }
  jobs.pod_failed.connect([&](const models::BatchJob& job, const models::JobState& unit, const models::PodTermination& why,
                              std::string_view action) {
    log.record(engine.now(), models::PodFailedEvent{job.spec.id, unit.pod_name(why.pod), pod_node(unit, why.pod), why.reason,
                                                   action, why.exit_code, why.disruption, job.failed,
                                                   job.batch().backoff_limit});
  });
  jobs.pod_recreated.connect([&](const models::BatchJob& job, const models::JobState& unit, double backoff) {
    log.record(engine.now(), models::PodRecreatedEvent{job.spec.id, unit.pod_name(0), backoff});
  });
  if (api_jobs) {
    api_jobs->pod_failed.connect([&](const models::BatchJob& job, std::string_view pod, std::string_view node,
                                     const models::PodTermination& why, std::string_view action) {
      log.record(engine.now(), models::PodFailedEvent{job.spec.id, pod, node, why.reason, action, why.exit_code,
                                                     why.disruption, job.failed, job.batch().backoff_limit});
    });
  }
  job_sets.created.connect([&](const models::JobSetState& set) {
    last_activity = engine.now();
    log.record(engine.now(), models::JobSetCreatedEvent{set.spec.name, set.children()});
  });
  job_sets.restarted.connect([&](const models::JobSetState& set, std::string_view failed_job) {
    log.record(engine.now(), models::JobSetRestartedEvent{set.spec.name, failed_job, set.restarts});
  });
  job_sets.completed.connect([&](const models::JobSetState& set) {
    last_activity = engine.now();
    log.record(engine.now(), models::JobSetCompletedEvent{set.spec.name, set.end_time - set.submit_time, set.restarts});
  });
  job_sets.failed.connect([&](const models::JobSetState& set, std::string_view reason, std::string_view message) {
    last_activity = engine.now();
    log.record(engine.now(), models::JobSetFailedEvent{set.spec.name, reason, message});
  });
  if (node_lifecycle) {
    node_lifecycle->node_not_ready.connect([&](models::NodeIndex n, std::string_view taint) {
      ++nodes_not_ready;
      log.record(engine.now(), models::NodeNotReadyEvent{cluster.node_name(n), taint});
    });
    node_lifecycle->node_ready.connect([&](models::NodeIndex n) {
      log.record(engine.now(), models::NodeReadyEvent{cluster.node_name(n)});
    });
    node_lifecycle->pod_evicted.connect([&](const models::JobState& job, std::size_t pod, models::NodeIndex n) {
      ++evicted_pods;
      log.record(engine.now(), models::EvictedEvent{job_name(job), job.pod_name(pod), cluster.node_name(n), "TaintManagerEviction"});
    });
  }
  if (deployments) {
    deployments->pod_failed.connect([&](std::size_t d, const models::JobState& unit, const models::PodTermination& why) {
      log.record(engine.now(), models::PodFailedEvent{sc.deployments[d].deployment.name, unit.pod_name(why.pod),
                                                     pod_node(unit, why.pod), why.reason, "Replace", why.exit_code,
                                                     why.disruption, -1, -1});
    });
    deployments->pod_created.connect([&](std::size_t d, const models::JobState& unit, bool replacement) {
      if (replacement) log.record(engine.now(), models::PodRecreatedEvent{sc.deployments[d].deployment.name, unit.pod_name(0), 0.0});
    });
    for (auto& hpa : hpas) {
      hpa->rescaled.connect([&](std::size_t d, int from, int to, double metric, std::string_view reason) {
        ++rescales[d];
        log.record(engine.now(), models::SuccessfulRescaleEvent{sc.deployments[d].deployment.name, from, to, metric,
                                                               sc.deployments[d].hpa->target_per_replica, reason});
      });
    }
  }

  // Co-tenants on shared links: connected after the log, so a start is logged before the rate
  // changes it causes.
  std::optional<models::JobRates> rates;
  std::optional<std::ofstream> fabric_usage;
  std::string usage_line;
  if (fabric_index) {
    rates.emplace(engine, cp, runtime, *fabric_index);
    rates->rate_changed.connect([&](const models::JobState& job, double old_step, double new_step,
                                    const models::JobState& cause, bool started) {
      log.record(engine.now(), models::RateChangedEvent{job.spec.id, old_step, new_step, cause.spec.id,
                                                       started ? "JobStarted" : "JobEnded"});
    });
    // fabric-usage.jsonl: each shared link's modelled load whenever a job crossing it starts or ends.
    fabric_usage.emplace(out.open("fabric-usage.jsonl"));
    rates->usage_changed.connect([&](const models::JobState& job, bool started, std::span<const models::ResourceDemand> crossed) {
      usage_line.clear();
      append_fabric_usage(usage_line, engine.now(), job_name(job), started, crossed, rates->contention());
      *fabric_usage << usage_line;
    });
  }

  if (timeline) {
    timeline->name_process(0, "cluster");
    for (std::size_t p = 0; p < cluster.pool_count(); ++p) {
      const auto& pool = cluster.pool(p);
      timeline->name_process(static_cast<int>(p) + 1,
                             "pool " + pool.name + (pool.gpu_model.empty() ? "" : " (" + pool.gpu_model + ")"));
    }
    for (models::NodeIndex n = 0; n < cluster.node_count(); ++n) {
      timeline->name_thread(static_cast<int>(cluster.pool_of(n)) + 1, static_cast<int>(cluster.index_in_pool(n)),
                            cluster.node_name(n));
    }
  }

  write_topology(out, cluster, dra);
  if (dra.max_devices_per_node() > 0) {  // what each published device is, for readers of the claims
    std::ofstream f = out.open("resourceslices.json");
    models::dra::write_resource_slices(f, dra, cluster);
  }
  if (fabric_index) {
    std::ofstream f = out.open("fabric.json");
    write_fabric_json(f, *sc.fabric, *fabric_index, cluster, kFabricEfficiency);
  }

  std::unique_ptr<models::JobSource> source = make_job_source(sc, streams);
  // With Kueue-style queueing every job goes through admission (gated until admitted).
  std::optional<models::queueing::KueueAdmission> kueue;
  if (!sc.queueing.empty()) {
    kueue.emplace(engine, cp, sc.queueing);
    kueue->admitted.connect([&](const models::JobState& j, std::string_view cq, std::string_view flavors) {
      log.record(engine.now(), models::queueing::AdmittedEvent{j.spec.id, cq, flavors, engine.now() - j.spec.submit_time});
    });
    kueue->preempted.connect([&](const models::JobState& v, std::string_view cq, std::string_view reason,
                                 const models::JobState& by) {
      log.record(engine.now(), models::queueing::WorkloadPreemptedEvent{v.spec.id, cq, reason, by.spec.id});
    });
    kueue->pending.connect([&](const models::JobState& j, std::string_view cq, std::string_view message) {
      log.record(engine.now(), models::queueing::WorkloadPendingEvent{j.spec.id, cq, message});
    });
  }
  // Pipeline steps (dependsOn) wait here for their dependencies; every job passes through.
  models::JobDependencies dependencies(engine, [&](models::JobSpec job) {
    if (api_jobs && models::ApiJobController::manages(job)) {
      api_jobs->submit(std::move(job));
    } else if (models::JobController::manages(job)) {
      jobs.submit(std::move(job));
    } else if (kueue) {
      kueue->submit(std::move(job));
    } else {
      cp.submit(std::move(job));
    }
  });
  // Connected after the loggers above, so a step's JobSubmitted follows its dependency's JobCompleted.
  cp.job_completed.connect([&](const models::JobState& job) {
    if (job.spec.owner.empty()) dependencies.finished(job.spec.id, true);
  });
  cp.job_failed.connect([&](const models::JobState& job, std::string_view, std::string_view) {
    if (job.spec.owner.empty()) dependencies.finished(job.spec.id, false);
  });
  auto batch_succeeded = [&](const models::BatchJob& job) { dependencies.finished(job.spec.id, true); };
  auto batch_failed = [&](const models::BatchJob& job, std::string_view, std::string_view) {
    dependencies.finished(job.spec.id, false);
  };
  jobs.job_completed.connect(batch_succeeded);
  jobs.job_failed.connect(batch_failed);
  if (api_jobs) {
    api_jobs->job_completed.connect(batch_succeeded);
    api_jobs->job_failed.connect(batch_failed);
  }
  dependencies.job_skipped.connect([&](const models::JobSpec& job, std::string_view dependency) {
    last_activity = engine.now();
    log.record(engine.now(), models::JobSkippedEvent{job.id, dependency});
  });
  models::JobInjector injector(engine, *source, [&](models::JobSpec job) { dependencies.arrive(std::move(job)); });
  injector.start();
  for (const auto& sub : sc.job_sets) {
    engine.schedule_at(sub.submit_time, [&job_sets, &sub] { job_sets.submit(sub.spec); });
  }
  if (deployments) {
    deployments->start();
    for (auto& hpa : hpas) hpa->start();
  }
  for (auto& s : serving) s->start();
  if (gateway) {
    gateway->route_status_written.connect([&](const models::networking::HttpRoute& route,
                                              const std::vector<models::networking::RouteCondition>& conditions) {
      log.record(engine.now(), models::networking::RouteStatusEvent{route.name, conditions[0].status, conditions[0].reason,
                                                                    conditions[1].status, conditions[1].reason,
                                                                    conditions[0].status ? conditions[1].message : conditions[0].message});
    });
    gateway->start();
  }
  models::SeriesSampler sampler(engine, cp, sc.sample_interval);
  sampler.start();
  if (scraper) scraper->start();

  engine.run(sc.until);
  if (gateway) {
    gateway->finish(sc.until);
    std::ofstream f = out.open("gateway.jsonl");
    write_gateway_jsonl(f, *gateway);
  }

  // The horizon cut the run short if work was still pending or arriving when it stopped.
  const bool horizon_reached =
      std::isfinite(sc.until) && (!cp.live_jobs().empty() || injector.has_more() || dependencies.held() > 0 || jobs.live_jobs() > 0 ||
                                  (api_jobs && api_jobs->live_jobs() > 0) || (train_jobs && train_jobs->live() > 0) ||
                                  (sc.train_jobs && std::any_of(sc.train_jobs->jobs.begin(), sc.train_jobs->jobs.end(),
                                                                [&](const auto& s) { return s.submit_time >= sc.until; })) ||
                                  job_sets.live_sets() > 0 ||
                                  std::any_of(sc.job_sets.begin(), sc.job_sets.end(),
                                              [&](const auto& sub) { return sub.submit_time >= sc.until; }));
  const double end = horizon_reached ? sc.until : last_activity;

  // series.csv: the grid samples up to the end, then the state at the end itself.
  {
    std::ofstream series = out.open("series.csv");
    std::string buf = "time_s,allocated_gpus,pending_pods,running_jobs\n";
    auto row = [&](const models::ClusterSample& s) {
      sim::append_json_number(buf, s.time);
      buf += ',';
      sim::append_json_number(buf, static_cast<double>(s.allocated_gpu_milli) / 1000.0);  // "8", or "7.5" with shares
      buf += ',' + std::to_string(s.pending_pods) + ',' +
             std::to_string(s.running_jobs) + '\n';
      if (timeline) {
        timeline->counter(0, "cluster", s.time, {{"allocatedGpus", static_cast<double>(s.allocated_gpu_milli) / 1000.0},
                                                 {"pendingPods", static_cast<double>(s.pending_pods)},
                                                 {"runningJobs", static_cast<double>(s.running_jobs)}});
      }
    };
    double last_row = -1;
    for (const auto& s : sampler.samples()) {
      if (s.time > end) break;
      row(s);
      last_row = s.time;
    }
    if (last_row < end) {
      models::ClusterSample final_state = sampler.now();
      final_state.time = end;
      row(final_state);
    }
    series << buf;
  }

  if (timeline) {
    // Jobs still running at the end are drawn up to the end, marked as such.
    std::vector<const models::JobState*> running;
    for (const auto& [seq, job] : cp.live_jobs()) {
      if (job.started()) running.push_back(&job);
    }
    std::sort(running.begin(), running.end(), [](auto* a, auto* b) { return a->seq < b->seq; });
    for (const auto* job : running) write_pod_slices(*timeline, cluster, *job, end, "job (running at end)");
    timeline->close();
    timeline_file->close();
  }
  log.flush();
  events_file.close();
  if (fabric_usage) fabric_usage->close();
  if (audit_file) audit_file->close();
  if (serving_file) serving_file->close();
  if (scraper) {
    std::ofstream f = out.open("metrics.om");
    scraper->write(f);
  }

  nlohmann::ordered_json summary;
  summary["scenario"] = sc.name;
  summary["seed"] = sc.seed;
  summary["simulatedSeconds"] = end;
  summary["wallSeconds"] = 0.0;  // filled in last
  summary["eventsProcessed"] = engine.events_processed();
  summary["horizonReached"] = horizon_reached;
  const nlohmann::ordered_json outcome = metrics.summary(end);
  for (const auto& [key, value] : outcome.items()) summary[key] = value;
  // Nodes and GPUs that exist at the end (with autoscaling, maxNodes counts every node slot).
  summary["cluster"] = {{"nodes", cluster.existing_nodes()}, {"maxNodes", cluster.node_count()}, {"gpus", cluster.total_gpus()},
                        {"nodePools", cluster.pool_count()}};
  summary["runtimeModel"] = runtime.name();
  if (rates) {
    summary["fabric"] = {{"rateChanges", rates->rate_changes()},
                         {"stepEvaluations", runtime.step_evaluations()},
                         {"contentionRecomputations", rates->contention().recomputed()}};
  }
  // Only where a scenario opted in, so that other outputs stay as they were.
  if (batch_jobs > 0 || deployments || !sc.job_sets.empty()) {
    const std::uint64_t replaced = deployments ? deployments->pods_replaced() : 0;
    summary["controllers"] = {{"batchJobs", batch_jobs},
                              {"jobSets", sc.job_sets.size()},
                              {"podFailures", jobs.pod_failures() + replaced + (api_jobs ? api_jobs->pod_failures() : 0)},
                              {"podsRecreated", jobs.pods_recreated() + replaced}};
  }
  if (dependencies.used()) {
    summary["dependencies"] = {{"released", dependencies.released()}, {"skipped", dependencies.skipped()},
                               {"heldAtEnd", dependencies.held()}};
  }
  if (container_counts.containers > 0) {
    summary["containerDevices"] = {{"containers", container_counts.containers},
                                   {"devicesAllocated", container_counts.devices_allocated},
                                   {"accessDenied", container_counts.denied},
                                   {"accessGranted", container_counts.granted},
                                   {"exposeAllDevices", sc.container_runtime.expose_all_devices}};
  }
  if (node_lifecycle) summary["nodeFaults"] = {{"faults", sc.faults.size()}, {"notReady", nodes_not_ready}, {"evictedPods", evicted_pods}};
  if (deployments) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (std::size_t d = 0; d < deployments->size(); ++d) {
      list.push_back({{"name", deployments->spec(d).name},
                      {"replicas", deployments->replicas(d)},
                      {"ready", deployments->ready(d)},
                      {"readyReplicaSeconds", deployments->ready_replica_seconds(d)},
                      {"rescales", rescales[d]}});
    }
    summary["deployments"] = list;
  }
  if (!serving.empty()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& s : serving) list.push_back(serving_summary(*s));
    summary["disaggregatedServing"] = list;
  }
  if (gateway) summary["gateway"] = gateway_summary(*gateway);
  if (api) {
    nlohmann::ordered_json errors = nlohmann::ordered_json::object();
    for (int code : {409, 410, 429, 500, 503}) {
      if (api->errors(code) > 0) errors[std::to_string(code)] = api->errors(code);
    }
    summary["apiServer"] = {{"requests", api->requests()},
                            {"errors", errors},
                            {"resourceVersion", api->resource_version()},
                            {"podsCreated", api_jobs->pods_created()},
                            {"statusConflicts", api_jobs->conflicts()},
                            {"controllerRestarts", api_jobs->restarts()},
                            {"events", api->events().size()}};
  }
  if (train_jobs) {
    summary["trainJobs"] = {{"crdsEstablished", crds->established_count()},
                            {"submitted", train_jobs->submitted()},
                            {"stored", train_jobs->stored_count()},
                            {"rejected", train_jobs->rejected_count()},
                            {"submitRetries", train_jobs->submit_retries()},
                            {"succeeded", train_jobs->succeeded()},
                            {"failed", train_jobs->failed()},
                            {"podsCreated", train_jobs->pods_created()},
                            {"podsAlreadyExisted", train_jobs->pods_already_existed()},
                            {"statusConflicts", train_jobs->conflicts()},
                            {"operatorRestarts", train_jobs->restarts()},
                            {"webhook", {{"calls", webhook->calls()},
                                         {"denied", webhook->denied()},
                                         {"timeouts", webhook->timeouts()},
                                         {"unreachable", webhook->unreachable()},
                                         {"failedClosed", webhook->failed_closed()},
                                         {"failedOpen", webhook->failed_open()}}}};
  }
  if (scraper) {
    summary["observability"] = {{"scrapes", scraper->scrapes()},
                                {"points", scraper->samples()},
                                {"targetsDiscovered", scraper->targets_discovered()}};
  }
  if (drivers) {
    std::int64_t drifting = 0;
    for (std::size_t p = 0; p < cluster.pool_count(); ++p) drifting += drivers->drift_since(p) ? 1 : 0;
    summary["gpuDrivers"] = {{"upgrades", drivers->upgrades()},
                             {"drifts", drivers->drifts()},
                             {"driftsResolved", drivers->drifts_resolved()},
                             {"longestDriftSeconds", drivers->longest_drift()},
                             {"poolsDriftingAtEnd", drifting},
                             {"podChecks", {{"compatible", drivers->checks(models::CudaCompatibility::Compatible)},
                                            {"incompatible", drivers->checks(models::CudaCompatibility::Incompatible)},
                                            {"unknown", drivers->checks(models::CudaCompatibility::Unknown)}}}};
  }
  summary["eventLog"] = {{"records", log.count()}, {"fingerprint", hex64(log.fingerprint())}};
  summary["wallSeconds"] = std::chrono::duration<double>(Clock::now() - wall_start).count();
  {
    std::ofstream f = out.open("summary.json");
    f << summary.dump(2) << '\n';
  }
  out.commit({"summary.json", "events.jsonl", "timeline.json", "series.csv", "topology.json", "fabric.json", "fabric-usage.jsonl",
              "audit.jsonl", "resourceslices.json", "serving-requests.jsonl", "metrics.om", "gateway.jsonl"});
  if (progress.printed()) std::fprintf(stderr, "kubetwin: done in %.1f s\n", summary["wallSeconds"].get<double>());
  return summary;
}

}  // namespace kubetwin::scenarios
