// Validation of the training performance model (docs/perf-validation.md).
//
// 1. Megatron-LM Table 1: Narayanan et al., "Efficient Large-Scale Language Model Training on GPU
//    Clusters Using Megatron-LM", SC'21, https://arxiv.org/abs/2104.04473 (transcribed in
//    ../shared/reference/performance-models.md, section 1.2). Every row's achieved TFLOP/s per
//    GPU within 10% of the published figure, with ONE global calibration (the framework
//    efficiency, fitted by least squares over all rows) and no per-row knobs.
// 2. The H100 calibration file (../shared/calibration/gpu/h100_sxm_80gb.json, measured with
//    measure.py): every row (HBM copy, GEMMs, per-layer training, prefill, decode) within 5%,
//    and the honest leave-one-out error of the GEMM rows' profiled-kernel correction.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "validation/perf_megatron/perf_study.hpp"

namespace kubetwin::validation {
namespace {

constexpr double kMegatronTolerance = 0.10;
constexpr double kCalibrationTolerance = 0.05;

std::vector<CalibrationPrediction> rows_of(const char* kind) {
  std::vector<CalibrationPrediction> out;
  for (const auto& c : predict_h100_calibration()) {
    if (c.kind == kind) out.push_back(c);
  }
  return out;
}

TEST(MegatronTable1, EveryRowWithinTenPercentOfPublishedTflopsPerGpu) {
  const models::TrainingModelParameters& params = models::builtin_training_parameters();
  ASSERT_EQ(megatron_table1().size(), 10u);
  for (const auto& row : megatron_table1()) {
    SCOPED_TRACE(row.model);
    const MegatronPrediction p = predict_megatron_row(row, params);
    EXPECT_TRUE(p.estimate.fits) << p.estimate.memory.total() / 1e9 << " GB";
    EXPECT_LE(std::abs(p.error()), kMegatronTolerance)
        << "predicted " << p.predicted_tflops << " TFLOP/s, published " << row.published_tflops;
    // The paper's measure: Eq. (3) FLOPs over step time, what the model calls hardware FLOPs.
    EXPECT_NEAR(p.estimate.hardware_flops, models::megatron_eq3_flops(row), 1e-9 * p.estimate.hardware_flops);
  }
}

TEST(MegatronTable1, ReproducesTheTrendFromSmallToLargeModels) {
  // Table 1's TFLOP/s grow from 137 (1.7B) to 163 (1T): larger GEMMs and a smaller share of
  // attention softmax outweigh the bubble and communication. The model must show the same.
  const models::TrainingModelParameters& params = models::builtin_training_parameters();
  const auto& rows = megatron_table1();
  const double small = predict_megatron_row(rows.front(), params).predicted_tflops;
  const double large = predict_megatron_row(rows.back(), params).predicted_tflops;
  EXPECT_GT(large / small, 1.1);
}

TEST(H100Calibration, PerLayerTrainingRowsWithinFivePercent) {
  const auto rows = rows_of("train_layer");
  ASSERT_EQ(rows.size(), 5u);
  for (const auto& r : rows) {
    EXPECT_LE(std::abs(r.error()), kCalibrationTolerance) << r.label << ": measured " << r.measured_seconds
                                                          << " s, predicted " << r.predicted_seconds << " s";
  }
}

TEST(H100Calibration, HbmCopyWithinFivePercent) {
  const auto rows = rows_of("hbm");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_LE(std::abs(rows[0].error()), kCalibrationTolerance);
}

TEST(H100Calibration, EveryRowOfTheFileWithinFivePercent) {
  // Every row the file has: the HBM copy, 42 GEMMs (bf16, fp32, tf32, fp8), 5 per-layer training
  // steps, 2 prefill and 3 decode steps. Printed as a table, the one docs/perf-validation.md shows.
  const auto rows = predict_h100_calibration();
  ASSERT_EQ(rows.size(), 1u + 42u + 5u + 5u);
  std::printf("%-12s %-36s %12s %12s %8s %10s\n", "kind", "row", "measured ms", "predicted ms", "error", "LOO error");
  for (const auto& r : rows) {
    std::printf("%-12s %-36s %12.4f %12.4f %+7.1f%% ", r.kind.c_str(), r.label.c_str(), 1e3 * r.measured_seconds,
                1e3 * r.predicted_seconds, 100 * r.error());
    if (r.kind == "gemm") std::printf("%+9.1f%%", 100 * r.leave_one_out_error());
    std::printf("\n");
    EXPECT_LE(std::abs(r.error()), kCalibrationTolerance) << r.kind << " " << r.label << ": measured "
                                                          << r.measured_seconds << " s, predicted " << r.predicted_seconds;
  }
}

TEST(H100Calibration, GemmLeaveOneOutErrorIsWhatTheDocsReport) {
  // The in-sample check above includes the profiled-kernel correction fitted to those very rows,
  // so it says nothing about a shape the file lacks. Leave-one-out does: each GEMM row predicted
  // with the correction fitted to the other 41 (closed form for Gaussian-process regression).
  // Reached: 20 of 42 within 5%, median 5.0%, worst 21.8%, about the shape model alone (22, 4.9%,
  // 21.7%): the rows' departures from the shape model (N = K = 4096 at M >= 2048, tf32 16384^3)
  // are kernel choices their neighbours do not show, so the correction reproduces profiled shapes
  // and fades between them; it must not make unseen shapes worse than the shape model does.
  std::vector<double> loo, shape;
  for (const auto& r : rows_of("gemm")) {
    ASSERT_GT(r.leave_one_out_seconds, 0) << r.label;
    loo.push_back(std::abs(r.leave_one_out_error()));
    shape.push_back(std::abs(r.shape_model_error()));
  }
  ASSERT_EQ(loo.size(), 42u);
  std::sort(loo.begin(), loo.end());
  std::sort(shape.begin(), shape.end());
  auto within = [](const std::vector<double>& e) {
    return std::count_if(e.begin(), e.end(), [](double x) { return x <= kCalibrationTolerance; });
  };
  std::printf("GEMM leave-one-out: %ld of 42 within 5%%, median %.1f%%, worst %.1f%%; shape model alone: %ld, %.1f%%, %.1f%%\n",
              static_cast<long>(within(loo)), 100 * loo[21], 100 * loo.back(), static_cast<long>(within(shape)),
              100 * shape[21], 100 * shape.back());
  EXPECT_GE(within(loo), within(shape) - 3);
  EXPECT_LE(loo[21], shape[21] + 0.01);
  EXPECT_LE(loo.back(), shape.back() + 0.01);
  EXPECT_GE(within(loo), 20);
  EXPECT_LE(loo[21], 0.055);
  EXPECT_LE(loo.back(), 0.23);
}

}  // namespace
}  // namespace kubetwin::validation
