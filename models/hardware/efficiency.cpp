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
// Tiles of kTileM x kTileN outputs, each K + fill_k deep (the pipeline prologue that loads the first
// stages and the epilogue that writes the tile cost about as much as fill_k more of K); with fewer
// tiles than SMs the kernel splits K (at most into 512-deep slices) to occupy more SMs, as cuBLAS's
// split-K and stream-K kernels do (each slice pays the fill).
// Choosing among several tile shapes (128x128, 64x256, 256x128 at an efficiency scaled by their
// operand reuse) was tried against the H100 file and fitted worse (rms 8.9% vs 8.0%), so one is kept.
double quantized_compute_seconds(const GpuSpec& gpu, const GemmShape& s, double peak, double fill_k) {
  const double tiles = s.batch * std::ceil(s.m / EfficiencyModel::kTileM) * std::ceil(s.n / EfficiencyModel::kTileN);
  const double tile_flops_per_k = 2.0 * EfficiencyModel::kTileM * EfficiencyModel::kTileN;
  const int sms = gpu.streaming_multiprocessors;
  if (sms <= 0) return tiles * tile_flops_per_k * (s.k + fill_k) / peak;  // SM count unknown: no wave quantization
  double split = 1;
  if (tiles < sms) split = std::clamp(std::floor(sms / tiles), 1.0, std::max(1.0, std::ceil(s.k / 512.0)));
  const double waves = std::ceil(tiles * split / sms);
  return waves * tile_flops_per_k * (s.k / split + fill_k) / (peak / sms);
}

double gemm_bytes(const GemmShape& s, std::string_view dtype) {
  return s.batch * (s.m * s.k + s.k * s.n + s.m * s.n) * element_bytes(dtype);
}

struct Row {
  double compute = 0;  // quantized compute seconds at peak
  double memory = 0;   // bytes / peak bandwidth
  double measured = 0;
};

// The fill is bounded by a main loop's prologue: about two 64-deep K stages are loaded before the
// first MMA. Unbounded, the H100 rows pull it to 640 (the small shapes' launch-to-first-wave costs
// land there), which then slows A100's small-K GEMMs so much that the Megatron-LM study's errors
// spread from -11% to +10%: a fit artifact, not pipeline depth.
constexpr double kMaxFillK = 128;

struct ShapeFit {
  double t0 = 0, inv_c = 1 / 0.8, inv_m = 1 / 0.9;
  double rms = 0;
};

// bf16: t = t0 + [compute-bound] x_c / e_c + [memory-bound] x_m / e_m, linear in (t0, 1/e_c, 1/e_m)
// once each row's bound is known. Alternate: classify with the current fit, solve the weighted
// (relative-error) least squares, until the classification stops changing.
ShapeFit fit_shape_model(const std::vector<Row>& rows) {
  ShapeFit f;
  std::vector<bool> memory_bound(rows.size(), false);
  for (int iter = 0; iter < 50; ++iter) {
    std::vector<bool> next(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) next[i] = rows[i].memory * f.inv_m > rows[i].compute * f.inv_c;
    if (iter > 0 && next == memory_bound) break;
    memory_bound = next;
    const bool any_memory = std::count(memory_bound.begin(), memory_bound.end(), true) > 0;
    const Eigen::Index cols = any_memory ? 3 : 2;
    Eigen::MatrixXd a(static_cast<Eigen::Index>(rows.size()), cols);
    Eigen::VectorXd b = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto r = static_cast<Eigen::Index>(i);
      const double w = 1 / rows[i].measured;
      a(r, 0) = w;
      a(r, 1) = memory_bound[i] ? 0 : rows[i].compute * w;
      if (any_memory) a(r, 2) = memory_bound[i] ? rows[i].memory * w : 0;
    }
    const Eigen::VectorXd x = a.colPivHouseholderQr().solve(b);
    f.t0 = std::max(0.0, x(0));
    f.inv_c = x(1);
    if (any_memory) f.inv_m = x(2);
  }
  double sum_sq = 0;
  for (const Row& r : rows) {
    const double e = (f.t0 + std::max(r.compute * f.inv_c, r.memory * f.inv_m)) / r.measured - 1;
    sum_sq += e * e;
  }
  f.rms = std::sqrt(sum_sq / static_cast<double>(rows.size()));
  return f;
}

