#include "models/queueing/kueue_admission.hpp"

#include <algorithm>
#include <functional>
#include <map>

#include "models/queueing/kueue_preemptor.hpp"

namespace kubetwin::models::queueing {

KueueAdmission::KueueAdmission(sim::Engine& engine, ControlPlane& cp, QueueingConfig config)
    : engine_(engine), cp_(cp), state_(std::move(config)) {
  children_.resize(state_.cq_of_node.size());
  for (std::size_t n = 0; n < state_.cq_of_node.size(); ++n) {
    if (const int p = state_.tree.parent(static_cast<int>(n)); p >= 0) children_[static_cast<std::size_t>(p)].push_back(static_cast<int>(n));
  }
  cp_.job_submitted.connect([this](const JobState& j) {
    if (capturing_) captured_ = j.seq;
  });
  cp_.job_completed.connect([this](const JobState& j) { finish(j.seq); });
  cp_.job_failed.connect([this](const JobState& j, std::string_view, std::string_view) { finish(j.seq); });
}

Workload KueueAdmission::make_workload(const JobSpec& spec) const {
  Workload w;
  w.id = spec.id;
  w.priority = spec.priority;
  w.created = engine_.now();
  for (const PodGroupSpec& g : spec.pods) {
    const Resources total = g.requests * g.replicas;
    w.podset_names.push_back(g.name);
    w.podset_requests.push_back({total.cpu_milli, total.memory_bytes, total.total_gpu_milli()});
    w.node_selectors.push_back(g.node_selector);
    w.tolerations.push_back(g.tolerations);
  }
  return w;
}

void KueueAdmission::submit(JobSpec spec) {
  auto lq = state_.local_queues.find(spec.queue);
  if (lq == state_.local_queues.end() && spec.queue == "default") {
    cp_.submit(std::move(spec));
    return;
  }
  Workload w = make_workload(spec);
  w.cq = lq == state_.local_queues.end() ? -1 : lq->second;
  const std::string queue = spec.queue;
  spec.scheduling_gates.emplace_back(kAdmissionGate);
  capturing_ = true;
  captured_.reset();
  cp_.submit(std::move(spec));
  capturing_ = false;
  if (!captured_ || !cp_.live_jobs().contains(*captured_)) return;  // failed at submission
  w.seq = *captured_;
  Workload& stored = state_.workloads.emplace(w.seq, std::move(w)).first->second;
  if (stored.cq < 0) {
    stored.reported_pending = true;
    pending.emit(job(stored.seq), "", "LocalQueue " + queue + " doesn't exist");
    return;
  }
  push_active(stored);
  request_cycle();
}

void KueueAdmission::push_active(Workload& wl, QueueNode node) {
  ClusterQueueState& q = state_.cqs[static_cast<std::size_t>(wl.cq)];
  if (node) {
    q.active.insert(std::move(node));
  } else {
    QueueKey key = wl.key();
    key.workload = &wl;
    q.active.insert(key);
  }
  q.stalled = false;  // a new head may be admissible
  update_ready(wl.cq);
}

void KueueAdmission::update_ready(int cq) {
  const ClusterQueueState& q = state_.cqs[static_cast<std::size_t>(cq)];
  if (!q.active.empty() && !q.stalled) {
    ready_.insert(cq);
  } else {
    ready_.erase(cq);
  }
}

void KueueAdmission::request_cycle() {
  if (cycle_requested_) return;
  cycle_requested_ = true;
  engine_.schedule_in(0, [this] { cycle(); });
}

void KueueAdmission::order_classical(std::vector<Entry>& entries) const {
  // Kueue's classical order: not borrowing first, then higher priority, then FIFO.
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    if (a.assignment.borrows != b.assignment.borrows) return !a.assignment.borrows;
    return a.wl->key() < b.wl->key();
  });
}

