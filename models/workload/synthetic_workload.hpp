#pragma once
// A seeded synthetic workload: Poisson arrivals, a job-size distribution over GPU counts and a
// clipped lognormal run-time distribution. The defaults follow the shape of the Philly trace
// (Jeon et al., USENIX ATC'19; the 82,247-job extract in ../shared/traces/philly): 93% of jobs use
// one GPU, median run time 1,144 s, mean 13,136 s. The lognormal fitted to that median and mean,
// clipped to [60 s, 7 d], has a mean of about 11,000 s: the clip trims Philly's longest jobs.

#include <cstdint>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/workload/job_source.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

struct SyntheticWorkloadSpec {
  std::int64_t jobs = 1000;
  /// Offered load: GPU-seconds requested per second, as a fraction of the cluster's GPUs.
  /// Sets the arrival rate unless mean_interarrival is given (> 0).
  double load = 0.8;
  double mean_interarrival = 0;  ///< seconds
  std::vector<int> gpus_per_job{1, 2, 4, 8, 16, 32, 64, 128};
  std::vector<double> gpus_per_job_weights{76627, 1818, 1870, 1643, 199, 67, 6, 3};
  double duration_median = 1144;   ///< seconds
  double duration_sigma = 2.21;    ///< of the underlying normal
  double duration_min = 60;
  double duration_max = 7 * 86400;
  std::int64_t cpu_milli_per_gpu = 8000;
  std::int64_t memory_bytes_per_gpu = 64LL << 30;
  std::string gpu_model;  ///< if set, every pod selects this GPU model
  /// Job priorities and their relative weights (priority classes); default: everything at 0.
  std::vector<std::int32_t> priorities{0};
  std::vector<double> priority_weights{1};
};

/// The cluster facts the generator needs to size jobs and arrivals.
struct SyntheticClusterShape {
  std::int64_t total_gpus = 0;
  std::int64_t gpus_per_node = 8;  ///< jobs larger than this become gangs of full-node pods

  /// The GPUs of `pools` (only those of `gpu_model` if it is set) and their largest node size.
  static SyntheticClusterShape of(const std::vector<NodePoolSpec>& pools, const std::string& gpu_model);
};

class SyntheticWorkload final : public JobSource {
 public:
  /// `streams` must outlive the generator; it draws from "workload.arrivals", ".sizes", ".durations",
  /// and ".priorities" (only when several priorities are given, so single-priority runs keep their
  /// numbers).
  SyntheticWorkload(SyntheticWorkloadSpec spec, SyntheticClusterShape shape, sim::RandomStreams& streams);
  std::optional<JobSpec> next() override;

  /// Why `spec` cannot run on a cluster of `shape` (no GPUs of its model, no job size fits), or "".
  static std::string problem(const SyntheticWorkloadSpec& spec, const SyntheticClusterShape& shape);

  /// Mean seconds between arrivals actually used.
  double mean_interarrival() const { return mean_interarrival_; }
  /// Expected run time of the clipped lognormal, in seconds.
  double mean_duration() const;

 private:
  SyntheticWorkloadSpec spec_;
  SyntheticClusterShape shape_;
  std::vector<double> weights_;  // size weights, zero for sizes the cluster cannot hold
  sim::RandomStream& arrivals_;
  sim::RandomStream& sizes_;
  sim::RandomStream& durations_;
  sim::RandomStream& priorities_;
  double mean_interarrival_ = 0;
  double clock_ = 0;
  std::int64_t emitted_ = 0;
};

}  // namespace kubetwin::models
