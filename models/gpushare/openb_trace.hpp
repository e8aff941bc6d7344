#pragma once
// Readers for the Alibaba "openb" GPU-sharing trace (cluster-trace-gpu-v2023; Weng et al., USENIX
// ATC'23): the node list (`sn,cpu_milli,memory_mib,gpu,model`) and the pod lists
// (`name,cpu_milli,memory_mib,num_gpu,gpu_milli[,gpu_spec,...]`). Errors name the file, the line
// and the column: "openb_pod_list_default.csv:17: gpu_milli: must be 0..1000, got 1200".

#include <cstdint>
#include <string>
#include <vector>

namespace kubetwin::models::gpushare {

inline constexpr int kMilliPerGpu = 1000;
inline constexpr int kMaxGpusPerNode = 8;

struct OpenbNode {
  std::string name;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  int gpus = 0;
  std::string model;  ///< "G2", "T4", ...; empty for CPU-only nodes
};

struct OpenbPod {
  std::string name;
  std::int64_t cpu_milli = 0;
  std::int64_t memory_mib = 0;
  int num_gpu = 0;      ///< 0 for CPU-only pods
  int gpu_milli = 0;    ///< per GPU, 1..1000 (0 for CPU-only pods)
  std::vector<std::string> gpu_spec;  ///< allowed GPU models; empty = any

  bool fractional() const { return num_gpu == 1 && gpu_milli < kMilliPerGpu; }
  std::int64_t gpu_request_milli() const { return static_cast<std::int64_t>(num_gpu) * gpu_milli; }
};

/// Reads a node list; throws sim::InputError.
std::vector<OpenbNode> read_openb_nodes(const std::string& path);
/// Reads a pod list (both the 11-column and the 5-column `multigpu` layouts); throws sim::InputError.
std::vector<OpenbPod> read_openb_pods(const std::string& path);

}  // namespace kubetwin::models::gpushare
