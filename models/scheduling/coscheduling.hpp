#pragma once
// Gang scheduling in the manner of the scheduler-plugins Coscheduling plugin: the pods of a job
// that declares minMember are reserved one by one and held at Permit until minMember of them are
// reserved or bound; then all proceed to binding together. If a member cannot be placed, the
// waiting ones are rejected at once (PostFilter) and their resources released, so no partial gang
// ever runs and none holds resources the others need. If nothing rejects them, the waiting pods
// give up after the PodGroup's scheduleTimeoutSeconds (default: permitWaitingTimeSeconds, 60 s).

#include <string_view>

#include "models/scheduling/framework.hpp"
#include "models/scheduling/scheduler_config.hpp"

namespace kubetwin::models {

class Coscheduling final : public PostFilterPlugin, public ReservePlugin, public PermitPlugin {
 public:
  static constexpr std::string_view kName = "Coscheduling";
  explicit Coscheduling(const ProfileConfig& profile) : default_timeout_(profile.permit_waiting_time_seconds) {}
  std::string_view name() const override { return kName; }

  Status post_filter(const PodInfo& pod, Scheduler& profile, FrameworkHandle& handle) const override;
  Status reserve(CycleState&, const PodInfo&, NodeIndex, FrameworkHandle&) const override { return Status::success(); }
  /// One member given up (timeout, rejection) gives up the whole gang's waiting members.
  void unreserve(const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const override;
  PermitResult permit(CycleState& state, const PodInfo& pod, NodeIndex node, FrameworkHandle& handle) const override;

 private:
  double default_timeout_;
};

}  // namespace kubetwin::models
