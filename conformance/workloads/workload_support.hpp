#pragma once
// What every workload-family scenario needs: the case API and one function per scenario
// (workloads/registry.cpp lists them).

#include <nlohmann/json.hpp>
#include <string>

#include "conformance/case.hpp"

namespace kubetwin::conformance::workloads {

CaseResult training_mix(const CaseContext& ctx);
CaseResult inference_services(const CaseContext& ctx);
CaseResult mlops_pipelines(const CaseContext& ctx);

/// The H100 node pool every family scenario runs on: `count` nodes of 8 GPUs.
nlohmann::json h100_pool(int count);

}  // namespace kubetwin::conformance::workloads
