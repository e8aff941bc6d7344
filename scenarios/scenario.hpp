#pragma once
// A scenario: the platform, the scheduler, the workload and the run settings, as read from a
// scenario file (docs/scenario-format.md). Everything here is validated; the runner trusts it.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "models/autoscaling/cluster_autoscaler.hpp"
#include "models/cluster/gpu_driver.hpp"
#include "models/cluster/node_pool.hpp"
#include "models/dra/dra_loader.hpp"
#include "models/autoscaling/horizontal_pod_autoscaler.hpp"
#include "models/k8s/api_server.hpp"
#include "models/k8s/container_devices.hpp"
#include "models/k8s/control_plane_timing.hpp"
#include "models/k8s/deployment_controller.hpp"
#include "models/serving/disaggregated_serving.hpp"
#include "models/k8s/jobset_controller.hpp"
#include "models/k8s/node_lifecycle.hpp"
#include "models/k8s/train_job_operator.hpp"
#include "models/metrics/inference_server_metrics.hpp"
#include "models/metrics/metrics_scraper.hpp"
#include "models/networking/gateway_controller.hpp"
#include "models/queueing/queueing_config.hpp"
#include "models/topology/fabric_builder.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "models/workload/job_spec.hpp"
#include "models/workload/synthetic_workload.hpp"

namespace kubetwin::scenarios {

/// Jobs read as a stream from a native JSON Lines trace.
struct TraceWorkload {
  std::filesystem::path path;  ///< resolved against the scenario file's folder
};
/// Jobs written inline in the scenario, already validated and sorted.
struct InlineWorkload {
  std::vector<models::JobSpec> jobs;
};
using Workload = std::variant<TraceWorkload, InlineWorkload, models::SyntheticWorkloadSpec>;

/// An inference service: a Deployment, optionally with an HPA on requests per second per replica.
struct ServiceDeployment {
  models::DeploymentSpec deployment;
  std::optional<models::HpaSpec> hpa;
  /// How its pods serve requests (and what they report when /observability scrapes them).
  models::InferenceServerSpec server;
  /// How its pods serve requests routed by the gateway (/deployments/i/serving); unset: they are
  /// not model servers.
  std::optional<models::networking::ModelServing> serving;
};

/// A JobSet submitted at a given time (/jobSets).
struct JobSetSubmission {
  models::JobSetSpec spec;
  double submit_time = 0;
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::vector<models::NodePoolSpec> node_pools;
  models::SchedulerConfig scheduler;
  /// How long the API server, the scheduler and the kubelets take (/controlPlane); scenarios get
  /// the calibrated profile unless they say otherwise.
  models::ControlPlaneTiming control_plane = models::ControlPlaneTiming::calibrated();
  /// The API server as an object store (/apiServer): set, batch Jobs go through it (their Job and
  /// Pod objects, informers, faults); unset, everything runs as before it existed.
  std::optional<models::ApiServerConfig> api_server;
  /// The TrainJob operator's installation (CRD, validating webhook) and the TrainJobs users submit
  /// (/trainJobs; needs /apiServer).
  std::optional<models::TrainJobsConfig> train_jobs;
  /// /controllers/operatorRelistOnRestart (false: the deliberately broken operator).
  models::TrainJobOperatorConfig train_job_operator;
  /// The nodes' container runtime (/containerRuntime): which devices containers can open.
  models::ContainerRuntimeConfig container_runtime;
  /// Cluster autoscaler settings; it runs when some node pool has `autoscaling`.
  models::ClusterAutoscalerConfig autoscaler;
  /// DRA objects (device classes, claims, templates, per-pool resource slices).
  models::dra::DraObjects dra;
  /// Kueue-style queueing (ResourceFlavors, cohorts, ClusterQueues, LocalQueues); empty: none.
  models::queueing::QueueingConfig queueing;
  /// The interconnect (/fabric): server i of the fabric is node i of the cluster. Without it jobs
  /// run at placement-independent rates, as before fabrics existed.
  std::optional<models::FabricSpec> fabric;
  Workload workload;
  /// Node faults (/faults) and the node lifecycle controller's settings (/controllers).
  std::vector<models::NodeFault> faults;
  models::NodeLifecycleConfig node_lifecycle;
  /// GPU drivers per pool (/platform/nodePools/i/driver), their upgrades (/driverUpgrades) and GPU
  /// feature discovery (/gpuFeatureDiscovery); without a pool driver none of it is modelled.
  models::GpuDriverConfig gpu_drivers;
  /// Deployments for inference services (/deployments) and the HPA controller's settings.
  std::vector<ServiceDeployment> deployments;
  models::HpaControllerConfig hpa;
  /// Prefill/decode-split serving stacks (/disaggregatedServing); their two roles' Deployments
  /// are in `deployments` (named <name>-prefill and <name>-decode).
  std::vector<models::DisaggregatedServingSpec> disaggregated_serving;
  /// The monitoring system (/observability): set, the run scrapes exporters and writes metrics.om.
  std::optional<models::ObservabilityConfig> observability;
  /// The inference gateway (/gateway): Gateways, HTTPRoutes, InferencePools, traffic; unset: none.
  std::optional<models::networking::GatewayConfig> gateway;
  /// JobSet-like multi-role jobs (/jobSets), sorted by submission time.
  std::vector<JobSetSubmission> job_sets;
  double mfu = 0.4;  ///< fraction of peak achieved by work-based jobs
  double until = std::numeric_limits<double>::infinity();  ///< simulated-time horizon, seconds
  double sample_interval = 60;                             ///< series.csv grid, seconds
  bool timeline = true;
  bool plugin_verdicts = false;  ///< record each node's rejecting plugin on failed attempts
};

}  // namespace kubetwin::scenarios
