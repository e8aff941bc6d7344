#pragma once
// Achieved fraction of a GPU's datasheet peak, as curves fitted to measurements (Eigen least
// squares) and applied to any GPU from its datasheet figures alone, with no per-GPU factors.
//
// GEMM time is a roofline over a tiled kernel (the shape of CUTLASS/cuBLAS Hopper and Ampere kernels):
//   t = t_launch + max(W / (P * e_c[dtype]), bytes / (BW * e_gemm_bw))
// where W is the work of the kernel's 128x256 output tiles rounded up to whole waves over the GPU's
// SMs (split-K fills the SMs when there are fewer tiles than SMs), P the dense peak for the data type,
// BW the HBM bandwidth, bytes = (MK + KN + MN) x element size. Efficiency therefore saturates with
// arithmetic intensity (memory- to compute-bound) and with size (launch latency, partial waves).
// Streaming (elementwise) kernels: t = t_launch + bytes / (BW * e_stream).
//
//   const auto& eff = EfficiencyModel::builtin();
//   double s = eff.gemm_seconds(*GpuCatalog::builtin().find("A100-SXM-80GB"), {8192, 8192, 8192}, "bf16");

#include <map>
#include <string>
#include <string_view>

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

/// The fitted parameters; all are properties of the kernels, shared by every GPU.
struct EfficiencyParameters {
  double launch_seconds = 0;              ///< fixed cost of one kernel
  double gemm_bandwidth_efficiency = 0;   ///< fraction of HBM peak reached by memory-bound GEMMs
  double stream_bandwidth_efficiency = 0; ///< fraction of HBM peak reached by a large copy
  std::map<std::string, double> compute_efficiency;  ///< by data type: fraction of quantized peak
  double gemm_rms_relative_error = 0;     ///< of the bf16 fit, over its rows
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
  /// The same GEMM split into its roofline terms (which one bounds it).
  KernelTime gemm_time(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const;
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
  EfficiencyParameters p_;
};

}  // namespace kubetwin::models
