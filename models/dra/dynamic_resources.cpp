#include "models/dra/dynamic_resources.hpp"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace kubetwin::models::dra {

namespace {

/// Upper bound on devices tried per node in the backtracking search; past it the node counts as
/// unable to satisfy the claims (upstream bounds its search by time instead).
constexpr std::uint64_t kMaxSearchSteps = 100'000;

/// What PreFilter gathered for one pod, read by Filter and Reserve of the same cycle.
struct DraCycle {
  struct Need {  // one claim of the pod
    const PodResourceClaim* entry = nullptr;
    ClaimId claim = kNoClaim;                     // a named claim
    const ResourceClaimTemplate* from = nullptr;  // or one generated from this template in Reserve
    bool allocated = false;
  };
  struct Plan {  // one request of an unallocated claim
    std::uint32_t need = 0;
    std::uint32_t request = 0;  // index in the claim's spec.devices.requests
    const DeviceClass* device_class = nullptr;
    const DeviceRequest* spec = nullptr;
    std::vector<std::uint32_t> constraints;  // indices into `constraints` that cover this request
  };
  std::vector<Need> needs;
  std::vector<Plan> plans;
  std::vector<const DeviceConstraint*> constraints;  // matchAttribute constraints of unallocated claims
  std::vector<NodeIndex> pinned;  // nodes of the pod's allocated claims

  // Search scratch, reused node after node (Filter only gets a const state).
  mutable std::vector<std::int8_t> match;  // plan x shape device: -1 unknown, 0 no, 1 yes, 2 error
  mutable std::vector<std::uint32_t> picked_slots, picked_plans;
  mutable std::uint64_t steps = 0;
  mutable const char* error = nullptr;  // a selector's runtime error, which aborts allocation
  mutable std::uint32_t error_plan = 0;
};

enum Match : std::int8_t { kUnknown = -1, kNo = 0, kYes = 1, kError = 2 };

/// The backtracking search over one node's devices: for each plan in order, `count` free devices
/// that match (ExactCount, lowest-numbered first) or every matching device (All), each agreeing
/// with the devices picked before it on the attributes of its claim's matchAttribute constraints;
/// when a later plan finds no such device, the earlier ones move on to their next candidates.
class Allocator {
 public:
  Allocator(const DraState& state, const DraCycle& cycle, NodeIndex node)
      : state_(state), c_(cycle), devices_(state.devices_on(node)) {}

  bool run() {
    c_.picked_slots.clear();
    c_.picked_plans.clear();
    c_.steps = 0;
    c_.error = nullptr;
    if (!enough_candidates()) return false;
    return place(0);
  }

