#pragma once
// The typed records of events.jsonl for batch jobs (docs/output-files.md lists every field).
// Kinds follow Kubernetes event reasons where one exists (Scheduled, FailedScheduling).

#include <cstdint>
#include <string_view>

#include "sim/json_writer.hpp"

namespace kubetwin::models {

struct JobSubmittedEvent {
  static constexpr std::string_view kType = "JobSubmitted";
  std::string_view job, queue;
  std::int64_t priority, pods, gpus, min_member;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("queue", queue).field("priority", priority).field("pods", pods)
        .field("gpus", gpus).field("minMember", min_member);
  }
};

struct PodScheduledEvent {
  static constexpr std::string_view kType = "Scheduled";
  std::string_view job, pod, node;
  std::string_view devices_json;  ///< a JSON array of the node's GPU numbers the pod holds; empty: none
  std::int64_t gpu_milli;         ///< the GPU share, for a pod sharing one device; 0 otherwise
  /// The DRA claims the pod holds, a JSON array of {"name", "devices"}; empty: none (the field is
  /// left out, so runs without DRA log exactly what they did before).
  std::string_view claims_json = {};
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("pod", pod).field("node", node);
    if (!devices_json.empty()) w.raw_field("gpus", devices_json);
    if (gpu_milli > 0) w.field("gpuMilli", gpu_milli);
    if (!claims_json.empty()) w.raw_field("claims", claims_json);
  }
};

/// The kubelet started a bound pod's container; `image_pull` says whether it pulled the image
/// ("Pulled", also when it joined a pull under way) or found it on the node ("Cached").
struct PodRunningEvent {
  static constexpr std::string_view kType = "PodRunning";
  std::string_view job, pod, node, image, image_pull;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("pod", pod).field("node", node);
    if (!image.empty()) w.field("image", image).field("imagePull", image_pull);
  }
};

/// A job kept out of the scheduling queue by a PreEnqueue plugin (pods in SchedulingGated).
struct SchedulingGatedEvent {
  static constexpr std::string_view kType = "SchedulingGated";
  std::string_view job, message;
  void write(sim::JsonObjectWriter& w) const { w.field("job", job).field("message", message); }
};

/// Pods waiting at Permit were rejected (a gang's timeout, or a member that could not be placed)
/// and their resources released.
struct PermitRejectedEvent {
  static constexpr std::string_view kType = "PermitRejected";
  std::string_view job, plugin, reason;
  void write(sim::JsonObjectWriter& w) const { w.field("job", job).field("plugin", plugin).field("reason", reason); }
};

struct FailedSchedulingEvent {
  static constexpr std::string_view kType = "FailedScheduling";
  std::string_view job, message;
  void write(sim::JsonObjectWriter& w) const { w.field("job", job).field("message", message); }
};

/// One node's verdict in a failed scheduling attempt (recorded when output.pluginVerdicts is on).
struct FilterRejectedEvent {
  static constexpr std::string_view kType = "FilterRejected";
  std::string_view job, pod_group, node, plugin;
  std::string_view reasons_json;  ///< a JSON array of strings
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("podGroup", pod_group).field("node", node).field("plugin", plugin)
        .raw_field("reasons", reasons_json);
  }
};

struct JobStartedEvent {
  static constexpr std::string_view kType = "JobStarted";
  std::string_view job;
  double queueing_delay;
  double step_seconds = -1;  ///< perf jobs: the predicted step on this placement, alone; < 0: none
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("queueingDelay", queueing_delay);
    if (step_seconds >= 0) w.field("stepSeconds", step_seconds);
  }
};

/// A running perf job's step time changed because `cause` started or ended on shared links.
struct RateChangedEvent {
  static constexpr std::string_view kType = "RateChanged";
  std::string_view job;
  double old_step_seconds, new_step_seconds;
  std::string_view cause, cause_event;  ///< the job, and "JobStarted" or "JobEnded"
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("oldStepSeconds", old_step_seconds).field("newStepSeconds", new_step_seconds)
        .field("cause", cause).field("causeEvent", cause_event);
  }
};

struct PreemptedEvent {
  static constexpr std::string_view kType = "Preempted";
  std::string_view job, preemptor, node;
  double lost_run_time;  ///< seconds the evicted job had run (0 if it had not started)
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("preemptor", preemptor).field("node", node).field("lostRunTime", lost_run_time);
  }
};

struct JobCompletedEvent {
  static constexpr std::string_view kType = "JobCompleted";
  std::string_view job;
  double jct, run_time;
  /// Perf jobs: run time over what it would have been alone on the same placement; < 0: none.
  double contention_slowdown = -1;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("jct", jct).field("runTime", run_time);
    if (contention_slowdown >= 0) w.field("contentionSlowdown", contention_slowdown);
  }
};

struct JobFailedEvent {
  static constexpr std::string_view kType = "JobFailed";
  std::string_view job, reason, message;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("reason", reason).field("message", message);
  }
};

