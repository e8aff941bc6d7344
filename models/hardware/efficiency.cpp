#include "models/hardware/efficiency.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

double element_bytes(std::string_view dtype) {
  if (dtype == "fp32" || dtype == "tf32") return 4;
  if (dtype == "fp8") return 1;
  if (dtype == "fp4") return 0.5;
  if (dtype == "fp64") return 8;
  return 2;  // bf16, fp16
}

// Dense peak for `dtype`, falling back to bf16 for a type the catalog does not list.
double peak_of(const GpuSpec& gpu, std::string_view dtype) {
  const double p = gpu.peak(dtype);
  return p > 0 ? p : gpu.peak("bf16");
}

// Seconds the GEMM's tiles take at the full dense peak, counting idle SMs in the last wave.
// Tiles of kTileM x kTileN outputs; with fewer tiles than SMs the kernel splits K (at most into
// 512-deep slices) to occupy more SMs, as cuBLAS's split-K and stream-K kernels do.
double quantized_compute_seconds(const GpuSpec& gpu, const GemmShape& s, double peak) {
  const double tiles = s.batch * std::ceil(s.m / EfficiencyModel::kTileM) * std::ceil(s.n / EfficiencyModel::kTileN);
  const double tile_flops_full_k = 2.0 * EfficiencyModel::kTileM * EfficiencyModel::kTileN * s.k;
  const int sms = gpu.streaming_multiprocessors;
  if (sms <= 0) return tiles * tile_flops_full_k / peak;  // SM count unknown: no wave quantization
  double split = 1;
  if (tiles < sms) split = std::clamp(std::floor(sms / tiles), 1.0, std::max(1.0, std::ceil(s.k / 512.0)));
  const double waves = std::ceil(tiles * split / sms);
  return waves * (tile_flops_full_k / split) / (peak / sms);
}

double gemm_bytes(const GemmShape& s, std::string_view dtype) {
  return s.batch * (s.m * s.k + s.k * s.n + s.m * s.n) * element_bytes(dtype);
}

struct Row {
  double compute = 0;  // quantized compute seconds at peak
  double memory = 0;   // bytes / peak bandwidth
  double measured = 0;
};

}  // namespace

const EfficiencyModel& EfficiencyModel::builtin() {
  static const EfficiencyModel model = [] {
    const GpuSpec* h100 = GpuCatalog::builtin().find("H100-SXM-80GB");
    return fit(GpuCalibration::builtin_h100(), *h100);
  }();
  return model;
}

