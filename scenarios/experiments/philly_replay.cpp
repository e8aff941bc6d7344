#include "scenarios/experiments/philly_replay.hpp"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cmath>
#include <deque>
#include <functional>
#include <limits>
#include <queue>
#include <set>
#include <stdexcept>
#include <utility>

#include "scenarios/experiments/philly_servers.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::scenarios {
namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();
using Placement = ConsolidatedServers::Placement;
using TickJob = std::pair<std::int64_t, int>;  // (tick, job)

// FIFO and SJF: non-preemptive and strict. A job runs from its start tick for exactly its duration
// and frees its GPUs at its end tick, before that tick's scan.
std::vector<ReplayOutcome> replay_strict(const std::vector<ReplayJob>& jobs, int servers, bool sjf,
                                         std::int64_t& decisions) {
  const auto n = jobs.size();
  std::vector<ReplayOutcome> out(n);
  std::vector<Placement> placed(n);
  ConsolidatedServers cluster(servers);
  std::priority_queue<TickJob, std::vector<TickJob>, std::greater<>> ends;
  // FIFO's queue is the arrival order; SJF's is (duration, arrival), a job's index being its
  // arrival.
  std::deque<int> fifo;
  std::priority_queue<TickJob, std::vector<TickJob>, std::greater<>> shortest;
  std::size_t next = 0;
  while (next < n || !ends.empty()) {
    std::int64_t t = next < n ? jobs[next].submit : kNever;
    if (!ends.empty()) t = std::min(t, ends.top().first);
    while (!ends.empty() && ends.top().first == t) {
      cluster.release(placed[static_cast<std::size_t>(ends.top().second)]);
      ends.pop();
    }
    for (; next < n && jobs[next].submit == t; ++next) {
      if (sjf) {
        shortest.emplace(jobs[next].duration, static_cast<int>(next));
      } else {
        fifo.push_back(static_cast<int>(next));
      }
    }
    while (sjf ? !shortest.empty() : !fifo.empty()) {
      const int j = sjf ? shortest.top().second : fifo.front();
      const auto u = static_cast<std::size_t>(j);
      if (!cluster.place(jobs[u].gpus, placed[u])) break;  // strict: no backfilling
      if (sjf) {
        shortest.pop();
      } else {
        fifo.pop_front();
      }
      out[u].start = t;
      out[u].end = t + jobs[u].duration;
      out[u].queue = t - jobs[u].submit;
      ends.emplace(out[u].end, j);
    }
    ++decisions;
  }
  return out;
}

// SRTF and LAS: every decision tick, all pending and running jobs are ordered by the policy and
// admitted greedily by GPU count within the VC's GPUs; running jobs left out are preempted (they
// pay the checkpoint penalty), admitted pending jobs are placed in order (a failed placement
// waits). A job admitted at tick a with r ticks of work left leaves at tick a + r + 1 (the
// protocol's SRTF: it leaves one tick after its remaining time reaches zero). Between decision
// ticks the order only moves running jobs ahead of pending ones, which never changes the greedy
// admission, so those ticks are skipped.
class PreemptiveReplay {
 public:
  PreemptiveReplay(const std::vector<ReplayJob>& jobs, int servers, PhillyPolicy policy,
                   const LasConfig& las)
      : jobs_(jobs),
        cluster_(servers),
        srtf_(policy == PhillyPolicy::Srtf),
        las_(las),
        out_(jobs.size()),
        placed_(jobs.size()),
        live_(jobs.size()),
        las_pending_(las.thresholds_gpu_s.size() + 1),
        las_running_(las.thresholds_gpu_s.size() + 1) {}

  std::vector<ReplayOutcome> run(std::int64_t& decisions) {
    const auto n = jobs_.size();
    std::size_t next = 0, done = 0;
    std::vector<int> admit, preempt;
    while (done < n) {
      std::int64_t t = next < n ? jobs_[next].submit : kNever;
      if (!ends_.empty()) t = std::min(t, ends_.begin()->first);
      if (!timers_.empty()) t = std::min(t, timers_.begin()->first);
      if (t == kNever)
        throw std::logic_error("philly replay: pending jobs but nothing left to happen");
      while (!ends_.empty() && ends_.begin()->first == t) {
        finish(ends_.begin()->second, t);
        ++done;
      }
      for (; next < n && jobs_[next].submit == t; ++next) {
        Live& l = live_[next];
        l.remain = jobs_[next].duration;
        add_pending(static_cast<int>(next));
      }
      while (!timers_.empty() && timers_.begin()->first == t)
        change_queue(timers_.begin()->second, t);
      admit.clear();
      preempt.clear();
      if (srtf_) {
        select_srtf(t, admit, preempt);
      } else {
        select_las(t, admit, preempt);
      }
      for (int j : preempt) stop(j, t);
      for (int j : admit) start(j, t);
      ++decisions;
    }
    return std::move(out_);
  }

