#pragma once
// A Kubeflow-TrainJob-like operator working through the API server
// (docs/api-server.md#the-trainjob-operator). A TrainJob (CRD trainjobs.trainer.kubeflow.org) asks
// for `numNodes` training nodes of one pod each, from a runtime (runtimeRef) and a per-node pod
// template; the operator creates the pods
// `<trainjob>-node-<i>` with an ownerReference to the TrainJob (the garbage collector deletes them
// with it), watches them and writes the TrainJob's status conditions Created, Running and
// Succeeded or Failed, with resourceVersion preconditions, re-reading the TrainJob on a Conflict.
//
// Level-triggered, so nothing is lost or duplicated under API errors, outages and its own
// restarts: every decision is made from the store's state as its informers see it (not from
// memory of what it did), pod names are deterministic (a repeated create meets AlreadyExists),
// expectations stop it creating pods it has created but not yet seen, and after a restart it
// relists both kinds and reconciles every TrainJob. The deliberately broken variant
// (`relist_on_restart` false) is edge-triggered: after a restart it drops its work queue and
// only watches from the store's revision of the moment it comes back, so a TrainJob created or
// changed while it was down is never reconciled.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "models/k8s/admission_webhook.hpp"
#include "models/k8s/api_server.hpp"
#include "models/k8s/informer.hpp"
#include "models/k8s/reconcile_queue.hpp"
#include "models/k8s/pod_status_writer.hpp"
#include "models/workload/job_spec.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

inline constexpr const char* kTrainJobKind = "TrainJob";

/// A TrainJob a user submits (/trainJobs/jobs): taken as written, so that invalid ones reach the
/// webhook.
struct TrainJobSubmission {
  std::string name;
  double submit_time = 0;
  std::int64_t num_nodes = 1;           ///< spec.trainer.numNodes
  std::string runtime;                  ///< spec.runtimeRef.name
  std::shared_ptr<const JobSpec> node;  ///< one node's pod: duration and a one-pod group
};

/// The operator's installation and its users' TrainJobs (/trainJobs).
struct TrainJobsConfig {
  double establish_delay = 0;  ///< from the CRD's creation until it is Established
  /// ClusterTrainingRuntimes that exist: a runtimeRef naming another is refused.
  std::vector<std::string> runtimes = {"torch-distributed", "deepspeed-distributed",
                                       "mlx-distributed"};
  ValidatingWebhookConfig webhook;
  std::vector<TrainJobSubmission> jobs;  ///< by submission time
};

struct TrainJobOperatorConfig {
  /// The runtimes that exist: a TrainJob stored without the webhook's checks (failurePolicy
  /// Ignore during an outage) that fails them is marked Failed (InvalidSpec), never run.
  std::vector<std::string> runtimes = TrainJobsConfig{}.runtimes;
  /// false: the deliberately broken, edge-triggered operator
  /// (/controllers/operatorRelistOnRestart).
  bool relist_on_restart = true;
};

/// The checks of the operator's validating webhook: the first field error, nullopt if valid.
std::optional<std::string> validate_train_job(const ApiObject& train_job,
                                              const std::vector<std::string>& runtimes);
/// The TrainJob object for a submission.
ApiObject train_job_object(const TrainJobSubmission& submission);

class TrainJobOperator {
 public:
  TrainJobOperator(sim::Engine& engine, ApiServer& api, TrainJobOperatorConfig config = {},
                   std::string client = "trainjob-controller");
  TrainJobOperator(const TrainJobOperator&) = delete;
  TrainJobOperator& operator=(const TrainJobOperator&) = delete;

  /// Starts its informers (TrainJobs and Pods); they retry until the CRD is established.
  void start();
  /// A user creates the TrainJob now (client "trainjob-submitter"), retrying errors that mean
  /// "not now" (5xx, 429, 404 while the CRD is not established); a denial (403) or a taken name
  /// (409) is final and told through `rejected`.
  void submit(TrainJobSubmission submission);
  /// The operator's process dies now (caches, work queue, expectations and timers lost) and comes
  /// back `downtime` later.
  void restart(double downtime);

  /// Told from the store's commits (the API server's view), so exactly once whatever the
  /// operator's restarts: a TrainJob was stored; a condition was added to its status.
  sim::Signal<const ApiObject&> stored;
  sim::Signal<const ApiObject&, std::string_view /*type*/, std::string_view /*reason*/,
              std::string_view /*message*/>
      condition_added;
  /// The submitter's create was refused for good.
  sim::Signal<std::string_view /*name*/, const ApiReply&> rejected;

  /// TrainJobs whose create is on its way or being retried, or stored and not finished.
  std::size_t live() const { return submitting_ + unfinished_; }
  std::uint64_t submitted() const { return submitted_; }
  std::uint64_t stored_count() const { return stored_; }
  std::uint64_t rejected_count() const { return rejected_; }
  std::uint64_t submit_retries() const { return submit_retries_; }
  std::uint64_t succeeded() const { return succeeded_; }
  std::uint64_t failed() const { return failed_; }
  std::uint64_t pods_created() const { return pods_created_; }
  /// Pod creates answered AlreadyExists (a repeated create: the pod was made once).
  std::uint64_t pods_already_existed() const { return pods_already_existed_; }
  std::uint64_t conflicts() const { return conflicts_; }
  std::uint64_t restarts() const { return restarts_; }

 private:
  struct Tracked {
    std::set<std::string> expected;  // pods created, not yet in the cache
    double expected_since = 0;
    bool writing = false;  // a status update is on its way (one at a time per TrainJob)
    bool dirty = false;
    int write_failures = 0;
    double wake_at = -1;
  };
  void create_train_job(std::shared_ptr<const ApiObject> object, int failures);
  void resume();
  /// One reconcile; `fresh`: the TrainJob as just read after a Conflict.
  void sync(const std::string& name, ObjectPtr fresh = nullptr);
  void create_pod(const ApiObject& train_job, int index);
  void delete_pod(const std::string& name, int attempt);
  void write_status(const std::string& name, const ApiObject& train_job, nlohmann::json status);
  void observe(WatchEventType type, const ObjectPtr& before, const ObjectPtr& now);
  bool caches_ready() const { return train_jobs_.has_synced() && pods_.has_synced(); }

  sim::Engine& engine_;
  ApiServer& api_;
  const TrainJobOperatorConfig config_;
  const std::string client_;
  Informer train_jobs_, pods_;
  std::map<std::string, Tracked, std::less<>> tracked_;
  ReconcileQueue queue_{engine_, [this](const std::string& name) { sync(name); }};  // reset by restart()
  std::size_t submitting_ = 0, unfinished_ = 0;
  std::uint64_t submitted_ = 0, stored_ = 0, rejected_ = 0, submit_retries_ = 0, succeeded_ = 0,
                failed_ = 0;
  std::uint64_t pods_created_ = 0, pods_already_existed_ = 0, conflicts_ = 0, restarts_ = 0;
};

}  // namespace kubetwin::models
