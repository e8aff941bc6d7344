#pragma once
// Reading DRA objects from a scenario (docs/dra.md): the scenario-level `dra` object
// ({deviceClasses, resourceClaims, resourceClaimTemplates} in resource.k8s.io/v1 shapes) and each
// node pool's `resourceSlices` device templates. Problems go to `issues` with their JSON
// pointers (a selector that does not parse names its column), so a loader reports them all.

#include <cstdint>
#include <string>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/dra/dra_objects.hpp"
#include "models/dra/dra_state.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models::dra {

/// The devices every node of one node pool publishes.
struct PoolSlices {
  std::string pool;  ///< the node pool's name
  std::vector<ResourceSlice> slices;
};

/// Everything DRA a scenario declares, before there is a cluster.
struct DraObjects {
  std::vector<DeviceClass> device_classes;
  std::vector<ResourceClaim> resource_claims;
  std::vector<ResourceClaimTemplate> resource_claim_templates;
  std::vector<PoolSlices> pool_slices;
  /// `/dra/faults/ignoreRequestSelectors`: a fault for conformance checks, off by default. The
  /// allocator then ignores the CEL selectors of claim requests (a DeviceClass's still apply), as a
  /// buggy allocator would; dra_support must then fail.
  bool ignore_request_selectors = false;
  /// `/dra/faults/ignoreConstraints`: likewise, the allocator ignores the claims'
  /// `constraints[].matchAttribute` (a GPU and a NIC from different NUMA nodes);
  /// high_performance_networking must then fail.
  bool ignore_constraints = false;
  bool empty() const {
    return device_classes.empty() && resource_claims.empty() && resource_claim_templates.empty() && pool_slices.empty();
  }
};

/// Reads the scenario's `dra` object into `out` and checks that every request names a declared
/// device class. Reports unknown keys (calls finish() on `dra`).
void read_dra(sim::StrictObject& dra, DraObjects& out, std::vector<sim::JsonIssue>& issues);

/// Reads the node pool's optional `resourceSlices` into `out`. `pool_gpus` is the pool's
/// nvidia.com/gpu capacity: a pool publishing GPUs as DRA devices (a driver named "gpu.*") must
/// declare 0 there, so that no GPU is handed out both as a device and as an extended resource.
/// Does not call finish() on `pool` (the scenario loader owns the other keys).
void read_pool_resource_slices(sim::StrictObject& pool, const std::string& pool_name, std::int64_t pool_gpus,
                               DraObjects& out, std::vector<sim::JsonIssue>& issues);

/// The state of a simulation on `cluster`: the objects, and each pool's slices on all its nodes.
/// Throws std::invalid_argument for a pool name the cluster does not have.
DraState build_dra_state(const DraObjects& objects, const Cluster& cluster);

/// Parses a selector, or records an issue at `pointer` ("does not parse: column 8: ...").
std::optional<CelSelector> read_selector(const std::string& expression, const std::string& pointer,
                                         std::vector<sim::JsonIssue>& issues);

}  // namespace kubetwin::models::dra
