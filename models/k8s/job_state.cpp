#include "models/k8s/job_state.hpp"

namespace kubetwin::models {

std::string JobState::pod_name(std::size_t pod) const {
  if (!spec.owner.empty() && pod_nodes.size() == 1) return spec.id;  // a controller's pod is named already
  int replica = 0;
  for (std::size_t p = pod; p > 0 && pod_group[p - 1] == pod_group[pod]; --p) ++replica;
  return spec.id + "-" + group_of(pod).name + "-" + std::to_string(replica);
}

}  // namespace kubetwin::models
