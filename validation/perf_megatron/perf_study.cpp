#include "validation/perf_megatron/perf_study.hpp"

#include <cmath>
#include <cstdio>

#include "models/hardware/efficiency.hpp"
#include "models/hardware/gpu_calibration.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/layer_cost.hpp"

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
  for (const auto& g : cal.gemm) {
    std::snprintf(label, sizeof label, "%s %.0fx%.0fx%.0f", g.dtype.c_str(), g.m, g.n, g.k);
    out.push_back({"gemm", label, g.seconds, eff.gemm_seconds(h100, {g.m, g.n, g.k}, g.dtype)});
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
  // Llama-3-8B-shaped decoder (measure.py): RMSNorm, GQA, SwiGLU, no biases, untied head.
  TransformerSpec llama;
  llama.name = "llama-3-8b-shaped";
  llama.layers = cal.inf_layers;
  llama.hidden = cal.inf_hidden;
  llama.heads = cal.inf_heads;
  llama.kv_heads = cal.inf_kv_heads;
  llama.ffn = cal.inf_ffn;
  llama.vocab = cal.inf_vocab;
  llama.mlp = MlpKind::SwiGlu;
  llama.rms_norm = true;
  llama.bias = false;
  llama.dropout = false;
  llama.tied_embeddings = false;
  llama.normalize();
  for (const auto& r : cal.inference) {
    if (r.phase != "prefill") continue;
    // Prefill = the forward pass of every layer over the prompt, the K/V written to the cache,
    // and the output head on the last token only.
    LayerContext c{&llama, &h100, &eff, &comm, r.batch, r.tokens, 1, false, {1, 1}, {1, 1},
                   AttentionKernel::Flash, "bf16", params.flash_attention_efficiency};
    const LayerCost layer = layer_cost(c, Recompute::None);
    const double kv_write = 2.0 * r.batch * r.tokens * llama.kv_heads * llama.head_dim() * 2 * 2;
    const double t = llama.layers * (layer.forward.compute + eff.stream_seconds(h100, kv_write)) +
                     eff.gemm_seconds(h100, {static_cast<double>(r.batch), static_cast<double>(llama.vocab),
                                             static_cast<double>(llama.hidden)}, "bf16");
    std::snprintf(label, sizeof label, "llama-3-8b prefill b=%d prompt=%d", r.batch, r.tokens);
    out.push_back({"prefill", label, r.seconds, t});
  }
  return out;
}

}  // namespace kubetwin::validation
