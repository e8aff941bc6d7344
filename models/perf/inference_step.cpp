#include "models/perf/inference_step.hpp"

#include <algorithm>
#include <cmath>

#include "models/perf/training_step.hpp"

namespace kubetwin::models {
namespace {

double element_bytes(const std::string& dtype) {
  if (dtype == "fp32" || dtype == "tf32") return 4;
  if (dtype == "fp8") return 1;
  if (dtype == "fp4") return 0.5;
  return 2;
}

std::string str(int v) { return std::to_string(v); }

// Accumulates kernels into the step's breakdown and its compute/memory-bound split.
class StepBuilder {
 public:
  StepBuilder(const GpuSpec& gpu, const EfficiencyModel& eff, double gap) : gpu_(gpu), eff_(eff), gap_(gap) {}

  void gemm(double m, double n, double k, const std::string& dtype, double repeat = 1, double batch = 1) {
    if (m <= 0 || n <= 0 || k <= 0 || batch <= 0) return;
    const GemmShape shape{m, n, k, batch};
    KernelTime t = eff_.gemm_time(gpu_, shape, dtype);
    t.launch = gap_;
    add(t, repeat, s_.gemm_seconds);
    s_.flops += repeat * shape.flops();
    s_.weight_bytes += repeat * batch * k * n * element_bytes(dtype);
  }
  // A streaming kernel that reads and writes `bytes` in all.
  void stream(double bytes, double repeat = 1) {
    if (bytes <= 0) return;
    KernelTime t;
    t.launch = gap_;
    t.memory = memory_seconds(bytes);
    add(t, repeat, s_.elementwise_seconds);
  }
  void attention(double flops, double bytes, double kv_bytes, double flash_efficiency, double repeat) {
    KernelTime t;
    t.launch = gap_;
    t.compute = flops / (gpu_.peak("bf16") * flash_efficiency);
    t.memory = memory_seconds(bytes);
    add(t, repeat, s_.attention_seconds);
    s_.flops += repeat * flops;
    s_.kv_bytes += repeat * kv_bytes;
  }
  void comm(double seconds) { s_.tp_comm_seconds += seconds; }
  void kv_written(double bytes) { s_.kv_bytes += bytes; }

  InferenceStep done() {
    s_.seconds = s_.gemm_seconds + s_.attention_seconds + s_.elementwise_seconds + s_.tp_comm_seconds;
    return s_;
  }

