#pragma once
// The DRA objects of one simulation and the book-keeping of who holds which device: device
// classes, the ResourceSlices of each node, ResourceClaims (named ones, and those generated from
// a ResourceClaimTemplate for one pod), their allocations and consumers.
//
// Whoever builds the ControlPlane owns it (see docs/dra.md) and hands it to the DynamicResources
// plugin; the plugin allocates in Reserve, frees in Unreserve, marks reservedFor in PreBind. When
// a pod ends or is evicted, release_job() plays upstream's resourceclaim controller: it drops the
// pod from its claims, deletes the claims generated for it, and deallocates named claims that no
// pod uses any more.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/dra/dra_objects.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models::dra {

using ClaimId = std::uint32_t;
inline constexpr ClaimId kNoClaim = ~ClaimId{0};

/// One device on one node, as the allocator walks them: where its holder is recorded (`slot`) and
/// which shared device definition it is (`shape_device`; nodes of a pool share definitions, so a
/// selector's verdict is computed once per definition).
struct DeviceSlot {
  std::uint32_t slot = 0;
  std::uint32_t shape_device = 0;
};

class DraState {
 public:
  explicit DraState(std::size_t node_count = 0) : node_devices_(node_count) {}

  // --- objects ---
  void add_device_class(DeviceClass c);
  void add_claim(ResourceClaim claim);
  void add_claim_template(ResourceClaimTemplate t);
  /// Publishes `slice` on `node` (an empty pool name becomes `node_name`).
  void add_slice(NodeIndex node, const std::string& node_name, ResourceSlice slice);
  /// Publishes the same devices on every node of the cluster's pool `pool` (one shared definition).
  void add_pool_slices(const Cluster& cluster, std::size_t pool, const ResourceSlice& slice);

  const DeviceClass* device_class(std::string_view name) const;
  const ResourceClaimTemplate* claim_template(std::string_view name) const;
  /// A named claim (not one generated from a template), or kNoClaim.
  ClaimId find_claim(std::string_view name) const;
  const ResourceClaim& claim(ClaimId id) const { return claims_[id].claim; }
  /// The claim generated from a template for `pod`'s entry `entry` (pod.spec.resourceClaims[].name).
  ClaimId generated_claim(PodRef pod, std::string_view entry) const;
  std::size_t claim_count() const;  ///< live claims, named and generated
  bool empty() const { return slices_defined_ == 0 && claims_.empty() && classes_.empty(); }

  /// Why the pod group's claim references cannot be resolved ("resourceclaim \"x\" not found"),
  /// or empty if they all can.
  std::string missing_reference(const PodGroupSpec& pod) const;

  // --- devices ---
  std::span<const DeviceSlot> devices_on(NodeIndex node) const {
    return node < node_devices_.size() ? std::span<const DeviceSlot>(node_devices_[node]) : std::span<const DeviceSlot>{};
  }
  std::size_t shape_device_count() const { return shape_devices_.size(); }
  const Device& device(std::uint32_t shape_device) const {
    const ShapeDevice& d = shape_devices_[shape_device];
    return shapes_[d.shape][d.index];
  }
  std::string_view driver(std::uint32_t shape_device) const { return shape_devices_[shape_device].driver; }
  /// The claim holding a device, or kNoClaim.
  ClaimId holder(std::uint32_t slot) const { return holders_[slot]; }
  std::size_t max_devices_per_node() const { return max_devices_per_node_; }
  /// The allocator fault `/dra/faults/ignoreRequestSelectors` (off by default; see DraObjects).
  void set_ignore_request_selectors(bool on) { ignore_request_selectors_ = on; }
  bool ignores_request_selectors() const { return ignore_request_selectors_; }
  /// The allocator fault `/dra/faults/ignoreConstraints` (off by default; see DraObjects).
  void set_ignore_constraints(bool on) { ignore_constraints_ = on; }
  bool ignores_constraints() const { return ignore_constraints_; }
  /// The device definition of device slot `slot`.
  std::uint32_t shape_device_of(std::uint32_t slot) const { return slots_[slot].shape_device; }
  /// The pool name of device slot `slot` (its ResourceSlice's spec.pool.name).
  const std::string& pool_of_slot(std::uint32_t slot) const { return slots_[slot].pool; }

  // --- allocation (the DynamicResources plugin) ---
  /// Creates the claim for `pod`'s entry `entry` from template `t`, unallocated.
  ClaimId generate_claim(const ResourceClaimTemplate& t, PodRef pod, std::string_view entry, std::string name);
  /// Allocates `claim` on `node`: slot i satisfies request `requests[i]` (index into the spec).
  void allocate(ClaimId claim, NodeIndex node, std::span<const std::uint32_t> slots,
                std::span<const std::uint32_t> requests);
  /// Records that `pod` uses `claim` (reserved in this cycle or bound).
  void add_consumer(ClaimId claim, PodRef pod);
  /// PreBind: adds `pod` to status.reservedFor of every claim it uses.
  void mark_reserved_for(PodRef pod);
  /// Drops `pod` from every claim it uses: generated claims are deleted, named claims no pod uses
  /// any more are deallocated. Idempotent (Unreserve).
  void release_pod(PodRef pod);
  /// release_pod for every pod of job `job` (the job completed or was evicted).
  void release_job(std::uint64_t job);
  /// The claims `pod` uses (reserved or bound), in the order it took them.
  std::vector<ClaimId> claims_of(PodRef pod) const;

 private:
  struct ShapeDevice {  // indices, not pointers, so that a DraState copies safely
    std::uint32_t shape = 0;
    std::uint32_t index = 0;
    std::string driver;
  };
  struct Slot {
    std::uint32_t shape_device = 0;
    NodeIndex node = 0;
    std::string pool;
  };
  struct ClaimEntry {
    ResourceClaim claim;
    bool live = true;
    bool generated = false;
    std::vector<PodRef> consumers;  // reserved in a cycle or bound
    std::vector<std::uint32_t> slots;
  };
  struct Generated {
    std::size_t pod = 0;
    std::string entry;
    ClaimId claim = kNoClaim;
  };

  void deallocate(ClaimEntry& e);
  void add_shape_devices(const std::string& driver);  // of the last entry of shapes_
  ClaimId new_claim_entry();

  std::vector<DeviceClass> classes_;
  std::vector<ResourceClaimTemplate> templates_;
  std::vector<ClaimEntry> claims_;
  std::vector<ClaimId> free_claims_;
  std::unordered_map<std::string, ClaimId> claim_by_name_;
  std::unordered_map<std::uint64_t, std::vector<Generated>> generated_by_job_;
  std::unordered_map<std::uint64_t, std::vector<std::pair<std::size_t, ClaimId>>> used_by_job_;
  // Device definitions: one list per slice definition, shared by the nodes that publish it.
  std::vector<std::vector<Device>> shapes_;
  std::vector<ShapeDevice> shape_devices_;
  std::vector<Slot> slots_;
  std::vector<ClaimId> holders_;
  std::vector<std::vector<DeviceSlot>> node_devices_;
  std::size_t max_devices_per_node_ = 0;
  bool ignore_request_selectors_ = false;
  bool ignore_constraints_ = false;
  std::size_t slices_defined_ = 0;
};

}  // namespace kubetwin::models::dra
