#pragma once
// The work queue of the controllers that run through the API store (client-go's workqueue in
// miniature): a name is queued at most once and synced at the current instant; timers re-queue
// it; a restart forgets the queue and turns every callback scheduled before it into a no-op.

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "sim/engine.hpp"

namespace kubetwin::models {

class ReconcileQueue {
 public:
  using Sync = std::function<void(const std::string&)>;
  ReconcileQueue(sim::Engine& engine, Sync sync) : engine_(engine), sync_(std::move(sync)) {}

  /// Syncs `name` at the current instant, unless it is already queued.
  void add(const std::string& name) {
    if (!queued_.insert(name).second) return;
    const std::uint64_t generation = generation_;
    engine_.schedule_in(0, [this, name, generation] {
      if (generation != generation_) return;
      queued_.erase(name);
      sync_(name);
    });
  }
  /// Queues `name` at `at` (a backoff or deadline), once per instant: `wake_at` is the caller's
  /// record of the timer it already set for that name.
  void add_at(const std::string& name, double& wake_at, double at) {
    if (wake_at == at) return;
    wake_at = at;
    const std::uint64_t generation = generation_;
    engine_.schedule_at(at, [this, name, generation] {
      if (generation == generation_) add(name);
    });
  }
  /// A controller restart: the queue is lost, and older callbacks and timers are ignored.
  void reset() {
    queued_.clear();
    ++generation_;
  }
  /// Bumped by reset(); callbacks compare it with the value they captured.
  std::uint64_t generation() const { return generation_; }

 private:
  sim::Engine& engine_;
  Sync sync_;
  std::set<std::string, std::less<>> queued_;
  std::uint64_t generation_ = 0;
};

}  // namespace kubetwin::models
