#include "models/gpushare/policies.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

namespace kubetwin::models::gpushare {
namespace {

// Devices a pod takes when the policy does not choose otherwise: the tightest feasible devices
// (for whole-GPU pods: the lowest-index fully free ones), none for CPU-only pods.
GpuChoice default_devices(const GpuShareNode& node, const PodShape& pod) {
  if (pod.cpu_only()) return {};
  return tightest_devices(node, pod.num_gpu, pod.gpu_milli);
}

class Fgd final : public ScoringPolicy {
 public:
  explicit Fgd(std::span<const TypicalTask> tasks) : tasks_(tasks.begin(), tasks.end()) {}
  std::string_view name() const override { return "FGD"; }

  NodeScore score(const GpuShareNode& node, double node_frag, const PodShape& pod) override {
    // Nodes in the same state score a pod shape the same way: memoise on (state, shape).
    const Key key = make_key(node, pod);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    NodeScore best;
    if (pod.fractional()) {
      best.score = -1;
      int tried_free[kMaxGpusPerNode];
      int tried = 0;
      for (int i = 0; i < node.gpus; ++i) {
        const int f = node.gpu_free[static_cast<std::size_t>(i)];
        if (f < pod.gpu_milli) continue;
        // Devices with equal free milli leave equal nodes behind: the first of them stands for all.
        if (std::find(tried_free, tried_free + tried, f) != tried_free + tried) continue;
        tried_free[tried++] = f;
        GpuChoice c;
        c.devices[0] = i;
        c.count = 1;
        const std::int64_t s = gradient_score(node, node_frag, pod, c);
        if (s > best.score) best = {s, c};
      }
    } else {
      const GpuChoice c = default_devices(node, pod);
      best = {gradient_score(node, node_frag, pod, c), c};
    }
    memo_.emplace(key, best);
    return best;
  }

 private:
  struct Key {
    std::int64_t cpu_free, pod_cpu;
    std::array<int, kMaxGpusPerNode> gpu_free;
    int gpus, model, pod_num_gpu, pod_milli;
    ModelMask pod_models;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::size_t h = std::hash<std::int64_t>()(k.cpu_free) * 31 + std::hash<std::int64_t>()(k.pod_cpu);
      for (int f : k.gpu_free) h = h * 1000003 + static_cast<std::size_t>(f);
      h = h * 31 + static_cast<std::size_t>(k.gpus * 64 + k.model);
      h = h * 31 + static_cast<std::size_t>(k.pod_num_gpu * 2048 + k.pod_milli);
      return h * 31 + k.pod_models;
    }
  };
  static Key make_key(const GpuShareNode& n, const PodShape& p) {
    return {n.cpu_free, p.cpu_milli, n.gpu_free, n.gpus, n.model, p.num_gpu, p.gpu_milli, p.models};
  }

  // trunc(100 * sigmoid((F(n) - F(n')) / 1000)), n' = n after placing `pod` on `devices`.
  std::int64_t gradient_score(const GpuShareNode& node, double node_frag, const PodShape& pod, const GpuChoice& devices) const {
    GpuShareNode after = node;
    after.cpu_free -= pod.cpu_milli;
    for (int k = 0; k < devices.count; ++k) after.gpu_free[static_cast<std::size_t>(devices.devices[static_cast<std::size_t>(k)])] -= pod.gpu_milli;
    const double delta = node_frag - node_fragmentation(after, tasks_);
    return static_cast<std::int64_t>(100.0 / (1.0 + std::exp(-delta / 1000.0)));
  }

