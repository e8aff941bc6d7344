#include "sim/engine.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <simgrid/s4u.hpp>
#include <stdexcept>
#include <utility>

namespace kubetwin::sim {

namespace sg4 = simgrid::s4u;

struct Engine::Dispatcher {
  sg4::MutexPtr mutex = sg4::Mutex::create();
  sg4::ConditionVariablePtr wake = sg4::ConditionVariable::create();
};

namespace {
std::atomic<bool> g_engine_exists{false};
}

Engine::Engine() {
  if (g_engine_exists.exchange(true)) {
    throw std::logic_error("kubetwin::sim::Engine: SimGrid allows only one engine per process");
  }
  // SimGrid parses its own options out of argv; these keep its INFO chatter off our stdout.
  static char arg0[] = "kubetwin";
  static char arg1[] = "--log=root.thresh:warning";
  static char arg2[] = "--log=xbt_cfg.thresh:warning";
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer cannot follow SimGrid's hand-made stack switches; real threads it can.
  static char arg3[] = "--cfg=contexts/factory:thread";
  char* argv[] = {arg0, arg1, arg2, arg3, nullptr};
  int argc = 4;
#else
  char* argv[] = {arg0, arg1, arg2, nullptr};
  int argc = 3;
#endif
  s4u_ = std::make_unique<sg4::Engine>(&argc, argv);
  auto* zone = sg4::create_full_zone("kubetwin");
  control_plane_ = zone->create_host("control-plane", 1e9);
  zone->seal();
  dispatcher_ = std::make_unique<Dispatcher>();
}

Engine::~Engine() = default;

double Engine::now() const { return std::max(sg4::Engine::get_clock(), fast_clock_); }

Engine::TimerId Engine::schedule_at(double t, Callback fn) {
  const double at = std::max(t, now());
  std::uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  Slot& s = slots_[slot];
  s.fn = std::move(fn);
  s.live = true;
  heap_.push_back({at, next_order_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  ++pending_;
  // Another actor may add a timer earlier than the one the dispatcher is waiting for.
  const bool dispatcher_waiting = waiting_until_ != std::numeric_limits<double>::infinity();
  if (dispatcher_waiting && at < waiting_until_) dispatcher_->wake->notify_one();
  ensure_dispatcher();
  return timer_id(slot, s.generation);
}

void Engine::free_slot(std::uint32_t slot) {
  Slot& s = slots_[slot];
  s.fn = nullptr;
  s.live = false;
  ++s.generation;  // the heap entry and the old id no longer match this slot
  free_slots_.push_back(slot);
}

bool Engine::cancel(TimerId id) {
  const auto slot = static_cast<std::uint32_t>(id & 0xffffffffu);
  const auto generation = static_cast<std::uint32_t>(id >> 32);
  if (slot >= slots_.size() || !slots_[slot].live || slots_[slot].generation != generation) return false;
  free_slot(slot);
  --pending_;  // its heap entry is skipped when it surfaces
  return true;
}

void Engine::spawn(const std::string& name, std::function<void()> body) {
  // After a stretch the dispatcher jumped through alone, SimGrid's clock lags behind now(): the
  // actor first sleeps until now(), so that it starts at the instant it was spawned.
  const double start = now();
  if (sg4::Engine::get_clock() < start) {
    body = [start, inner = std::move(body)] {
      sg4::this_actor::sleep_until(start);
      inner();
    };
  }
  sg4::Actor::create(name, control_plane_, std::move(body));
}

void Engine::ensure_dispatcher() {
  if (dispatcher_running_) return;
  dispatcher_running_ = true;
  sg4::Actor::create("timer-dispatcher", control_plane_, [this] { dispatch_loop(); });
}

void Engine::dispatch_loop() {
  std::unique_lock lock(*dispatcher_->mutex);
  while (!heap_.empty()) {
    const Timer next = heap_.front();
    Slot& slot = slots_[next.slot];
    if (!slot.live || slot.generation != next.generation) {  // cancelled
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
      heap_.pop_back();
      continue;
    }
    if (next.time > until_) break;
    if (next.time > now()) {
      if (s4u_->get_actor_count() == 1) {
        fast_clock_ = next.time;  // alone: nothing can happen before the next timer
      } else {
        waiting_until_ = next.time;
        dispatcher_->wake->wait_until(lock, next.time);
        waiting_until_ = std::numeric_limits<double>::infinity();
        continue;  // woken early or on time: look at the heap again
      }
    }
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
    // The callback sees the timer's own instant, whichever way the clock got there (SimGrid's
    // wait can land an ulp off, since it works in relative durations).
    fast_clock_ = std::max(fast_clock_, next.time);
    Callback fn = std::move(slot.fn);
    free_slot(next.slot);
    --pending_;
    ++events_processed_;
    try {
      fn();
    } catch (...) {
      failure_ = std::current_exception();
      heap_.clear();
      slots_.clear();
      free_slots_.clear();
      pending_ = 0;
    }
  }
  dispatcher_running_ = false;
}

void Engine::run(double until) {
  until_ = until;
  if (until == std::numeric_limits<double>::infinity()) {
    s4u_->run();
  } else {
    s4u_->run_until(until);
  }
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
}

}  // namespace kubetwin::sim
