#include "models/scheduling/plugins.hpp"

#include <algorithm>
#include <cmath>

#include "models/cluster/gpu_driver.hpp"
#include "models/cluster/node_pool.hpp"

namespace kubetwin::models {

bool NodeAffinity::pool_constant(const PodGroupSpec& pod) const {
  return std::none_of(pod.node_selector.begin(), pod.node_selector.end(),
                      [](const auto& kv) { return is_per_node_label(kv.first); });
}

Status NodeAffinity::filter(const CycleState& /*state*/, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                            NodeIndex node) const {
  const Cluster& cluster = snapshot.cluster();
  const auto& labels = cluster.pool(cluster.pool_of(node)).labels;
  for (const auto& [key, value] : pod.node_selector) {
    if (is_per_node_label(key)) {
      if (cluster.node_label(node, key) != value) {
        return Status::unresolvable(kName, "node(s) didn't match Pod's node affinity/selector");
      }
      continue;
    }
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return Status::unresolvable(kName, "node(s) didn't match Pod's node affinity/selector");
    }
  }
  // requiresCuda: the required node affinity on GPU feature discovery's CUDA version labels.
  if (pod.requires_cuda && !advertised_cuda_satisfies(cluster, node, *pod.requires_cuda)) {
    return Status::unresolvable(kName, "node(s) didn't match Pod's node affinity/selector");
  }
  return Status::success();
}

const Taint* TaintToleration::untolerated(const PodGroupSpec& pod, std::span<const Taint> taints) {
  for (const Taint& t : taints) {
    if (t.effect == TaintEffect::PreferNoSchedule) continue;
    bool tolerated = false;
    for (const Toleration& tol : pod.tolerations) tolerated = tolerated || tol.tolerates(t);
    if (!tolerated) return &t;
  }
  return nullptr;
}

Status TaintToleration::filter(const CycleState& /*state*/, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                               NodeIndex node) const {
  const Cluster& cluster = snapshot.cluster();
  const Taint* t = untolerated(pod, cluster.pool(cluster.pool_of(node)).taints);
  if (t == nullptr) t = untolerated(pod, cluster.node_taints(node));
  if (t != nullptr) return Status::unresolvable(kName, "node(s) had untolerated taint {" + t->key + ": " + t->value + "}");
  return Status::success();
}

Status SchedulingGates::pre_enqueue(const JobSpec& job) const {
  if (job.scheduling_gates.empty()) return Status::success();
  std::string gates;
  for (const auto& g : job.scheduling_gates) gates += (gates.empty() ? "" : " ") + g;
  return Status::unresolvable(kName, "waiting for scheduling gates: [" + gates + "]");
}

void default_normalize_score(std::span<std::int64_t> scores, bool reverse) {
  std::int64_t max = 0;
  for (std::int64_t s : scores) max = std::max(max, s);
  for (std::int64_t& s : scores) {
    if (max == 0) {
      s = reverse ? kMaxNodeScore : 0;
      continue;
    }
    s = kMaxNodeScore * s / max;
    if (reverse) s = kMaxNodeScore - s;
  }
}

std::int64_t TaintToleration::score(const CycleState& /*state*/, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                    NodeIndex node) const {
  const Cluster& cluster = snapshot.cluster();
  std::int64_t intolerable = 0;  // PreferNoSchedule taints no toleration (of that effect or any) covers
  for (const Taint& t : cluster.pool(cluster.pool_of(node)).taints) {
    if (t.effect != TaintEffect::PreferNoSchedule) continue;
    bool tolerated = false;
    for (const Toleration& tol : pod.tolerations) {
      tolerated = tolerated || ((tol.any_effect || tol.effect == TaintEffect::PreferNoSchedule) && tol.tolerates(t));
    }
    intolerable += !tolerated;
  }
  return intolerable;
}

NodeResourcesFit::NodeResourcesFit(const ProfileConfig& config) : strategy_(config.scoring) {
  for (const auto& p : config.requested_to_capacity_shape) shape_.push_back({p.utilization, p.score * 10});
  for (const auto& rw : config.scoring_resources) {
    if (rw.name == "cpu") weight_cpu_ = rw.weight;
    if (rw.name == "memory") weight_memory_ = rw.weight;
    if (rw.name == kGpuResource) weight_gpu_ = rw.weight;
  }
}

