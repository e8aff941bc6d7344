#include "models/workload/synthetic_workload.hpp"

#include <algorithm>
#include <cmath>

#include "models/cluster/node_pool.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::models {

SyntheticClusterShape SyntheticClusterShape::of(const std::vector<NodePoolSpec>& pools,
                                                const std::string& gpu_model) {
  SyntheticClusterShape shape{0, 0};
  for (const auto& pool : pools) {
    if (pool.capacity.gpus == 0 || (!gpu_model.empty() && pool.gpu_model != gpu_model)) continue;
    // An autoscaled pool counts at its largest: the offered load is relative to what may exist.
    const int nodes = pool.autoscaling ? std::max(pool.count, pool.autoscaling->max_count) : pool.count;
    shape.total_gpus += pool.capacity.gpus * nodes;
    shape.gpus_per_node = std::max(shape.gpus_per_node, pool.capacity.gpus);
  }
  return shape;
}

namespace {
// Jobs wider than a node take whole nodes, so 12 GPUs on 8-GPU nodes occupy 16.
bool size_fits(std::int64_t gpus, const SyntheticClusterShape& shape) {
  const std::int64_t per_pod = std::min<std::int64_t>(gpus, shape.gpus_per_node);
  return per_pod > 0 && (gpus + per_pod - 1) / per_pod * per_pod <= shape.total_gpus;
}
}  // namespace

std::string SyntheticWorkload::problem(const SyntheticWorkloadSpec& spec, const SyntheticClusterShape& shape) {
  if (shape.total_gpus <= 0 || shape.gpus_per_node <= 0) {
    return "the cluster has no GPUs" + (spec.gpu_model.empty() ? std::string() : " of model " + spec.gpu_model);
  }
  for (std::size_t i = 0; i < spec.gpus_per_job.size(); ++i) {
    if (spec.gpus_per_job_weights[i] > 0 && size_fits(spec.gpus_per_job[i], shape)) return {};
  }
  return "no job size with a positive weight fits in the cluster's " + std::to_string(shape.total_gpus) + " GPUs";
}

SyntheticWorkload::SyntheticWorkload(SyntheticWorkloadSpec spec, SyntheticClusterShape shape,
                                     sim::RandomStreams& streams)
    : spec_(std::move(spec)),
      shape_(shape),
      arrivals_(streams.stream("workload.arrivals")),
      sizes_(streams.stream("workload.sizes")),
      durations_(streams.stream("workload.durations")),
      priorities_(streams.stream("workload.priorities")) {
  double mean_gpus = 0, total_weight = 0;
  for (std::size_t i = 0; i < spec_.gpus_per_job.size(); ++i) {
    weights_.push_back(size_fits(spec_.gpus_per_job[i], shape_) ? spec_.gpus_per_job_weights[i] : 0.0);
    mean_gpus += weights_.back() * spec_.gpus_per_job[i];
    total_weight += weights_.back();
  }
  if (std::string why = problem(spec_, shape_); !why.empty()) throw sim::InputError("synthetic workload: " + why);
  mean_gpus /= total_weight;
  if (spec_.mean_interarrival > 0) {
    mean_interarrival_ = spec_.mean_interarrival;
  } else {
    // Little's law on GPU-seconds: arrival rate x E[gpus x duration] = load x total GPUs.
    mean_interarrival_ = mean_gpus * mean_duration() / (spec_.load * static_cast<double>(shape_.total_gpus));
  }
}

double SyntheticWorkload::mean_duration() const {
  // E[clamp(X, min, max)] for lognormal X, by midpoint integration over the standard normal.
  const double mu = std::log(spec_.duration_median);
  const int steps = 4000;
  const double lo = -8, hi = 8, dz = (hi - lo) / steps;
  double sum = 0;
  for (int i = 0; i < steps; ++i) {
    const double z = lo + (i + 0.5) * dz;
    const double x = std::clamp(std::exp(mu + spec_.duration_sigma * z), spec_.duration_min, spec_.duration_max);
    sum += x * std::exp(-0.5 * z * z);
  }
  return sum * dz / std::sqrt(2 * 3.14159265358979323846);
}

std::optional<JobSpec> SyntheticWorkload::next() {
  if (emitted_ >= spec_.jobs) return std::nullopt;
  ++emitted_;
  if (emitted_ > 1) clock_ += arrivals_.exponential(mean_interarrival_);

  JobSpec job;
  job.id = "job-" + std::to_string(emitted_);
  job.submit_time = clock_;
  const int gpus = spec_.gpus_per_job[sizes_.pick_weighted(weights_)];
  job.duration = std::clamp(durations_.lognormal(std::log(spec_.duration_median), spec_.duration_sigma),
                            spec_.duration_min, spec_.duration_max);

  PodGroupSpec group;
  group.name = gpus > shape_.gpus_per_node ? "worker" : "pod";
  const std::int64_t per_pod = std::min<std::int64_t>(gpus, shape_.gpus_per_node);
  group.replicas = static_cast<int>((gpus + per_pod - 1) / per_pod);
  group.requests.gpus = per_pod;
  group.requests.cpu_milli = spec_.cpu_milli_per_gpu * per_pod;
  group.requests.memory_bytes = spec_.memory_bytes_per_gpu * per_pod;
  if (!spec_.gpu_model.empty()) group.node_selector[kGpuProductLabel] = spec_.gpu_model;
  if (spec_.priorities.size() > 1) {
    job.priority = spec_.priorities[priorities_.pick_weighted(spec_.priority_weights)];
  } else if (!spec_.priorities.empty()) {
    job.priority = spec_.priorities.front();
  }
  if (group.replicas > 1) job.min_member = group.replicas;  // distributed jobs are gangs
  job.pods.push_back(std::move(group));
  return job;
}

}  // namespace kubetwin::models
