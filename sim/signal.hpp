#pragma once
// Typed signals: a component announces what happened (a job completed, a pod was bound) and any
// number of observers (metrics, the event log, the GUI) react, without the component knowing them.

#include <functional>
#include <utility>
#include <vector>

namespace kubetwin::sim {

template <class... Args>
class Signal {
 public:
  using Slot = std::function<void(Args...)>;

  /// Adds an observer; observers run in the order they connected.
  void connect(Slot slot) { slots_.push_back(std::move(slot)); }

  void emit(Args... args) const {
    for (const Slot& slot : slots_) slot(args...);
  }

  bool empty() const { return slots_.empty(); }

 private:
  std::vector<Slot> slots_;
};

}  // namespace kubetwin::sim