 private:
  Match matches(std::uint32_t plan, const DeviceSlot& d) const {
    std::int8_t& m = c_.match[plan * state_.shape_device_count() + d.shape_device];
    if (m != kUnknown) return static_cast<Match>(m);
    const DraCycle::Plan& p = c_.plans[plan];
    const Device& device = state_.device(d.shape_device);
    const std::string_view driver = state_.driver(d.shape_device);
    m = kYes;
    auto check = [&](const std::vector<CelSelector>& selectors) {
      for (const CelSelector& s : selectors) {
        if (m != kYes) return;
        const CelResult r = s.evaluate(device, driver);
        if (!r.ok()) {
          m = kError;
          c_.error = r.error;
          c_.error_plan = plan;
        } else if (!r.matches) {
          m = kNo;
        }
      }
    };
    check(p.device_class->selectors);  // the class first, as upstream
    if (!state_.ignores_request_selectors()) check(p.spec->selectors);
    return static_cast<Match>(m);
  }
  // matchAttribute: `d` must carry every constrained attribute of `plan`, with the value the
  // devices already picked for requests under the same constraint have (they all agree, so the
  // first one decides).
  bool meets_constraints(std::uint32_t plan, const DeviceSlot& d) const {
    if (state_.ignores_constraints()) return true;
    for (std::uint32_t ci : c_.plans[plan].constraints) {
      const std::string& name = c_.constraints[ci]->match_attribute;
      const AttributeValue* value = find_attribute(state_.device(d.shape_device), state_.driver(d.shape_device), name);
      if (value == nullptr) return false;
      for (std::size_t i = 0; i < c_.picked_slots.size(); ++i) {
        const auto& covered = c_.plans[c_.picked_plans[i]].constraints;
        if (std::find(covered.begin(), covered.end(), ci) == covered.end()) continue;
        const std::uint32_t sd = state_.shape_device_of(c_.picked_slots[i]);
        if (*find_attribute(state_.device(sd), state_.driver(sd), name) != *value) return false;
        break;
      }
    }
    return true;
  }
  bool free(const DeviceSlot& d) const {
    return state_.holder(d.slot) == kNoClaim &&
           std::find(c_.picked_slots.begin(), c_.picked_slots.end(), d.slot) == c_.picked_slots.end();
  }
  // A cheap necessary condition first, so that most nodes fail without a search.
  bool enough_candidates() {
    for (std::uint32_t i = 0; i < c_.plans.size(); ++i) {
      std::int64_t n = 0;
      for (const DeviceSlot& d : devices_) {
        const Match m = matches(i, d);
        if (m == kError) return false;
        if (m == kYes && state_.holder(d.slot) == kNoClaim) ++n;
        else if (m == kYes && c_.plans[i].spec->allocation_mode == AllocationMode::All) return false;
      }
      const DeviceRequest& r = *c_.plans[i].spec;
      if (n == 0 || (r.allocation_mode == AllocationMode::ExactCount && n < r.count)) return false;
    }
    return true;
  }
  void pop_to(std::size_t size) {
    c_.picked_slots.resize(size);
    c_.picked_plans.resize(size);
  }
  bool place(std::uint32_t plan) {
    if (plan == c_.plans.size()) return true;
    const DeviceRequest& r = *c_.plans[plan].spec;
    if (r.allocation_mode == AllocationMode::ExactCount) return choose(plan, r.count, 0);
    const std::size_t before = c_.picked_slots.size();
    for (const DeviceSlot& d : devices_) {
      const Match m = matches(plan, d);
      if (m == kError) return false;
      if (m == kNo) continue;
      if (!free(d) || !meets_constraints(plan, d)) {  // All wants every matching device
        pop_to(before);
        return false;
      }
      c_.picked_slots.push_back(d.slot);
      c_.picked_plans.push_back(plan);
    }
    if (c_.picked_slots.size() > before && place(plan + 1)) return true;
    pop_to(before);
    return false;
  }
  bool choose(std::uint32_t plan, std::int64_t need, std::size_t from) {
    if (need == 0) return place(plan + 1);
    for (std::size_t k = from; k < devices_.size(); ++k) {
      if (++c_.steps > kMaxSearchSteps) return false;
      const DeviceSlot& d = devices_[k];
      if (!free(d)) continue;
      const Match m = matches(plan, d);
      if (m == kError) return false;
      if (m == kNo || !meets_constraints(plan, d)) continue;
      c_.picked_slots.push_back(d.slot);
      c_.picked_plans.push_back(plan);
      if (choose(plan, need - 1, k + 1)) return true;
      pop_to(c_.picked_slots.size() - 1);
      if (c_.error != nullptr) return false;
    }
    return false;
  }

  const DraState& state_;
  const DraCycle& c_;
  std::span<const DeviceSlot> devices_;
};

}  // namespace

Status DynamicResources::pre_filter(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& /*snapshot*/) const {
  if (pod.resource_claims.empty()) return Status::skip();  // the common case: nothing to do, nothing allocated
  if (state_ == nullptr) return Status::unresolvable(kName, "no DRA objects are configured for the pod's resource claims");
  if (std::string missing = state_->missing_reference(pod); !missing.empty()) {
    return Status::unresolvable(kName, std::move(missing));
  }
  DraCycle& c = state.emplace<DraCycle>();
  for (const PodResourceClaim& entry : pod.resource_claims) {
    DraCycle::Need need;
    need.entry = &entry;
    const ResourceClaimSpec* spec = nullptr;
    if (!entry.resource_claim_name.empty()) {
      need.claim = state_->find_claim(entry.resource_claim_name);
      // The same claim under two entries is one claim.
      if (std::any_of(c.needs.begin(), c.needs.end(), [&](const DraCycle::Need& n) { return n.claim == need.claim; })) continue;
      const ResourceClaim& claim = state_->claim(need.claim);
      if (claim.status.allocation) {
        need.allocated = true;
        c.pinned.push_back(claim.status.allocation->node);
      }
      spec = &claim.spec;
    } else {
      need.from = state_->claim_template(entry.resource_claim_template_name);
      spec = &need.from->spec;
    }
    const auto need_index = static_cast<std::uint32_t>(c.needs.size());
    c.needs.push_back(need);
    if (need.allocated) continue;
    for (std::uint32_t r = 0; r < spec->requests.size(); ++r) {
      const DeviceRequest& request = spec->requests[r];
      const DeviceClass* device_class = state_->device_class(request.device_class_name);
      if (device_class == nullptr) {
        return Status::unresolvable(kName, "request " + request.name + ": device class " + request.device_class_name +
                                               " does not exist");
      }
      c.plans.push_back({need_index, r, device_class, &request, {}});
    }
    for (const DeviceConstraint& constraint : spec->constraints) {
      const auto ci = static_cast<std::uint32_t>(c.constraints.size());
      c.constraints.push_back(&constraint);
      for (DraCycle::Plan& plan : c.plans) {
        const auto& names = constraint.requests;
        if (plan.need == need_index &&
            (names.empty() || std::find(names.begin(), names.end(), plan.spec->name) != names.end())) {
          plan.constraints.push_back(ci);
        }
      }
    }
  }
  c.match.assign(c.plans.size() * state_->shape_device_count(), kUnknown);
  c.picked_slots.reserve(state_->max_devices_per_node());
  c.picked_plans.reserve(state_->max_devices_per_node());
  return Status::success();
}