void KueueAdmission::order_fair(std::vector<Entry>& entries) {
  // Kueue's fair-sharing tournament: in each cohort, from the bottom up, the candidate whose
  // child node (on its path) would have the lowest weighted dominant resource share after
  // admitting it wins; ties by priority, then FIFO.
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  const std::size_t n = entries.size();
  std::vector<Entry> out;
  out.reserve(n);
  std::vector<bool> done(n, false);
  entry_of_cq_.resize(state_.cqs.size(), kNone);
  for (std::size_t i = 0; i < n; ++i) entry_of_cq_[static_cast<std::size_t>(entries[i].cq)] = i;
  // Entry -> (node on its path, share of that node with the entry admitted), in path_share from
  // path_begin[i] to path_begin[i + 1]. The state is the same throughout, so each entry's shares
  // are computed once, when its cohort is first ranked.
  std::vector<std::pair<int, double>> path_share;
  std::vector<std::size_t> path_begin(n, kNone), path_end(n, kNone);
  auto compute_shares = [&](std::size_t i) {
    const Entry& e = entries[i];
    path_begin[i] = path_share.size();
    state_.add_usage(e.cq, e.assignment.usage);
    for (int node = state_.cqs[static_cast<std::size_t>(e.cq)].node; state_.tree.parent(node) >= 0; node = state_.tree.parent(node)) {
      path_share.emplace_back(node, state_.tree.dominant_resource_share(node));
    }
    state_.remove_usage(e.cq, e.assignment.usage);
    path_end[i] = path_share.size();
  };
  auto share = [&](std::size_t i, int node) {
    for (std::size_t p = path_begin[i]; p < path_end[i]; ++p) {
      if (path_share[p].first == node) return path_share[p].second;
    }
    return 0.0;
  };
  auto less = [&](std::size_t a, std::size_t b, int child_a, int child_b) {
    const double sa = share(a, child_a), sb = share(b, child_b);
    if (sa != sb) return sa < sb;
    return entries[a].wl->key() < entries[b].wl->key();
  };
  // Returns (entry, child node of `node` it came through), or n if none.
  std::function<std::pair<std::size_t, int>(int)> tournament = [&](int node) -> std::pair<std::size_t, int> {
    std::pair<std::size_t, int> best{n, -1};
    for (int child : children_[static_cast<std::size_t>(node)]) {
      std::size_t candidate = n;
      if (const int q = state_.cq_of_node[static_cast<std::size_t>(child)]; q >= 0) {
        if (const std::size_t e = entry_of_cq_[static_cast<std::size_t>(q)]; e != kNone && !done[e]) candidate = e;
      } else {
        candidate = tournament(child).first;
      }
      if (candidate == n) continue;
      if (best.first == n || less(candidate, best.first, child, best.second)) best = {candidate, child};
    }
    return best;
  };
  std::size_t first = 0;
  for (std::size_t left = n; left > 0; --left) {
    while (done[first]) ++first;
    const int cq = entries[first].cq;
    std::size_t winner = first;
    if (state_.in_cohort(cq)) {
      const int root = state_.cqs[static_cast<std::size_t>(cq)].root;
      for (int q : state_.cqs_under_root[static_cast<std::size_t>(root)]) {
        const std::size_t e = entry_of_cq_[static_cast<std::size_t>(q)];
        if (e != kNone && path_begin[e] == kNone) compute_shares(e);
      }
      winner = tournament(root).first;
    }
    done[winner] = true;
    out.push_back(std::move(entries[winner]));
  }
  for (const Entry& e : out) entry_of_cq_[static_cast<std::size_t>(e.cq)] = kNone;
  entries = std::move(out);
}