EfficiencyModel EfficiencyModel::fit(const GpuCalibration& cal, const GpuSpec& gpu) {
  auto rows_of = [&](const std::string& dtype) {
    std::vector<Row> rows;
    for (const auto& g : cal.gemm) {
      if (g.dtype != dtype) continue;
      const GemmShape s{g.m, g.n, g.k};
      rows.push_back({quantized_compute_seconds(gpu, s, peak_of(gpu, dtype)),
                      gemm_bytes(s, dtype) / gpu.memory_bandwidth, g.seconds});
    }
    return rows;
  };
  const std::vector<Row> bf16 = rows_of("bf16");
  if (bf16.size() < 3) throw sim::InputError(cal.gpu + ": the calibration needs at least 3 bf16 GEMM rows");

  // bf16: t = t0 + [compute-bound] x_c / e_c + [memory-bound] x_m / e_m, linear in (t0, 1/e_c, 1/e_m)
  // once each row's bound is known. Alternate: classify with the current fit, solve the weighted
  // (relative-error) least squares, until the classification stops changing.
  double t0 = 0, inv_c = 1 / 0.8, inv_m = 1 / 0.9;
  std::vector<bool> memory_bound(bf16.size(), false);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<bool> next(bf16.size());
    for (std::size_t i = 0; i < bf16.size(); ++i) next[i] = bf16[i].memory * inv_m > bf16[i].compute * inv_c;
    if (iter > 0 && next == memory_bound) break;
    memory_bound = next;
    const bool any_memory = std::count(memory_bound.begin(), memory_bound.end(), true) > 0;
    const Eigen::Index cols = any_memory ? 3 : 2;
    Eigen::MatrixXd a(static_cast<Eigen::Index>(bf16.size()), cols);
    Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(bf16.size()));
    for (std::size_t i = 0; i < bf16.size(); ++i) {
      const auto r = static_cast<Eigen::Index>(i);
      const double w = 1 / bf16[i].measured;
      a(r, 0) = w;
      a(r, 1) = memory_bound[i] ? 0 : bf16[i].compute * w;
      if (any_memory) a(r, 2) = memory_bound[i] ? bf16[i].memory * w : 0;
    }
    const Eigen::VectorXd x = a.colPivHouseholderQr().solve(b);
    t0 = std::max(0.0, x(0));
    inv_c = x(1);
    if (any_memory) inv_m = x(2);
  }
  EfficiencyParameters p;
  p.launch_seconds = t0;
  p.compute_efficiency["bf16"] = 1 / inv_c;
  p.gemm_bandwidth_efficiency = std::min(1.0, 1 / inv_m);
  // Other data types: the same latency and bandwidth; only the compute efficiency is their own
  // (one-parameter weighted least squares over their compute-bound rows).
  for (const char* dtype : {"tf32", "fp32", "fp8"}) {
    const std::vector<Row> rows = rows_of(dtype);
    if (rows.empty()) continue;
    Eigen::VectorXd a(static_cast<Eigen::Index>(rows.size())), b(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      a(static_cast<Eigen::Index>(i)) = rows[i].compute / rows[i].measured;
      b(static_cast<Eigen::Index>(i)) = 1 - t0 / rows[i].measured;
    }
    p.compute_efficiency[dtype] = a.squaredNorm() / a.dot(b);
  }
  // Streaming bandwidth: the large copy, less one launch.
  p.stream_bandwidth_efficiency =
      std::min(1.0, cal.hbm_bytes_moved / (gpu.memory_bandwidth * std::max(cal.hbm_seconds - t0, 1e-12)));

  EfficiencyModel model(p);
  double sum_sq = 0;
  std::size_t n = 0;
  for (const auto& g : cal.gemm) {
    if (g.dtype != "bf16") continue;
    const double e = model.gemm_seconds(gpu, {g.m, g.n, g.k}, "bf16") / g.seconds - 1;
    sum_sq += e * e;
    ++n;
  }
  model.p_.gemm_rms_relative_error = std::sqrt(sum_sq / static_cast<double>(n));
  return model;
}

double EfficiencyModel::compute_efficiency(std::string_view dtype) const {
  auto it = p_.compute_efficiency.find(std::string(dtype));
  if (it != p_.compute_efficiency.end()) return it->second;
  it = p_.compute_efficiency.find("bf16");
  return it == p_.compute_efficiency.end() ? 1.0 : it->second;
}

double EfficiencyModel::gemm_seconds(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const {
  return gemm_time(gpu, shape, dtype).seconds();
}

KernelTime EfficiencyModel::gemm_time(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const {
  if (shape.m <= 0 || shape.n <= 0 || shape.k <= 0 || shape.batch <= 0) return {};
  KernelTime t;
  t.launch = p_.launch_seconds;
  t.compute = quantized_compute_seconds(gpu, shape, peak_of(gpu, dtype)) / compute_efficiency(dtype);
  t.memory = gemm_bytes(shape, dtype) / (gpu.memory_bandwidth * p_.gemm_bandwidth_efficiency);
  return t;
}

double EfficiencyModel::gemm_efficiency(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const {
  const double t = gemm_seconds(gpu, shape, dtype);
  return t > 0 ? shape.flops() / (t * peak_of(gpu, dtype)) : 0;
}

double EfficiencyModel::stream_seconds(const GpuSpec& gpu, double bytes) const {
  if (bytes <= 0) return 0;
  return p_.launch_seconds + bytes / (gpu.memory_bandwidth * p_.stream_bandwidth_efficiency);
}

double EfficiencyModel::bandwidth_efficiency(const GpuSpec& gpu, double bytes) const {
  const double t = stream_seconds(gpu, bytes);
  return t > 0 ? bytes / (t * gpu.memory_bandwidth) : 0;
}

}  // namespace kubetwin::models
