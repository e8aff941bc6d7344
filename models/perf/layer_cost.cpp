#include "models/perf/layer_cost.hpp"

#include <vector>

namespace kubetwin::models {
namespace {

double element_bytes(const std::string& dtype) { return dtype == "fp32" || dtype == "tf32" ? 4 : dtype == "fp8" ? 1 : 2; }

struct Gemms {
  std::vector<GemmShape> list;
  void add(double m, double n, double k, double batch = 1) { list.push_back({m, n, k, batch}); }
};

// Forward time and FLOPs of a GEMM list, and backward (input gradient [M,K] = dY[M,N] W^T and
// weight gradient [K,N] = X^T dY, the two GEMMs of the same size as the forward one).
double forward_seconds(const LayerContext& c, const Gemms& g, double& flops) {
  double t = 0;
  for (const auto& s : g.list) {
    t += c.efficiency->gemm_seconds(*c.gpu, s, c.dtype);
    flops += s.flops();
  }
  return t;
}
double backward_seconds(const LayerContext& c, const Gemms& g) {
  double t = 0;
  for (const auto& s : g.list) {
    t += c.efficiency->gemm_seconds(*c.gpu, {s.m, s.k, s.n, s.batch}, c.dtype);  // dX
    t += c.efficiency->gemm_seconds(*c.gpu, {s.k, s.n, s.m, s.batch}, c.dtype);  // dW
  }
  return t;
}

// Elementwise kernels as a list of byte counts (each one kernel: read + write), so that every
// kernel also pays the launch latency. Backward kernels read the saved input and the incoming
// gradient and write a gradient: twice the forward traffic.
struct Streams {
  std::vector<double> bytes;
  void add(double b) {
    if (b > 0) bytes.push_back(b);
  }
  double seconds(const LayerContext& c, double factor = 1) const {
    double t = 0;
    for (double b : bytes) t += c.efficiency->stream_seconds(*c.gpu, b * factor);
    return t;
  }
};

// Attention core (scores and weighted values) for one micro-batch: time forward, backward, FLOPs.
struct AttentionCore {
  double forward = 0, backward = 0, flops = 0;
};

AttentionCore attention_core(const LayerContext& c) {
  const TransformerSpec& m = *c.model;
  const double b = c.micro_batch, s = c.seq, d = m.head_dim(), heads = static_cast<double>(m.heads) / c.tp;
  const double e = element_bytes(c.dtype);
  AttentionCore a;
  // Model FLOPs convention (Narayanan et al. 2021): QK^T and softmax x V, 2 b s^2 h each, full s x s.
  a.flops = 4 * b * s * s * d * heads;
  const double peak = c.gpu->peak(c.dtype) > 0 ? c.gpu->peak(c.dtype) : c.gpu->peak("bf16");
  if (c.attention == AttentionKernel::Flash) {
    // A fused causal kernel does half the s x s work; its backward recomputes the scores:
    // 5 matrix products against the forward's 2 (Dao 2023, FlashAttention-2).
    const double work = a.flops / 2;
    const double rate = peak * c.flash_attention_efficiency;
    const double launch = c.efficiency->parameters().launch_seconds;
    a.forward = launch + work / rate;
    a.backward = launch + 2.5 * work / rate;
    return a;
  }
  // Megatron-LM 2021: batched GEMMs per head over the full s x s (masked, not skipped), a fused
  // scale-mask-softmax (read + write the scores) and dropout on them (read, write, 1-byte mask).
  Gemms g;
  g.add(s, s, d, b * heads);  // Q K^T
  g.add(s, d, s, b * heads);  // P V
  double unused = 0;
  a.forward = forward_seconds(c, g, unused);
  a.backward = backward_seconds(c, g);
  const double scores = b * heads * s * s;
  Streams st;
  st.add(scores * 2 * e);                         // softmax
  if (m.dropout) st.add(scores * (2 * e + 1));    // dropout
  a.forward += st.seconds(c);
  a.backward += st.seconds(c, 2);
  return a;
}

}  // namespace

const char* to_string(Recompute r) {
  switch (r) {
    case Recompute::None: return "none";
    case Recompute::Selective: return "selective";
    case Recompute::Full: return "full";
  }
  return "none";
}

LayerCost layer_cost(const LayerContext& c, Recompute recompute) {
  const TransformerSpec& m = *c.model;
  const double t = c.tp;
  const double tokens = static_cast<double>(c.micro_batch) * c.seq;
  const double h = m.hidden, q = m.heads * m.head_dim(), kv = m.kv_heads * m.head_dim(), f = m.ffn;
  const double e = element_bytes(c.dtype);
  const double gated = m.mlp == MlpKind::SwiGlu ? 2 : 1;

  Gemms g;
  g.add(tokens, (q + 2 * kv) / t, h);  // fused QKV (column parallel)
  g.add(tokens, h, q / t);             // output projection (row parallel)
  Gemms experts;
  double moe_tokens = 0;
  if (m.moe()) {
    g.add(tokens, m.experts, h);  // router
    // Uniform routing: each local expert gets top_k x tokens / experts from each of the ep ranks.
    const double local = static_cast<double>(m.experts) / c.ep_group.size;
    moe_tokens = tokens * m.top_k;
    const double per_expert = moe_tokens * c.ep_group.size / m.experts;
    experts.add(per_expert, gated * f / t, h, local);
    experts.add(per_expert, h, f / t, local);
  } else {
    g.add(tokens, gated * f / t, h);
    g.add(tokens, h, f / t);
  }

  LayerCost cost;
  double flops = 0;
  double gemm_fwd = forward_seconds(c, g, flops) + forward_seconds(c, experts, flops);
  double gemm_bwd = backward_seconds(c, g) + backward_seconds(c, experts);
  const AttentionCore attn = attention_core(c);
  flops += attn.flops;

  // Elementwise kernels of the forward pass. Norms, residual adds and dropout work on the full
  // hidden state (split over TP ranks only with sequence parallelism); the rest is split by TP.
  const double rep = c.sequence_parallel ? tokens / t : tokens;
  Streams st;
  st.add(rep * h * 2 * e);                          // norm before attention
  st.add(rep * h * 2 * e);                          // norm before the MLP
  st.add(rep * h * 3 * e);                          // residual add after attention
  st.add(rep * h * 3 * e);                          // residual add after the MLP
  if (m.dropout) {
    st.add(rep * h * (2 * e + 1));                  // dropout after attention (1-byte mask)
    st.add(rep * h * (2 * e + 1));                  // dropout after the MLP
  }
  st.add(tokens * q / t * 2 * e);                   // attention output back to [tokens, hidden]
  if (c.attention == AttentionKernel::Explicit) st.add(tokens * (q + 2 * kv) / t * 2 * e);  // q, k, v to heads
  const double act_tokens = m.moe() ? moe_tokens : tokens;
  st.add(act_tokens * f / t * (gated + 1) * e);     // GeLU, or SiLU(gate) x up
  if (m.moe()) {
    st.add(moe_tokens * h * 2 * e);                 // permute tokens to experts
    st.add(moe_tokens * h * 3 * e);                 // un-permute and weight by the router
  }
  const double elementwise_fwd = st.seconds(c);
  const double elementwise_bwd = st.seconds(c, 2);

  cost.forward.compute = gemm_fwd + attn.forward + elementwise_fwd;
  cost.backward.compute = gemm_bwd + attn.backward + elementwise_bwd;
  cost.fwd_flops = flops;

  // Tensor parallelism: 2 all-reduces of the [tokens, hidden] activations in the forward pass and 2
  // in the backward (Shoeybi et al. 2019); with sequence parallelism each becomes an all-gather plus
  // a reduce-scatter of the same buffer (Korthikanti et al. 2022).
  const double act_bytes = tokens * h * e;
  double tp = 0;
  if (c.tp_group.size > 1) {
    tp = c.sequence_parallel
             ? 2 * (c.comm->all_gather(act_bytes, c.tp_group) + c.comm->reduce_scatter(act_bytes, c.tp_group))
             : 2 * c.comm->all_reduce(act_bytes, c.tp_group);
  }
  cost.forward.tp_comm = tp;
  cost.backward.tp_comm = tp;
  // Expert parallelism: dispatch and combine all-to-alls, forward and backward.
  double ep = 0;
  if (m.moe() && c.ep_group.size > 1) {
    const double per_rank = moe_tokens * h * e / (c.sequence_parallel ? t : 1);
    ep = 2 * c.comm->all_to_all(per_rank, c.ep_group);
  }
  cost.forward.ep_comm = ep;
  cost.backward.ep_comm = ep;

  if (recompute == Recompute::Full) {
    cost.recompute = cost.forward;
    cost.recompute_flops = flops;
  } else if (recompute == Recompute::Selective && c.attention == AttentionKernel::Explicit) {
    cost.recompute.compute = attn.forward;  // the s x s part only (Korthikanti et al. 2022)
    cost.recompute_flops = attn.flops;
  }
  return cost;
}

LayerCost output_layer_cost(const LayerContext& c) {
  const TransformerSpec& m = *c.model;
  const double t = c.tp, tokens = static_cast<double>(c.micro_batch) * c.seq, h = m.hidden;
  const double e = element_bytes(c.dtype);
  Gemms g;
  g.add(tokens, m.vocab / t, h);
  LayerCost cost;
  double flops = 0;
  const double rep = c.sequence_parallel ? tokens / t : tokens;
  Streams st;
  st.add(rep * h * 2 * e);                 // final norm
  st.add(tokens * m.vocab / t * (e + 4));  // logits to fp32 softmax (cross-entropy)
  cost.forward.compute = forward_seconds(c, g, flops) + st.seconds(c);
  cost.backward.compute = backward_seconds(c, g) + st.seconds(c, 2);
  cost.fwd_flops = flops;
  if (c.tp_group.size > 1) {
    // Vocabulary-parallel cross-entropy: 3 small all-reduces (max, sum, target logit) of fp32 per
    // token; with sequence parallelism the hidden state is gathered first (reduce-scattered back).
    double tp = 3 * c.comm->all_reduce(tokens * 4, c.tp_group);
    if (c.sequence_parallel) tp += c.comm->all_gather(tokens * h * e, c.tp_group);
    cost.forward.tp_comm = tp;
    cost.backward.tp_comm = c.sequence_parallel ? c.comm->reduce_scatter(tokens * h * e, c.tp_group) : 0;
  }
  return cost;
}

}  // namespace kubetwin::models
