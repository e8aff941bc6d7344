#include "models/gpushare/fragmentation.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace kubetwin::models::gpushare {

std::vector<TypicalTask> typical_tasks(std::span<const PodShape> pods, double popularity) {
  using Key = std::tuple<std::int64_t, int, int, ModelMask>;
  std::map<Key, std::size_t> counts;
  for (const PodShape& p : pods) ++counts[{p.cpu_milli, p.gpu_milli, p.num_gpu, p.models}];
  std::vector<std::pair<Key, std::size_t>> groups(counts.begin(), counts.end());
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.second > b.second; });

  std::vector<TypicalTask> tasks;
  std::size_t covered = 0;
  for (const auto& [key, count] : groups) {
    if (static_cast<double>(covered) >= popularity * static_cast<double>(pods.size())) break;
    TypicalTask t;
    std::tie(t.shape.cpu_milli, t.shape.gpu_milli, t.shape.num_gpu, t.shape.models) = key;
    t.weight = static_cast<double>(count);
    tasks.push_back(t);
    covered += count;
  }
  for (TypicalTask& t : tasks) t.weight /= static_cast<double>(covered);
  return tasks;
}

int fragment_for(const GpuShareNode& node, const PodShape& task) {
  const int all_free = node.free_gpu_milli();
  if (task.cpu_only()) return all_free;
  if ((task.models & (ModelMask{1} << node.model)) == 0) return all_free;
  if (node.gpus_with_free(task.gpu_milli) < task.num_gpu || node.cpu_free < task.cpu_milli) return all_free;
  int unusable = 0;  // task fits: only devices too full to serve it are fragments
  for (int i = 0; i < node.gpus; ++i) {
    const int f = node.gpu_free[static_cast<std::size_t>(i)];
    if (f < task.gpu_milli) unusable += f;
  }
  return unusable;
}

double node_fragmentation(const GpuShareNode& node, std::span<const TypicalTask> tasks) {
  double f = 0;
  for (const TypicalTask& t : tasks) f += t.weight * fragment_for(node, t.shape);
  return f;
}

}  // namespace kubetwin::models::gpushare
