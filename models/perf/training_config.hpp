#pragma once
// What a training run is: the parallel layout over its GPUs and the per-step settings.

#include <string>

namespace kubetwin::models {

enum class Recompute { None, Selective, Full };

/// How attention is computed: fused FlashAttention-style kernels (no s x s matrix in memory), or
/// Megatron-LM 2021's batched GEMMs with a fused scale-mask-softmax and dropout on the s x s scores.
enum class AttentionKernel { Flash, Explicit };

/// Megatron-LM rank order: tensor-parallel ranks innermost (inside a node), then data-parallel,
/// then pipeline stages. Expert parallelism splits the data-parallel ranks (EP divides DP).
struct ParallelLayout {
  int gpus = 1;
  int tp = 1;
  int pp = 1;
  int vpp = 1;  ///< model chunks per pipeline rank; > 1 selects the interleaved 1F1B schedule
  int ep = 1;
  int zero = 0; ///< ZeRO stage 0-3 (3 = FSDP full sharding) over the data-parallel ranks
  bool sequence_parallel = false;
  int dp() const { return gpus / (tp * pp); }
};

struct TrainingJob {
  int seq = 2048;
  int global_batch = 512;  ///< sequences per step
  int micro_batch = 1;     ///< sequences per micro-batch; 0 = pick the fastest that fits
  Recompute recompute = Recompute::None;
  AttentionKernel attention = AttentionKernel::Flash;
  std::string dtype = "bf16";
};

/// Cluster and software settings every estimate shares.
struct TrainingEnvironment {
  int gpus_per_node = 8;
  double nic_bits_per_second = 400e9;      ///< per GPU, across nodes
  bool overlap_grad_reduce = false;        ///< data-parallel reduction hidden behind backward
  double reserved_bytes = 1.0 * (1u << 30);///< CUDA context, NCCL and allocator, per GPU
};

const char* to_string(Recompute r);

}  // namespace kubetwin::models
