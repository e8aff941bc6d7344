#pragma once
// A job as the control plane tracks it, from submission to completion.

#include <cstdint>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

inline constexpr NodeIndex kUnbound = std::numeric_limits<NodeIndex>::max();

struct JobState {
  JobSpec spec;
  std::uint64_t seq = 0;          ///< submission order
  double start_time = -1;         ///< when its last pod was bound; -1 while pending
  double end_time = -1;           ///< when it completed
  std::vector<NodeIndex> pod_nodes;  ///< node of each pod in spec order, kUnbound if pending
  std::vector<int> pod_group;        ///< group index of each pod
  int bound = 0;
  int starts = 0;                    ///< more than one after a preemption
  bool reported_unschedulable = false;
  bool queued = false;               ///< waiting in the scheduling queue
  std::uint64_t completion_timer = 0;

  bool started() const { return start_time >= 0; }
  const PodGroupSpec& group_of(std::size_t pod) const { return spec.pods[static_cast<std::size_t>(pod_group[pod])]; }
  /// "<job>-<group>-<replica>", as a Job controller would name it.
  std::string pod_name(std::size_t pod) const;
};

}  // namespace kubetwin::models
