#pragma once
// A job as the control plane tracks it, from submission to completion.

#include <cstdint>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

inline constexpr NodeIndex kUnbound = std::numeric_limits<NodeIndex>::max();
inline constexpr std::uint64_t kNoTimer = std::numeric_limits<std::uint64_t>::max();

struct JobState {
  JobSpec spec;
  std::uint64_t seq = 0;          ///< submission order
  double start_time = -1;         ///< when its last pod was bound; -1 while pending
  double end_time = -1;           ///< when it completed
  std::vector<NodeIndex> pod_nodes;  ///< node of each pod in spec order, kUnbound if pending
  std::vector<int> pod_group;        ///< group index of each pod
  std::vector<DeviceSet> pod_devices;     ///< GPUs each placed pod holds on its node
  std::vector<std::uint8_t> pod_waiting;  ///< 1 while the pod is reserved and waiting at Permit
  int bound = 0;                     ///< pods bound or with their binding call under way
  int ready = 0;                     ///< pods running and ready (the job starts when all are)
  std::uint32_t attempt = 0;         ///< bumped when the job is stopped: stale lifecycle timers see it
  int waiting = 0;                   ///< pods waiting at Permit
  std::size_t profile = 0;           ///< index of the scheduling profile (schedulerName)
  bool gated = false;                ///< kept out of the queue by a PreEnqueue plugin
  bool in_cycle = false;             ///< being tried by the current scheduling pass
  std::uint64_t permit_timer = kNoTimer;  ///< the waiting pods' timeout, while any wait
  std::string_view waiting_plugin;   ///< the Permit plugin the pods wait for (a string literal)
  int starts = 0;                    ///< more than one after a preemption
  bool reported_unschedulable = false;
  bool queued = false;               ///< waiting in the scheduling queue
  std::uint64_t completion_timer = 0;
  double expected_end = -1;          ///< while running: when it will complete (infinity: never)

  bool started() const { return start_time >= 0; }
  /// Every pod bound (or being bound): nothing left for the scheduler to place.
  bool placed() const { return bound == static_cast<int>(pod_nodes.size()); }
  const PodGroupSpec& group_of(std::size_t pod) const { return spec.pods[static_cast<std::size_t>(pod_group[pod])]; }
  /// "<job>-<group>-<replica>", as a Job controller would name it.
  std::string pod_name(std::size_t pod) const;
};

}  // namespace kubetwin::models
