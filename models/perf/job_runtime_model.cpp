#include "models/perf/job_runtime_model.hpp"

#include <cassert>

namespace kubetwin::models {

double JobRuntimeModel::run_seconds(const JobSpec& job, const std::vector<NodeIndex>& pod_nodes,
                                    const Cluster& cluster) const {
  if (job.duration) return *job.duration;
  assert(job.work);
  double rate = 0;  // FLOP/s of all GPUs granted
  std::size_t pod = 0;
  for (const auto& group : job.pods) {
    for (int r = 0; r < group.replicas; ++r, ++pod) {
      const auto& pool = cluster.pool(cluster.pool_of(pod_nodes[pod]));
      const GpuSpec* gpu = catalog_.find(pool.gpu_model);
      // A share of a GPU computes at that share of its peak.
      const double gpus = static_cast<double>(group.requests.total_gpu_milli()) / 1000.0;
      if (gpu != nullptr) rate += gpus * gpu->peak("bf16") * mfu_;
    }
  }
  // The loader rejects work-based jobs without GPUs and pools with GPUs but no known model.
  return rate > 0 ? *job.work / rate : 0.0;
}

}  // namespace kubetwin::models
