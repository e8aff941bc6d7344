#include "models/k8s/job_state.hpp"

namespace kubetwin::models {

std::string JobState::pod_name(std::size_t pod) const {
  int replica = 0;
  for (std::size_t p = pod; p > 0 && pod_group[p - 1] == pod_group[pod]; --p) ++replica;
  return spec.id + "-" + group_of(pod).name + "-" + std::to_string(replica);
}

}  // namespace kubetwin::models