 private:
  enum class State : std::uint8_t { Future, Pending, Running, Done };
  struct Live {
    State state = State::Future;
    std::int64_t remain = 0;  // pending: work left; running: work left at tick `ref`
    std::int64_t ref = 0;     // running: tick it was (re)started
    std::int64_t ckpt = 0;    // tick of the last preemption
    std::int64_t order = 0;   // SRTF: entry order into the pending or running list
    std::int64_t executed =
        0;  // LAS: ticks run since it last entered the top queue (at `ref` if running)
    std::int64_t timer = kNever;
    std::int64_t exempt_at = -1;
    int level = 0;  // LAS queue
  };
  // SRTF: pending by (remaining, entry); running by (ref + remaining, entry), the same order at any
  // tick.
  struct Key {
    std::int64_t primary, order;
    int job;
    bool operator<(const Key& o) const {
      return primary != o.primary ? primary < o.primary
             : order != o.order   ? order < o.order
                                  : job < o.job;
    }
  };

  const ReplayJob& job(int j) const { return jobs_[static_cast<std::size_t>(j)]; }
  Live& live(int j) { return live_[static_cast<std::size_t>(j)]; }
  std::int64_t end_tick(const Live& l) const { return l.ref + l.remain + 1; }
  Key pending_key(int j, const Live& l) const { return {l.remain, l.order, j}; }
  Key running_key(int j, const Live& l) const { return {l.ref + l.remain, l.order, j}; }

  void add_pending(int j) {
    Live& l = live(j);
    l.state = State::Pending;
    if (srtf_) {
      l.order = ++entries_;
      srtf_pending_.insert(pending_key(j, l));
    } else {
      las_pending_[static_cast<std::size_t>(l.level)].insert(j);
    }
  }
  void remove_pending(int j) {
    const Live& l = live(j);
    if (srtf_) {
      srtf_pending_.erase(pending_key(j, l));
    } else {
      las_pending_[static_cast<std::size_t>(l.level)].erase(j);
    }
  }
  void add_running(int j) {
    Live& l = live(j);
    l.state = State::Running;
    if (srtf_) {
      l.order = ++entries_;
      srtf_running_.insert(running_key(j, l));
    } else {
      las_running_[static_cast<std::size_t>(l.level)].insert(j);
    }
  }
  void remove_running(int j) {
    const Live& l = live(j);
    if (srtf_) {
      srtf_running_.erase(running_key(j, l));
    } else {
      las_running_[static_cast<std::size_t>(l.level)].erase(j);
    }
  }
  void set_timer(int j, std::int64_t tick) {
    Live& l = live(j);
    if (l.timer != kNever) timers_.erase({l.timer, j});
    l.timer = tick;
    if (tick != kNever) timers_.emplace(tick, j);
  }

  void start(int j, std::int64_t t) {
    const auto u = static_cast<std::size_t>(j);
    if (!cluster_.place(job(j).gpus, placed_[u])) return;  // stays pending, in its place
    remove_pending(j);
    Live& l = live(j);
    if (out_[u].start < 0) {
      out_[u].start = t;
      out_[u].queue = t - job(j).submit;
    } else {
      out_[u].queue += t - l.ckpt;
    }
    l.ref = t;
    add_running(j);
    ends_.emplace(end_tick(l), j);
    if (!srtf_) set_timer(j, demotion_tick(j, l));
  }

  void stop(int j, std::int64_t t) {
    const auto u = static_cast<std::size_t>(j);
    remove_running(j);
    Live& l = live(j);
    ends_.erase({end_tick(l), j});
    l.executed += t - l.ref;
    l.remain = l.remain - (t - l.ref) + philly_checkpoint_penalty(job(j).gpus);
    l.ckpt = t;
    cluster_.release(placed_[u]);
    ++out_[u].preemptions;
    add_pending(j);
    if (!srtf_) set_timer(j, promotion_tick(l));
  }

  void finish(int j, std::int64_t t) {
    const auto u = static_cast<std::size_t>(j);
    remove_running(j);
    ends_.erase(ends_.begin());
    cluster_.release(placed_[u]);
    out_[u].end = t;
    live(j).state = State::Done;
    set_timer(j, kNever);
  }

  void select_srtf(std::int64_t t, std::vector<int>& admit, std::vector<int>& preempt) {
    int quota = cluster_.total_gpus();
    auto p = srtf_pending_.begin();
    auto r = srtf_running_.begin();
    while (p != srtf_pending_.end() || r != srtf_running_.end()) {
      // Pending first on equal remaining time (the artifact sorts pending + running, stably).
      const bool pending =
          r == srtf_running_.end() || (p != srtf_pending_.end() && p->primary <= r->primary - t);
      if (pending) {
        if (quota == 0) {  // nothing more fits; only the running jobs' fate is left to decide
          p = srtf_pending_.end();
          continue;
        }
        const int g = job(p->job).gpus;
        if (g <= quota) {
          quota -= g;
          admit.push_back(p->job);
        }
        ++p;
      } else {
        const int g = job(r->job).gpus;
        if (g <= quota) {
          quota -= g;
        } else {
          preempt.push_back(r->job);
        }
        ++r;
      }
    }
  }