 private:
  double memory_seconds(double bytes) const {
    return eff_.stream_seconds(gpu_, bytes) - eff_.parameters().launch_seconds;  // bytes at the streaming bandwidth
  }
  void add(const KernelTime& t, double repeat, double& bucket) {
    const double seconds = repeat * t.seconds();
    s_.kernels += static_cast<int>(repeat);
    bucket += seconds;
    (t.compute_bound() ? s_.compute_bound_seconds : s_.memory_bound_seconds) += seconds;
  }
  const GpuSpec& gpu_;
  const EfficiencyModel& eff_;
  double gap_;
  InferenceStep s_;
};

// measure.py's rms(x): x.float(), pow(2), mean(-1), + eps, rsqrt, .to(bf16), x * that: seven
// kernels over `rows` x `hidden` (the per-row ones are tiny but still launch).
void eager_rms_norm(StepBuilder& b, double rows, double hidden, double e, double repeat) {
  const double n = rows * hidden;
  b.stream(n * (e + 4), repeat);       // to fp32
  b.stream(n * 8, repeat);             // pow(2)
  b.stream(n * 4 + rows * 4, repeat);  // mean over the hidden dimension
  b.stream(rows * 8, repeat);          // + eps
  b.stream(rows * 8, repeat);          // rsqrt
  b.stream(rows * (4 + e), repeat);    // back to bf16
  b.stream(n * 2 * e + rows * e, repeat);  // x * scale
}

}  // namespace

void IterationWork::add_sequence(double n, double context, bool emits_token) {
  if (n <= 0) return;
  new_tokens += n;
  attention_pairs += n * context + n * (n + 1) / 2;  // token i attends context + i keys
  kv_tokens_read += context + n;
  sequences += 1;
  if (emits_token) logits += 1;
}

IterationWork IterationWork::prefill(int batch, int prompt) {
  IterationWork w;
  for (int i = 0; i < batch; ++i) w.add_sequence(prompt, 0, true);
  return w;
}

IterationWork IterationWork::decode(int batch, int context) {
  IterationWork w;
  for (int i = 0; i < batch; ++i) w.add_sequence(1, context, true);
  return w;
}

std::vector<std::string> InferenceStepModel::check(const TransformerSpec& m, int tp) {
  std::vector<std::string> p;
  if (tp < 1) {
    p.push_back("--tp must be at least 1, got " + str(tp));
    return p;
  }
  if (m.heads % tp != 0) p.push_back("heads (" + str(m.heads) + ") are not divisible by --tp " + str(tp));
  if (m.kv_heads % tp != 0 && tp % m.kv_heads != 0)
    p.push_back("kv-heads (" + str(m.kv_heads) + ") and --tp " + str(tp) + " do not divide one another");
  if (m.ffn % tp != 0) p.push_back("ffn (" + str(m.ffn) + ") is not divisible by --tp " + str(tp));
  return p;
}

double InferenceStepModel::kv_bytes_per_token(const TransformerSpec& m) const {
  const double kv_heads_per_gpu = std::max(1.0, static_cast<double>(m.kv_heads) / options_.tp);
  return 2.0 * m.layers * kv_heads_per_gpu * m.head_dim() * element_bytes(options_.kv_dtype);
}

double InferenceStepModel::weight_bytes(const TransformerSpec& m) const {
  return m.parameters() * element_bytes(options_.dtype) / options_.tp;
}

InferenceMemory InferenceStepModel::memory(const TransformerSpec& m, double cached_tokens, double pass_tokens) const {
  const double t = options_.tp, e = element_bytes(options_.dtype);
  const double gated = m.mlp == MlpKind::SwiGlu ? 2 : 1;
  InferenceMemory mem;
  mem.weights = weight_bytes(m);
  mem.kv_cache = cached_tokens * kv_bytes_per_token(m);
  // The largest transient tensors of one layer (the hidden state and residual, QKV, the MLP's
  // gate and up projections and its activation; MoE: per routed copy), plus fp32 logits of the
  // pass's last rows; layers run one after another, so one layer's worth is live.
  const double routed = m.moe() ? std::max(1, m.top_k) : 1;
  const double q = m.heads * m.head_dim(), kv = m.kv_heads * m.head_dim();
  mem.activations = pass_tokens * e * (2.0 * m.hidden + (q + 2 * kv) / t + routed * (gated + 1) * m.ffn / t) +
                    pass_tokens * m.vocab / t * 4.0;
  mem.reserved = options_.reserved_bytes;
  return mem;
}

InferenceStep InferenceStepModel::step(const TransformerSpec& m, const IterationWork& w) const {
  StepBuilder b(gpu_, efficiency_, params_.kernel_gap_seconds);
  const double t = options_.tp, e = element_bytes(options_.dtype), kv_e = element_bytes(options_.kv_dtype);
  const double tokens = w.new_tokens, h = m.hidden, d = m.head_dim();
  const double q = m.heads * d / t;
  const double kv = std::max(1.0, static_cast<double>(m.kv_heads) / t) * d;  // per GPU
  const double f = static_cast<double>(m.ffn) / t;
  const double gated = m.mlp == MlpKind::SwiGlu ? 2 : 1;
  const double layers = m.layers;
  const bool eager = options_.kernels == InferenceKernels::Eager;
  if (tokens <= 0) return b.done();

  // Attention block GEMMs: fused QKV (column parallel) and the output projection (row parallel).
  b.gemm(tokens, q + 2 * kv, h, options_.dtype, layers);
  b.gemm(tokens, h, q, options_.dtype, layers);
  // MLP: dense, or the experts the batch's tokens reach (uniform routing: an expert is read if any
  // of the tokens x top_k picks lands on it).
  double mlp_rows = tokens;
  if (m.moe()) {
    const double experts = m.experts, picks = tokens * m.top_k;
    const double touched = experts * (1 - std::pow(1 - static_cast<double>(m.top_k) / experts, tokens));
    const double rows = picks / std::max(1.0, touched);
    b.gemm(tokens, experts, h, options_.dtype, layers);  // router
    b.gemm(rows, gated * f, h, options_.dtype, layers, std::max(1.0, touched));
    b.gemm(rows, h, f, options_.dtype, layers, std::max(1.0, touched));
    mlp_rows = picks;
  } else {
    b.gemm(tokens, gated * f, h, options_.dtype, layers);
    b.gemm(tokens, h, f, options_.dtype, layers);
  }

  // Attention core: causal pairs x head_dim x 2 matrix products; it reads every attended token's
  // K and V from the cache, and Q and writes the output.
  const double kv_token_layer = 2 * kv * kv_e;  // K and V of one token, one layer, one GPU
  const double attn_flops = 4 * w.attention_pairs * q;  // q = this GPU's heads x head_dim
  const double kv_read = w.kv_tokens_read * kv_token_layer;
  b.attention(attn_flops, kv_read + 2 * tokens * q * e, kv_read, params_.flash_attention_efficiency, layers);

  // Elementwise kernels. Norms and residual adds work on the full hidden state on every TP rank.
  const double kv_write = tokens * kv_token_layer;
  b.kv_written(layers * kv_write);
  if (eager) {
    eager_rms_norm(b, tokens, h, e, 2 * layers);           // before attention and before the MLP
    b.stream(kv_write, 2 * layers);                        // K copy and V copy (each reads + writes half)
    b.stream(tokens * h * 3 * e, 2 * layers);              // residual adds
    b.stream(mlp_rows * f * 2 * e, layers);                // SiLU(gate)
    b.stream(mlp_rows * f * 3 * e, layers);                // x up
    eager_rms_norm(b, w.logits, h, e, 1);                  // final norm, last rows only
  } else {
    b.stream(tokens * h * 4 * e, 2 * layers);              // fused residual add + norm (read 2, write 2)
    if (m.position_embeddings == 0) b.stream(tokens * (q + kv) * 2 * e, layers);  // rotary on Q and K
    b.stream(2 * kv_write, layers);                        // K and V into the paged cache (read + write)
    b.stream(mlp_rows * f * (gated + 1) * e, layers);      // activation (x gate)
    if (m.moe()) {
      b.stream(mlp_rows * h * 2 * e, layers);              // permute tokens to experts
      b.stream(mlp_rows * h * 3 * e, layers);              // un-permute, weight by the router
    }
    b.stream(tokens * h * 2 * e, 1);                       // final norm
  }
  // Output head on the rows that emit a token (vocabulary-parallel: each rank its slice).
  b.gemm(w.logits, m.vocab / t, h, options_.dtype);

  // Tensor parallelism: an all-reduce after the attention block and after the MLP (Shoeybi et al.
  // 2019), then the logits gathered for sampling.
  if (options_.tp > 1) {
    const CommGroup g{options_.tp, std::clamp(options_.gpus_per_node, 1, options_.tp)};
    b.comm(2 * layers * comm_.all_reduce(tokens * h * e, g));
    b.comm(comm_.all_gather(w.logits * m.vocab * 4.0, g));
  }
  return b.done();
}

TransformerSpec calibration_decoder(const GpuCalibration& cal) {
  TransformerSpec m;
  m.name = "llama-3-8b-shaped";
  m.layers = cal.inf_layers;
  m.hidden = cal.inf_hidden;
  m.heads = cal.inf_heads;
  m.kv_heads = cal.inf_kv_heads;
  m.ffn = cal.inf_ffn;
  m.vocab = cal.inf_vocab;
  m.mlp = MlpKind::SwiGlu;
  m.rms_norm = true;
  m.bias = false;
  m.dropout = false;
  m.tied_embeddings = false;
  m.normalize();
  return m;
}

double fit_kernel_gap(const GpuCalibration& cal, const GpuSpec& gpu, const EfficiencyModel& efficiency,
                      double flash_attention_efficiency) {
  const TransformerSpec m = calibration_decoder(cal);
  const AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(gpu);
  InferenceOptions options;
  options.kernels = InferenceKernels::Eager;
  const InferenceStepModel no_gap(gpu, efficiency, comm, options, {flash_attention_efficiency, 0.0});
  // measured = roofline (gap 0) + kernels x gap: one unknown, least squares on relative errors.
  double ab = 0, aa = 0;
  for (const auto& r : cal.inference) {
    if (r.phase != "decode" || m.layers < 1) continue;
    const InferenceStep s = no_gap.step(m, IterationWork::decode(r.batch, r.tokens));
    const double a = s.kernels / r.seconds, b = 1 - s.seconds / r.seconds;
    ab += a * b;
    aa += a * a;
  }
  return aa > 0 ? std::max(0.0, ab / aa) : InferenceModelParameters{}.kernel_gap_seconds;
}

const InferenceModelParameters& builtin_inference_parameters() {
  static const InferenceModelParameters params = [] {
    InferenceModelParameters p;
    const GpuSpec& h100 = *GpuCatalog::builtin().find("H100-SXM-80GB");
    p.flash_attention_efficiency = builtin_training_parameters().flash_attention_efficiency;
    p.kernel_gap_seconds = fit_kernel_gap(GpuCalibration::builtin_h100(), h100, EfficiencyModel::builtin(),
                                          p.flash_attention_efficiency);
    return p;
  }();
  return params;
}

}  // namespace kubetwin::models
