#pragma once
// A JobSet-like multi-role job (jobset.x-k8s.io): replicated jobs (e.g. a driver and workers), each
// replica a Job run by the Job controller. The JobSet succeeds when every child Job has completed;
// when any child Job fails it restarts, deleting and recreating every child, up to maxRestarts
// times, and then fails (ReachedMaxRestarts; FailedJobs without restarts). With the InOrder startup
// policy a replicated job's Jobs are created once every Job of the previous one has started a pod.
// Children are named <jobset>-<replicatedJob>-<index>, as upstream names them.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/k8s/job_controller.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

struct ReplicatedJobSpec {
  std::string name;
  int replicas = 1;
  JobSpec job;  ///< the Job template (spec.batch set; `id` and `submit_time` are replaced)
};

struct JobSetSpec {
  std::string name;
  std::vector<ReplicatedJobSpec> replicated_jobs;
  int max_restarts = 0;           ///< failurePolicy.maxRestarts
  bool in_order_startup = false;  ///< startupPolicy.startupPolicyOrder: InOrder
};

struct JobSetState {
  JobSetSpec spec;
  double submit_time = 0;
  double start_time = -1;  ///< when a child Job first started a pod
  double end_time = -1;
  int restarts = 0;
  int completed = 0;              ///< child Jobs completed in this attempt
  std::size_t created_roles = 0;  ///< replicated jobs whose Jobs exist in this attempt
  std::vector<int> started;       ///< per replicated job: its Jobs that have started a pod
  std::vector<std::string> live;  ///< child Jobs not finished
  std::uint64_t uid = 0;
  int children() const {
    int n = 0;
    for (const auto& r : spec.replicated_jobs) n += r.replicas;
    return n;
  }
};

class JobSetController {
 public:
  JobSetController(sim::Engine& engine, JobController& jobs);
  JobSetController(const JobSetController&) = delete;
  JobSetController& operator=(const JobSetController&) = delete;

  void submit(JobSetSpec spec);
  /// JobSets not finished, and those of them that have started.
  std::size_t live_sets() const { return sets_.size(); }
  std::size_t running_sets() const;

  sim::Signal<const JobSetState&> created;
  /// A child Job started a pod for the first time.
  sim::Signal<const JobSetState&> started;
  sim::Signal<const JobSetState&> completed;
  sim::Signal<const JobSetState&, std::string_view /*reason*/, std::string_view /*message*/> failed;
  /// All children were deleted and recreated because `failed_job` failed.
  sim::Signal<const JobSetState&, std::string_view /*failed_job*/> restarted;

 private:
  void create_role(JobSetState& set, std::size_t role);
  void on_child_failed(const BatchJob& child);
  void delete_children(JobSetState& set);

  sim::Engine& engine_;
  JobController& jobs_;
  std::map<std::string, JobSetState, std::less<>> sets_;
  std::uint64_t next_uid_ = 1;
};

}  // namespace kubetwin::models
