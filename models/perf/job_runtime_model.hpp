#pragma once
// How long a job runs once its pods are placed:
// - a job with a fixed `duration` runs for exactly that long wherever it lands;
// - a job with `work` (FLOP) runs for work / (sum over its GPUs of dense BF16 peak x MFU), so the
//   same job finishes sooner on faster GPUs;
// - a job with a `perf` profile runs iterations x the step time of its placement: compute (the
//   training-step model, or the profile's) plus exposed communication. With a fabric the
//   collectives are timed on the routed topology for the GPUs the job got (NVLink inside a node,
//   NIC, leaf, spine and core across nodes, oversubscribed uplinks included: RoutedCollectives);
//   without one by the alpha-beta model (NVLink inside a node, the NIC rate across nodes).
// Step times are memoized by (job shape, placement signature): what the routed time depends on is
// how many of the job's nodes share each leaf and spine block, not which nodes they are, so a
// fleet of jobs costs few evaluations. Co-tenants on shared links slow the network-bound part of
// a step down further (fabric_contention.hpp, applied while the job runs by models/k8s/job_rates).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

class FabricIndex;

/// A perf job's step on its placement, alone on the fabric.
struct StepPrediction {
  double step_seconds = 0;
  /// The part of the step bound by network bandwidth: it takes s x as long when the job gets 1/s
  /// of the bandwidth it would use alone (measured by evaluating the step at half the network rate).
  double network_seconds = 0;
};

class JobRuntimeModel {
 public:
  /// `mfu`: the fraction of peak FLOP/s a work-based job achieves (model FLOPs utilization).
  /// `fabric`: the interconnect whose server i is node i of the cluster (null: none).
  JobRuntimeModel(const GpuCatalog& catalog, double mfu, const FabricIndex* fabric = nullptr);
  ~JobRuntimeModel();

  /// Run time in seconds; `pod_nodes` lists the node of every pod, in the job's pod order.
  double run_seconds(const JobSpec& job, const std::vector<NodeIndex>& pod_nodes, const Cluster& cluster) const;
  /// The step of a perf job (job.perf set) on its placement, before contention.
  StepPrediction predict_step(const JobSpec& job, const std::vector<NodeIndex>& pod_nodes, const Cluster& cluster) const;

  /// Names the model in outputs, so results say which fidelity produced them.
  std::string_view name() const { return fabric_ != nullptr ? kPlacementName : kName; }
  static constexpr std::string_view kName = "duration-or-work-at-mfu";
  static constexpr std::string_view kPlacementName = "step-time-on-routed-fabric";
  /// Step evaluations done (memo misses), each two model evaluations.
  std::size_t step_evaluations() const { return memo_.size(); }

 private:
  /// Where a step is timed: `nodes` servers (fabric server indices; without a fabric only their
  /// count matters), `per_node` GPUs on each (devices 0..per_node-1), `gpus` of them used.
  struct Placement {
    std::vector<int> nodes;
    int per_node = 1;
    int gpus = 1;
  };
  double step_at(const PerfProfile& perf, const GpuSpec& gpu, const Placement& placement, double network_scale) const;

  const GpuCatalog& catalog_;
  double mfu_;
  const FabricIndex* fabric_;
  mutable std::unordered_map<std::string, StepPrediction> memo_;
};

}  // namespace kubetwin::models
