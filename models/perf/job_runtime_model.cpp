#include "models/perf/job_runtime_model.hpp"

#include <algorithm>
#include <cassert>
#include <map>
#include <stdexcept>

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/collectives.hpp"
#include "models/perf/fabric_contention.hpp"
#include "models/perf/training_step.hpp"

namespace kubetwin::models {
namespace {

double collective_seconds(const CollectiveModel& comm, StepCollective c, double bytes, const CommGroup& g) {
  switch (c) {
    case StepCollective::AllReduce: return comm.all_reduce(bytes, g);
    case StepCollective::AllGather: return comm.all_gather(bytes, g);
    case StepCollective::ReduceScatter: return comm.reduce_scatter(bytes, g);
    case StepCollective::AllToAll: return comm.all_to_all(bytes, g);
  }
  return 0;
}

}  // namespace

JobRuntimeModel::JobRuntimeModel(const GpuCatalog& catalog, double mfu, const FabricIndex* fabric)
    : catalog_(catalog), mfu_(mfu), fabric_(fabric) {}

JobRuntimeModel::~JobRuntimeModel() = default;

double JobRuntimeModel::run_seconds(const JobSpec& job, const std::vector<NodeIndex>& pod_nodes,
                                    const Cluster& cluster) const {
  if (job.duration) return *job.duration;
  if (job.perf) return static_cast<double>(job.perf->iterations) * predict_step(job, pod_nodes, cluster).step_seconds;
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

StepPrediction JobRuntimeModel::predict_step(const JobSpec& job, const std::vector<NodeIndex>& pod_nodes,
                                             const Cluster& cluster) const {
  assert(job.perf);
  // The job's nodes and GPUs on each, in order of first appearance.
  std::map<NodeIndex, int> gpus_on;
  std::vector<int> nodes;
  std::size_t pod = 0;
  int gpus = 0;
  for (const auto& group : job.pods) {
    for (int r = 0; r < group.replicas; ++r, ++pod) {
      auto [it, is_new] = gpus_on.emplace(pod_nodes[pod], 0);
      if (is_new) nodes.push_back(static_cast<int>(pod_nodes[pod]));
      it->second += static_cast<int>(group.requests.gpus);
      gpus += static_cast<int>(group.requests.gpus);
    }
  }
  const GpuSpec* gpu = catalog_.find(cluster.pool(cluster.pool_of(static_cast<NodeIndex>(nodes.front()))).gpu_model);
  if (gpu == nullptr) throw std::logic_error("a perf job runs on a node without a known GPU model");
  // Uneven jobs are timed as if spread evenly over as few of their nodes as that takes.
  Placement at;
  at.gpus = gpus;
  at.per_node = (gpus + static_cast<int>(nodes.size()) - 1) / static_cast<int>(nodes.size());
  const std::size_t used = static_cast<std::size_t>((gpus + at.per_node - 1) / at.per_node);

  std::string key = job.perf->shape_key() + '|' + gpu->name + '|' + std::to_string(at.per_node) + '|';
  if (fabric_ == nullptr) {
    key += std::to_string(used);
    at.nodes.assign(used, 0);
  } else {
    // The placement signature: per spine block, how many of the job's nodes sit under each leaf.
    const FabricIndex& f = *fabric_;
    std::sort(nodes.begin(), nodes.end(), [&](int a, int b) {
      return std::tuple(f.block_of(a), f.leaf_of(a), a) < std::tuple(f.block_of(b), f.leaf_of(b), b);
    });
    nodes.resize(used);
    std::map<int, std::map<int, int>> per_block;  // block -> leaf -> nodes
    for (int n : nodes) ++per_block[f.block_of(n)][f.leaf_of(n)];
    std::vector<std::vector<int>> signature;
    for (const auto& [block, leaves] : per_block) {
      std::vector<int> counts;
      for (const auto& [leaf, count] : leaves) counts.push_back(count);
      std::sort(counts.rbegin(), counts.rend());
      signature.push_back(std::move(counts));
    }
    std::sort(signature.rbegin(), signature.rend());
    for (const auto& counts : signature) {
      for (int c : counts) key += std::to_string(c) + ',';
      key += ';';
    }
    auto found = memo_.find(key);
    if (found != memo_.end()) return found->second;
    // A canonical placement with that signature: the largest block and leaf groups on the largest
    // blocks and leaves, the first nodes of each leaf; the job's own nodes if that does not fit.
    std::vector<int> blocks(static_cast<std::size_t>(f.blocks()));
    for (int b = 0; b < f.blocks(); ++b) blocks[static_cast<std::size_t>(b)] = b;
    auto block_size = [&](int b) {
      std::size_t n = 0;
      for (int l : f.leaves_of_block(b)) n += f.nodes_of_leaf(l).size();
      return n;
    };
    std::stable_sort(blocks.begin(), blocks.end(), [&](int a, int b) { return block_size(a) > block_size(b); });
    std::vector<int> canonical;
    bool fits = signature.size() <= blocks.size();
    for (std::size_t i = 0; fits && i < signature.size(); ++i) {
      std::vector<int> leaves = f.leaves_of_block(blocks[i]);
      std::stable_sort(leaves.begin(), leaves.end(),
                       [&](int a, int b) { return f.nodes_of_leaf(a).size() > f.nodes_of_leaf(b).size(); });
      fits = signature[i].size() <= leaves.size();
      for (std::size_t j = 0; fits && j < signature[i].size(); ++j) {
        const auto& in_leaf = f.nodes_of_leaf(leaves[j]);
        fits = static_cast<std::size_t>(signature[i][j]) <= in_leaf.size();
        if (fits) canonical.insert(canonical.end(), in_leaf.begin(), in_leaf.begin() + signature[i][j]);
      }
    }
    at.nodes = fits ? canonical : nodes;
  }
  auto found = memo_.find(key);
  if (found != memo_.end()) return found->second;
  StepPrediction p;
  p.step_seconds = step_at(*job.perf, *gpu, at, 1.0);
  p.network_seconds = std::max(0.0, step_at(*job.perf, *gpu, at, 0.5) - p.step_seconds);
  memo_.emplace(std::move(key), p);
  return p;
}

double JobRuntimeModel::step_at(const PerfProfile& perf, const GpuSpec& gpu, const Placement& at,
                                double network_scale) const {
  std::unique_ptr<CollectiveModel> comm;
  if (fabric_ != nullptr) {
    std::vector<VertexId> ranks;
    for (int n : at.nodes) {
      for (int d = 0; d < at.per_node; ++d) ranks.push_back(fabric_->gpu(n, d));
    }
    RoutedCollectiveParameters p;
    p.network_efficiency *= network_scale;
    comm = std::make_unique<RoutedCollectives>(fabric_->fabric(), std::move(ranks), p);
  } else {
    AlphaBetaCollectives ab = AlphaBetaCollectives::for_gpu(gpu);
    AlphaBetaParameters p = ab.parameters();
    p.nic_efficiency *= network_scale;
    comm = std::make_unique<AlphaBetaCollectives>(p);
  }
  if (const auto* s = std::get_if<SimplePerf>(&perf.shape)) {
    const double t = collective_seconds(*comm, s->collective, s->comm_bytes, CommGroup{at.gpus, at.per_node});
    return s->compute_seconds + std::max(0.0, t - s->overlap * s->compute_seconds);
  }
  const auto& t = std::get<TrainingPerf>(perf.shape);
  TrainingEnvironment env;
  env.gpus_per_node = at.per_node;
  const TrainingStepModel model(gpu, EfficiencyModel::builtin(), *comm, env);
  ParallelLayout layout;
  layout.gpus = at.gpus;
  layout.tp = t.tp;
  layout.pp = t.pp;
  layout.zero = t.zero;
  TrainingJob job;
  job.seq = t.seq;
  job.global_batch = t.global_batch;
  job.micro_batch = t.micro_batch;
  return model.estimate(t.model, layout, job).step_seconds;
}

}  // namespace kubetwin::models