/// A job with dependsOn will never be submitted: `dependency` failed or was itself skipped.
struct JobSkippedEvent {
  static constexpr std::string_view kType = "JobSkipped";
  std::string_view job, dependency;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("reason", "DependencyFailed").field("dependency", dependency);
  }
};

/// The cluster autoscaler decided to add `nodes` nodes to `pool`; they join at `readyAt`.
struct ScaleUpEvent {
  static constexpr std::string_view kType = "TriggeredScaleUp";
  std::string_view pool;
  std::int64_t nodes;
  double ready_at;
  void write(sim::JsonObjectWriter& w) const { w.field("pool", pool).field("nodes", nodes).field("readyAt", ready_at); }
};

struct NodeAddedEvent {
  static constexpr std::string_view kType = "NodeAdded";
  std::string_view node;
  void write(sim::JsonObjectWriter& w) const { w.field("node", node); }
};

/// The cluster autoscaler removed an empty node (ScaleDown).
struct NodeRemovedEvent {
  static constexpr std::string_view kType = "ScaleDown";
  std::string_view node;
  void write(sim::JsonObjectWriter& w) const { w.field("node", node); }
};

/// A pod of a controller-run Job or Deployment failed, was evicted or preempted. `action`: the
/// Job's podFailurePolicy outcome ("Count", "Ignore", "FailJob"; "Replace" for a Deployment);
/// `failedPods`: the Job's failures counted against its backoffLimit so far.
struct PodFailedEvent {
  static constexpr std::string_view kType = "PodFailed";
  std::string_view job, pod, node, reason, action;
  std::int64_t exit_code;
  bool disruption;
  std::int64_t failed_pods, backoff_limit;  ///< -1: not a Job
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("pod", pod);
    if (!node.empty()) w.field("node", node);
    w.field("reason", reason);
    if (exit_code != 0) w.field("exitCode", exit_code);
    if (disruption) w.field("condition", std::string_view("DisruptionTarget"));
    w.field("action", action);
    if (failed_pods >= 0) w.field("failedPods", failed_pods).field("backoffLimit", backoff_limit);
  }
};

/// A controller created a pod replacing a failed one, `backoff` seconds after the failure.
struct PodRecreatedEvent {
  static constexpr std::string_view kType = "PodRecreated";
  std::string_view job, pod;
  double backoff;
  void write(sim::JsonObjectWriter& w) const { w.field("job", job).field("pod", pod).field("backoff", backoff); }
};

/// The node lifecycle controller marked a node NotReady (or Unknown) and tainted it.
struct NodeNotReadyEvent {
  static constexpr std::string_view kType = "NodeNotReady";
  std::string_view node, taint;
  void write(sim::JsonObjectWriter& w) const { w.field("node", node).field("taint", taint); }
};

struct NodeReadyEvent {
  static constexpr std::string_view kType = "NodeReady";
  std::string_view node;
  void write(sim::JsonObjectWriter& w) const { w.field("node", node); }
};

/// The taint manager evicted a pod from a NotReady node (its tolerationSeconds ran out).
struct EvictedEvent {
  static constexpr std::string_view kType = "Evicted";
  std::string_view job, pod, node, reason;
  void write(sim::JsonObjectWriter& w) const {
    w.field("job", job).field("pod", pod).field("node", node).field("reason", reason);
  }
};

/// A JobSet was created (`jobs`: its child Jobs), restarted (a child Job failed: every child is
/// recreated), completed or failed.
struct JobSetCreatedEvent {
  static constexpr std::string_view kType = "JobSetCreated";
  std::string_view job_set;
  std::int64_t jobs;
  void write(sim::JsonObjectWriter& w) const { w.field("jobSet", job_set).field("jobs", jobs); }
};

struct JobSetRestartedEvent {
  static constexpr std::string_view kType = "JobSetRestarted";
  std::string_view job_set, failed_job;
  std::int64_t restarts;
  void write(sim::JsonObjectWriter& w) const {
    w.field("jobSet", job_set).field("failedJob", failed_job).field("restarts", restarts);
  }
};

struct JobSetCompletedEvent {
  static constexpr std::string_view kType = "JobSetCompleted";
  std::string_view job_set;
  double jct;
  std::int64_t restarts;
  void write(sim::JsonObjectWriter& w) const { w.field("jobSet", job_set).field("jct", jct).field("restarts", restarts); }
};

struct JobSetFailedEvent {
  static constexpr std::string_view kType = "JobSetFailed";
  std::string_view job_set, reason, message;
  void write(sim::JsonObjectWriter& w) const {
    w.field("jobSet", job_set).field("reason", reason).field("message", message);
  }
};

/// The HPA changed a Deployment's replicas (upstream event reason SuccessfulRescale).
struct SuccessfulRescaleEvent {
  static constexpr std::string_view kType = "SuccessfulRescale";
  std::string_view deployment;
  std::int64_t from, to;
  double metric, target;
  std::string_view reason;
  void write(sim::JsonObjectWriter& w) const {
    w.field("deployment", deployment).field("from", from).field("to", to).field("metric", metric)
        .field("target", target).field("reason", reason);
  }
};

}  // namespace kubetwin::models
