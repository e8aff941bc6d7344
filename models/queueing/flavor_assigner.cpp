#include "models/queueing/flavor_assigner.hpp"

#include <algorithm>
#include <set>
#include <span>

#include "models/queueing/kueue_preemptor.hpp"

namespace kubetwin::models::queueing {

namespace {

std::string amount_text(int resource, Amount a) {
  if (resource == static_cast<int>(QuotaResource::Memory)) return std::to_string(a);
  if (a % 1000 == 0) return std::to_string(a / 1000);
  return std::to_string(a) + "m";
}

// Why the flavor cannot serve the pod set, or empty.
std::string incompatibility(const ResourceFlavor& f, const std::map<std::string, std::string>& selector,
                            const std::vector<Toleration>& tolerations) {
  for (const auto& [key, value] : f.node_labels) {
    auto it = selector.find(key);
    if (it != selector.end() && it->second != value) return "flavor " + f.name + " doesn't match node affinity";
  }
  for (const Taint& t : f.node_taints) {
    if (t.effect == TaintEffect::PreferNoSchedule) continue;
    auto tolerated = [&](const Toleration& tol) { return tol.tolerates(t); };
    if (std::none_of(tolerations.begin(), tolerations.end(), tolerated) &&
        std::none_of(f.tolerations.begin(), f.tolerations.end(), tolerated)) {
      return "untolerated taint {" + t.key + ": " + t.value + "} in flavor " + f.name;
    }
  }
  return {};
}

Amount assumed(const FrUsage& u, int fr) {
  for (const auto& [f, a] : u) {
    if (f == fr) return a;
  }
  return 0;
}

void add(FrUsage& u, int fr, Amount a) {
  for (auto& [f, have] : u) {
    if (f == fr) {
      have += a;
      return;
    }
  }
  u.emplace_back(fr, a);
}

struct FrVerdict {
  FitMode mode;
  bool borrows;
  std::string why;
};

// `explain`: whether to say why it does not fit (building the text dominated re-evaluations of
// workloads whose reason was already reported).
FrVerdict fits_quota(KueueState& s, const Workload& wl, int cq, int fr, Amount val, Amount nominal, bool explain) {
  const int node = s.cqs[static_cast<std::size_t>(cq)].node;
  const int r = KueueState::resource_of(fr);
  auto names = [&] {
    return std::string(kQuotaResourceNames[static_cast<std::size_t>(r)]) + " in flavor " +
           s.config.flavors[static_cast<std::size_t>(KueueState::flavor_of(fr))].name;
  };
  const bool borrows = s.tree.usage(node, fr) + val > s.tree.subtree_quota(node, fr);
  const Amount max_capacity = s.tree.potential_available(node, fr);
  if (val > max_capacity) {
    if (!explain) return {FitMode::NoFit, borrows, {}};
    return {FitMode::NoFit, borrows,
            "insufficient quota for " + names() + ", request > maximum capacity (" + amount_text(r, val) + " > " +
                amount_text(r, max_capacity) + ")"};
  }
  const Amount available = s.tree.available(node, fr);
  if (val <= available) return {FitMode::Fit, borrows, {}};
  std::string why = explain ? "insufficient unused quota for " + names() + ", " + amount_text(r, val - available) + " more needed"
                            : std::string();
  const ClusterQueueSpec& spec = s.spec(cq);
  const bool may_reclaim = s.in_cohort(cq) && spec.reclaim_within_cohort != PreemptionPolicy::Never;
  const bool preempt_while_borrowing = spec.borrow_within_cohort || (s.config.fair_sharing && may_reclaim);
  if (nominal >= val || may_reclaim || preempt_while_borrowing) {
    if (can_preempt_for(s, wl, cq, fr, val)) return {FitMode::Preempt, borrows, why};
  }
  return {FitMode::NoFit, borrows, why};
}

}  // namespace

Assignment assign_flavors(KueueState& s, const Workload& wl, bool explain) {
  Assignment out;
  const ClusterQueueSpec& spec = s.spec(wl.cq);
  out.flavors.assign(wl.podset_requests.size(), {-1, -1, -1});
  for (std::size_t ps = 0; ps < wl.podset_requests.size(); ++ps) {
    const auto& req = wl.podset_requests[ps];
    for (const ResourceGroup& g : spec.resource_groups) {
      std::array<int, kQuotaResources> wanted_buffer{};  // no allocation per evaluation
      std::size_t n_wanted = 0;
      for (int r : g.covered) {
        if (req[static_cast<std::size_t>(r)] > 0) wanted_buffer[n_wanted++] = r;
      }
      if (n_wanted == 0) continue;
      const std::span<const int> wanted(wanted_buffer.data(), n_wanted);
      int best = -1;
      FitMode best_mode = FitMode::NoFit;
      bool best_borrows = false;
      std::string reasons;
      for (std::size_t fi = 0; fi < g.flavors.size(); ++fi) {
        const FlavorQuotas& fq = g.flavors[fi];
        const ResourceFlavor& flavor = s.config.flavors[static_cast<std::size_t>(fq.flavor)];
        if (std::string why = incompatibility(flavor, wl.node_selectors[ps], wl.tolerations[ps]); !why.empty()) {
          if (explain) reasons += (reasons.empty() ? "" : ", ") + why;
          continue;
        }
        FitMode mode = FitMode::Fit;
        bool borrows = false;
        for (int r : wanted) {
          const int fr = KueueState::fr(fq.flavor, r);
          const Amount val = assumed(out.usage, fr) + req[static_cast<std::size_t>(r)];
          FrVerdict v = fits_quota(s, wl, wl.cq, fr, val, fq.resources[static_cast<std::size_t>(r)]->nominal, explain);
          mode = std::min(mode, v.mode);
          borrows = borrows || v.borrows;
          if (!v.why.empty()) reasons += (reasons.empty() ? "" : ", ") + v.why;  // empty unless explaining
        }
        // Better: a higher mode; at equal mode, not borrowing over borrowing; else the first.
        if (best < 0 || mode > best_mode || (mode == best_mode && best_borrows && !borrows)) {
          best = static_cast<int>(fi);
          best_mode = mode;
          best_borrows = borrows;
        }
        if (mode == FitMode::Fit && (!borrows || !spec.try_next_flavor_when_can_borrow)) break;
        if (mode == FitMode::Preempt && spec.stop_search_when_can_preempt) break;
      }
      if (best < 0 || best_mode == FitMode::NoFit) {
        out.mode = FitMode::NoFit;
        if (explain) out.message = "couldn't assign flavors to pod set " + wl.podset_names[ps] + ": " + reasons;
        return out;
      }
      const FlavorQuotas& chosen = g.flavors[static_cast<std::size_t>(best)];
      for (int r : wanted) {
        const int fr = KueueState::fr(chosen.flavor, r);
        out.flavors[ps][static_cast<std::size_t>(r)] = chosen.flavor;
        add(out.usage, fr, req[static_cast<std::size_t>(r)]);
        if (best_mode == FitMode::Preempt &&
            std::find(out.frs_need_preemption.begin(), out.frs_need_preemption.end(), fr) == out.frs_need_preemption.end()) {
          out.frs_need_preemption.push_back(fr);
        }
      }
      if (best_mode == FitMode::Preempt) {
        out.mode = std::min(out.mode, FitMode::Preempt);
        if (explain && out.message.empty()) out.message = "couldn't assign flavors to pod set " + wl.podset_names[ps] + ": " + reasons;
      }
      out.borrows = out.borrows || best_borrows;
    }
  }
  return out;
}

std::string describe_flavors(const KueueState& s, const Workload& wl, const Assignment& a) {
  std::set<int> distinct;
  for (const auto& ps : a.flavors) {
    for (int f : ps) {
      if (f >= 0) distinct.insert(f);
    }
  }
  if (distinct.size() <= 1) return distinct.empty() ? "" : s.config.flavors[static_cast<std::size_t>(*distinct.begin())].name;
  std::string out;
  for (std::size_t ps = 0; ps < a.flavors.size(); ++ps) {
    out += (out.empty() ? "" : "; ") + wl.podset_names[ps] + ":";
    bool first = true;
    for (int r = 0; r < kQuotaResources; ++r) {
      const int f = a.flavors[ps][static_cast<std::size_t>(r)];
      if (f < 0) continue;
      out += std::string(first ? " " : ", ") + kQuotaResourceNames[static_cast<std::size_t>(r)] + "=" +
             s.config.flavors[static_cast<std::size_t>(f)].name;
      first = false;
    }
  }
  return out;
}

}  // namespace kubetwin::models::queueing