double squared_distance(const GemmResidual::Point& a, const GemmResidual::Point& b) {
  const double dm = a.log2_m - b.log2_m, dn = a.log2_n - b.log2_n, dk = a.log2_k - b.log2_k;
  return dm * dm + dn * dn + dk * dk;
}

// Squared-exponential covariance; shapes of different data types are unrelated (other kernels).
double covariance(const GemmResidual::Point& a, const GemmResidual::Point& b, double length_scale) {
  if (a.dtype != b.dtype) return 0;
  return std::exp(-squared_distance(a, b) / (2 * length_scale * length_scale));
}

GemmResidual::Point point_of(const GemmShape& s, std::string_view dtype) {
  return {std::log2(s.m), std::log2(s.n), std::log2(s.k), std::string(dtype), 0};
}

}  // namespace

const EfficiencyModel& EfficiencyModel::builtin() {
  static const EfficiencyModel model = [] {
    const GpuSpec* h100 = GpuCatalog::builtin().find("H100-SXM-80GB");
    return fit(GpuCalibration::builtin_h100(), *h100);
  }();
  return model;
}

EfficiencyModel EfficiencyModel::fit(const GpuCalibration& cal, const GpuSpec& gpu) {
  auto rows_of = [&](const std::string& dtype, double fill_k) {
    std::vector<Row> rows;
    for (const auto& g : cal.gemm) {
      if (g.dtype != dtype) continue;
      const GemmShape s{g.m, g.n, g.k};
      rows.push_back({quantized_compute_seconds(gpu, s, peak_of(gpu, dtype), fill_k),
                      gemm_bytes(s, dtype) / gpu.memory_bandwidth, g.seconds});
    }
    return rows;
  };
  if (rows_of("bf16", 0).size() < 3) throw sim::InputError(cal.gpu + ": the calibration needs at least 3 bf16 GEMM rows");

  // The fill depth is the one nonlinear parameter: scan it in steps of 32 up to kMaxFillK and keep
  // the linear least-squares fit with the smallest relative error.
  ShapeFit best;
  double fill_k = 0;
  for (int step = 0; step * 32 <= kMaxFillK; ++step) {
    const ShapeFit f = fit_shape_model(rows_of("bf16", 32.0 * step));
    if (step == 0 || f.rms < best.rms) {
      best = f;
      fill_k = 32.0 * step;
    }
  }
  EfficiencyParameters p;
  p.launch_seconds = best.t0;
  p.gemm_fill_k = fill_k;
  p.compute_efficiency["bf16"] = 1 / best.inv_c;
  p.gemm_bandwidth_efficiency = std::min(1.0, 1 / best.inv_m);
  p.gemm_rms_relative_error = best.rms;
  // Other data types: the same latency, fill and bandwidth; only the compute efficiency is their
  // own (one-parameter weighted least squares over their compute-bound rows).
  for (const char* dtype : {"tf32", "fp32", "fp8"}) {
    const std::vector<Row> rows = rows_of(dtype, fill_k);
    if (rows.empty()) continue;
    Eigen::VectorXd a(static_cast<Eigen::Index>(rows.size())), b(static_cast<Eigen::Index>(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      a(static_cast<Eigen::Index>(i)) = rows[i].compute / rows[i].measured;
      b(static_cast<Eigen::Index>(i)) = 1 - best.t0 / rows[i].measured;
    }
    p.compute_efficiency[dtype] = a.squaredNorm() / a.dot(b);
  }
  // Streaming bandwidth: the large copy, less one launch.
  p.stream_bandwidth_efficiency =
      std::min(1.0, cal.hbm_bytes_moved / (gpu.memory_bandwidth * std::max(cal.hbm_seconds - best.t0, 1e-12)));

  EfficiencyModel model(p);
  model.p_.residual = fit_residual(model, cal, gpu);
  return model;
}

GemmResidual EfficiencyModel::fit_residual(const EfficiencyModel& shape_model, const GpuCalibration& cal,
                                           const GpuSpec& gpu) {
  GemmResidual res;
  res.sms = gpu.streaming_multiprocessors;
  res.bf16_peak = gpu.peak("bf16");
  const auto n = static_cast<Eigen::Index>(cal.gemm.size());
  const double t0 = shape_model.p_.launch_seconds;
  std::vector<double> body(cal.gemm.size());
  Eigen::VectorXd y(n);
  for (std::size_t i = 0; i < cal.gemm.size(); ++i) {
    const auto& g = cal.gemm[i];
    const KernelTime t = shape_model.gemm_shape_model_time(gpu, {g.m, g.n, g.k}, g.dtype);
    body[i] = t.seconds() - t.launch;
    res.points.push_back(point_of({g.m, g.n, g.k}, g.dtype));
    // The kernel body measured: the row less the launch (kept above 5% of the row, a guard only).
    y(static_cast<Eigen::Index>(i)) = std::log(std::max(g.seconds - t0, 0.05 * g.seconds) / body[i]);
  }
  // Ridge = noise variance / signal variance. Noise: rows measured twice (same shape and type)
  // disagree by half their squared difference; signal: the mean squared log ratio.
  double signal = y.squaredNorm() / static_cast<double>(n), noise_sum = 0;
  int repeats = 0;
  for (std::size_t i = 0; i < cal.gemm.size(); ++i) {
    for (std::size_t j = i + 1; j < cal.gemm.size(); ++j) {
      if (res.points[i].dtype != res.points[j].dtype || squared_distance(res.points[i], res.points[j]) > 0) continue;
      const double d = y(static_cast<Eigen::Index>(i)) - y(static_cast<Eigen::Index>(j));
      noise_sum += d * d / 2;
      ++repeats;
    }
  }
  res.ridge = repeats > 0 && signal > 0 ? std::max(1e-4, noise_sum / repeats / signal) : 0.01;

  // Length scale: the one with the smallest leave-one-out error (closed form for GP regression:
  // y_i - loo_i = alpha_i / [(K + ridge I)^-1]_ii). The length scale and ridge are chosen with
  // every row, so the reported leave-one-out error is very slightly optimistic.
  double best_score = -1;
  for (double length_scale : {0.5, 0.75, 1.0, 1.5, 2.0, 3.0}) {
    Eigen::MatrixXd k(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const GemmResidual::Point& a = res.points[static_cast<std::size_t>(i)];
      for (Eigen::Index j = 0; j < n; ++j) k(i, j) = covariance(a, res.points[static_cast<std::size_t>(j)], length_scale);
      k(i, i) += res.ridge;
    }
    const Eigen::MatrixXd inverse = k.ldlt().solve(Eigen::MatrixXd::Identity(n, n));
    const Eigen::VectorXd alpha = inverse * y;
    std::vector<double> loo(cal.gemm.size());
    double sum_sq = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const auto u = static_cast<std::size_t>(i);
      loo[u] = t0 + body[u] * std::exp(y(i) - alpha(i) / inverse(i, i));
      const double e = loo[u] / cal.gemm[u].seconds - 1;
      sum_sq += e * e;
    }
    if (best_score < 0 || sum_sq < best_score) {
      best_score = sum_sq;
      res.length_scale = length_scale;
      res.leave_one_out_seconds = loo;
      for (std::size_t i = 0; i < res.points.size(); ++i) res.points[i].weight = alpha(static_cast<Eigen::Index>(i));
    }
  }
  return res;
}

