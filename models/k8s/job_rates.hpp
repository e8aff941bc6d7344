#pragma once
// Running perf jobs drain their iterations at a rate that depends on their co-tenants: the glue
// between the control plane and FabricContention (models/perf/fabric_contention.hpp). When a perf
// job starts or ends, only the jobs sharing a fabric resource with it are recomputed; each of those
// whose slowdown changed has the iterations it did at its old step time deducted, gets its new step
// time (the uncontended step + its network-bound part x (slowdown - 1)) and has its completion
// timer moved. Nothing is evaluated per iteration.

#include <cstdint>
#include <span>
#include <unordered_map>

#include "models/k8s/control_plane.hpp"
#include "models/perf/fabric_contention.hpp"
#include "models/perf/job_runtime_model.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

class JobRates {
 public:
  JobRates(sim::Engine& engine, ControlPlane& cp, const JobRuntimeModel& runtime, const FabricIndex& fabric);
  JobRates(const JobRates&) = delete;
  JobRates& operator=(const JobRates&) = delete;

  /// A running job's step time changed because `cause` started (`started`) or ended.
  sim::Signal<const JobState& /*job*/, double /*old step*/, double /*new step*/, const JobState& /*cause*/,
              bool /*started*/>
      rate_changed;

  /// A perf job whose inter-node traffic crosses shared resources started (`started`) or ended;
  /// `crossed` are its demands. Emitted after the shares were recomputed, so contention().load()
  /// gives each resource's new load (the run folder's fabric-usage.jsonl).
  sim::Signal<const JobState& /*job*/, bool /*started*/, std::span<const ResourceDemand> /*crossed*/> usage_changed;

  const FabricContention& contention() const { return contention_; }
  std::uint64_t rate_changes() const { return rate_changes_; }

 private:
  void on_start(const JobState& job);
  void on_end(const JobState& job);
  void apply(const std::vector<FabricContention::Change>& changes, const JobState& cause, bool started);

  sim::Engine& engine_;
  ControlPlane& cp_;
  const JobRuntimeModel& runtime_;
  const FabricIndex& fabric_;
  FabricContention contention_;
  struct Running {
    StepPrediction alone;
    double step = 0;        ///< seconds per iteration now
    double iterations = 0;  ///< left at `since`
    double since = 0;
  };
  std::unordered_map<std::uint64_t, Running> running_;
  std::uint64_t rate_changes_ = 0;
};

}  // namespace kubetwin::models
