#include "models/perf/training_calibration.hpp"

#include <Eigen/Dense>
#include <cmath>

#include "models/hardware/gpu_calibration.hpp"
#include "models/perf/collective_model.hpp"

namespace kubetwin::models {

const std::vector<MegatronRow>& megatron_table1() {
  // Narayanan et al. SC'21, Table 1 [E]: model, params (B), TP, PP, GPUs, batch, TFLOP/s per GPU.
  static const std::vector<MegatronRow> rows{
      {"megatron-gpt-1.7b", 1.7, 1, 1, 32, 512, 137},      {"megatron-gpt-3.6b", 3.6, 2, 1, 64, 512, 138},
      {"megatron-gpt-7.5b", 7.5, 4, 1, 128, 512, 142},     {"megatron-gpt-18.4b", 18.4, 8, 1, 256, 1024, 135},
      {"megatron-gpt-39.1b", 39.1, 8, 2, 512, 1536, 138},  {"megatron-gpt-76.1b", 76.1, 8, 4, 1024, 1792, 140},
      {"megatron-gpt-145.6b", 145.6, 8, 8, 1536, 2304, 148}, {"megatron-gpt-310.1b", 310.1, 8, 16, 1920, 2160, 155},
      {"megatron-gpt-529.6b", 529.6, 8, 35, 2520, 2520, 163}, {"megatron-gpt-1008b", 1008.0, 8, 64, 3072, 3072, 163},
  };
  return rows;
}

namespace {

const GpuSpec& gpu(const char* name) { return *GpuCatalog::builtin().find(name); }

TrainingEnvironment selene() {
  TrainingEnvironment env;
  env.gpus_per_node = 8;
  env.nic_bits_per_second = 200e9;  // 8 x HDR InfiniBand per DGX A100, one per GPU
  return env;
}

struct Choice {
  TrainingEstimate estimate;
  int vpp = 1;
};

// Fastest fitting (micro-batch, vpp) for a row; with `fixed` the given ones are re-evaluated.
Choice best_layout(const MegatronRow& row, const TrainingModelParameters& params, const Choice* fixed = nullptr) {
  const TransformerSpec& m = *ModelCatalog::builtin().find(row.model);
  const GpuSpec& a100 = gpu("A100-SXM-80GB");
  const TrainingEnvironment env = selene();
  const AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(a100, env.nic_bits_per_second);
  const TrainingStepModel model(a100, EfficiencyModel::builtin(), comm, env, params);
  ParallelLayout l;
  l.gpus = row.gpus;
  l.tp = row.tp;
  l.pp = row.pp;
  TrainingJob job;
  job.seq = 2048;
  job.global_batch = row.batch;
  job.recompute = Recompute::Full;
  job.attention = AttentionKernel::Explicit;
  job.dtype = "fp16";
  if (fixed != nullptr) {
    l.vpp = fixed->vpp;
    job.micro_batch = fixed->estimate.micro_batch;
    return {model.estimate(m, l, job), fixed->vpp};
  }
  job.micro_batch = 0;  // auto
  Choice best;
  bool have = false;
  const int per_stage = m.layers / row.pp;
  for (int v = 1; v <= (row.pp > 1 ? per_stage : 1); ++v) {
    if (per_stage % v != 0) continue;
    l.vpp = v;
    const TrainingEstimate e = model.estimate(m, l, job);
    const bool better = !have || (e.fits && !best.estimate.fits) ||
                        (e.fits == best.estimate.fits && e.step_seconds < best.estimate.step_seconds);
    if (better) best = {e, v}, have = true;
  }
  return best;
}

}  // namespace

double megatron_eq3_flops(const MegatronRow& row) {
  const TransformerSpec& m = *ModelCatalog::builtin().find(row.model);
  const double B = row.batch, s = 2048, l = m.layers, h = m.hidden, V = m.vocab;
  return 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h));
}

MegatronPrediction predict_megatron_row(const MegatronRow& row, const TrainingModelParameters& params) {
  const Choice c = best_layout(row, params);
  MegatronPrediction p{row, c.estimate, c.vpp, 0};
  p.predicted_tflops = megatron_eq3_flops(row) / (c.estimate.step_seconds * row.gpus) / 1e12;
  return p;
}

TrainingModelParameters fit_megatron_calibration(TrainingModelParameters params) {
  const auto& rows = megatron_table1();
  const auto n = static_cast<Eigen::Index>(rows.size());
  for (int iter = 0; iter < 10; ++iter) {
    // For a fixed layout per row the step is linear in u = 1 / framework_efficiency:
    // step = C u + R. Least squares of the relative step-time residuals (C u + R) / S - 1,
    // S = the step implied by the published TFLOP/s.
    Eigen::VectorXd a(n), b(n);
    const double u1 = 1 / params.framework_efficiency, u2 = u1 * 1.1;
    for (Eigen::Index i = 0; i < n; ++i) {
      const MegatronRow& row = rows[static_cast<std::size_t>(i)];
      const Choice c = best_layout(row, params);
      TrainingModelParameters other = params;
      other.framework_efficiency = 1 / u2;
      const double s1 = c.estimate.step_seconds, s2 = best_layout(row, other, &c).estimate.step_seconds;
      const double slope = (s2 - s1) / (u2 - u1), rest = s1 - slope * u1;
      const double published_step = megatron_eq3_flops(row) / (row.published_tflops * 1e12 * row.gpus);
      a(i) = slope / published_step;
      b(i) = 1 - rest / published_step;
    }
    const double u = a.dot(b) / a.squaredNorm();
    const double next = 1 / u;
    const bool converged = std::abs(next - params.framework_efficiency) < 1e-6;
    params.framework_efficiency = next;
    if (converged) break;
  }
  return params;
}

const TrainingModelParameters& builtin_training_parameters() {
  static const TrainingModelParameters params = [] {
    TrainingModelParameters p;
    const GpuSpec* h100 = GpuCatalog::builtin().find("H100-SXM-80GB");
    p.flash_attention_efficiency =
        fit_flash_attention_efficiency(GpuCalibration::builtin_h100(), *h100, EfficiencyModel::builtin());
    return fit_megatron_calibration(p);
  }();
  return params;
}

}  // namespace kubetwin::models
