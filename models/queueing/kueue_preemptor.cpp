#include "models/queueing/kueue_preemptor.hpp"

#include <algorithm>

namespace kubetwin::models::queueing {

namespace {

bool satisfies(PreemptionPolicy policy, const Workload& preemptor, const Workload& candidate) {
  switch (policy) {
    case PreemptionPolicy::Never: return false;
    case PreemptionPolicy::LowerPriority: return candidate.priority < preemptor.priority;
    case PreemptionPolicy::LowerOrNewerEqualPriority:
      return candidate.priority < preemptor.priority ||
             (candidate.priority == preemptor.priority && preemptor.key() < candidate.key());
    case PreemptionPolicy::Any: return true;
  }
  return false;
}

bool uses_any(const Workload& w, const std::vector<int>& frs) {
  for (const auto& [fr, amount] : w.usage) {
    if (amount > 0 && std::find(frs.begin(), frs.end(), fr) != frs.end()) return true;
  }
  return false;
}

bool cq_borrowing(const KueueState& s, int cq, const std::vector<int>& frs) {
  if (!s.in_cohort(cq)) return false;
  const int node = s.cqs[static_cast<std::size_t>(cq)].node;
  return std::any_of(frs.begin(), frs.end(), [&](int fr) { return s.tree.borrowing(node, fr); });
}

bool under_nominal(const KueueState& s, int cq, const std::vector<int>& frs) {
  const int node = s.cqs[static_cast<std::size_t>(cq)].node;
  return std::all_of(frs.begin(), frs.end(), [&](int fr) { return s.tree.usage(node, fr) < s.tree.nominal(node, fr); });
}

std::vector<PreemptionTarget> search_targets(KueueState& s, const Workload& wl, int cq, const FrUsage& usage,
                                             const std::vector<int>& frs);

struct Search {
  KueueState& s;
  const Workload& wl;
  int cq;
  const FrUsage& usage;
  const std::vector<int>& frs;

  void remove(const Workload& w) { s.remove_usage(w.cq, w.usage); }
  void restore(const Workload& w) { s.add_usage(w.cq, w.usage); }
  const Workload& at(std::uint64_t seq) const { return s.workloads.at(seq); }

  /// Removes candidates in order until the workload fits, then adds back what is not needed.
  std::vector<PreemptionTarget> minimal(const std::vector<const Workload*>& candidates, bool allow_borrowing,
                                        bool while_borrowing) {
    std::vector<PreemptionTarget> targets;
    bool fit = false;
    for (const Workload* c : candidates) {
      const bool same = c->cq == cq;
      if (!same && !cq_borrowing(s, c->cq, frs)) continue;  // it stopped borrowing as others went
      remove(*c);
      targets.push_back({c->seq, same ? kInClusterQueue : while_borrowing ? kInCohortReclaimWhileBorrowing : kInCohortReclamation});
      if (s.fits(cq, usage, allow_borrowing)) {
        fit = true;
        break;
      }
    }
    if (!fit) {
      for (const auto& t : targets) restore(at(t.seq));
      return {};
    }
    fill_back(targets, [&] { return s.fits(cq, usage, allow_borrowing); });
    for (const auto& t : targets) restore(at(t.seq));
    return targets;
  }

