// Writes the predicted-vs-published tables of docs/perf-validation.md (Markdown on stdout):
//   build/validation/perf_validation_table > table.md
// The numbers come from the same code the validation test checks (perf_study.cpp).

#include <cmath>
#include <cstdio>

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
  std::printf("| kind | row | measured (ms) | predicted (ms) | error |\n|---|---|---|---|---|\n");
  for (const auto& c : validation::predict_h100_calibration()) {
    std::printf("| %s | %s | %.4f | %.4f | %+.1f%% |\n", c.kind.c_str(), c.label.c_str(), 1e3 * c.measured_seconds,
                1e3 * c.predicted_seconds, 100 * c.error());
  }
  std::printf("\nPrefill and decode: `measure.py`'s operators (`--kernels eager`); per-kernel gap %.2f us, fitted by least "
              "squares to the three decode rows (tolerance 10%%, validation/inference_h100).\n",
              1e6 * models::builtin_inference_parameters().kernel_gap_seconds);
  return 0;
}
