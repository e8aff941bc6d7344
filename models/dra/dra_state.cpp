#include "models/dra/dra_state.hpp"

#include <algorithm>
#include <cassert>
#include <stdexcept>

namespace kubetwin::models::dra {

void DraState::add_device_class(DeviceClass c) {
  if (device_class(c.name) != nullptr) throw std::invalid_argument("DeviceClass \"" + c.name + "\" defined twice");
  classes_.push_back(std::move(c));
}

void DraState::add_claim(ResourceClaim claim) {
  if (find_claim(claim.name) != kNoClaim) throw std::invalid_argument("ResourceClaim \"" + claim.name + "\" defined twice");
  const ClaimId id = new_claim_entry();
  claim_by_name_.emplace(claim.name, id);
  claims_[id].claim = std::move(claim);
}

void DraState::add_claim_template(ResourceClaimTemplate t) {
  if (claim_template(t.name) != nullptr) {
    throw std::invalid_argument("ResourceClaimTemplate \"" + t.name + "\" defined twice");
  }
  templates_.push_back(std::move(t));
}

void DraState::add_slice(NodeIndex node, const std::string& node_name, ResourceSlice slice) {
  if (node >= node_devices_.size()) node_devices_.resize(node + 1);
  if (slice.pool.empty()) slice.pool = node_name;
  shapes_.push_back(std::move(slice.devices));
  const auto first = static_cast<std::uint32_t>(shape_devices_.size());
  add_shape_devices(slice.driver);
  for (std::uint32_t i = first; i < shape_devices_.size(); ++i) {
    node_devices_[node].push_back({static_cast<std::uint32_t>(slots_.size()), i});
    slots_.push_back({i, node, slice.pool});
    holders_.push_back(kNoClaim);
  }
  max_devices_per_node_ = std::max(max_devices_per_node_, node_devices_[node].size());
  ++slices_defined_;
}

void DraState::add_pool_slices(const Cluster& cluster, std::size_t pool, const ResourceSlice& slice) {
  if (node_devices_.size() < cluster.node_count()) node_devices_.resize(cluster.node_count());
  shapes_.push_back(slice.devices);
  const auto first = static_cast<std::uint32_t>(shape_devices_.size());
  add_shape_devices(slice.driver);
  const auto end = static_cast<std::uint32_t>(shape_devices_.size());
  const NodeIndex first_node = cluster.first_node_of_pool(pool);
  for (int k = 0; k < cluster.pool(pool).count; ++k) {
    const NodeIndex node = first_node + static_cast<NodeIndex>(k);
    for (std::uint32_t i = first; i < end; ++i) {
      node_devices_[node].push_back({static_cast<std::uint32_t>(slots_.size()), i});
      slots_.push_back({i, node, slice.pool.empty() ? cluster.node_name(node) : slice.pool});
      holders_.push_back(kNoClaim);
    }
    max_devices_per_node_ = std::max(max_devices_per_node_, node_devices_[node].size());
  }
  ++slices_defined_;
}

void DraState::add_shape_devices(const std::string& driver) {
  const auto shape = static_cast<std::uint32_t>(shapes_.size() - 1);
  for (std::uint32_t i = 0; i < shapes_.back().size(); ++i) shape_devices_.push_back({shape, i, driver});
}

const DeviceClass* DraState::device_class(std::string_view name) const {
  for (const auto& c : classes_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const ResourceClaimTemplate* DraState::claim_template(std::string_view name) const {
  for (const auto& t : templates_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

ClaimId DraState::find_claim(std::string_view name) const {
  const auto it = claim_by_name_.find(std::string(name));
  return it == claim_by_name_.end() ? kNoClaim : it->second;
}

ClaimId DraState::generated_claim(PodRef pod, std::string_view entry) const {
  const auto it = generated_by_job_.find(pod.job);
  if (it == generated_by_job_.end()) return kNoClaim;
  for (const Generated& g : it->second) {
    if (g.pod == pod.pod && g.entry == entry) return g.claim;
  }
  return kNoClaim;
}

std::size_t DraState::claim_count() const {
  return static_cast<std::size_t>(std::count_if(claims_.begin(), claims_.end(), [](const ClaimEntry& e) { return e.live; }));
}

std::string DraState::missing_reference(const PodGroupSpec& pod) const {
  for (const PodResourceClaim& r : pod.resource_claims) {
    if (!r.resource_claim_name.empty() && find_claim(r.resource_claim_name) == kNoClaim) {
      return "resourceclaim \"" + r.resource_claim_name + "\" not found";
    }
    if (!r.resource_claim_template_name.empty() && claim_template(r.resource_claim_template_name) == nullptr) {
      return "resourceclaimtemplate \"" + r.resource_claim_template_name + "\" not found";
    }
  }
  return {};
}

ClaimId DraState::new_claim_entry() {
  if (!free_claims_.empty()) {
    const ClaimId id = free_claims_.back();
    free_claims_.pop_back();
    claims_[id] = ClaimEntry{};
    return id;
  }
  claims_.emplace_back();
  return static_cast<ClaimId>(claims_.size() - 1);
}

ClaimId DraState::generate_claim(const ResourceClaimTemplate& t, PodRef pod, std::string_view entry, std::string name) {
  const ClaimId id = new_claim_entry();
  ClaimEntry& e = claims_[id];
  e.generated = true;
  e.claim.name = std::move(name);
  e.claim.spec = t.spec;
  generated_by_job_[pod.job].push_back({pod.pod, std::string(entry), id});
  return id;
}

void DraState::allocate(ClaimId claim, NodeIndex node, std::span<const std::uint32_t> slots,
                        std::span<const std::uint32_t> requests) {
  ClaimEntry& e = claims_[claim];
  assert(!e.claim.status.allocation && slots.size() == requests.size());
  AllocationResult a;
  a.node = node;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::uint32_t s = slots[i];
    assert(holders_[s] == kNoClaim && slots_[s].node == node);
    holders_[s] = claim;
    const std::uint32_t sd = slots_[s].shape_device;
    a.results.push_back({e.claim.spec.requests[requests[i]].name, shape_devices_[sd].driver, slots_[s].pool, device(sd).name});
  }
  e.slots.assign(slots.begin(), slots.end());
  e.claim.status.allocation = std::move(a);
}

void DraState::add_consumer(ClaimId claim, PodRef pod) {
  ClaimEntry& e = claims_[claim];
  if (std::find(e.consumers.begin(), e.consumers.end(), pod) != e.consumers.end()) return;
  e.consumers.push_back(pod);
  used_by_job_[pod.job].emplace_back(pod.pod, claim);
}

std::vector<ClaimId> DraState::claims_of(PodRef pod) const {
  std::vector<ClaimId> out;
  if (const auto it = used_by_job_.find(pod.job); it != used_by_job_.end()) {
    for (const auto& [p, claim] : it->second) {
      if (p == pod.pod) out.push_back(claim);
    }
  }
  return out;
}

void DraState::mark_reserved_for(PodRef pod) {
  const auto it = used_by_job_.find(pod.job);
  if (it == used_by_job_.end()) return;
  for (const auto& [p, claim] : it->second) {
    if (p != pod.pod) continue;
    auto& reserved = claims_[claim].claim.status.reserved_for;
    if (std::find(reserved.begin(), reserved.end(), pod) == reserved.end()) reserved.push_back(pod);
  }
}

void DraState::deallocate(ClaimEntry& e) {
  for (std::uint32_t s : e.slots) holders_[s] = kNoClaim;
  e.slots.clear();
  e.claim.status.allocation.reset();
}

void DraState::release_pod(PodRef pod) {
  if (auto it = used_by_job_.find(pod.job); it != used_by_job_.end()) {
    auto& used = it->second;
    for (const auto& [p, claim] : used) {
      if (p != pod.pod) continue;
      ClaimEntry& e = claims_[claim];
      std::erase(e.consumers, pod);
      std::erase(e.claim.status.reserved_for, pod);
      if (e.consumers.empty() && !e.generated) deallocate(e);  // upstream's controller deallocates unused claims
    }
    std::erase_if(used, [&](const auto& u) { return u.first == pod.pod; });
    if (used.empty()) used_by_job_.erase(it);
  }
  if (auto it = generated_by_job_.find(pod.job); it != generated_by_job_.end()) {
    auto& generated = it->second;
    for (const Generated& g : generated) {
      if (g.pod != pod.pod) continue;
      ClaimEntry& e = claims_[g.claim];  // deleted with its pod
      deallocate(e);
      e.live = false;
      free_claims_.push_back(g.claim);
    }
    std::erase_if(generated, [&](const Generated& g) { return g.pod == pod.pod; });
    if (generated.empty()) generated_by_job_.erase(it);
  }
}

void DraState::release_job(std::uint64_t job) {
  std::vector<std::size_t> pods;
  if (auto it = used_by_job_.find(job); it != used_by_job_.end()) {
    for (const auto& u : it->second) pods.push_back(u.first);
  }
  if (auto it = generated_by_job_.find(job); it != generated_by_job_.end()) {
    for (const auto& g : it->second) pods.push_back(g.pod);
  }
  std::sort(pods.begin(), pods.end());
  pods.erase(std::unique(pods.begin(), pods.end()), pods.end());
  for (std::size_t p : pods) release_pod({job, p});
}

}  // namespace kubetwin::models::dra
