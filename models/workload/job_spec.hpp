#pragma once
// What a trace record or generator describes: a job made of groups of identical pods.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/resources.hpp"
#include "models/cluster/taint.hpp"

namespace kubetwin::models {

struct PodGroupSpec {
  std::string name;  ///< role, e.g. "worker"; pods are named <job>-<name>-<replica>
  int replicas = 1;
  Resources requests;
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
};

struct JobSpec {
  std::string id;
  double submit_time = 0;          ///< seconds from the start of the simulation
  std::string queue = "default";
  std::int32_t priority = 0;
  /// Pods that must be placed together (all-or-nothing); 0 means no gang.
  int min_member = 0;
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
