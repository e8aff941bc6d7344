#pragma once
// The performance-model validation study: kubetwin's predictions against published and measured
// data, shared by the validation test (perf_validation_test.cpp) and the program that writes the
// table in docs/perf-validation.md (perf_validation_table.cpp).
//
// Sources:
// - Megatron-LM Table 1: Narayanan et al., "Efficient Large-Scale Language Model Training on GPU
//   Clusters Using Megatron-LM", SC'21, https://arxiv.org/abs/2104.04473 (as transcribed in
//   ../shared/reference/performance-models.md, section 1.2). Tolerance 10% of the published
//   TFLOP/s per GPU, one global calibration (framework_efficiency) for all rows.
// - H100 calibration: ../shared/calibration/gpu/h100_sxm_80gb.json (compiled in). Tolerance 5%.

#include <string>
#include <vector>

#include "models/perf/training_calibration.hpp"

namespace kubetwin::validation {

using models::MegatronPrediction;
using models::MegatronRow;
using models::megatron_table1;
using models::predict_megatron_row;

/// The H100 calibration rows, predicted.
struct CalibrationPrediction {
  std::string kind;   ///< "gemm", "train_layer", "prefill", "decode", "hbm"
  std::string label;  ///< "bf16 8192x8192x8192", "h=4096 a=32 s=2048 b=2", ...
  double measured_seconds = 0;
  double predicted_seconds = 0;
  /// GEMM rows: the prediction with this row left out of the profiled-kernel correction's fit
  /// (its honest error on a shape it has not seen); 0 for the other kinds.
  double leave_one_out_seconds = 0;
  double shape_model_seconds = 0;  ///< GEMM rows: the shape model alone, no correction
  double error() const { return predicted_seconds / measured_seconds - 1; }
  double leave_one_out_error() const { return leave_one_out_seconds / measured_seconds - 1; }
  double shape_model_error() const { return shape_model_seconds / measured_seconds - 1; }
};
std::vector<CalibrationPrediction> predict_h100_calibration();

}  // namespace kubetwin::validation
