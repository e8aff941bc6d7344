// The one list of workload-family scenarios. To add one: write workloads/<name>.cpp, declare it in
// workload_support.hpp, list it here under its family.

#include "conformance/workloads/workload_support.hpp"

namespace kubetwin::conformance {

const std::vector<std::pair<std::string, std::string>>& workload_families() {
  static const std::vector<std::pair<std::string, std::string>> families = {
      {"training", "Large-scale training and fine-tuning"},
      {"inference", "High-performance inference"},
      {"mlops", "MLOps pipelines"},
  };
  return families;
}

const std::vector<WorkloadScenario>& workload_scenarios() {
  static const std::vector<WorkloadScenario> scenarios = {
      {"training", "pretraining-and-fine-tuning",
       "3 two-node pretraining gangs and 8 fine-tuning jobs competing for 4 nodes: all complete, never a partial gang",
       workloads::training_mix},
      {"inference", "two-autoscaled-models",
       "two model Deployments with HPAs under staggered load steps on 2 nodes: replicas follow demand in time and run",
       workloads::inference_services},
      {"mlops", "train-evaluate-register-pipelines",
       "3 pipelines (prep -> train gang -> eval -> register), one whose training fails: steps wait for their "
       "dependencies, the failed pipeline's later steps are skipped",
       workloads::mlops_pipelines},
  };
  return scenarios;
}

namespace workloads {

nlohmann::json h100_pool(int count) {
  return {{"name", "h100"}, {"count", count},
          {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
          {"gpuModel", "H100-SXM-80GB"}};
}

}  // namespace workloads

}  // namespace kubetwin::conformance
