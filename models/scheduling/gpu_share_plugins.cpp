#include "models/scheduling/gpu_share_plugins.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>

namespace kubetwin::models {

namespace gs = gpushare;

namespace {

constexpr std::int64_t kMiB = std::int64_t{1} << 20;

/// Scores and device choices of one cycle, sorted by node for lookup.
struct PolicyScores {
  std::string_view plugin;  // several policy plugins may be enabled together
  std::vector<std::pair<NodeIndex, std::int64_t>> by_node;
};

struct AllPolicyScores {
  std::vector<PolicyScores> plugins;
  const PolicyScores* of(std::string_view name) const {
    for (const auto& p : plugins) {
      if (p.plugin == name) return &p;
    }
    return nullptr;
  }
};

}  // namespace

GpuSharePolicyPlugin::GpuSharePolicyPlugin(std::string_view policy, const ProfileConfig& profile,
                                           sim::RandomStream& random)
    : name_(policy), random_(random) {
  for (const TypicalPod& t : profile.fgd_typical_pods) {
    gs::TypicalTask task;
    task.shape.cpu_milli = t.cpu_milli;
    task.shape.num_gpu = t.gpus;
    task.shape.gpu_milli = t.gpus == 0 ? 0 : t.gpu_milli;
    task.shape.models = t.gpu_model.empty() ? gs::kAnyModel : model_bit(t.gpu_model);
    task.weight = t.weight;
    tasks_.push_back(task);
  }
  double total = 0;
  for (const auto& t : tasks_) total += t.weight;
  for (auto& t : tasks_) t.weight = total > 0 ? t.weight / total : 0;
  learned_tasks_ = name_ == "FGD" && tasks_.empty();
  policy_ = gs::make_policy(name_, tasks_);
  if (!policy_) throw std::invalid_argument("unknown GPU-sharing policy \"" + name_ + "\"");
}

gs::ModelMask GpuSharePolicyPlugin::model_bit(std::string_view model) const {
  auto it = std::find(models_.begin(), models_.end(), model);
  if (it == models_.end()) {
    if (models_.size() >= 31) return gs::kAnyModel;  // more models than bits: treat as unconstrained
    models_.emplace_back(model);
    it = models_.end() - 1;
  }
  return gs::ModelMask{1} << static_cast<unsigned>(it - models_.begin());
}

gs::PodShape GpuSharePolicyPlugin::shape(const PodGroupSpec& pod) const {
  gs::PodShape s;
  s.cpu_milli = pod.requests.cpu_milli;
  s.memory_mib = pod.requests.memory_bytes / kMiB;
  if (pod.requests.gpu_milli > 0) {
    s.num_gpu = 1;
    s.gpu_milli = static_cast<int>(pod.requests.gpu_milli);
  } else if (pod.requests.gpus > 0) {
    s.num_gpu = static_cast<int>(pod.requests.gpus);
    s.gpu_milli = gs::kMilliPerGpu;
  }
  if (auto it = pod.node_selector.find(kGpuProductLabel); it != pod.node_selector.end()) s.models = model_bit(it->second);
  return s;
}

bool GpuSharePolicyPlugin::view(const ClusterSnapshot& snapshot, NodeIndex node, gs::GpuShareNode& out) const {
  const Cluster& cluster = snapshot.cluster();
  const auto devices = cluster.device_free(node);
  if (devices.size() > static_cast<std::size_t>(gs::kMaxGpusPerNode)) return false;
  const Resources free = cluster.free(node);
  out = {};
  out.cpu_free = free.cpu_milli;
  out.memory_free = free.memory_bytes / kMiB;
  out.gpus = static_cast<int>(devices.size());
  const auto& model = cluster.pool(cluster.pool_of(node)).gpu_model;
  const gs::ModelMask bit = model.empty() ? 1 : model_bit(model);
  out.model = bit == gs::kAnyModel ? 0 : std::countr_zero(bit);
  for (std::size_t d = 0; d < devices.size(); ++d) out.gpu_free[d] = devices[d];
  for (const RunningPod& p : snapshot.pods_on(node)) {
    gs::PodShape placed;
    placed.num_gpu = p.requests.gpu_milli > 0 ? 1 : static_cast<int>(p.requests.gpus);
    placed.gpu_milli = p.requests.gpu_milli > 0 ? static_cast<int>(p.requests.gpu_milli) : gs::kMilliPerGpu;
    out.tags |= static_cast<std::uint8_t>(placed.tag());
  }
  return true;
}

void GpuSharePolicyPlugin::learn(const gs::PodShape& pod) const {
  seen_.push_back(pod);
  if (seen_.size() < relearn_at_) return;
  relearn_at_ = seen_.size() * 2;  // re-derive at 1, 2, 4, 8, ... pods: linear cost overall
  tasks_ = gs::typical_tasks(seen_);
  policy_ = gs::make_policy(name_, tasks_);  // a fresh memo for the new task set
}

Status GpuSharePolicyPlugin::pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                                       std::span<const NodeIndex> feasible) const {
  const gs::PodShape s = shape(pod);
  if (learned_tasks_) learn(s);
  auto* all = state.get<AllPolicyScores>();
  if (all == nullptr) all = &state.emplace<AllPolicyScores>();
  PolicyScores& mine = all->plugins.emplace_back();
  mine.plugin = name_;
  auto* preferred = state.get<PreferredDevices>();
  if (preferred == nullptr) preferred = &state.emplace<PreferredDevices>();
  const bool first_to_choose = preferred->by_node.empty();  // the first policy plugin's devices win
  gs::GpuShareNode n;
  for (NodeIndex node : feasible) {
    std::int64_t score = 0;
    if (view(snapshot, node, n)) {
      const double frag = name_ == "FGD" ? gs::node_fragmentation(n, tasks_) : 0.0;
      const gs::NodeScore ns = policy_->score(n, frag, s);
      // Random scores every node with one uniform draw: the best is a uniformly random node.
      score = policy_->random_choice() ? static_cast<std::int64_t>(random_.below(1u << 30)) : ns.score;
      if (first_to_choose && ns.devices.count > 0) {
        DeviceSet devices;
        for (int k = 0; k < ns.devices.count; ++k) {
          devices.push_back(static_cast<DeviceIndex>(ns.devices.devices[static_cast<std::size_t>(k)]));
        }
        preferred->by_node.emplace_back(node, std::move(devices));
      }
    }
    mine.by_node.emplace_back(node, score);
  }
  std::sort(mine.by_node.begin(), mine.by_node.end());
  return Status::success();
}

std::int64_t GpuSharePolicyPlugin::score(const CycleState& state, const PodGroupSpec& /*pod*/,
                                         const ClusterSnapshot& /*snapshot*/, NodeIndex node) const {
  const auto* all = state.read<AllPolicyScores>();
  const PolicyScores* mine = all == nullptr ? nullptr : all->of(name_);
  if (mine == nullptr) return 0;
  auto it = std::lower_bound(mine->by_node.begin(), mine->by_node.end(), std::pair<NodeIndex, std::int64_t>{node, INT64_MIN});
  return it != mine->by_node.end() && it->first == node ? it->second : 0;
}

void GpuSharePolicyPlugin::normalize(const CycleState& /*state*/, std::span<std::int64_t> scores) const {
  if (policy_->min_max_normalized()) {
    gs::normalize_min_max(scores);
  } else if (policy_->random_choice()) {
    default_normalize_score(scores, false);  // keep the order, within 0..100
  }
}

}  // namespace kubetwin::models
