#pragma once
// Achieved fraction of a GPU's datasheet peak, as curves fitted to measurements (Eigen least
// squares) and applied to any GPU from its datasheet figures alone, with no per-GPU factors.
//
// GEMM time is a roofline over a tiled kernel (the shape of CUTLASS/cuBLAS Hopper and Ampere kernels):
//   t = t_launch + c(shape) * max(W / (P * e_c[dtype]), bytes / (BW * e_gemm_bw))
// where W is the work of the kernel's 128x256 output tiles, each running K + K_fill deep (K_fill: the
// pipeline prologue and epilogue of one tile, in units of K), rounded up to whole waves over the GPU's
// SMs (split-K fills the SMs when there are fewer tiles than SMs), P the dense peak for the data type,
// BW the HBM bandwidth, bytes = (MK + KN + MN) x element size. Efficiency therefore saturates with
// arithmetic intensity (memory- to compute-bound) and with size (launch latency, partial waves).
// c(shape) is the profiled-kernel correction (Vidur-style): what the library's kernel choice does
// that no smooth shape model follows (on the H100 file, N = K = 4096 at M = 2048 and 8192 runs 25%
// below M = 4096). It is the measured/modelled ratio of the calibration rows, interpolated in
// log2(M, N, K) space by Gaussian-process regression per data type, decaying to 1 away from the
// measured shapes, and applied only on the compute die it was measured on (same SM count and
// peak: H100 and H200); its honest accuracy is its leave-one-out error, kept with the fit.
// Streaming (elementwise) kernels: t = t_launch + bytes / (BW * e_stream).
//
//   const auto& eff = EfficiencyModel::builtin();
//   double s = eff.gemm_seconds(*GpuCatalog::builtin().find("A100-SXM-80GB"), {8192, 8192, 8192}, "bf16");

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "models/hardware/gpu_calibration.hpp"
#include "models/hardware/gpu_catalog.hpp"

namespace kubetwin::models {

/// C[m x n] = A[m x k] B[k x n], `batch` independent times (batched GEMM, e.g. per attention head).
struct GemmShape {
  double m = 0, n = 0, k = 0;
  double batch = 1;
  double flops() const { return 2 * m * n * k * batch; }
};

/// One kernel's time on the roofline: launch + max(compute, memory).
struct KernelTime {
  double launch = 0;
  double compute = 0;  ///< seconds at the fitted compute throughput
  double memory = 0;   ///< seconds at the fitted HBM bandwidth
  double seconds() const { return launch + (compute > memory ? compute : memory); }
  bool compute_bound() const { return compute >= memory; }
};

/// The profiled-kernel correction: log(measured body / modelled body) at each calibration GEMM,
/// interpolated by Gaussian-process regression (squared-exponential kernel over log2 M, N, K, the
/// same data type only, zero prior mean so it fades to no correction away from the rows).
struct GemmResidual {
  struct Point {
    double log2_m = 0, log2_n = 0, log2_k = 0;
    std::string dtype;
    double weight = 0;  ///< the GP's alpha: (K + ridge I)^-1 y
  };
  std::vector<Point> points;
  double length_scale = 1;  ///< octaves; chosen by leave-one-out error
  double ridge = 0;         ///< noise variance relative to the kernel's (repeat rows disagree by ~3%)
  int sms = 0;              ///< the compute die it applies to: SM count and bf16 peak
  double bf16_peak = 0;
  /// Leave-one-out: each calibration row's time predicted by the fit without that row (in the
  /// order of GpuCalibration::gemm); the honest error of the correction.
  std::vector<double> leave_one_out_seconds;
  bool applies_to(const GpuSpec& gpu) const;
  /// exp(interpolated log ratio) for `shape`; 1 far from every row.
  double factor(const GemmShape& shape, std::string_view dtype) const;
};

/// The fitted parameters; all are properties of the kernels, shared by every GPU.
struct EfficiencyParameters {
  double launch_seconds = 0;              ///< fixed cost of one kernel
  double gemm_bandwidth_efficiency = 0;   ///< fraction of HBM peak reached by memory-bound GEMMs
  double stream_bandwidth_efficiency = 0; ///< fraction of HBM peak reached by a large copy
  std::map<std::string, double> compute_efficiency;  ///< by data type: fraction of quantized peak
  double gemm_fill_k = 0;                 ///< per-tile pipeline fill + epilogue, as extra K depth
  double gemm_rms_relative_error = 0;     ///< of the bf16 shape model (no correction), over its rows
  GemmResidual residual;                  ///< empty: no profiled-kernel correction
};

class EfficiencyModel {
 public:
  static constexpr int kTileM = 128;
  static constexpr int kTileN = 256;

  /// Fitted once from the H100 calibration shipped with kubetwin.
  static const EfficiencyModel& builtin();
  /// Fits the curves to `cal`, measured on `measured_on`.
  static EfficiencyModel fit(const GpuCalibration& cal, const GpuSpec& measured_on);
  /// A model with given parameters (tests, what-if studies).
  explicit EfficiencyModel(EfficiencyParameters p) : p_(std::move(p)) {}

  /// Seconds for one (batched) GEMM of `dtype` on `gpu`.
  double gemm_seconds(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const;
  /// The same GEMM split into its roofline terms (which one bounds it), corrected by the residual.
  KernelTime gemm_time(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const;
  /// The shape model alone (no profiled-kernel correction).
  KernelTime gemm_shape_model_time(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const;
  /// Achieved fraction of the dense peak for that GEMM.
  double gemm_efficiency(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const;
  /// Seconds for a streaming kernel that reads and writes `bytes` in all.
  double stream_seconds(const GpuSpec& gpu, double bytes) const;
  /// Achieved fraction of HBM bandwidth for such a kernel (grows with size toward e_stream).
  double bandwidth_efficiency(const GpuSpec& gpu, double bytes) const;
  /// Fitted compute efficiency of `dtype` (fp16 shares bf16's; unknown types fall back to bf16).
  double compute_efficiency(std::string_view dtype) const;

  const EfficiencyParameters& parameters() const { return p_; }

 private:
  static GemmResidual fit_residual(const EfficiencyModel& shape_model, const GpuCalibration& cal, const GpuSpec& gpu);
  EfficiencyParameters p_;
};

}  // namespace kubetwin::models
