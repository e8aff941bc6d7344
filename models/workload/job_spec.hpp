#pragma once
// What a trace record or generator describes: a job made of groups of identical pods.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/cuda_version.hpp"
#include "models/cluster/resources.hpp"
#include "models/cluster/taint.hpp"
#include "models/workload/perf_profile.hpp"
#include "models/workload/pod_constraints.hpp"

namespace kubetwin::models {

/// pod.spec.resourceClaims[]: a DRA claim the pod uses, by the name of an existing
/// ResourceClaim (shared with other pods) or of a ResourceClaimTemplate (one claim per pod).
struct PodResourceClaim {
  std::string name;  ///< the entry's name, unique in the pod
  std::string resource_claim_name;
  std::string resource_claim_template_name;
};

/// One container of a pod, in the fields that decide which devices it sees (docs/scenario-format.md,
/// "Containers"): the device-plugin GPUs it requests and the pod's claims it references by name
/// (resources.claims, as in Kubernetes). The pod's `requests` stay the pod-level resources the
/// scheduler places by; a pod without containers is one container holding all of them.
struct ContainerSpec {
  std::string name;
  std::int64_t gpus = 0;       ///< resources.requests/limits nvidia.com/gpu, whole GPUs
  std::int64_t gpu_milli = 0;  ///< or a share of the pod's one GPU
  std::vector<std::string> claims;  ///< resources.claims[].name: entries of pod.spec.resourceClaims
  /// Devices the container tries to open, by name, or "all" (`ls /dev/nvidia*`,
  /// NVIDIA_VISIBLE_DEVICES=all): the runtime refuses those not allocated to it.
  std::vector<std::string> device_access_attempts;
};

/// The topology the pods of a group should share (the TopologyAware plugin), in the manner of
/// Kueue's kueue.x-k8s.io/podset-required-topology and podset-preferred-topology annotations:
/// node label keys naming levels of the profile's topology; empty for none.
struct PodGroupTopology {
  std::string required;   ///< all pods in one domain of this level, or none is placed
  std::string preferred;  ///< all pods in one domain of this level if any can hold them
  bool empty() const { return required.empty() && preferred.empty(); }
};

struct PodGroupSpec {
  std::string name;  ///< role, e.g. "worker"; pods are named <job>-<name>-<replica>
  int replicas = 1;
  Resources requests;
  std::map<std::string, std::string> labels;  ///< pod labels (PodTopologySpread, InterPodAffinity)
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
  /// How the pods spread over topology domains (PodTopologySpread).
  std::vector<TopologySpreadConstraint> topology_spread_constraints;
  /// Pod affinity and anti-affinity to other pods (InterPodAffinity).
  PodAffinity affinity;
  /// DRA claims (DynamicResources); devices they get are not counted in `requests`.
  std::vector<PodResourceClaim> resource_claims;
  /// The pod's containers; empty: one container with all the pod's GPUs and claims.
  std::vector<ContainerSpec> containers;
  /// The container image and its size in bytes; the kubelet pulls it unless the node has it.
  std::string image;
  std::int64_t image_bytes = 0;
  /// Where the group's pods should land together (TopologyAware).
  PodGroupTopology topology;
  /// The CUDA version the containers need (requiresCuda): the pods go only to nodes whose GPU
  /// feature discovery labels advertise at least that, and fail at start where the installed
  /// driver provides less (models/k8s/gpu_driver_stack.hpp).
  std::optional<CudaVersion> requires_cuda;
};

/// batch/v1 Job podFailurePolicy rule: what a failed pod that matches does to its Job.
struct PodFailurePolicyRule {
  enum class Action { FailJob, Ignore, Count };
  Action action = Action::Count;
  /// onPodConditions [{type: DisruptionTarget}]: matches pods evicted or preempted.
  bool on_disruption = false;
  /// onExitCodes: matches a container exit code In (or NotIn) `exit_codes`.
  bool exit_codes_not_in = false;
  std::vector<int> exit_codes;
};

/// The batch/v1 Job fields a trace record may opt in to; a job with any of them (or with
/// `failures`) is run by the Job controller (models/k8s/job_controller.hpp), one pod at a time
/// (a gang: all pods together), instead of as one block of pods.
struct BatchJobSpec {
  int parallelism = 1;
  int completions = 1;
  bool indexed = false;     ///< completionMode Indexed: each index 0..completions-1 succeeds once
  int backoff_limit = 6;    ///< failed pods tolerated; one more fails the Job (BackoffLimitExceeded)
  std::optional<double> active_deadline;  ///< seconds from submission (activeDeadlineSeconds)
  std::vector<PodFailurePolicyRule> pod_failure_policy;
};

/// A pod failure injected at a given time after a pod starts (the k-th pod start of the job).
struct PodFailAt {
  double after = 0;
  int exit_code = 1;
};

/// Simulated pod failures (model events, seeded): each pod start fails with `probability` at a
/// uniform time within its run, or as listed in `fail_at` (entry k for the job's k-th pod start).
struct PodFailureSpec {
  double probability = 0;
  int exit_code = 1;
  std::vector<PodFailAt> fail_at;
  bool any() const { return probability > 0 || !fail_at.empty(); }
};

struct JobSpec {
  std::string id;
  double submit_time = 0;          ///< seconds from the start of the simulation
  std::string queue = "default";
  std::int32_t priority = 0;
  /// Pods that must be placed together (all-or-nothing); 0 means no gang.
  int min_member = 0;
  /// PodGroup scheduleTimeoutSeconds: how long reserved pods of a gang wait at Permit for the
  /// rest; unset means the Coscheduling plugin's permitWaitingTimeSeconds.
  std::optional<double> schedule_timeout;
  /// The profile that schedules the job's pods (KubeSchedulerProfile.schedulerName).
  std::string scheduler_name = "default-scheduler";
  /// Pod schedulingGates: the pods are not considered for scheduling while any remains.
  std::vector<std::string> scheduling_gates;
  /// Jobs (ids of earlier jobs) that must succeed before this one is submitted (a pipeline step's
  /// DAG dependencies; models/k8s/job_dependencies.hpp).
  std::vector<std::string> depends_on;
  std::optional<double> duration;  ///< run time in seconds, independent of placement
  std::optional<double> work;      ///< FLOP to execute; run time then depends on the GPUs granted
  /// Steps of a training profile; the step time depends on the placement and the fabric.
  std::optional<PerfProfile> perf;
  std::vector<PodGroupSpec> pods;
  /// Set: the Job controller runs it (parallelism, completions, backoffLimit...).
  std::optional<BatchJobSpec> batch;
  PodFailureSpec failures;
  /// Set on the pods a controller creates (a Job's pod, a Deployment's replica): the name of the
  /// owning object. The control plane then leaves retries and failures to that controller.
  std::string owner;
  /// No completion: the pods run until deleted (a Deployment's replicas).
  bool runs_forever = false;

  int total_pods() const {
    int n = 0;
    for (const auto& g : pods) n += g.replicas;
    return n;
  }
  Resources total_requests() const {
    Resources r;
    for (const auto& g : pods) r += g.requests * g.replicas;
    return r;
  }
};

}  // namespace kubetwin::models