bool GemmResidual::applies_to(const GpuSpec& gpu) const {
  return !points.empty() && gpu.streaming_multiprocessors == sms && gpu.peak("bf16") == bf16_peak;
}

double GemmResidual::factor(const GemmShape& shape, std::string_view dtype) const {
  const Point x = point_of(shape, dtype == "fp16" ? "bf16" : dtype);
  double log_ratio = 0;
  for (const Point& p : points) log_ratio += p.weight * covariance(x, p, length_scale);
  return std::exp(log_ratio);
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

KernelTime EfficiencyModel::gemm_shape_model_time(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const {
  if (shape.m <= 0 || shape.n <= 0 || shape.k <= 0 || shape.batch <= 0) return {};
  KernelTime t;
  t.launch = p_.launch_seconds;
  t.compute = quantized_compute_seconds(gpu, shape, peak_of(gpu, dtype), p_.gemm_fill_k) / compute_efficiency(dtype);
  t.memory = gemm_bytes(shape, dtype) / (gpu.memory_bandwidth * p_.gemm_bandwidth_efficiency);
  return t;
}

KernelTime EfficiencyModel::gemm_time(const GpuSpec& gpu, const GemmShape& shape, std::string_view dtype) const {
  KernelTime t = gemm_shape_model_time(gpu, shape, dtype);
  if (t.seconds() > 0 && p_.residual.applies_to(gpu)) {
    const double c = p_.residual.factor(shape, dtype);
    t.compute *= c;  // the kernel body; the launch is the host's
    t.memory *= c;
  }
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
