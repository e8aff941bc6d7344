#pragma once
// Measured ground truth for one GPU, as written by ../shared/calibration/gpu/measure.py: an HBM
// copy, GEMMs of many shapes and data types, per-layer training timings and Llama-3-8B-shaped
// inference steps. The H100 file is compiled in (models/hardware/data/calibration/).

#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::models {

struct GemmMeasurement {
  double m = 0, n = 0, k = 0;
  std::string dtype;  ///< catalog key: "bf16", "fp32", "tf32", "fp8"
  double seconds = 0;
};

struct TrainLayerMeasurement {
  int hidden = 0, heads = 0, seq = 0, micro_batch = 0;
  double fwd_bwd_seconds = 0;  ///< forward + backward of one GPT block
  double fwd_seconds = 0;
};

struct InferenceMeasurement {
  std::string phase;  ///< "prefill" or "decode"
  int batch = 0;
  int tokens = 0;     ///< prompt length (prefill) or cached context (decode)
  double seconds = 0; ///< prefill: eager; decode: CUDA-graph replay
};

struct GpuCalibration {
  std::string gpu;               ///< as reported by the driver, e.g. "NVIDIA H100 80GB HBM3"
  double hbm_bytes_moved = 0;    ///< read + written by the copy
  double hbm_seconds = 0;
  std::vector<GemmMeasurement> gemm;
  std::vector<TrainLayerMeasurement> train_layers;
  std::vector<InferenceMeasurement> inference;
  // Shape of the inference model (Llama-3-8B).
  int inf_hidden = 0, inf_ffn = 0, inf_layers = 0, inf_heads = 0, inf_kv_heads = 0, inf_vocab = 0;

  /// The H100-SXM-80GB measurements shipped with kubetwin.
  static const GpuCalibration& builtin_h100();
  /// Parses a measure.py document; throws sim::InputError naming `source` and the JSON pointer.
  static GpuCalibration parse(std::string_view json_text, const std::string& source);
};

}  // namespace kubetwin::models
