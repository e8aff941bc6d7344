// Writes the predicted-vs-published tables of docs/perf-validation.md (Markdown on stdout):
//   build/validation/perf_validation_table > table.md
// The numbers come from the same code the validation test checks (perf_study.cpp).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "models/hardware/efficiency.hpp"
#include "models/perf/inference_step.hpp"
#include "validation/perf_megatron/perf_study.hpp"

using namespace kubetwin;

int main() {
  const models::TrainingModelParameters params = models::builtin_training_parameters();
  std::printf("### Megatron-LM Table 1 (A100-SXM-80GB, Narayanan et al. SC'21): tolerance 10%%\n\n");
  std::printf("One global calibration for all rows: framework efficiency = %.4f (least squares over the rows); "
              "flash-attention efficiency = %.4f (fitted to the H100 per-layer rows, unused here).\n\n",
              params.framework_efficiency, params.flash_attention_efficiency);
  std::printf("| Params (B) | TP | PP | DP | GPUs | Batch | micro-batch | vpp | step (s) | bubble (s) | exposed TP (s) | "
              "exposed PP (s) | exposed DP (s) | memory/GPU (GB) | predicted TFLOP/s | published TFLOP/s | error |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  double worst = 0;
  for (const auto& row : validation::megatron_table1()) {
    const auto p = validation::predict_megatron_row(row, params);
    const auto& e = p.estimate;
    worst = std::max(worst, std::abs(p.error()));
    std::printf("| %.1f | %d | %d | %d | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.0f | %+.1f%% |\n",
                row.params_billion, row.tp, row.pp, row.gpus / (row.tp * row.pp), row.gpus, row.batch, e.micro_batch,
                p.vpp, e.step_seconds, e.bubble_seconds, e.exposed_comm.tp, e.exposed_comm.pp, e.exposed_comm.dp,
                e.memory.total() / 1e9, p.predicted_tflops, row.published_tflops, 100 * p.error());
  }
  std::printf("\nLargest error: %.1f%%.\n\n", 100 * worst);
  std::printf("### H100 calibration rows (../shared/calibration/gpu/h100_sxm_80gb.json): tolerance 5%%\n\n");
  const auto& eff = models::EfficiencyModel::builtin().parameters();
  std::printf("GEMMs: shape model (launch %.2f us, fill %.0f of K, bf16 %.3f of peak, HBM %.3f) times the profiled-kernel "
              "correction (Gaussian process over log2 M, N, K per data type, length scale %.2f octaves, ridge %.4f). "
              "*predicted* is the model as shipped (the correction fitted to every row: in sample); *leave-one-out* "
              "predicts each row with the correction fitted to the other rows, the accuracy to expect on a shape the "
              "file does not have; *shape model* is the curve alone.\n\n",
              1e6 * eff.launch_seconds, eff.gemm_fill_k, eff.compute_efficiency.at("bf16"), eff.gemm_bandwidth_efficiency,
              eff.residual.length_scale, eff.residual.ridge);
  std::printf("| kind | row | measured (ms) | predicted (ms) | error | leave-one-out error | shape-model error |\n"
              "|---|---|---|---|---|---|---|\n");
  std::vector<double> loo, shape;
  for (const auto& c : validation::predict_h100_calibration()) {
    const bool gemm = c.kind == "gemm";
    char extra[64] = "| - | -";
    if (gemm) {
      std::snprintf(extra, sizeof extra, "| %+.1f%% | %+.1f%%", 100 * c.leave_one_out_error(), 100 * c.shape_model_error());
      loo.push_back(std::abs(c.leave_one_out_error()));
      shape.push_back(std::abs(c.shape_model_error()));
    }
    std::printf("| %s | %s | %.4f | %.4f | %+.1f%% %s |\n", c.kind.c_str(), c.label.c_str(), 1e3 * c.measured_seconds,
                1e3 * c.predicted_seconds, 100 * c.error(), extra);
  }
  auto summary = [](std::vector<double> e) {
    std::sort(e.begin(), e.end());
    const auto within = std::count_if(e.begin(), e.end(), [](double x) { return x <= 0.05; });
    char s[160];
    std::snprintf(s, sizeof s, "%ld of %zu within 5%%, median %.1f%%, worst %.1f%%", static_cast<long>(within), e.size(),
                  100 * e[e.size() / 2], 100 * e.back());
    return std::string(s);
  };
  std::printf("\nGEMM rows, leave-one-out: %s. Shape model alone: %s.\n", summary(loo).c_str(), summary(shape).c_str());
  std::printf("\nPrefill and decode: `measure.py`'s operators (`--kernels eager`); per-kernel gap %.2f us, fitted by least "
              "squares to the three decode rows.\n",
              1e6 * models::builtin_inference_parameters().kernel_gap_seconds);
  return 0;
}
