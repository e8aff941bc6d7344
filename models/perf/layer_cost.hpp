#pragma once
// The time one transformer layer takes on one GPU for one micro-batch: its GEMMs (per-GEMM FLOPs
// at the fitted efficiency for their shape), attention, the elementwise kernels (bytes at HBM
// bandwidth) and the tensor- and expert-parallel collectives it waits for.

#include <string>

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/training_config.hpp"
#include "models/perf/transformer_spec.hpp"

namespace kubetwin::models {

/// Everything a layer's cost depends on.
struct LayerContext {
  const TransformerSpec* model = nullptr;
  const GpuSpec* gpu = nullptr;
  const EfficiencyModel* efficiency = nullptr;
  const CollectiveModel* comm = nullptr;
  int micro_batch = 1;
  int seq = 2048;
  int tp = 1;
  bool sequence_parallel = false;
  CommGroup tp_group;
  CommGroup ep_group;
  AttentionKernel attention = AttentionKernel::Flash;
  std::string dtype = "bf16";
  /// Fraction of dense peak reached by fused attention kernels on their (causal) work.
  double flash_attention_efficiency = 0.5;
};

struct PassCost {
  double compute = 0;   ///< GEMMs, attention, elementwise kernels
  double tp_comm = 0;   ///< tensor-parallel all-reduce / all-gather + reduce-scatter
  double ep_comm = 0;   ///< expert-parallel all-to-all
  double total() const { return compute + tp_comm + ep_comm; }
};

struct LayerCost {
  PassCost forward;
  PassCost backward;
  PassCost recompute;  ///< extra forward work before backward (selective: attention only)
  double fwd_flops = 0;          ///< model FLOPs of the forward pass (per GPU)
  double recompute_flops = 0;    ///< FLOPs recomputed
};

LayerCost layer_cost(const LayerContext& ctx, Recompute recompute);

/// The output layer (logits GEMM, vocabulary-parallel cross-entropy) on the last stage.
LayerCost output_layer_cost(const LayerContext& ctx);

}  // namespace kubetwin::models