  std::vector<TypicalTask> tasks_;
  std::unordered_map<Key, NodeScore, KeyHash> memo_;
};

class BestFit final : public ScoringPolicy {
 public:
  std::string_view name() const override { return "BestFit"; }
  bool min_max_normalized() const override { return true; }
  NodeScore score(const GpuShareNode& node, double, const PodShape& pod) override {
    const double cpu_left = static_cast<double>(node.cpu_free - pod.cpu_milli) / kCpuNorm;
    const double gpu_left = static_cast<double>(node.free_gpu_milli() - pod.gpu_request()) / kGpuNorm;
    return {static_cast<std::int64_t>(100.0 * (1.0 - (0.5 * cpu_left + 0.5 * gpu_left))), default_devices(node, pod)};
  }
};

class DotProd final : public ScoringPolicy {
 public:
  std::string_view name() const override { return "DotProd"; }
  NodeScore score(const GpuShareNode& node, double, const PodShape& pod) override {
    if (node.cpu_free < pod.cpu_milli) return {0, default_devices(node, pod)};
    const double dot = (static_cast<double>(node.cpu_free) / kCpuNorm) * (static_cast<double>(pod.cpu_milli) / kCpuNorm) +
                       (static_cast<double>(node.free_gpu_milli()) / kGpuNorm) * (static_cast<double>(pod.gpu_request()) / kGpuNorm);
    return {static_cast<std::int64_t>(100.0 * (1.0 - dot / 2.0)), default_devices(node, pod)};
  }
};

class GpuPacking final : public ScoringPolicy {
 public:
  std::string_view name() const override { return "GpuPacking"; }
  NodeScore score(const GpuShareNode& node, double, const PodShape& pod) override {
    const GpuChoice devices = default_devices(node, pod);
    if (pod.cpu_only()) return {0, devices};
    const int fully_free = node.fully_free_gpus();
    if (fully_free == node.gpus) return {std::max(33 - fully_free, fully_free), devices};  // idle node
    int opened = 0, free_pct_sum = 0;
    for (int k = 0; k < devices.count; ++k) {
      const int f = node.gpu_free[static_cast<std::size_t>(devices.devices[static_cast<std::size_t>(k)])];
      opened += f == kMilliPerGpu;
      free_pct_sum += f * 100 / kMilliPerGpu;
    }
    if (opened > 0) return {std::max(50 - opened, 33), devices};  // opens a free device on a used node
    return {std::max(100 - free_pct_sum / 10, 50), devices};       // shares used devices only
  }
};

class GpuClustering final : public ScoringPolicy {
 public:
  std::string_view name() const override { return "GpuClustering"; }
  NodeScore score(const GpuShareNode& node, double, const PodShape& pod) override {
    const GpuChoice devices = default_devices(node, pod);
    if (pod.cpu_only()) return {0, devices};
    const std::int64_t base = 25 * (static_cast<std::int64_t>(kGpuNorm) - node.free_gpu_milli()) / static_cast<std::int64_t>(kGpuNorm);
    const auto tag = static_cast<std::uint8_t>(pod.tag());
    if (node.tags == 0) return {base + 25, devices};
    if (node.tags == tag) return {base + 75, devices};
    if ((node.tags & tag) != 0) return {base + 50, devices};
    return {base, devices};
  }
};

class RandomPolicy final : public ScoringPolicy {
 public:
  std::string_view name() const override { return "Random"; }
  bool random_choice() const override { return true; }
  NodeScore score(const GpuShareNode& node, double, const PodShape& pod) override { return {0, default_devices(node, pod)}; }
};

}  // namespace

const std::vector<std::string_view>& policy_names() {
  static const std::vector<std::string_view> names{"FGD", "BestFit", "DotProd", "GpuPacking", "GpuClustering", "Random"};
  return names;
}

std::unique_ptr<ScoringPolicy> make_policy(std::string_view name, std::span<const TypicalTask> tasks) {
  if (name == "FGD") return std::make_unique<Fgd>(tasks);
  if (name == "BestFit") return std::make_unique<BestFit>();
  if (name == "DotProd") return std::make_unique<DotProd>();
  if (name == "GpuPacking") return std::make_unique<GpuPacking>();
  if (name == "GpuClustering") return std::make_unique<GpuClustering>();
  if (name == "Random") return std::make_unique<RandomPolicy>();
  return nullptr;
}

void normalize_min_max(std::span<std::int64_t> scores) {
  if (scores.empty()) return;
  const auto [lo, hi] = std::minmax_element(scores.begin(), scores.end());
  const std::int64_t min = *lo, max = *hi;
  for (std::int64_t& s : scores) s = max == min ? 0 : (s - min) * 100 / (max - min);
}

}  // namespace kubetwin::models::gpushare
