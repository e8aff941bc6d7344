#pragma once
// The Job controller (batch/v1 Job, upstream pkg/controller/job) for jobs that opt in with
// JobSpec::batch: it creates the Job's pods through the control plane, at most `parallelism` at a
// time, until `completions` pods have succeeded (Indexed: one per completion index); it counts
// failed pods against backoffLimit, applies the podFailurePolicy rules (FailJob, Ignore, Count; on
// exit codes or on DisruptionTarget), delays replacements by the pod-failure backoff (10 s, doubled
// per failure since the last success, capped at 6 min) and fails the Job at activeDeadlineSeconds.
//
// Each non-gang pod is its own unit in the control plane (JobSpec::owner names the Job); a gang
// (minMember) is one unit holding all its pods, so a failed member fails and recreates the whole
// gang (one counted failure): a partial gang never runs. Simulated pod failures (JobSpec::failures)
// are timers drawn from a seeded stream, never exceptions.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/k8s/control_plane.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

/// A Job as the controller tracks it.
struct BatchJob {
  JobSpec spec;            ///< as submitted; spec.batch is set
  std::string owner;       ///< the JobSet it belongs to, if any
  double start_time = -1;  ///< when its first pod started
  double end_time = -1;
  int active = 0;  ///< pods created and not finished
  int succeeded = 0;
  int failed = 0;                  ///< failed pods counted against backoffLimit
  int failures_since_success = 0;  ///< sets the backoff delay
  int pod_starts = 0;              ///< pod starts so far (the k-th takes failures.fail_at[k])
  int created = 0;                 ///< pods created so far (non-indexed pod names)
  double not_before = 0;           ///< backoff: no pod is created before this time
  std::vector<std::uint8_t> index_state;  ///< Indexed: 0 to do, 1 active, 2 succeeded
  int replacements_due = 0;               ///< failed pods not yet replaced
  double last_failure = -1;
  std::vector<std::uint64_t> units;  ///< the control plane's sequence numbers of its live pods
  std::uint64_t uid = 0;             ///< tells a recreated Job of the same name from the old one
  std::uint64_t backoff_timer = kNoTimer;
  std::uint64_t deadline_timer = kNoTimer;

  bool gang() const { return spec.min_member > 0; }
  const BatchJobSpec& batch() const { return *spec.batch; }
};

class JobController {
 public:
  /// `failures` draws the simulated pod failures.
  JobController(sim::Engine& engine, ControlPlane& control_plane, sim::RandomStream& failures);
  JobController(const JobController&) = delete;
  JobController& operator=(const JobController&) = delete;

  /// True if the job opts in to the controller (JobSpec::batch).
  static bool manages(const JobSpec& spec) { return spec.batch.has_value(); }
  /// Creates the Job now (and its first pods); `owner` names a JobSet owning it.
  void submit(JobSpec spec, std::string owner = {});
  /// Deletes a Job that has not finished and its pods, without a verdict (a JobSet restarting).
  void remove(const std::string& name);

  sim::Signal<const BatchJob&> job_created;
  /// Its first pod started.
  sim::Signal<const BatchJob&> job_started;
  sim::Signal<const BatchJob&> job_completed;
  sim::Signal<const BatchJob&, std::string_view /*reason*/, std::string_view /*message*/>
      job_failed;
  /// One of its pods failed (`action`: the podFailurePolicy outcome, "Count", "Ignore" or
  /// "FailJob").
  sim::Signal<const BatchJob&, const JobState& /*pod*/, const PodTermination&,
              std::string_view /*action*/>
      pod_failed;
  /// A pod replacing a failed one was created, `backoff` seconds after the failure.
  sim::Signal<const BatchJob&, const JobState& /*pod*/, double /*backoff*/> pod_recreated;

  /// Jobs created and not finished; running: those not owned by a JobSet that have started a pod.
  std::size_t live_jobs() const { return jobs_.size(); }
  std::size_t running_jobs() const;
  std::uint64_t pod_failures() const { return pod_failures_; }
  std::uint64_t pods_recreated() const { return pods_recreated_; }

  /// The replacement delay after the n-th consecutive failure (n >= 1): 10 s doubled, max 6 min.
  static double backoff_delay(int failures);
  /// The index of the first podFailurePolicy rule matching a pod that ended as `why`, or -1 (the
  /// failure then counts). Disrupted pods (evicted, preempted) carry no exit code.
  static int matching_rule(const BatchJobSpec& batch, const PodTermination& why);

 private:
  struct Unit {
    std::string job;
    int index = -1;  ///< completion index (Indexed), else -1
  };
  /// Creates the pods the Job lacks, unless it waits for its backoff. The Job may be finished (and
  /// gone) afterwards: callers do nothing with it after calling.
  void sync(BatchJob& job);
  /// False if the pod failed at creation and the Job with it.
  bool create_pod(BatchJob& job, int index);
  /// Runs `step` on the Job at `t` unless it finished (or was replaced by one of the same name).
  void at(double t, const BatchJob& job, std::function<void(BatchJob&)> step, std::uint64_t* timer);
  void on_started(const JobState& unit);
  void on_completed(const JobState& unit);
  void on_terminated(const JobState& unit, const PodTermination& why);
  void finish(BatchJob& job, std::string_view reason, std::string_view message);
  /// Removes the unit's record; returns its job, or null if it is not one of ours.
  BatchJob* take_unit(std::uint64_t seq, Unit* out);

  sim::Engine& engine_;
  ControlPlane& cp_;
  sim::RandomStream& random_;
  std::map<std::string, BatchJob, std::less<>> jobs_;
  std::unordered_map<std::uint64_t, Unit> units_;
  std::uint64_t pod_failures_ = 0, pods_recreated_ = 0;
  std::uint64_t next_uid_ = 1;
  bool creating_ = false;            // inside cp_.submit for a pod of ours
  std::string creation_failure_[2];  // reason and message if that submission failed at once
};

}  // namespace kubetwin::models
