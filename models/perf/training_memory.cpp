#include "models/perf/training_memory.hpp"

#include <algorithm>

namespace kubetwin::models {
namespace {

double element_bytes(const std::string& dtype) { return dtype == "fp32" || dtype == "tf32" ? 4 : dtype == "fp8" ? 1 : 2; }

}  // namespace

double activation_bytes_per_layer(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job,
                                  int micro_batch) {
  const double t = l.tp, s = job.seq, b = micro_batch, e = element_bytes(job.dtype);
  const double sbh = s * b * m.hidden;
  const double q = m.heads * m.head_dim(), kv = m.kv_heads * m.head_dim();
  // Replicated across TP ranks unless sequence parallel: norm inputs (2), QKV and MLP inputs (2),
  // dropout masks (1 byte each): Korthikanti et al.'s "10 sbh".
  const double replicated = 2 * e * sbh + 2 * e * sbh + (m.dropout ? 2 * sbh : 0);
  // Split by TP: Q and K for the scores, V, the projection input; the MLP's activation inputs and
  // the second matrix's input (Korthikanti et al.'s "24 sbh / t" for MHA with a 4h MLP).
  const double tokens = s * b * (m.moe() ? m.top_k : 1);
  const double gated = m.mlp == MlpKind::SwiGlu ? 2 : 1;
  double split = s * b * e * (q + kv + kv + q) + tokens * e * (gated * m.ffn + m.ffn);
  if (m.moe()) split += tokens * m.hidden * e;  // permuted tokens
  // The s x s scores (softmax output, dropout mask and output): Korthikanti et al.'s 5 a s^2 b,
  // absent with fused attention or when selective recomputation rebuilds them.
  double scores = 0;
  if (job.attention == AttentionKernel::Explicit && job.recompute == Recompute::None) {
    scores = m.heads * s * s * b * (e + (m.dropout ? e + 1 : 0));
  }
  if (job.recompute == Recompute::Full) {
    return e * sbh / (l.sequence_parallel ? t : 1);  // only the layer's input (2 sbh)
  }
  return replicated / (l.sequence_parallel ? t : 1) + split / t + scores / t;
}

MemoryBreakdown training_memory(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job,
                                int micro_batch, const TrainingEnvironment& env) {
  const double t = l.tp, p = l.pp, dp = std::max(1, l.dp()), ep = l.ep;
  const double layers = m.layers / p;
  // Parameters on one GPU: its stage's layers split by TP (experts also by EP), plus the
  // embedding (first stage) or output head (last stage; a tied embedding keeps a copy there).
  const double expert_params = m.moe() ? m.experts * m.mlp_parameters() : 0;
  const double dense_layer = m.layer_parameters() - expert_params;
  const double embedding = static_cast<double>(m.vocab) * m.hidden;
  const double final_norm = m.rms_norm ? m.hidden : 2.0 * m.hidden;
  const double first_extra = embedding + static_cast<double>(m.position_embeddings) * m.hidden;
  const double last_extra = embedding + final_norm;  // untied head, or the tied copy Megatron keeps there
  const double stage_extra = p > 1 ? std::max(first_extra, last_extra) : m.embedding_parameters();
  const double dense = (layers * dense_layer + stage_extra) / t;
  const double expert = layers * expert_params / (t * ep);
  const double expert_dp = std::max(1.0, dp / ep);

  MemoryBreakdown mem;
  // ZeRO stages: 1 shards the optimizer states, 2 also the gradients, 3 also the weights.
  mem.weights = 2 * (l.zero >= 3 ? dense / dp + expert / expert_dp : dense + expert);
  mem.gradients = 2 * (l.zero >= 2 ? dense / dp + expert / expert_dp : dense + expert);
  mem.optimizer = 12 * (l.zero >= 1 ? dense / dp + expert / expert_dp : dense + expert);
  if (l.zero >= 3) mem.weights += 2 * 2 * (dense_layer + expert_params / ep) / t;  // two gathered layers in flight

  // Activations. 1F1B keeps up to p micro-batches in flight on the first stage; the interleaved
  // schedule p (1 + (p-1)/(p v)) (Korthikanti et al. 2022, Sec. 4.2.3).
  const int m_total = job.global_batch / std::max(1, static_cast<int>(dp) * micro_batch);
  double in_flight = std::min<double>(p, std::max(1, m_total));
  if (l.vpp > 1) in_flight *= 1 + (p - 1) / (p * l.vpp);
  const double per_layer = activation_bytes_per_layer(m, l, job, micro_batch);
  double first = layers * per_layer * in_flight;
  if (job.recompute == Recompute::Full) {
    TrainingJob plain = job;
    plain.recompute = Recompute::None;
    first += activation_bytes_per_layer(m, l, plain, micro_batch);  // one layer rebuilt at a time
  }
  // The last stage holds one micro-batch and the logits: bf16 plus the fp32 softmax.
  const double e = element_bytes(job.dtype);
  const double logits = static_cast<double>(job.seq) * micro_batch * m.vocab / t * (e + 4);
  const double last = (p > 1 ? layers * per_layer : 0) + logits;
  mem.activations = p > 1 ? std::max(first, last) : first + logits;
  mem.reserved = env.reserved_bytes;
  return mem;
}

}  // namespace kubetwin::models