  template <class Fits>
  void fill_back(std::vector<PreemptionTarget>& targets, Fits fits) {
    for (std::size_t i = targets.size() - 1; i-- > 0;) {
      restore(at(targets[i].seq));
      if (fits()) {
        targets.erase(targets.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        remove(at(targets[i].seq));
      }
    }
  }

  double share_with(int q, const FrUsage& extra) {
    const int node = s.cqs[static_cast<std::size_t>(q)].node;
    s.add_usage(q, extra);
    const double d = s.tree.dominant_resource_share(node);
    s.remove_usage(q, extra);
    return d;
  }

  /// Fair sharing: other queues' workloads go while the preemptor's share with the workload
  /// admitted stays within theirs; own-queue candidates by priority, as in the classical search.
  std::vector<PreemptionTarget> fair(const std::vector<const Workload*>& candidates) {
    std::vector<PreemptionTarget> targets;
    auto fits = [&] { return s.fits(cq, usage, true); };
    std::vector<const Workload*> retry;
    bool fit = false;
    for (int strategy = 0; strategy < 2 && !fit; ++strategy) {
      const auto& pool = strategy == 0 ? candidates : retry;
      std::vector<const Workload*> next;
      for (const Workload* c : pool) {
        const int target_node = s.cqs[static_cast<std::size_t>(c->cq)].node;
        if (c->cq == cq) {
          if (strategy == 1) continue;
          remove(*c);
          targets.push_back({c->seq, kInClusterQueue});
        } else {
          if (!cq_borrowing(s, c->cq, frs)) continue;
          const double preemptor_share = share_with(cq, usage);
          const double target_old = s.tree.dominant_resource_share(target_node);
          remove(*c);
          const double target_new = s.tree.dominant_resource_share(target_node);
          // LessThanOrEqualToFinalShare, then LessThanInitialShare for those it refused.
          const bool allowed = strategy == 0 ? preemptor_share <= target_new : preemptor_share < target_old;
          if (!allowed) {
            restore(*c);
            if (strategy == 0) next.push_back(c);
            continue;
          }
          targets.push_back({c->seq, kInCohortFairSharing});
        }
        if (fits()) {
          fit = true;
          break;
        }
      }
      retry = std::move(next);
    }
    if (!fit) {
      for (const auto& t : targets) restore(at(t.seq));
      return {};
    }
    fill_back(targets, fits);
    for (const auto& t : targets) restore(at(t.seq));
    return targets;
  }
};

}  // namespace

namespace {

// The memo of ClusterQueue `cq` for the current stamp of its cohort tree (emptied if the stamp
// moved), or null if the search depends on more than the workload's priority.
//
// Memoized: after quota is released, a cohort's inadmissible workloads are all retried, one head
// per ClusterQueue per cycle, mostly against an unchanged cohort; the search depends on the
// workload only through its priority unless a policy compares creation order.
ClusterQueueState::PreemptionMemo* current_memo(KueueState& s, int cq) {
  const ClusterQueueSpec& spec = s.spec(cq);
  const bool by_priority_only = spec.within_cluster_queue != PreemptionPolicy::LowerOrNewerEqualPriority &&
                                spec.reclaim_within_cohort != PreemptionPolicy::LowerOrNewerEqualPriority;
  if (!by_priority_only) return nullptr;
  const auto root = static_cast<std::size_t>(s.cqs[static_cast<std::size_t>(cq)].root);
  // Candidates admitted in the current cycle are excluded, so the cycle matters only while the
  // tree changed in it.
  const std::uint64_t cycle = s.root_changed_cycle[root] == s.cycle ? s.cycle : 0;
  auto& memo = s.cqs[static_cast<std::size_t>(cq)].preemption_memo;
  if (memo.version != s.root_version[root] || memo.now != s.now || memo.cycle != cycle) {
    memo.entries.clear();
    memo.version = s.root_version[root];
    memo.now = s.now;
    memo.cycle = cycle;
  }
  return &memo;
}

}  // namespace

std::vector<PreemptionTarget> find_preemption_targets(KueueState& s, const Workload& wl, int cq, const FrUsage& usage,
                                                      const std::vector<int>& frs) {
  auto* memo = current_memo(s, cq);
  if (!memo) return search_targets(s, wl, cq, usage, frs);
  for (const auto& e : memo->entries) {
    if (e.priority == wl.priority && e.usage == usage && e.frs == frs) return e.targets;
  }
  auto targets = search_targets(s, wl, cq, usage, frs);
  memo->entries.push_back({wl.priority, usage, frs, targets});
  return targets;
}

bool can_preempt_for(KueueState& s, const Workload& wl, int cq, int fr, Amount amount) {
  // The flavor assigner asks this for every flavor-resource it tries: answered from the memo
  // without building the one-element usage and list a full query takes.
  if (auto* memo = current_memo(s, cq)) {
    for (const auto& e : memo->entries) {
      if (e.priority == wl.priority && e.usage.size() == 1 && e.usage.front() == std::pair{fr, amount} &&
          e.frs.size() == 1 && e.frs.front() == fr) {
        return !e.targets.empty();
      }
    }
  }
  return !find_preemption_targets(s, wl, cq, {{fr, amount}}, {fr}).empty();
}

namespace {

std::vector<PreemptionTarget> search_targets(KueueState& s, const Workload& wl, int cq, const FrUsage& usage,
                                             const std::vector<int>& frs) {
  const ClusterQueueSpec& spec = s.spec(cq);
  std::vector<const Workload*> candidates;
  auto collect = [&](int q, PreemptionPolicy policy) {
    for (const Workload* wp : s.cqs[static_cast<std::size_t>(q)].admitted) {
      const Workload& w = *wp;
      // Evictions are instantaneous here, so a victim is requeued and retried at the same instant,
      // and may in turn reclaim or preempt. Spared at this instant: a workload evicted now, one
      // admitted now after an eviction at this instant (a preemptor, a readmitted victim: links of
      // a reclaim chain) and one admitted earlier in this cycle (Kueue takes candidates from the
      // snapshot at the start of the cycle). Once an instant has seen an eviction, only workloads
      // admitted before it can be evicted, each at most once, so the chain ends; otherwise
      // policies such as reclaimWithinCohort Any flap forever in zero virtual time.
      if (w.evicted_at == s.now || w.shielded_at == s.now || w.admitted_cycle == s.cycle) continue;
      if (satisfies(policy, wl, w) && uses_any(w, frs)) candidates.push_back(&w);
    }
  };
  if (spec.within_cluster_queue != PreemptionPolicy::Never) collect(cq, spec.within_cluster_queue);
  if (s.in_cohort(cq) && spec.reclaim_within_cohort != PreemptionPolicy::Never) {
    for (int other : s.cqs_under_root[static_cast<std::size_t>(s.cqs[static_cast<std::size_t>(cq)].root)]) {
      if (other != cq && cq_borrowing(s, other, frs)) collect(other, spec.reclaim_within_cohort);
    }
  }
  if (candidates.empty()) return {};
  // Other queues first, lowest priority first, most recently admitted first.
  std::sort(candidates.begin(), candidates.end(), [&](const Workload* a, const Workload* b) {
    if ((a->cq == cq) != (b->cq == cq)) return b->cq == cq;
    if (a->priority != b->priority) return a->priority < b->priority;
    if (a->admitted_at != b->admitted_at) return a->admitted_at > b->admitted_at;
    return a->seq > b->seq;
  });
  Search search{s, wl, cq, usage, frs};
  std::vector<const Workload*> same;
  std::copy_if(candidates.begin(), candidates.end(), std::back_inserter(same), [&](const Workload* w) { return w->cq == cq; });
  if (same.size() == candidates.size()) return search.minimal(candidates, true, false);
  if (s.config.fair_sharing) return search.fair(candidates);
  if (spec.borrow_within_cohort) {
    // While borrowing, other queues' workloads only up to the priority threshold.
    if (!under_nominal(s, cq, frs)) {
      std::erase_if(candidates, [&](const Workload* w) {
        return w->cq != cq && (w->priority >= wl.priority ||
                               (spec.max_priority_threshold && w->priority > *spec.max_priority_threshold));
      });
    }
    return search.minimal(candidates, true, true);
  }
  // Reclaiming from the cohort only without borrowing at the same time, to avoid flapping.
  if (under_nominal(s, cq, frs)) {
    if (auto targets = search.minimal(candidates, false, false); !targets.empty()) return targets;
  }
  return search.minimal(same, true, false);
}

}  // namespace

}  // namespace kubetwin::models::queueing
