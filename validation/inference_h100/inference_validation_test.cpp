// Validation of the inference step model against the H100 calibration (docs/perf-validation.md).
//
// Source: ../shared/calibration/gpu/h100_sxm_80gb.json, section "inference", measured by
// measure.py on one H100 SXM: a Llama-3-8B-shaped decoder, prefill (eager forward over a prompt)
// and decode (one CUDA-graph step for `batch` sequences with `context` cached tokens).
// Tolerance: 10% per row. The GEMM, bandwidth and attention efficiencies come from the other rows
// of the file (GEMMs, HBM copy, training layers); ONE inference parameter, the per-kernel gap
// inside a CUDA graph (about 3 us), is fitted by least squares to the three decode rows, because
// no row measures it on its own (the GEMM fit's 8 us launch includes the CPU dispatch of eager
// timing). So the decode rows check a 1-parameter fit over 3 rows, and the two prefill rows are
// out-of-sample predictions. 10% here because the GEMMs these passes are made of are reproduced
// within 5% only where the calibration profiled them (the profiled-kernel correction, see
// docs/perf-validation.md); the perf validation study checks these rows at 5% as well.
// Reached today: every row within 4.2%.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "validation/inference_h100/inference_study.hpp"

namespace kubetwin::validation {
namespace {

constexpr double kTolerance = 0.10;

TEST(H100Inference, EveryPrefillAndDecodeRowWithinTenPercent) {
  const auto rows = predict_h100_inference();
  ASSERT_EQ(rows.size(), 5u);  // 2 prefill, 3 decode (native GQA, CUDA graph)
  for (const auto& r : rows) {
    SCOPED_TRACE(std::string(r.phase == models::InferencePhase::Prefill ? "prefill" : "decode") + " b=" +
                 std::to_string(r.batch) + " tokens=" + std::to_string(r.tokens));
    EXPECT_LE(std::abs(r.error()), kTolerance)
        << "measured " << r.measured_seconds * 1e3 << " ms, predicted " << r.predicted.seconds * 1e3 << " ms";
  }
}

TEST(H100Inference, PrefillIsComputeBoundAndDecodeMemoryBound) {
  for (const auto& r : predict_h100_inference()) {
    EXPECT_STREQ(r.predicted.bound_by(), r.phase == models::InferencePhase::Prefill ? "compute" : "memory")
        << "b=" << r.batch << " tokens=" << r.tokens;
  }
}

TEST(H100Inference, DecodeGrowsWithBatchAsTheMeasurementsDo) {
  // Measured: b = 1, 32, 128 at context 1024 take 7.1, 9.1 and 14.2 ms: the weights are read once
  // per step, the K/V cache once per sequence. The predicted ratios must follow within 10%.
  const auto rows = predict_h100_inference();
  std::vector<InferencePrediction> decode;
  for (const auto& r : rows)
    if (r.phase == models::InferencePhase::Decode && r.tokens == 1024) decode.push_back(r);
  ASSERT_EQ(decode.size(), 3u);
  for (std::size_t i = 1; i < decode.size(); ++i) {
    const double measured = decode[i].measured_seconds / decode[0].measured_seconds;
    const double predicted = decode[i].predicted.seconds / decode[0].predicted.seconds;
    EXPECT_NEAR(predicted / measured, 1.0, kTolerance) << "b=" << decode[i].batch;
  }
}

}  // namespace
}  // namespace kubetwin::validation
