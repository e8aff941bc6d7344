#include "models/scheduling/plugins.hpp"

#include <algorithm>

#include "models/cluster/node_pool.hpp"

namespace kubetwin::models {

bool NodeAffinity::pool_constant(const PodGroupSpec& pod) const {
  return !pod.node_selector.contains(kHostnameLabel);
}

Status NodeAffinity::filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const {
  const auto& labels = cluster.pool(cluster.pool_of(node)).labels;
  for (const auto& [key, value] : pod.node_selector) {
    if (key == kHostnameLabel) {
      if (cluster.node_name(node) != value) return Status::unresolvable(kName, "node(s) didn't match Pod's node affinity/selector");
      continue;
    }
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) {
      return Status::unresolvable(kName, "node(s) didn't match Pod's node affinity/selector");
    }
  }
  return Status::success();
}

Status TaintToleration::filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const {
  for (const Taint& t : cluster.pool(cluster.pool_of(node)).taints) {
    if (t.effect == TaintEffect::PreferNoSchedule) continue;
    bool tolerated = false;
    for (const Toleration& tol : pod.tolerations) tolerated = tolerated || tol.tolerates(t);
    if (!tolerated) {
      return Status::unresolvable(kName, "node(s) had untolerated taint {" + t.key + ": " + t.value + "}");
    }
  }
  return Status::success();
}

NodeResourcesFit::NodeResourcesFit(const SchedulerConfig& config) : strategy_(config.scoring) {
  for (const auto& rw : config.scoring_resources) {
    if (rw.name == "cpu") weight_cpu_ = rw.weight;
    if (rw.name == "memory") weight_memory_ = rw.weight;
    if (rw.name == kGpuResource) weight_gpu_ = rw.weight;
  }
}

Status NodeResourcesFit::filter(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const {
  const Resources free = cluster.free(node);
  const Resources& want = pod.requests;
  const bool cpu = want.cpu_milli > free.cpu_milli;
  const bool memory = want.memory_bytes > free.memory_bytes;
  const bool gpu = want.gpus > free.gpus;
  if (!cpu && !memory && !gpu) return Status::success();
  // Upstream keeps every insufficient resource as a reason, in this order.
  Status s = Status::unschedulable(kName, cpu ? "Insufficient cpu" : memory ? "Insufficient memory"
                                                                          : "Insufficient nvidia.com/gpu");
  if (cpu && memory) s = std::move(s).with_reason("Insufficient memory");
  if ((cpu || memory) && gpu) s = std::move(s).with_reason("Insufficient nvidia.com/gpu");
  return s;
}

namespace {
// Upstream resource_allocation scorers, in integer arithmetic.
std::int64_t resource_score(ScoringStrategy s, std::int64_t requested, std::int64_t capacity) {
  if (s == ScoringStrategy::LeastAllocated) {
    return requested > capacity ? 0 : (capacity - requested) * kMaxNodeScore / capacity;
  }
  return std::min(requested, capacity) * kMaxNodeScore / capacity;  // over capacity counts as full
}
}  // namespace

std::int64_t NodeResourcesFit::score(const PodGroupSpec& pod, const Cluster& cluster, NodeIndex node) const {
  const Resources after = cluster.requested(node) + pod.requests;
  const Resources& cap = cluster.allocatable(node);
  std::int64_t sum = 0, weights = 0;
  auto add = [&](std::int64_t weight, std::int64_t requested, std::int64_t capacity) {
    if (weight == 0 || capacity == 0) return;  // upstream skips resources the node lacks
    sum += weight * resource_score(strategy_, requested, capacity);
    weights += weight;
  };
  add(weight_cpu_, after.cpu_milli, cap.cpu_milli);
  add(weight_memory_, after.memory_bytes, cap.memory_bytes);
  // An extended resource the pod does not request is left out, as upstream does.
  if (pod.requests.gpus > 0) add(weight_gpu_, after.gpus, cap.gpus);
  return weights == 0 ? 0 : sum / weights;
}

}  // namespace kubetwin::models