bool DynamicResources::passes(const CycleState& state, const PodGroupSpec& /*pod*/, const ClusterSnapshot& /*snapshot*/,
                              NodeIndex node) const {
  const DraCycle* c = state.read<DraCycle>();
  if (c == nullptr) return true;
  for (NodeIndex p : c->pinned) {
    if (p != node) return false;
  }
  return c->plans.empty() || Allocator(*state_, *c, node).run();
}

Status DynamicResources::filter(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                NodeIndex node) const {
  if (passes(state, pod, snapshot, node)) return Status::success();
  const DraCycle& c = *state.read<DraCycle>();
  for (NodeIndex p : c.pinned) {
    if (p != node) return Status::unresolvable(kName, kNotOnNode);
  }
  if (c.error != nullptr) {
    const DraCycle::Plan& plan = c.plans[c.error_plan];
    const auto& claim = *c.needs[plan.need].entry;
    return Status::unresolvable(kName, std::string(kCannotAllocate) + ": claim " + claim.name + ", request " +
                                           plan.spec->name + ": CEL runtime error: " + c.error);
  }
  return Status::unresolvable(kName, kCannotAllocate);
}

Status DynamicResources::reserve(CycleState& state, const PodInfo& pod, NodeIndex node, FrameworkHandle& /*handle*/) const {
  if (pod.spec.resource_claims.empty()) return Status::success();
  const DraCycle* c = state.read<DraCycle>();
  if (c == nullptr || state_ == nullptr) return Status::unresolvable(kName, "no PreFilter state for a pod with claims");
  if (!c->plans.empty() && !Allocator(*state_, *c, node).run()) return Status::unresolvable(kName, kCannotAllocate);
  // Copy the choice: the scratch belongs to the cycle, and generating claims changes the state.
  const std::vector<std::uint32_t> slots = c->picked_slots, plans = c->picked_plans;
  const PodRef ref{pod.job_seq, pod.index};
  std::vector<std::uint32_t> claim_slots, requests;
  for (std::uint32_t n = 0; n < c->needs.size(); ++n) {
    const DraCycle::Need& need = c->needs[n];
    ClaimId id = need.claim;
    if (need.from != nullptr) {
      id = state_->generated_claim(ref, need.entry->name);
      if (id == kNoClaim) {
        id = state_->generate_claim(*need.from, ref, need.entry->name,
                                    pod.job.id + "-" + std::to_string(pod.index) + "-" + need.entry->name);
      }
    }
    if (!need.allocated) {
      claim_slots.clear();
      requests.clear();
      for (std::size_t i = 0; i < slots.size(); ++i) {
        if (c->plans[plans[i]].need != n) continue;
        claim_slots.push_back(slots[i]);
        requests.push_back(c->plans[plans[i]].request);
      }
      state_->allocate(id, node, claim_slots, requests);
    }
    state_->add_consumer(id, ref);
  }
  return Status::success();
}

void DynamicResources::unreserve(const PodInfo& pod, NodeIndex /*node*/, FrameworkHandle& /*handle*/) const {
  if (pod.spec.resource_claims.empty() || state_ == nullptr) return;
  state_->release_pod({pod.job_seq, pod.index});
}

Status DynamicResources::pre_bind(const PodInfo& pod, NodeIndex /*node*/, FrameworkHandle& /*handle*/) const {
  if (pod.spec.resource_claims.empty() || state_ == nullptr) return Status::success();
  state_->mark_reserved_for({pod.job_seq, pod.index});
  return Status::success();
}

void bind_dynamic_resources(PluginRegistry& registry, DraState& state) {
  registry.replace(DynamicResources::kName, [&state](const PluginContext&) { return std::make_unique<DynamicResources>(&state); });
}

}  // namespace kubetwin::models::dra
