#pragma once
// How long a job runs once its pods are placed. This first model has two cases:
// - a job with a fixed `duration` runs for exactly that long wherever it lands;
// - a job with `work` (FLOP) runs for work / (sum over its GPUs of dense BF16 peak x MFU), so the
//   same job finishes sooner on faster GPUs. Communication and contention are not modelled yet;
//   the placement-aware step-time model (issue 5) replaces this class behind the same call.

#include <string_view>
#include <vector>

#include "models/cluster/cluster.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

class JobRuntimeModel {
 public:
  /// `mfu`: the fraction of peak FLOP/s a job achieves (model FLOPs utilization).
  JobRuntimeModel(const GpuCatalog& catalog, double mfu) : catalog_(catalog), mfu_(mfu) {}

  /// Run time in seconds; `pod_nodes` lists the node of every pod, in the job's pod order.
  double run_seconds(const JobSpec& job, const std::vector<NodeIndex>& pod_nodes,
                     const Cluster& cluster) const;

  /// Names the model in outputs, so results say which fidelity produced them.
  static constexpr std::string_view kName = "duration-or-work-at-mfu";

 private:
  const GpuCatalog& catalog_;
  double mfu_;
};

}  // namespace kubetwin::models
