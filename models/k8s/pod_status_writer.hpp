#pragma once
// The node side of the API server (docs/api-server.md): the scheduler and the kubelets, as one
// status writer. It watches Pod objects through an informer and hands each new pod to the control
// plane, which schedules and runs it; what happens to the pod (bound to a node, running,
// succeeded, failed) is written back to the Pod's status with patches, retried with backoff until
// the API server takes them, one at a time per pod so that a later phase is never overwritten by
// an earlier one. A Pod deleted through the API (by its controller or the garbage collector) is
// stopped. Simulated pod failures (JobSpec::failures of the pod's Job) are drawn here, as the
// kubelet sees its container exit.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "models/k8s/api_server.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/k8s/informer.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

/// The label naming a Pod's Job (upstream's `batch.kubernetes.io/job-name`).
inline constexpr const char* kJobNameLabel = "batch.kubernetes.io/job-name";
/// The label naming a pod's TrainJob (Kubeflow Trainer's; train_job_operator.hpp).
inline constexpr const char* kTrainJobNameLabel = "trainer.kubeflow.org/trainjob-name";

class PodStatusWriter {
 public:
  PodStatusWriter(sim::Engine& engine, ApiServer& api, ControlPlane& control_plane, sim::RandomStream& failures,
                  std::string client = "kubelet");
  PodStatusWriter(const PodStatusWriter&) = delete;
  PodStatusWriter& operator=(const PodStatusWriter&) = delete;

  void start() { pods_.start(); }
  /// Pods handed to the control plane and not finished.
  std::size_t live_pods() const { return by_seq_.size(); }
  /// Status patches the API server refused (they were retried).
  std::uint64_t failed_writes() const { return failed_writes_; }

 private:
  struct Pod {
    std::string ns, name, job;
    std::uint64_t seq = 0;
    bool live = false;            // its unit is in the control plane
    nlohmann::json desired;       // every status field written so far, the latest values
    nlohmann::json written;       // what the API server has taken
    bool in_flight = false;
    int failures = 0;
  };
  void on_added(const ObjectPtr& pod);
  void on_deleted(const ObjectPtr& pod);
  /// Merges `fields` into the pod's desired status and writes it.
  void set_status(std::uint64_t seq, nlohmann::json fields, bool final);
  void flush(const std::string& key);
  void draw_failure(const JobState& unit, Pod& pod);
  Pod* find(std::uint64_t seq);

  sim::Engine& engine_;
  ApiServer& api_;
  ControlPlane& cp_;
  sim::RandomStream& random_;
  const std::string client_;
  Informer pods_;
  std::map<std::string, Pod> by_key_;  // "<ns>/<name>"
  std::unordered_map<std::uint64_t, std::string> by_seq_;
  std::map<std::string, int, std::less<>> starts_;  // pod starts per Job (the k-th takes failAt[k])
  std::uint64_t failed_writes_ = 0;
  bool submitting_ = false;
  std::string refusal_[2];  // reason and message if the control plane refused the pod at once
};

}  // namespace kubetwin::models
