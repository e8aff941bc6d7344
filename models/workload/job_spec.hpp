#pragma once
// What a trace record or generator describes: a job made of groups of identical pods.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/resources.hpp"
#include "models/cluster/taint.hpp"
#include "models/workload/pod_constraints.hpp"

namespace kubetwin::models {

/// pod.spec.resourceClaims[]: a DRA claim the pod uses, by the name of an existing
/// ResourceClaim (shared with other pods) or of a ResourceClaimTemplate (one claim per pod).
struct PodResourceClaim {
  std::string name;  ///< the entry's name, unique in the pod
  std::string resource_claim_name;
  std::string resource_claim_template_name;
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
  /// The container image and its size in bytes; the kubelet pulls it unless the node has it.
  std::string image;
  std::int64_t image_bytes = 0;
  /// Where the group's pods should land together (TopologyAware).
  PodGroupTopology topology;
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
  std::optional<double> duration;  ///< run time in seconds, independent of placement
  std::optional<double> work;      ///< FLOP to execute; run time then depends on the GPUs granted
  std::vector<PodGroupSpec> pods;

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
