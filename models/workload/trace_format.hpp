#pragma once
// The native trace format, one job per JSON line (docs/trace-format.md):
//
//   {"jobId":"j1","submitTime":12.5,"queue":"default","priority":0,"minMember":2,"duration":"2h",
//    "pods":[{"name":"worker","replicas":2,
//             "requests":{"cpu":"16","memory":"128Gi","nvidia.com/gpu":8},
//             "nodeSelector":{"nvidia.com/gpu.product":"H100-SXM-80GB"}}]}

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/hardware/gpu_catalog.hpp"
#include "models/workload/job_spec.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

/// Reads one job record found at `pointer`; problems are appended to `issues` with their pointers.
/// GPU models named in node selectors must be in `catalog`.
JobSpec read_job_record(const nlohmann::json& record, const std::string& pointer,
                        const GpuCatalog& catalog, std::vector<sim::JsonIssue>& issues);

/// A pod template (a Deployment's): one entry of a record's "pods" without "replicas".
PodGroupSpec read_pod_template(const nlohmann::json& value, const std::string& pointer, const std::string& name,
                               const GpuCatalog& catalog, std::vector<sim::JsonIssue>& issues);

/// The record for `job`, in the form read_job_record reads back.
nlohmann::json job_record(const JobSpec& job);

}  // namespace kubetwin::models
