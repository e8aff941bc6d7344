#pragma once
// The one global calibration of the training model and the published data it comes from:
// Megatron-LM Table 1 (Narayanan et al., "Efficient Large-Scale Language Model Training on GPU
// Clusters Using Megatron-LM", SC'21, https://arxiv.org/abs/2104.04473; transcribed in
// ../shared/reference/performance-models.md, section 1.2). builtin_training_parameters() fits
// the flash-attention efficiency to the H100 calibration and then the framework efficiency to
// these rows; validation/perf_megatron checks every row against it within 10%.

#include <vector>

#include "models/perf/training_step.hpp"

namespace kubetwin::models {

/// One row of Megatron-LM Table 1 (DP derived as GPUs / (TP x PP)).
struct MegatronRow {
  const char* model;          ///< catalog name
  double params_billion;
  int tp, pp, gpus, batch;
  double published_tflops;    ///< achieved TFLOP/s per GPU, counting recompute (Eq. 3)
};

const std::vector<MegatronRow>& megatron_table1();

struct MegatronPrediction {
  MegatronRow row;
  TrainingEstimate estimate;
  int vpp = 1;
  double predicted_tflops = 0;  ///< Eq. (3) FLOPs / (step x GPUs), the paper's own measure
  double error() const { return predicted_tflops / row.published_tflops - 1; }
};

/// The paper's setup: A100-SXM-80GB, 8 per node, one 200 Gb/s HDR InfiniBand NIC per GPU,
/// s = 2048, fp16 mixed precision, full recomputation, Megatron-LM 2021 attention kernels, the
/// interleaved schedule. Micro-batch and interleaving depth are tuned per row as the authors did:
/// the fastest that fits (--micro-batch auto, every vpp dividing the stage's layers).
MegatronPrediction predict_megatron_row(const MegatronRow& row, const TrainingModelParameters& params);

/// Narayanan et al. Eq. (3): FLOPs per iteration with full recomputation,
/// 96 B s l h^2 (1 + s/6h + V/16lh).
double megatron_eq3_flops(const MegatronRow& row);

/// `params` with framework_efficiency set to minimize the squared relative step-time error over all
/// rows (Eigen least squares; the step is linear in 1/efficiency for a fixed layout; iterated
/// because the tuned micro-batch and vpp depend on it).
TrainingModelParameters fit_megatron_calibration(TrainingModelParameters params);

}  // namespace kubetwin::models
