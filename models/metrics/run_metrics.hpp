#pragma once
// Run-level metrics computed from the control plane's signals: job counts by outcome, job
// completion time (JCT = end - submit), queueing delay (start - submit) and the time-averaged
// fraction of GPUs allocated.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "models/k8s/api_job_controller.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/k8s/job_controller.hpp"
#include "models/k8s/jobset_controller.hpp"
#include "models/metrics/distribution.hpp"

namespace kubetwin::models {

class RunMetrics {
 public:
  /// Subscribes to `control_plane`'s signals; `engine` supplies the time.
  RunMetrics(sim::Engine& engine, ControlPlane& control_plane);

  /// Counts the Job controller's Jobs as jobs (the pods it creates are not: they are owned).
  void track(JobController& jobs);
  /// The same for the Jobs run through the API server (/apiServer).
  void track(ApiJobController& jobs);
  /// Counts JobSets as jobs (their child Jobs are not).
  void track(JobSetController& sets);

  /// Metrics as they stand at `end_time`, in the summary.json shape.
  nlohmann::ordered_json summary(double end_time) const;

  std::uint64_t submitted() const { return submitted_; }
  std::uint64_t completed() const { return completed_; }

 private:
  void account_gpus();  // integrates allocated GPUs up to now
  void count_failure(std::string_view reason);

  sim::Engine& engine_;
  const ControlPlane& cp_;
  const JobController* jobs_ = nullptr;
  const JobSetController* sets_ = nullptr;
  const ApiJobController* api_jobs_ = nullptr;
  template <class Controller>
  void count_jobs(Controller& jobs);
  std::uint64_t submitted_ = 0, completed_ = 0, failed_ = 0, preemptions_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> failure_reasons_;
  Distribution jct_, queueing_;
  struct PerPriority {
    Distribution jct, queueing;
  };
  std::map<std::int32_t, PerPriority> by_priority_;
  double gpu_seconds_ = 0;
  double capacity_seconds_ = 0;  // GPU-seconds of the nodes that existed (autoscaling changes it)
  std::int64_t last_capacity_ = 0;
  double last_change_ = 0;
  std::int64_t last_allocated_ = 0;  // milli-GPU
};

}  // namespace kubetwin::models
