#pragma once
// The flow-level fidelity of the collectives: a CommSchedule run as S4U comms between one actor
// per GPU on the fabric exported to SimGrid, under SimGrid's CM02 flow model configured as plain
// max-min sharing (no TCP window bound, no cross traffic, no correction factors), so that it and
// the analytic model (collectives.hpp) differ only in how they treat time: SimGrid lets every actor
// move on as soon as its own transfers are done and re-solves the sharing at every flow start and
// end, the analytic model takes each step as synchronous and solves it once.
//
// It owns SimGrid's engine, of which there is one per process: do not create it next to a
// sim::Engine, and create it once per process (ctest runs each test in its own).

#include <memory>
#include <vector>

#include "models/perf/collectives.hpp"

namespace kubetwin::models {

class FlowLevelCollectives {
 public:
  /// Creates the engine and exports `gpus` of `fabric` (every GPU a schedule will use), link
  /// capacities scaled by p's efficiencies; p.step_latency is slept before every step.
  FlowLevelCollectives(const Fabric& fabric, std::vector<VertexId> gpus, RoutedCollectiveParameters p = {});
  ~FlowLevelCollectives();
  FlowLevelCollectives(const FlowLevelCollectives&) = delete;
  FlowLevelCollectives& operator=(const FlowLevelCollectives&) = delete;

  /// Runs the schedule from the current simulated instant; returns how long it took.
  double run(const CommSchedule& schedule);
  /// SimGrid links created by the export.
  std::size_t links() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kubetwin::models
