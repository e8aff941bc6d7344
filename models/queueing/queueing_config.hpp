#pragma once
// Queueing and admission objects in Kueue's shape (kueue.x-k8s.io/v1beta1 ResourceFlavor, Cohort,
// ClusterQueue, LocalQueue), validated by queueing_loader.cpp. Quantities are integers in
// kubetwin's units: millicores, bytes and milli-GPU (so that GPU shares can be accounted too).

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/taint.hpp"
#include "models/scheduling/scheduler_config.hpp"

namespace kubetwin::models::queueing {

using Amount = std::int64_t;

/// The resources quota is kept for; other requests are not counted (see docs/queueing.md).
enum class QuotaResource : int { Cpu = 0, Memory = 1, Gpu = 2 };
inline constexpr int kQuotaResources = 3;
inline constexpr std::array<const char*, kQuotaResources> kQuotaResourceNames = {"cpu", "memory", "nvidia.com/gpu"};

/// The scheduling gate Kueue puts on the pods of every workload it manages.
inline constexpr const char* kAdmissionGate = "kueue.x-k8s.io/admission";

struct ResourceFlavor {
  std::string name;
  std::map<std::string, std::string> node_labels;  ///< injected as nodeSelector on admission
  std::vector<Taint> node_taints;                  ///< a pod set must tolerate them to use the flavor
  std::vector<Toleration> tolerations;             ///< injected on admission
};

struct ResourceQuota {
  Amount nominal = 0;
  std::optional<Amount> borrowing_limit;  ///< unset: may borrow all the cohort lends
  std::optional<Amount> lending_limit;    ///< unset: lends all its unused nominal quota
};

struct FlavorQuotas {
  int flavor = 0;  ///< index into QueueingConfig::flavors
  std::array<std::optional<ResourceQuota>, kQuotaResources> resources;  ///< set for covered resources
};

struct ResourceGroup {
  std::vector<int> covered;  ///< QuotaResource values
  std::vector<FlavorQuotas> flavors;  ///< in the order flavors are tried
};

enum class PreemptionPolicy { Never, LowerPriority, LowerOrNewerEqualPriority, Any };

struct ClusterQueueSpec {
  std::string name;
  int cohort = -1;  ///< index into QueueingConfig::cohorts, -1 for none
  QueueingStrategy queueing_strategy = QueueingStrategy::BestEffortFIFO;
  std::vector<ResourceGroup> resource_groups;
  PreemptionPolicy within_cluster_queue = PreemptionPolicy::Never;
  PreemptionPolicy reclaim_within_cohort = PreemptionPolicy::Never;
  /// borrowWithinCohort.policy LowerPriority: may preempt lower-priority workloads of other queues
  /// while borrowing, those at or below max_priority_threshold when it is set.
  bool borrow_within_cohort = false;
  std::optional<std::int32_t> max_priority_threshold;
  double fair_weight = 1.0;
  /// flavorFungibility: whenCanBorrow TryNextFlavor (else MayStopSearch), whenCanPreempt
  /// MayStopSearch (else TryNextFlavor), Kueue's defaults being MayStopSearch / TryNextFlavor.
  bool try_next_flavor_when_can_borrow = false;
  bool stop_search_when_can_preempt = false;
};

struct CohortSpec {
  std::string name;
  int parent = -1;  ///< index into QueueingConfig::cohorts
  std::vector<ResourceGroup> resource_groups;  ///< quota the cohort itself adds to its subtree
  double fair_weight = 1.0;
};

struct LocalQueueSpec {
  std::string name;
  int cluster_queue = 0;
};

struct QueueingConfig {
  bool fair_sharing = false;  ///< Kueue's Configuration fairSharing.enable
  std::vector<ResourceFlavor> flavors;
  std::vector<CohortSpec> cohorts;
  std::vector<ClusterQueueSpec> cluster_queues;
  std::vector<LocalQueueSpec> local_queues;

  bool empty() const { return cluster_queues.empty(); }
};

}  // namespace kubetwin::models::queueing
