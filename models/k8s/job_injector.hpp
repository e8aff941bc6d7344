#pragma once
// Feeds jobs from a JobSource to the control plane at their submit times. Only the next job is
// held in memory: the source is read one record ahead, so a trace is streamed, never loaded.

#include <functional>
#include <optional>

#include "models/workload/job_source.hpp"
#include "sim/engine.hpp"

namespace kubetwin::models {

class JobInjector {
 public:
  using Submit = std::function<void(JobSpec)>;
  JobInjector(sim::Engine& engine, JobSource& source, Submit submit)
      : engine_(engine), source_(source), submit_(std::move(submit)) {}

  /// Reads the first job and schedules its arrival.
  void start() { arm(); }
  /// True while a read job has not been submitted yet.
  bool has_more() const { return next_.has_value(); }

 private:
  void arm() {
    next_ = source_.next();
    if (!next_) return;
    engine_.schedule_at(next_->submit_time, [this] {
      JobSpec job = std::move(*next_);
      next_.reset();
      submit_(std::move(job));
      arm();
    });
  }

  sim::Engine& engine_;
  JobSource& source_;
  Submit submit_;
  std::optional<JobSpec> next_;
};

}  // namespace kubetwin::models
