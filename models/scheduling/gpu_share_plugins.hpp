#pragma once
// The FGD paper's six node-scoring policies (FGD, BestFit, DotProd, GpuPacking, GpuClustering,
// Random; ../shared/reference/fgd-protocol.md, section 1.4) as score plugins of the framework, so
// any scenario's profile can use them on a cluster with GPU sharing. They reuse the formulas of
// models/gpushare (the FGD experiment's own fast loop runs the same code), seeing each node as
// free CPU, memory and milli-GPU per device. In PreScore each plugin scores every feasible node
// and records which devices it would give the pod there (PreferredDevices), so the devices the
// policy chose are the ones allocated.
//
// Limits: nodes with more than 8 GPUs score 0 and get the cluster's default devices. A pod's GPU
// model constraint is its nodeSelector on nvidia.com/gpu.product (NodeAffinity filters on it).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "models/gpushare/fragmentation.hpp"
#include "models/gpushare/policies.hpp"
#include "models/scheduling/framework.hpp"
#include "models/scheduling/scheduler_config.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {

class GpuSharePolicyPlugin final : public PreScorePlugin, public ScorePlugin {
 public:
  /// `policy` is one of gpushare::policy_names(). FGD uses the profile's fgd_typical_pods, or,
  /// when there are none, the shapes of the pods it has scored so far (re-derived as they grow).
  GpuSharePolicyPlugin(std::string_view policy, const ProfileConfig& profile, sim::RandomStream& random);
  std::string_view name() const override { return name_; }

  Status pre_score(CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                   std::span<const NodeIndex> feasible) const override;
  std::int64_t score(const CycleState& state, const PodGroupSpec& pod, const ClusterSnapshot& snapshot,
                     NodeIndex node) const override;
  void normalize(const CycleState& state, std::span<std::int64_t> scores) const override;

  /// The node as the policies see it; false if it has more devices than they model.
  bool view(const ClusterSnapshot& snapshot, NodeIndex node, gpushare::GpuShareNode& out) const;
  gpushare::PodShape shape(const PodGroupSpec& pod) const;

 private:
  gpushare::ModelMask model_bit(std::string_view model) const;
  void learn(const gpushare::PodShape& pod) const;

  std::string name_;
  sim::RandomStream& random_;
  bool learned_tasks_ = false;
  // Mutable: the GPU model numbering grows as models are met, FGD's memo and learned task set
  // grow as pods are scored. None of it changes a score already given for the same state.
  mutable std::vector<std::string> models_;
  mutable std::unique_ptr<gpushare::ScoringPolicy> policy_;
  mutable std::vector<gpushare::TypicalTask> tasks_;
  mutable std::vector<gpushare::PodShape> seen_;
  mutable std::size_t relearn_at_ = 1;
};

}  // namespace kubetwin::models
