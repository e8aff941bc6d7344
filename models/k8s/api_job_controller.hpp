#pragma once
// The Job controller working through the API server (docs/api-server.md), as upstream's
// pkg/controller/job does: it sees Jobs and Pods only through informers (so with the watch
// latency), keeps no state that the store does not hold except its expectations, and writes Job
// status with resourceVersion preconditions, re-reading the Job on a Conflict.
//
// Nothing is lost or duplicated under API errors, outages or its own restart:
// - Pod names are deterministic (`<job>-<n>`, Indexed `<job>-<index>-<attempt>`, n and attempt
//   the lowest not seen), so a create that is repeated (after an error, or by a restarted
//   controller that never saw the reply) meets AlreadyExists instead of making a second pod.
// - Expectations: while pods it created have not shown up in its cache, it creates no more.
// - Counts come from the pods in the store; the failed pods already counted are listed in the
//   Job's status, so a failure is counted once; the Job's Complete/Failed condition is written
//   once, and the signals below are emitted when that write is accepted.
// - After a restart it waits until both caches have synced before it acts.
//
// It runs NonIndexed and Indexed Jobs with parallelism, completions, backoffLimit, the pod-failure
// backoff, podFailurePolicy and activeDeadlineSeconds; gangs (minMember) stay with JobController.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "models/k8s/api_server.hpp"
#include "models/k8s/informer.hpp"
#include "models/k8s/reconcile_queue.hpp"
#include "models/k8s/job_controller.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

class ApiJobController {
 public:
  ApiJobController(sim::Engine& engine, ApiServer& api, std::string client = "job-controller");
  ApiJobController(const ApiJobController&) = delete;
  ApiJobController& operator=(const ApiJobController&) = delete;

  /// True for the Jobs it runs: batch Jobs that are not gangs.
  static bool manages(const JobSpec& spec) { return spec.batch.has_value() && spec.min_member == 0; }
  /// Starts its informers.
  void start();
  /// A user creates the Job object now (client "job-submitter"), retrying on errors.
  void submit(JobSpec spec);
  /// The controller's process dies now: its caches, expectations and timers are lost; it comes
  /// back `downtime` later, relists and carries on from what the store holds.
  void restart(double downtime);

  /// Signals with the Job as the store holds it (BatchJob: spec, start/end time, counts).
  sim::Signal<const BatchJob&> job_created;
  sim::Signal<const BatchJob&> job_started;
  sim::Signal<const BatchJob&> job_completed;
  sim::Signal<const BatchJob&, std::string_view /*reason*/, std::string_view /*message*/> job_failed;
  /// A failed pod was counted (`action`: "Count", "Ignore" or "FailJob"), once per pod.
  sim::Signal<const BatchJob&, std::string_view /*pod*/, std::string_view /*node*/, const PodTermination&,
              std::string_view /*action*/>
      pod_failed;

  /// Jobs created and not finished; running: those that have started a pod.
  std::size_t live_jobs() const { return live_; }
  std::size_t running_jobs() const { return running_; }
  std::uint64_t pods_created() const { return pods_created_; }
  std::uint64_t conflicts() const { return conflicts_; }
  std::uint64_t restarts() const { return restarts_; }
  std::uint64_t pod_failures() const { return pod_failures_; }

 private:
  struct Tracked {
    std::set<std::string> expected;  // pods created, not yet in the cache
    bool writing = false;            // a status update is on its way (one at a time per Job)
    bool dirty = false;              // something changed while it was
    double expected_since = 0;       // when the oldest of them was created
    int write_failures = 0;
    double wake_at = -1;             // a timer is set for then (backoff, deadline)
  };
  void create_job(std::shared_ptr<const ApiObject> job, int failures);
  /// One reconcile; `fresh`: the Job as just read after a Conflict (newer than the cache).
  void sync(const std::string& name, ObjectPtr fresh = nullptr);
  void create_pod(const ApiObject& job, const std::string& pod_name, int index);
  void delete_pod(const std::string& name, int attempt);
  void write_status(const std::string& name, const ApiObject& job, nlohmann::json status);
  BatchJob view(const ApiObject& job) const;
  bool caches_ready() const { return jobs_.has_synced() && pods_.has_synced(); }

  sim::Engine& engine_;
  ApiServer& api_;
  const std::string client_;
  Informer jobs_, pods_;
  std::map<std::string, std::set<std::string>, std::less<>> pods_of_;  // job name -> its pods' names
  std::map<std::string, Tracked, std::less<>> tracked_;
  ReconcileQueue queue_{engine_, [this](const std::string& name) { sync(name); }};  // reset by restart()
  std::size_t live_ = 0, running_ = 0;
  std::uint64_t pods_created_ = 0, conflicts_ = 0, restarts_ = 0, pod_failures_ = 0;
};

}  // namespace kubetwin::models
