#include "validation/perf_megatron/perf_study.hpp"

#include <cmath>
#include <cstdio>

#include "models/hardware/efficiency.hpp"
#include "models/hardware/gpu_calibration.hpp"
#include "models/perf/collective_model.hpp"
#include "validation/inference_h100/inference_study.hpp"

namespace kubetwin::validation {

using namespace kubetwin::models;

namespace {
const GpuSpec& gpu(const char* name) { return *GpuCatalog::builtin().find(name); }
}  // namespace

std::vector<CalibrationPrediction> predict_h100_calibration() {
  const GpuCalibration& cal = GpuCalibration::builtin_h100();
  const GpuSpec& h100 = gpu("H100-SXM-80GB");
  const EfficiencyModel& eff = EfficiencyModel::builtin();
  const AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(h100);
  const TrainingModelParameters params = builtin_training_parameters();
  const TrainingStepModel model(h100, eff, comm, {}, params);
  std::vector<CalibrationPrediction> out;
  char label[160];

  out.push_back({"hbm", "copy of 1 GiB (2 GiB moved)", cal.hbm_seconds, eff.stream_seconds(h100, cal.hbm_bytes_moved)});
  const std::vector<double>& loo = eff.parameters().residual.leave_one_out_seconds;
  for (std::size_t i = 0; i < cal.gemm.size(); ++i) {
    const auto& g = cal.gemm[i];
    std::snprintf(label, sizeof label, "%s %.0fx%.0fx%.0f", g.dtype.c_str(), g.m, g.n, g.k);
    CalibrationPrediction c{"gemm", label, g.seconds, eff.gemm_seconds(h100, {g.m, g.n, g.k}, g.dtype)};
    c.leave_one_out_seconds = i < loo.size() ? loo[i] : 0;
    c.shape_model_seconds = eff.gemm_shape_model_time(h100, {g.m, g.n, g.k}, g.dtype).seconds();
    out.push_back(c);
  }
  for (const auto& r : cal.train_layers) {
    TransformerSpec m;
    m.name = "gpt-block";
    m.layers = 1;
    m.hidden = r.hidden;
    m.heads = r.heads;
    m.dropout = false;
    m.normalize();
    TrainingJob job;
    job.seq = r.seq;
    std::snprintf(label, sizeof label, "h=%d a=%d s=%d b=%d", r.hidden, r.heads, r.seq, r.micro_batch);
    out.push_back({"train_layer", label, r.fwd_bwd_seconds, model.layer_seconds(m, {}, job, r.micro_batch)});
  }
  // Llama-3-8B-shaped prefill and decode steps: the inference study (validation/inference_h100).
  for (const auto& p : predict_h100_inference()) {
    const bool prefill = p.phase == InferencePhase::Prefill;
    std::snprintf(label, sizeof label, prefill ? "llama-3-8b prefill b=%d prompt=%d" : "llama-3-8b decode b=%d context=%d",
                  p.batch, p.tokens);
    out.push_back({prefill ? "prefill" : "decode", label, p.measured_seconds, p.predicted.seconds});
  }
  return out;
}

}  // namespace kubetwin::validation
