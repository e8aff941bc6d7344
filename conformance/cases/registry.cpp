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
      {"gang_scheduling", "5 gangs of 3 full nodes on 4 nodes: never a partial gang, no deadlock, all complete",
       cases::gang_scheduling},
      {"cluster_autoscaling", "N+1 one-GPU pods on N one-GPU nodes: the GPU pool grows within bounds, shrinks back to min",
       cases::cluster_autoscaling},
      {"pod_autoscaling", "an inference Deployment under a load step: the HPA scales up in time and down after stabilization",
       cases::pod_autoscaling},
  };
  return cases;
}

const Case* find_case(std::string_view requirement) {
  for (const auto& c : registered_cases()) {
    if (requirement == c.requirement) return &c;
  }
  return nullptr;
}

std::string missing_model(std::string_view requirement) {
  static const std::pair<const char*, const char*> kMissing[] = {
      {"virtualized_accelerator", "needs a vGPU device pool with the physical path's accounting"},
      {"ai_inference", "needs a Gateway/HTTPRoute model (weighted backendRefs, header matches)"},
      {"advanced_inference_ingress", "needs a Gateway API Inference Extension endpoint picker (InferencePool)"},
      {"high_performance_networking", "needs NICs as DRA devices with matchAttribute constraints (GPU+NIC locality)"},
      {"disaggregated_inference", "needs prefill/decode pod groups with a KV-transfer edge"},
      {"accelerator_metrics", "needs a Prometheus exposition with DCGM series names (DCGM_FI_DEV_GPU_UTIL, _FB_USED, ...)"},
      {"ai_service_metrics", "needs a Prometheus exposition of inference-server series and a scrape/discovery model"},
      {"secure_accelerator_access", "needs per-container device visibility (container 0 with the claim sees it, others not)"},
      {"robust_controller", "will use the API-server model (CRDs, webhooks, API errors, controller restarts) under construction"},
  };
  for (const auto& [id, text] : kMissing) {
    if (requirement == id) return text;
  }
  return "no model named yet";
}

namespace cases {

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f s", s);
  return buf;
}

}  // namespace cases

}  // namespace kubetwin::conformance
