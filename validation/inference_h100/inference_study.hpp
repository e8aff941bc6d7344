#pragma once
// The inference validation study: kubetwin's inference step model (models/perf/inference_step)
// against the Llama-3-8B-shaped prefill and decode steps measured on one H100 SXM by
// ../shared/calibration/gpu/measure.py (h100_sxm_80gb.json, compiled in).
//
// What was measured (measure.py, inference()): a 32-layer decoder, hidden 4096, 32 query / 8 K/V
// heads, SwiGLU 14336, vocabulary 128256, random bf16 weights, written as plain PyTorch ops
// (an fp32 RMSNorm in seven kernels, SiLU and the multiply apart, no rotary). Prefill: one eager
// forward over the prompt writing the K/V cache, logits for the last token; decode: one token
// for each of `batch` sequences against `context` cached tokens, replayed as a CUDA graph, SDPA
// reading the 8 shared K/V heads directly. The study predicts them with InferenceKernels::Eager,
// the same operator list, and the fitted GEMM/bandwidth/attention efficiencies; the one inference
// parameter, the per-kernel gap of a CUDA graph, is fitted to the decode rows
// (models::fit_kernel_gap). Tolerance: 10% per row (inference_validation_test.cpp says why).

#include <vector>

#include "models/hardware/gpu_calibration.hpp"
#include "models/perf/inference_step.hpp"
#include "models/perf/transformer_spec.hpp"

namespace kubetwin::validation {

struct InferencePrediction {
  models::InferencePhase phase = models::InferencePhase::Prefill;
  int batch = 0;
  int tokens = 0;  ///< prompt (prefill) or cached context (decode)
  double measured_seconds = 0;
  models::InferenceStep predicted;
  double error() const { return predicted.seconds / measured_seconds - 1; }
};

/// Every inference row of the built-in H100 calibration, predicted.
std::vector<InferencePrediction> predict_h100_inference();

}  // namespace kubetwin::validation
