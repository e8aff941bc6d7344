#include "models/scheduling/coscheduling.hpp"

#include <string>

namespace kubetwin::models {

Status Coscheduling::post_filter(const PodInfo& pod, Scheduler& /*profile*/, FrameworkHandle& handle) const {
  const int min_member = pod.job.min_member;
  if (min_member <= 0) return Status::unschedulable(kName, "not a gang");
  const int assigned = handle.bound_pods(pod.job_seq) + handle.waiting_pods(pod.job_seq);
  if (assigned >= min_member) return Status::unschedulable(kName, "gang quorum already reached");
  if (handle.waiting_pods(pod.job_seq) > 0) {
    handle.reject_waiting_pods(pod.job_seq, kName, "a member of the gang is unschedulable");
  }
  return Status::unschedulable(kName, "gang cannot reach minMember");
}

void Coscheduling::unreserve(const PodInfo& pod, NodeIndex /*node*/, FrameworkHandle& handle) const {
  if (pod.job.min_member > 0 && handle.waiting_pods(pod.job_seq) > 0) {
    handle.reject_waiting_pods(pod.job_seq, kName, "another member of the gang was unreserved");
  }
}

PermitResult Coscheduling::permit(CycleState& /*state*/, const PodInfo& pod, NodeIndex /*node*/,
                                  FrameworkHandle& handle) const {
  const int min_member = pod.job.min_member;
  if (min_member <= 0) return {};
  // This pod is reserved but neither bound nor yet waiting: count it in.
  const int assigned = handle.bound_pods(pod.job_seq) + handle.waiting_pods(pod.job_seq) + 1;
  if (assigned < min_member) {
    return {Status::wait(kName), pod.job.schedule_timeout.value_or(default_timeout_)};
  }
  handle.allow_waiting_pods(pod.job_seq);
  return {};
}

}  // namespace kubetwin::models
