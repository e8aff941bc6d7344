#pragma once
// Replays a run's events to watch gangs: after every instant, does any gang have some but not all
// of its pods bound? Did each completed gang have all its pods Running? Used by gang_scheduling and
// by the training workload family.

#include <map>
#include <string>

#include "conformance/case.hpp"

namespace kubetwin::conformance::cases {

struct GangWatch {
  int partial_instants = 0;     ///< instants after which some gang was partially bound
  std::string first_partial;    ///< "gang-4 had 1/3 pods bound at t=12 s", empty if none
  std::string longest_job;      ///< the gang partially bound the longest (or still at the end)
  double longest = 0;           ///< seconds
  int max_whole_bound = 0;      ///< most gangs wholly bound at once
  int completed_all_running = 0;  ///< gangs that completed with every pod Running first
  double max_running_spread = 0;  ///< first to last member Running, over gangs
};

/// `sizes`: gang job id -> pods in the gang. Jobs not in `sizes` are ignored.
GangWatch watch_gangs(const SimulationResult& sim, const std::map<std::string, int>& sizes);

}  // namespace kubetwin::conformance::cases
