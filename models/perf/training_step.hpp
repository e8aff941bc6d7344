#pragma once
// The time and memory of one training step of a transformer on a parallel layout: Megatron-LM's
// tensor (with sequence) parallelism, 1F1B or interleaved pipeline, data parallelism with ZeRO 1-3,
// expert parallelism and activation recomputation.
//
//   TrainingStepModel model(gpu, EfficiencyModel::builtin(), collectives);
//   TrainingEstimate e = model.estimate(spec, layout, job);  // e.step_seconds, e.memory, e.fits
//
// step = (m + (p-1)/v) x t_stage + exposed p2p + exposed data-parallel reduction + optimizer,
// where t_stage is the slowest stage's forward + backward (+ recompute) of one micro-batch including
// the TP/EP collectives it waits for, m = B / (d b) micro-batches and (p-1)/v the pipeline bubble
// (Narayanan et al. 2021, Sec. 2.2).

#include <string>
#include <vector>

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/training_config.hpp"
#include "models/perf/training_memory.hpp"
#include "models/perf/transformer_spec.hpp"

namespace kubetwin::models {

struct ExposedComm {
  double tp = 0, pp = 0, dp = 0, ep = 0;
  double total() const { return tp + pp + dp + ep; }
};

struct TrainingEstimate {
  double step_seconds = 0;
  double tokens_per_second = 0;
  double model_tflops_per_gpu = 0;     ///< model FLOPs (no recompute) per second per GPU / 1e12
  double hardware_tflops_per_gpu = 0;  ///< counting recomputed FLOPs
  double mfu = 0;                      ///< model FLOPs utilization of the dense peak
  double model_flops = 0;              ///< per step, all GPUs
  double hardware_flops = 0;
  int micro_batch = 0;
  int micro_batches = 0;               ///< per pipeline, per step
  MemoryBreakdown memory;
  bool fits = false;
  // Breakdown (seconds per step; they add up to step_seconds).
  double compute_seconds = 0;          ///< forward, backward and recompute kernels, all micro-batches
  double bubble_seconds = 0;           ///< pipeline fill and drain
  ExposedComm exposed_comm;
  double optimizer_seconds = 0;
  double forward_backward_per_layer_seconds = 0;  ///< one layer, one micro-batch, comm included
};

/// Calibrated constants of the training model, shared by every GPU and layout.
struct TrainingModelParameters {
  /// Fraction of dense peak reached by fused (Flash) attention on its causal work; fitted to the
  /// per-layer training rows of the H100 calibration (see fit_flash_attention_efficiency).
  double flash_attention_efficiency = 0.5;
  /// Achieved fraction of the modelled kernel throughput end to end in a training framework (host
  /// overheads, synchronisation, allocator, data loading). The one global calibration of the
  /// validation study against Megatron-LM (validation/perf_megatron); 1 = kernels only.
  double framework_efficiency = 1.0;
};

/// The shipped parameters: fitted once to the built-in H100 calibration.
const TrainingModelParameters& builtin_training_parameters();

/// Least-squares fit (Eigen) of the flash-attention efficiency to `cal`'s per-layer training rows.
double fit_flash_attention_efficiency(const GpuCalibration& cal, const GpuSpec& measured_on,
                                      const EfficiencyModel& efficiency);

class TrainingStepModel {
 public:
  TrainingStepModel(const GpuSpec& gpu, const EfficiencyModel& efficiency, const CollectiveModel& comm,
                    TrainingEnvironment env = {}, TrainingModelParameters params = builtin_training_parameters())
      : gpu_(gpu), efficiency_(efficiency), comm_(comm), env_(env), params_(params) {}

  /// The problems that make `layout` invalid for `model` and `job` (empty: valid), each one line.
  static std::vector<std::string> check(const TransformerSpec& model, const ParallelLayout& layout,
                                        const TrainingJob& job);
  /// Estimate for a valid layout; job.micro_batch 0 picks the fastest micro-batch that fits (the
  /// fastest overall if none fits). Throws sim::InputError listing check()'s problems.
  TrainingEstimate estimate(const TransformerSpec& model, const ParallelLayout& layout, const TrainingJob& job) const;

  /// One layer's forward + backward for one micro-batch of `micro_batch` sequences, no parallelism
  /// beyond `layout`'s TP (what the calibration's train_layers rows measure).
  double layer_seconds(const TransformerSpec& model, const ParallelLayout& layout, const TrainingJob& job,
                       int micro_batch) const;

  const GpuSpec& gpu() const { return gpu_; }
  const TrainingEnvironment& environment() const { return env_; }

 private:
  TrainingEstimate estimate_fixed(const TransformerSpec& model, const ParallelLayout& layout, const TrainingJob& job,
                                  int micro_batch) const;

  const GpuSpec& gpu_;
  const EfficiencyModel& efficiency_;
  const CollectiveModel& comm_;
  TrainingEnvironment env_;
  TrainingModelParameters params_;
};

}  // namespace kubetwin::models