void KueueAdmission::cycle() {
  cycle_requested_ = false;
  ++cycles_;
  state_.now = engine_.now();
  state_.cycle = cycles_;
  std::vector<Entry> entries;
  entries.reserve(ready_.size());
  for (int cq : ready_) {
    ClusterQueueState& q = state_.cqs[static_cast<std::size_t>(cq)];
    // The head's tree node is kept and reinserted wherever the workload goes (no allocation).
    QueueNode head = q.active.extract(q.active.begin());
    Workload& wl = *head.value().workload;
    // The reason is only reported the first time a workload is found inadmissible.
    Assignment a = assign_flavors(state_, wl, !wl.reported_pending);
    entries.push_back({cq, &wl, std::move(head), std::move(a)});
  }
  ready_.clear();
  if (state_.config.fair_sharing) {
    order_fair(entries);
  } else {
    order_classical(entries);
  }
  bool progress = false;
  std::set<std::uint64_t> preempted_now;
  std::vector<Entry*> skipped;  // to retry next cycle
  for (Entry& e : entries) {
    Workload& wl = *e.wl;
    const Assignment& a = e.assignment;
    if (a.mode == FitMode::Fit) {
      if (!state_.fits(e.cq, a.usage, true)) {  // an earlier entry of this cycle took the room
        skipped.push_back(&e);
        continue;
      }
      admit(wl, a);
      progress = true;
    } else if (a.mode == FitMode::Preempt) {
      if (state_.fits(e.cq, a.usage, true)) {  // room was freed earlier in this cycle: no victims
        admit(wl, a);
        progress = true;
        continue;
      }
      auto targets = find_preemption_targets(state_, wl, e.cq, a.usage, a.frs_need_preemption);
      if (targets.empty()) {
        set_inadmissible(wl, std::move(e.node), a.message);
      } else if (std::any_of(targets.begin(), targets.end(), [&](const auto& t) { return preempted_now.contains(t.seq); })) {
        skipped.push_back(&e);  // overlapping targets with another workload of this cycle
      } else if (!fits_without(e.cq, a.usage, targets)) {
        skipped.push_back(&e);  // never evict for a preemptor that could not be admitted then
      } else {
        for (const auto& t : targets) {
          preempted_now.insert(t.seq);
          evict(t.seq, t.reason, wl.seq);
        }
        progress = true;
        // Evictions are instantaneous here, so the preemptor takes the room it freed at once (Kueue
        // admits it once the victims are gone); otherwise a requeued victim could take it back.
        admit(wl, a);
      }
    } else {
      set_inadmissible(wl, std::move(e.node), a.message);
    }
  }
  for (Entry* e : skipped) {
    if (progress) {
      push_active(*e->wl, std::move(e->node));
    } else {
      set_inadmissible(*e->wl, std::move(e->node), "Workload no longer fits after processing another workload");
    }
  }
  for (const Entry& e : entries) update_ready(e.cq);
  if (!ready_.empty()) request_cycle();
}

bool KueueAdmission::fits_without(int cq, const FrUsage& usage, const std::vector<PreemptionTarget>& victims) {
  for (const auto& v : victims) {
    const Workload& w = state_.workloads.at(v.seq);
    state_.remove_usage(w.cq, w.usage);
  }
  const bool fit = state_.fits(cq, usage, true);
  for (const auto& v : victims) {
    const Workload& w = state_.workloads.at(v.seq);
    state_.add_usage(w.cq, w.usage);
  }
  return fit;
}

void KueueAdmission::set_inadmissible(Workload& wl, QueueNode node, const std::string& message) {
  ClusterQueueState& q = state_.cqs[static_cast<std::size_t>(wl.cq)];
  if (state_.spec(wl.cq).queueing_strategy == QueueingStrategy::StrictFIFO) {
    q.active.insert(std::move(node));  // stays the head and blocks the queue
    q.stalled = true;
  } else {
    q.inadmissible.insert(std::move(node));
  }
  if (!wl.reported_pending) {
    wl.reported_pending = true;
    pending.emit(job(wl.seq), state_.spec(wl.cq).name, message);
  }
}

void KueueAdmission::admit(Workload& wl, const Assignment& a) {
  state_.add_usage(wl.cq, a.usage);
  state_.changed(wl.cq);
  wl.admitted = true;
  wl.admitted_at = engine_.now();
  wl.admitted_cycle = cycles_;
  // Admitted in a reclaim chain (an eviction happened at this instant): not evicted at this instant.
  if (last_eviction_at_ == wl.admitted_at) wl.shielded_at = wl.admitted_at;
  wl.usage = a.usage;
  wl.flavors = a.flavors;
  state_.cqs[static_cast<std::size_t>(wl.cq)].add_admitted(wl);
  ++admitted_count_;
  // The flavors' node labels join the pod set's nodeSelector, their tolerations its tolerations.
  for (std::size_t ps = 0; ps < wl.podset_names.size(); ++ps) {
    auto selector = wl.node_selectors[ps];
    auto tolerations = wl.tolerations[ps];
    std::set<int> seen;
    for (int f : a.flavors[ps]) {
      if (f < 0 || !seen.insert(f).second) continue;
      const ResourceFlavor& flavor = state_.config.flavors[static_cast<std::size_t>(f)];
      for (const auto& [k, v] : flavor.node_labels) selector[k] = v;
      tolerations.insert(tolerations.end(), flavor.tolerations.begin(), flavor.tolerations.end());
    }
    cp_.set_pod_group_placement(wl.seq, ps, std::move(selector), std::move(tolerations));
  }
  admitted.emit(job(wl.seq), state_.spec(wl.cq).name, describe_flavors(state_, wl, a));
  cp_.remove_scheduling_gate(wl.seq, kAdmissionGate);
}

