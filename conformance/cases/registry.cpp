// The one list of conformance cases, and for requirements without a case the model kubetwin still
// needs. To add a case: write cases/<requirement>.cpp, declare it in case_support.hpp, list it here.

#include <cstdio>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance {

const std::vector<Case>& registered_cases() {
  static const std::vector<Case> cases = {
      {"dra_support", "claims whose CEL selectors only some devices satisfy get only matching devices; all pods run",
       cases::dra_support},
      {"driver_runtime_management",
       "pools with old and new NVIDIA drivers, one upgraded mid-run: labels follow within one GFD interval, no CUDA 12.4 pod "
       "on an older driver, unknown accelerator Unknown",
       cases::driver_runtime_management},
      {"gpu_sharing", "0.25- and 0.5-GPU shares on 2 GPUs: several pods per GPU, never beyond a whole GPU, all complete",
       cases::gpu_sharing},
      {"high_performance_networking",
       "GPU + RDMA NIC claims with matchAttribute on the NUMA node: only RDMA nodes, one NUMA node per pod, all complete",
       cases::high_performance_networking},
      {"disaggregated_inference",
       "prefill/decode Deployments with a K/V-transfer edge: every request through both roles, cost follows co-location",
       cases::disaggregated_inference},
      {"virtualized_accelerator",
       "the same claims and nvidia.com/gpu requests on physical GPUs and on vGPUs: identical allocation, isolation, accounting",
       cases::virtualized_accelerator},
      {"ai_inference", "Gateway + HTTPRoute: an 80/20 weighted split within 4 sigma, x-model header matches to a third backend, all served",
       cases::ai_inference},
      {"advanced_inference_ingress", "InferencePool behind an endpoint picker vs round robin on bursty shared-prefix load: lower TTFT p90",
       cases::advanced_inference_ingress},
      {"gang_scheduling", "5 gangs of 3 full nodes on 4 nodes: never a partial gang, no deadlock, all complete",
       cases::gang_scheduling},
      {"cluster_autoscaling", "N+1 one-GPU pods on N one-GPU nodes: the GPU pool grows within bounds, shrinks back to min",
       cases::cluster_autoscaling},
      {"pod_autoscaling", "an inference Deployment under a load step: the HPA scales up in time and down after stabilization",
       cases::pod_autoscaling},
      {"robust_controller", "a TrainJob operator with CRD and webhook under API errors, outages and 3 restarts: invalid CRs "
       "rejected, valid ones Succeeded, each pod created once",
       cases::robust_controller},
      {"secure_accelerator_access",
       "TestSecureAcceleratorAccess under stress: each container sees only its claimed or requested devices, foreign opens refused",
       cases::secure_accelerator_access},
      {"accelerator_metrics", "compute jobs start mid-run on 12 of 16 GPUs: DCGM series per device rise and fall with them, idle ones stay 0",
       cases::accelerator_metrics},
      {"ai_service_metrics", "vLLM series of an overloaded Deployment and a new one: discovered in time, counters match the load, queue and latency follow it",
       cases::ai_service_metrics},
  };
  return cases;
}

const Case* find_case(std::string_view requirement) {
  for (const auto& c : registered_cases()) {
    if (requirement == c.requirement) return &c;
  }
  return nullptr;
}

std::string missing_model(std::string_view) {
  // Every requirement of 1.33-1.36 has a case; a requirement added to the catalog before its case
  // is written reports this.
  return "needs a case in conformance/cases/";
}

namespace cases {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f s", s);
  return buf;
}

}  // namespace cases

}  // namespace kubetwin::conformance
