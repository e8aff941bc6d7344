#pragma once
// The GPU fragmentation measure of the FGD paper (Weng et al., USENIX ATC'23), as specified in
// ../shared/reference/fgd-protocol.md, section 1.3: how much of a node's free GPU cannot serve the
// workload's typical tasks, weighted by how common each task is.

#include <span>
#include <vector>

#include "models/gpushare/gpu_share_node.hpp"

namespace kubetwin::models::gpushare {

struct TypicalTask {
  PodShape shape;  ///< cpu, per-GPU milli, GPU count and model constraint (memory is ignored)
  double weight = 0;  ///< renormalised popularity; weights sum to 1
};

/// Groups `pods` by (cpu, per-GPU milli, GPU count, allowed models), most common first (ties by
/// shape), and keeps the shortest prefix covering at least `popularity` of all pods.
std::vector<TypicalTask> typical_tasks(std::span<const PodShape> pods, double popularity = 0.95);

/// The free milli-GPU of `node` that cannot serve `task`.
int fragment_for(const GpuShareNode& node, const PodShape& task);

/// F(n): the popularity-weighted fragment of `node`, in milli-GPU.
double node_fragmentation(const GpuShareNode& node, std::span<const TypicalTask> tasks);

}  // namespace kubetwin::models::gpushare
