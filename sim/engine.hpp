#pragma once
// The simulation engine: owns SimGrid's S4U engine, its clock and the platform, and adds a timer
// service so models can be written as plain callbacks at instants of simulated time.
//
// Fleet-scale models run on coarse events (arrival, bind, start, end), which are timers here;
// processes that need SimGrid's activities (network flows, executions) are S4U actors spawned on
// the same engine and share its clock. SimGrid allows one engine per process, so does this class.

#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace simgrid::s4u {
class Engine;
class Host;
}  // namespace simgrid::s4u

namespace kubetwin::sim {

class Engine {
 public:
  using TimerId = std::uint64_t;
  using Callback = std::function<void()>;

  /// Creates the S4U engine with SimGrid's own logging quieted to warnings, and a platform
  /// holding one "control-plane" host on which actors run.
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Current simulated time in seconds.
  double now() const;

  /// Runs `fn` at simulated time `t` (clamped to now). Timers at the same instant run in the order
  /// they were scheduled.
  TimerId schedule_at(double t, Callback fn);
  TimerId schedule_in(double delay, Callback fn) { return schedule_at(now() + delay, std::move(fn)); }
  /// Cancels a pending timer; returns false if it already ran or was cancelled.
  bool cancel(TimerId id);

  /// Starts an S4U actor on the control-plane host.
  void spawn(const std::string& name, std::function<void()> body);

  /// Runs until no timer and no actor is left, or until simulated time `until`. An exception
  /// thrown by a timer callback (bad input met mid-run, say) ends the run and is rethrown here.
  void run(double until = std::numeric_limits<double>::infinity());

  /// Timers dispatched so far.
  std::uint64_t events_processed() const { return events_processed_; }
  /// Timers still pending (cancelled ones excluded).
  std::size_t pending_timers() const { return pending_; }

  simgrid::s4u::Engine& s4u() { return *s4u_; }
  simgrid::s4u::Host& control_plane_host() { return *control_plane_; }

 private:
  struct Timer {
    double time;
    std::uint64_t order;  // grows monotonically, so (time, order) runs same-instant timers FIFO
    std::uint32_t slot;
    std::uint32_t generation;
    bool operator>(const Timer& o) const { return time != o.time ? time > o.time : order > o.order; }
  };
  struct Dispatcher;

  void dispatch_loop();
  void ensure_dispatcher();
  bool dispatcher_running_ = false;
  double waiting_until_ = std::numeric_limits<double>::infinity();

  std::unique_ptr<simgrid::s4u::Engine> s4u_;
  simgrid::s4u::Host* control_plane_ = nullptr;
  // A pending timer's callback lives in a slot; the TimerId handed out is (generation << 32 | slot),
  // so a cancelled or finished timer's id never matches the slot's next tenant.
  struct Slot {
    Callback fn;
    std::uint32_t generation = 1;
    bool live = false;
  };
  static TimerId timer_id(std::uint32_t slot, std::uint32_t generation) {
    return (static_cast<TimerId>(generation) << 32) | slot;
  }
  void free_slot(std::uint32_t slot);

  std::vector<Timer> heap_;  // min-heap on (time, order); entries of cancelled timers are skipped
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t next_order_ = 0;
  // Time reached without asking SimGrid: while the dispatcher is the only actor, nothing else can
  // happen in between, so it jumps from timer to timer itself (a SimGrid wait per instant costs
  // more than the callbacks of a fleet-scale run). SimGrid's clock catches up at its next wait.
  double fast_clock_ = 0;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::size_t pending_ = 0;
  std::uint64_t events_processed_ = 0;
  double until_ = std::numeric_limits<double>::infinity();
  std::exception_ptr failure_;
};

}  // namespace kubetwin::sim
