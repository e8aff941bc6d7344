#pragma once
// Samples cluster state on a fixed grid of simulated time (0, dt, 2dt, ...) using engine timers.
// It keeps sampling while anything else is scheduled and stops once the model has gone quiet, so
// it never keeps a finished simulation alive.

#include <cstdint>
#include <vector>

#include "models/k8s/control_plane.hpp"
#include "sim/engine.hpp"

namespace kubetwin::models {

struct ClusterSample {
  double time = 0;
  std::int64_t allocated_gpu_milli = 0;  ///< whole GPUs and shares, in milli-GPU
  std::int64_t pending_pods = 0;
  std::int64_t running_jobs = 0;
};

class SeriesSampler {
 public:
  SeriesSampler(sim::Engine& engine, const ControlPlane& control_plane, double interval)
      : engine_(engine), cp_(control_plane), interval_(interval) {}

  void start() { engine_.schedule_at(0, [this] { sample(); }); }
  /// State now, outside the grid (for the final row).
  ClusterSample now() const;
  const std::vector<ClusterSample>& samples() const { return samples_; }

 private:
  void sample();

  sim::Engine& engine_;
  const ControlPlane& cp_;
  double interval_;
  std::uint64_t tick_ = 0;
  std::vector<ClusterSample> samples_;
};

inline ClusterSample SeriesSampler::now() const {
  return {engine_.now(), cp_.cluster().allocated_gpu_milli(), cp_.pending_pods(),
          static_cast<std::int64_t>(cp_.running_jobs())};
}

inline void SeriesSampler::sample() {
  samples_.push_back(now());
  if (engine_.pending_timers() == 0) return;  // nothing else will happen: stop
  ++tick_;
  // Multiply rather than add, so grid times do not drift with rounding.
  engine_.schedule_at(static_cast<double>(tick_) * interval_, [this] { sample(); });
}

}  // namespace kubetwin::models
