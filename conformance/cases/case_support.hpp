#pragma once
// What every case file needs: the case API and one function per case (cases/registry.cpp lists them).

#include <nlohmann/json.hpp>
#include <string>

#include "conformance/case.hpp"

namespace kubetwin::conformance::cases {

CaseResult gang_scheduling(const CaseContext& ctx);
CaseResult dra_support(const CaseContext& ctx);
CaseResult cluster_autoscaling(const CaseContext& ctx);
CaseResult pod_autoscaling(const CaseContext& ctx);
CaseResult gpu_sharing(const CaseContext& ctx);
CaseResult high_performance_networking(const CaseContext& ctx);
CaseResult disaggregated_inference(const CaseContext& ctx);
CaseResult robust_controller(const CaseContext& ctx);
CaseResult secure_accelerator_access(const CaseContext& ctx);
CaseResult virtualized_accelerator(const CaseContext& ctx);
CaseResult accelerator_metrics(const CaseContext& ctx);
CaseResult ai_service_metrics(const CaseContext& ctx);
CaseResult ai_inference(const CaseContext& ctx);
CaseResult advanced_inference_ingress(const CaseContext& ctx);
CaseResult driver_runtime_management(const CaseContext& ctx);

/// "12m30s"-style duration for evidence.
std::string seconds_text(double s);

}  // namespace kubetwin::conformance::cases