Status NodeResourcesFit::filter(const CycleState& /*state*/, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                NodeIndex node) const {
  const Resources free = snapshot.cluster().free(node);
  const Resources& want = pod.requests;
  const bool cpu = want.cpu_milli > free.cpu_milli;
  const bool memory = want.memory_bytes > free.memory_bytes;
  const bool gpu = want.gpus > free.gpus || (want.gpu_milli > 0 && !snapshot.cluster().gpus_fit(node, want));
  if (!cpu && !memory && !gpu) return Status::success();
  // Upstream keeps every insufficient resource as a reason, in this order.
  Status s = Status::unschedulable(kName, cpu ? "Insufficient cpu" : memory ? "Insufficient memory"
                                                                          : "Insufficient nvidia.com/gpu");
  if (cpu && memory) s = std::move(s).with_reason("Insufficient memory");
  if ((cpu || memory) && gpu) s = std::move(s).with_reason("Insufficient nvidia.com/gpu");
  return s;
}

// Upstream resource_allocation scorers, in integer arithmetic.
std::int64_t NodeResourcesFit::resource_score(std::int64_t requested, std::int64_t capacity) const {
  switch (strategy_) {
    case ScoringStrategy::LeastAllocated:
      return requested > capacity ? 0 : (capacity - requested) * kMaxNodeScore / capacity;
    case ScoringStrategy::MostAllocated:
      return std::min(requested, capacity) * kMaxNodeScore / capacity;  // over capacity counts as full
    case ScoringStrategy::RequestedToCapacityRatio: {
      // Piecewise-linear in utilization percent between the shape's points, flat outside them.
      const std::int64_t u = std::min<std::int64_t>(100, requested * 100 / capacity);
      if (shape_.empty()) return 0;
      if (u <= shape_.front().utilization) return shape_.front().score;
      for (std::size_t i = 1; i < shape_.size(); ++i) {
        if (u <= shape_[i].utilization) {
          const auto& a = shape_[i - 1];
          const auto& b = shape_[i];
          return a.score + (b.score - a.score) * (u - a.utilization) / (b.utilization - a.utilization);
        }
      }
      return shape_.back().score;
    }
  }
  return 0;
}

std::int64_t NodeResourcesFit::score(const CycleState& /*state*/, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                     NodeIndex node) const {
  const Cluster& cluster = snapshot.cluster();
  const Resources after = cluster.requested(node) + pod.requests;
  const Resources& cap = cluster.allocatable(node);
  std::int64_t sum = 0, weights = 0;
  auto add = [&](std::int64_t weight, std::int64_t requested, std::int64_t capacity) {
    if (weight == 0 || capacity == 0) return;  // upstream skips resources the node lacks
    sum += weight * resource_score(requested, capacity);
    weights += weight;
  };
  add(weight_cpu_, after.cpu_milli, cap.cpu_milli);
  add(weight_memory_, after.memory_bytes, cap.memory_bytes);
  // An extended resource the pod does not request is left out, as upstream does.
  if (pod.requests.total_gpu_milli() > 0) add(weight_gpu_, after.total_gpu_milli(), cap.gpus * kMilliPerDevice);
  return weights == 0 ? 0 : sum / weights;
}

NodeResourcesBalancedAllocation::NodeResourcesBalancedAllocation(const ProfileConfig& config) {
  for (const auto& rw : config.balanced_resources) {
    cpu_ = cpu_ || rw.name == "cpu";
    memory_ = memory_ || rw.name == "memory";
    gpu_ = gpu_ || rw.name == kGpuResource;
  }
}

std::int64_t NodeResourcesBalancedAllocation::score(const CycleState& /*state*/, const PodGroupSpec& pod,
                                                    const ClusterSnapshot& snapshot, NodeIndex node) const {
  const Cluster& cluster = snapshot.cluster();
  const Resources after = cluster.requested(node) + pod.requests;
  const Resources& cap = cluster.allocatable(node);
  double fractions[3];
  int n = 0;
  auto add = [&](bool on, std::int64_t requested, std::int64_t capacity) {
    if (!on || capacity == 0) return;
    fractions[n++] = std::min(1.0, static_cast<double>(requested) / static_cast<double>(capacity));
  };
  add(cpu_, after.cpu_milli, cap.cpu_milli);
  add(memory_, after.memory_bytes, cap.memory_bytes);
  // extended resources only when requested; GPU shares count in milli-GPU
  add(gpu_ && pod.requests.total_gpu_milli() > 0, after.total_gpu_milli(), cap.gpus * kMilliPerDevice);
  if (n == 0) return 0;
  double std_dev = 0;
  if (n == 2) {
    std_dev = std::abs(fractions[0] - fractions[1]) / 2;  // the two-resource case, in closed form
  } else {
    double mean = 0, variance = 0;
    for (int i = 0; i < n; ++i) mean += fractions[i];
    mean /= n;
    for (int i = 0; i < n; ++i) variance += (fractions[i] - mean) * (fractions[i] - mean);
    std_dev = std::sqrt(variance / n);
  }
  return static_cast<std::int64_t>((1.0 - std_dev) * static_cast<double>(kMaxNodeScore));
}

}  // namespace kubetwin::models