  // --- LAS ---------------------------------------------------------------------------------------

  int level_of(int gpus, std::int64_t executed) const {
    int level = 0;
    for (double threshold : las_.thresholds_gpu_s) {
      if (static_cast<double>(gpus) * static_cast<double>(executed) >= threshold) ++level;
    }
    return level;
  }

  // The tick a running job's attained service reaches its queue's threshold, if it still has work
  // then.
  std::int64_t demotion_tick(int j, const Live& l) const {
    const auto& thresholds = las_.thresholds_gpu_s;
    if (static_cast<std::size_t>(l.level) >= thresholds.size()) return kNever;
    const int g = job(j).gpus;
    auto needed =
        static_cast<std::int64_t>(std::ceil(thresholds[static_cast<std::size_t>(l.level)] / g));
    while (level_of(g, needed) <= l.level) ++needed;  // guards the division's rounding
    const std::int64_t tick = l.ref + std::max<std::int64_t>(1, needed - l.executed);
    return tick < l.ref + l.remain ? tick : kNever;
  }

  // The tick a preempted job has waited promote_knob x its service in the current round.
  std::int64_t promotion_tick(const Live& l) const {
    if (las_.promote_knob <= 0 || l.level == 0 || l.executed == 0) return kNever;
    return l.ckpt + std::max<std::int64_t>(
                        1, static_cast<std::int64_t>(
                               std::ceil(las_.promote_knob * static_cast<double>(l.executed))));
  }

  void change_queue(int j, std::int64_t t) {
    Live& l = live(j);
    timers_.erase(timers_.begin());
    l.timer = kNever;
    if (l.state == State::Running) {  // demotion
      remove_running(j);
      l.level = level_of(job(j).gpus, l.executed + (t - l.ref));
      add_running(j);
      set_timer(j, demotion_tick(j, l));
    } else {  // promotion back to the top queue, service count restarted
      remove_pending(j);
      l.level = 0;
      l.executed = 0;
      add_pending(j);
    }
  }

  void select_las(std::int64_t t, std::vector<int>& admit, std::vector<int>& preempt) {
    int quota = cluster_.total_gpus();
    // A job whose work is done (it leaves next tick) keeps its GPUs.
    for (auto it = ends_.lower_bound({t + 1, std::numeric_limits<int>::min()});
         it != ends_.end() && it->first == t + 1; ++it) {
      live(it->second).exempt_at = t;
      quota -= job(it->second).gpus;
    }
    for (std::size_t q = 0; q < las_running_.size(); ++q) {
      for (int j : las_running_[q]) {
        if (live(j).exempt_at == t) continue;
        const int g = job(j).gpus;
        if (g <= quota) {
          quota -= g;
        } else {
          preempt.push_back(j);
        }
      }
      for (int j : las_pending_[q]) {
        if (quota == 0) break;
        const int g = job(j).gpus;
        if (g <= quota) {
          quota -= g;
          admit.push_back(j);
        }
      }
    }
  }

  const std::vector<ReplayJob>& jobs_;
  ConsolidatedServers cluster_;
  bool srtf_;
  LasConfig las_;
  std::vector<ReplayOutcome> out_;
  std::vector<Placement> placed_;
  std::vector<Live> live_;
  std::int64_t entries_ = 0;
  std::set<Key> srtf_pending_, srtf_running_;
  std::vector<std::set<int>> las_pending_, las_running_;  // per queue, in submit order
  std::set<TickJob> ends_, timers_;
};

}  // namespace

std::string_view philly_policy_name(PhillyPolicy policy) {
  switch (policy) {
    case PhillyPolicy::Fifo:
      return "FIFO";
    case PhillyPolicy::Sjf:
      return "SJF";
    case PhillyPolicy::Srtf:
      return "SRTF";
    case PhillyPolicy::Las:
      return "LAS";
  }
  return "?";
}

PhillyPolicy parse_philly_policy(const std::string& name) {
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (PhillyPolicy p : kPhillyPolicies) {
    if (philly_policy_name(p) == upper) return p;
  }
  throw sim::InputError("--policy: unknown policy \"" + name + "\" (known: FIFO, SJF, SRTF, LAS)");
}

std::int64_t philly_checkpoint_penalty(int gpus) {
  if (gpus == 1) return 7;
  return gpus <= 8 ? 30 : 60;
}

std::vector<ReplayOutcome> replay_philly_vc(const std::vector<ReplayJob>& jobs, int servers,
                                            PhillyPolicy policy, const LasConfig& las,
                                            std::int64_t& decisions) {
  if (policy == PhillyPolicy::Fifo || policy == PhillyPolicy::Sjf) {
    return replay_strict(jobs, servers, policy == PhillyPolicy::Sjf, decisions);
  }
  return PreemptiveReplay(jobs, servers, policy, las).run(decisions);
}

}  // namespace kubetwin::scenarios