void KueueAdmission::evict(std::uint64_t seq, std::string_view reason, std::uint64_t preemptor) {
  Workload& wl = state_.workloads.at(seq);
  state_.remove_usage(wl.cq, wl.usage);
  state_.changed(wl.cq);
  state_.cqs[static_cast<std::size_t>(wl.cq)].remove_admitted(wl);
  wl.admitted = false;
  wl.usage.clear();
  wl.reported_pending = false;
  wl.evicted_at = engine_.now();
  last_eviction_at_ = wl.evicted_at;
  --admitted_count_;
  cp_.evict_and_gate(seq, kAdmissionGate, reason);
  for (std::size_t ps = 0; ps < wl.podset_names.size(); ++ps) {
    cp_.set_pod_group_placement(seq, ps, wl.node_selectors[ps], wl.tolerations[ps]);  // as submitted
  }
  preempted.emit(job(seq), state_.spec(wl.cq).name, reason, job(preemptor));
  push_active(wl);
  requeue_inadmissible(state_.cqs[static_cast<std::size_t>(wl.cq)].root);
}

void KueueAdmission::requeue_inadmissible(int root) {
  for (int cq : state_.cqs_under_root[static_cast<std::size_t>(root)]) {
    ClusterQueueState& q = state_.cqs[static_cast<std::size_t>(cq)];
    if (q.active.empty()) {
      q.active.swap(q.inadmissible);
    } else {
      q.active.merge(q.inadmissible);
    }
    q.stalled = false;
    update_ready(cq);
  }
}

void KueueAdmission::finish(std::uint64_t seq) {
  auto it = state_.workloads.find(seq);
  if (it == state_.workloads.end()) return;
  Workload& wl = it->second;
  if (wl.cq >= 0) {
    ClusterQueueState& q = state_.cqs[static_cast<std::size_t>(wl.cq)];
    if (wl.admitted) {
      state_.remove_usage(wl.cq, wl.usage);
      state_.changed(wl.cq);
      q.remove_admitted(wl);
      --admitted_count_;
      requeue_inadmissible(q.root);
    } else {
      q.active.erase(wl.key());
      q.inadmissible.erase(wl.key());
      update_ready(wl.cq);
    }
  }
  state_.workloads.erase(it);
  if (!ready_.empty()) request_cycle();
}

Amount KueueAdmission::usage(std::string_view node, std::string_view flavor, std::string_view resource) const {
  int n = -1;
  for (std::size_t c = 0; c < state_.config.cohorts.size(); ++c) {
    if (state_.config.cohorts[c].name == node) n = static_cast<int>(c);
  }
  for (std::size_t q = 0; q < state_.cqs.size(); ++q) {
    if (state_.config.cluster_queues[q].name == node) n = state_.cqs[q].node;
  }
  int f = -1;
  for (std::size_t i = 0; i < state_.config.flavors.size(); ++i) {
    if (state_.config.flavors[i].name == flavor) f = static_cast<int>(i);
  }
  int r = -1;
  for (int i = 0; i < kQuotaResources; ++i) {
    if (resource == kQuotaResourceNames[static_cast<std::size_t>(i)]) r = i;
  }
  if (n < 0 || f < 0 || r < 0) return 0;
  return state_.tree.usage(n, KueueState::fr(f, r));
}

}  // namespace kubetwin::models::queueing
