#pragma once
// Memory per GPU of a training run: model states after ZeRO sharding (Rajbhandari et al. 2020:
// 2 bytes of bf16 weights, 2 of gradients, 12 of fp32 master weights, momentum and variance per
// parameter) and activations (Korthikanti et al. 2022, generalized to GQA and gated MLPs).

#include "models/hardware/gpu_catalog.hpp"
#include "models/perf/training_config.hpp"
#include "models/perf/transformer_spec.hpp"

namespace kubetwin::models {

struct MemoryBreakdown {
  double weights = 0;
  double gradients = 0;
  double optimizer = 0;
  double activations = 0;
  double reserved = 0;  ///< CUDA context, communication buffers, allocator slack
  double total() const { return weights + gradients + optimizer + activations + reserved; }
};

/// Bytes of activations one layer keeps for the backward pass, for one micro-batch on one GPU.
double activation_bytes_per_layer(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job,
                                  int micro_batch);

/// Peak memory of the busiest GPU (the first or the last pipeline stage) for `micro_batch`.
MemoryBreakdown training_memory(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job,
                                int micro_batch, const TrainingEnvironment& env);

}  // namespace kubetwin::models
