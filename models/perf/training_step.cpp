#include "models/perf/training_step.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "models/perf/layer_cost.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

CommGroup group(int size, int per_node) { return {size, std::clamp(per_node, 1, std::max(1, size))}; }

std::string str(int v) { return std::to_string(v); }

}  // namespace

double fit_flash_attention_efficiency(const GpuCalibration& cal, const GpuSpec& gpu, const EfficiencyModel& efficiency) {
  if (cal.train_layers.empty()) return 0.5;
  const AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(gpu);
  // The measured block (measure.py GPTLayer): LayerNorm, fused QKV with bias, causal SDPA
  // (FlashAttention), output projection, 4h GeLU MLP; no dropout, no parallelism.
  const Eigen::Index n = static_cast<Eigen::Index>(cal.train_layers.size());
  Eigen::VectorXd a(n), b(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& row = cal.train_layers[static_cast<std::size_t>(i)];
    TransformerSpec m;
    m.name = "calibration-layer";
    m.layers = 1;
    m.hidden = row.hidden;
    m.heads = row.heads;
    m.dropout = false;
    m.normalize();
    TrainingJob job;
    job.seq = row.seq;
    TrainingModelParameters fast;
    fast.flash_attention_efficiency = 1e12;  // attention costs only its launches
    const TrainingStepModel model(gpu, efficiency, comm, {}, fast);
    const double rest = model.layer_seconds(m, {}, job, row.micro_batch);
    // Attention's causal work forward (2 b s^2 h) and backward (2.5x): seconds at the full peak.
    const double work = 3.5 * 2.0 * row.micro_batch * double(row.seq) * row.seq * row.hidden / gpu.peak("bf16");
    a(i) = work / row.fwd_bwd_seconds;  // relative residual: (rest + work/e)/measured - 1
    b(i) = 1 - rest / row.fwd_bwd_seconds;
  }
  const double inv = a.dot(b) / a.squaredNorm();  // least squares for 1/e
  return inv > 1 ? 1 / inv : 1.0;
}

std::vector<std::string> TrainingStepModel::check(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job) {
  std::vector<std::string> p;
  auto positive = [&](int v, const char* what) {
    if (v < 1) p.push_back(std::string(what) + " must be at least 1, got " + str(v));
    return v >= 1;
  };
  bool ok = positive(l.gpus, "--gpus") & positive(l.tp, "--tp") & positive(l.pp, "--pp") & positive(l.vpp, "--vpp") &
            positive(l.ep, "--ep") & positive(job.seq, "--seq") & positive(job.global_batch, "--global-batch");
  if (job.micro_batch < 0) p.push_back("--micro-batch must be at least 1 (or auto), got " + str(job.micro_batch));
  if (l.zero < 0 || l.zero > 3) p.push_back("--zero must be 0, 1, 2 or 3, got " + str(l.zero));
  if (!ok) return p;
  if (m.heads % l.tp != 0) p.push_back("heads (" + str(m.heads) + ") are not divisible by --tp " + str(l.tp));
  if (m.kv_heads % l.tp != 0 && l.tp % m.kv_heads != 0)
    p.push_back("kv-heads (" + str(m.kv_heads) + ") and --tp " + str(l.tp) + " do not divide one another");
  if (m.ffn % l.tp != 0) p.push_back("ffn (" + str(m.ffn) + ") is not divisible by --tp " + str(l.tp));
  if (m.layers % (l.pp * l.vpp) != 0)
    p.push_back("layers (" + str(m.layers) + ") are not divisible by --pp x --vpp = " + str(l.pp * l.vpp));
  if (l.vpp > 1 && l.pp == 1) p.push_back("--vpp " + str(l.vpp) + " needs --pp > 1 (interleaving splits pipeline stages)");
  if (l.gpus % (l.tp * l.pp * l.ep) != 0)
    p.push_back("--gpus " + str(l.gpus) + " is not divisible by --tp x --pp x --ep = " + str(l.tp * l.pp * l.ep));
  if (l.ep > 1 && !m.moe()) p.push_back("--ep " + str(l.ep) + " needs a mixture-of-experts model (experts > 1)");
  if (m.moe() && m.experts % l.ep != 0)
    p.push_back("experts (" + str(m.experts) + ") are not divisible by --ep " + str(l.ep));
  if (p.empty()) {
    const int dp = l.dp();
    if (job.global_batch % dp != 0)
      p.push_back("--global-batch " + str(job.global_batch) + " is not divisible by the data-parallel size " + str(dp));
    else if (job.micro_batch > 0 && (job.global_batch / dp) % job.micro_batch != 0)
      p.push_back("--global-batch / data-parallel size = " + str(job.global_batch / dp) +
                  " sequences per pipeline is not divisible by --micro-batch " + str(job.micro_batch));
  }
  return p;
}

double TrainingStepModel::layer_seconds(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job,
                                        int micro_batch) const {
  LayerContext c{&m, &gpu_, &efficiency_, &comm_, micro_batch, job.seq, l.tp, l.sequence_parallel,
                 group(l.tp, env_.gpus_per_node), group(l.ep, env_.gpus_per_node / l.tp), job.attention, job.dtype,
                 params_.flash_attention_efficiency};
  const LayerCost cost = layer_cost(c, job.recompute);
  return cost.forward.total() + cost.backward.total() + cost.recompute.total();
}

TrainingEstimate TrainingStepModel::estimate(const TransformerSpec& m, const ParallelLayout& l, const TrainingJob& job) const {
  auto problems = check(m, l, job);
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  if (job.micro_batch > 0) return estimate_fixed(m, l, job, job.micro_batch);
  // --micro-batch auto: every divisor of the per-pipeline batch; the fastest that fits wins.
  const int per_pipeline = job.global_batch / l.dp();
  TrainingEstimate best, best_any;
  bool have = false, have_any = false;
  for (int b = 1; b <= per_pipeline; ++b) {
    if (per_pipeline % b != 0) continue;
    const TrainingEstimate e = estimate_fixed(m, l, job, b);
    if (!have_any || e.step_seconds < best_any.step_seconds) best_any = e, have_any = true;
    if (e.fits && (!have || e.step_seconds < best.step_seconds)) best = e, have = true;
    if (!e.fits && have) break;  // memory grows with b: larger ones do not fit either
  }
  return have ? best : best_any;
}

TrainingEstimate TrainingStepModel::estimate_fixed(const TransformerSpec& m, const ParallelLayout& l,
                                                   const TrainingJob& job, int b) const {
  const int dp = l.dp(), p = l.pp, v = l.vpp, t = l.tp, node = env_.gpus_per_node;
  const double fe = params_.framework_efficiency;
  const double e = job.dtype == "fp32" || job.dtype == "tf32" ? 4 : job.dtype == "fp8" ? 1 : 2;
  LayerContext c{&m, &gpu_, &efficiency_, &comm_, b, job.seq, t, l.sequence_parallel,
                 group(t, node), group(l.ep, node / t), job.attention, job.dtype, params_.flash_attention_efficiency};
  const LayerCost layer = layer_cost(c, job.recompute);
  const LayerCost head = output_layer_cost(c);
  const double layers = static_cast<double>(m.layers) / p;

  // One micro-batch through the slowest stage (the last one carries the output layer; the first
  // one's embedding lookup is a gather of b s h elements, negligible next to a layer).
  auto pass_compute = [&](const LayerCost& x) { return (x.forward.compute + x.backward.compute + x.recompute.compute) / fe; };
  auto pass_tp = [](const LayerCost& x) { return x.forward.tp_comm + x.backward.tp_comm + x.recompute.tp_comm; };
  auto pass_ep = [](const LayerCost& x) { return x.forward.ep_comm + x.backward.ep_comm + x.recompute.ep_comm; };
  const double stage_compute = layers * pass_compute(layer) + pass_compute(head);
  const double stage_tp = layers * pass_tp(layer) + pass_tp(head);
  const double stage_ep = layers * pass_ep(layer);
  const double stage = stage_compute + stage_tp + stage_ep;
  const int mb = job.global_batch / (dp * b);

  TrainingEstimate r;
  r.micro_batch = b;
  r.micro_batches = mb;
  r.compute_seconds = mb * stage_compute;
  r.exposed_comm.tp = mb * stage_tp;
  r.exposed_comm.ep = mb * stage_ep;
  r.bubble_seconds = static_cast<double>(p - 1) / v * stage;  // Narayanan et al. 2021, Sec. 2.2
  r.forward_backward_per_layer_seconds = pass_compute(layer) + pass_tp(layer) + pass_ep(layer);

  // Pipeline p2p: each micro-batch crosses v chunk boundaries forward and v backward; with TP the
  // b s h activations are scattered over the TP ranks (Narayanan et al. 2021, Sec. 4.1).
  if (p > 1) {
    const double bytes = static_cast<double>(b) * job.seq * m.hidden * e / t;
    const bool same_node = static_cast<long long>(t) * dp * p <= node;
    r.exposed_comm.pp = mb * 2.0 * v * comm_.send_recv(bytes, same_node);
  }

  // Data parallelism: gradients of the dense parameters over dp ranks, of the experts over dp/ep.
  const double expert_params = m.moe() ? m.experts * m.mlp_parameters() : 0;
  const double dense_local = (layers * (m.layer_parameters() - expert_params) +
                              static_cast<double>(m.vocab) * m.hidden + static_cast<double>(m.position_embeddings) * m.hidden) / t;
  const double expert_local = layers * expert_params / (t * l.ep);
  const CommGroup dp_group = group(dp, node / t);
  const int edp = std::max(1, dp / l.ep);
  const CommGroup edp_group = group(edp, node / (t * l.ep));
  const double g = 2;  // bytes per gradient element (bf16 reduction)
  if (l.zero >= 3) {
    // ZeRO-3 / FSDP, layer by layer as FSDP and DeepSpeed run it: in forward, layer i+1's weights
    // are gathered (prefetched) while layer i computes, so each layer exposes what its gather
    // takes beyond the layer's forward compute, and the first gather (with the embedding) has
    // nothing to hide behind. Backward gathers each layer's weights again (they were freed after
    // forward) and reduce-scatters the previous layer's gradients on the same NICs, behind that
    // layer's backward (+ recompute); the first gather and the last reduce-scatter (with the
    // embedding's gradients) are exposed. Every micro-batch, as gradient accumulation does.
    const double per_layer_dense = (m.layer_parameters() - expert_params) / t;
    const double per_layer_expert = expert_params / (t * l.ep);
    const double embedding = dense_local - layers * per_layer_dense;
    auto gather = [&](double dense, double expert) {
      return comm_.all_gather(2 * dense, dp_group) + (expert > 0 ? comm_.all_gather(2 * expert, edp_group) : 0.0);
    };
    auto scatter = [&](double dense, double expert) {
      return comm_.reduce_scatter(g * dense, dp_group) + (expert > 0 ? comm_.reduce_scatter(g * expert, edp_group) : 0.0);
    };
    const double layer_gather = gather(per_layer_dense, per_layer_expert);
    const double layer_scatter = scatter(per_layer_dense, per_layer_expert);
    const double layer_forward = layer.forward.compute / fe;
    const double layer_backward = (layer.backward.compute + layer.recompute.compute) / fe;
    const double hidden_layers = std::max(0.0, layers - 1);
    const double forward = gather(per_layer_dense + embedding, per_layer_expert) +
                           hidden_layers * std::max(0.0, layer_gather - layer_forward);
    const double backward = layer_gather + hidden_layers * std::max(0.0, layer_gather + layer_scatter - layer_backward) +
                            scatter(per_layer_dense + embedding, per_layer_expert);
    r.exposed_comm.dp = mb * (forward + backward);
  } else {
    // All-reduce, or (ZeRO 1-2) reduce-scatter of gradients + all-gather of updated weights: the same volume.
    const double t_dp = comm_.all_reduce(g * dense_local, dp_group) + comm_.all_reduce(g * expert_local, edp_group);
    const double last_backward = layers * (layer.backward.compute / fe);
    r.exposed_comm.dp = env_.overlap_grad_reduce ? std::max(0.0, t_dp - last_backward) : t_dp;
  }
  // Optimizer: Adam reads and writes fp32 master weights, momentum and variance, reads the gradient
  // and writes the bf16 weight: 28 bytes per local parameter, streamed.
  const double shard = l.zero >= 1 ? dense_local / dp + expert_local / edp : dense_local + expert_local;
  r.optimizer_seconds = efficiency_.stream_seconds(gpu_, 28 * shard) / fe;

  r.step_seconds = r.compute_seconds + r.bubble_seconds + r.exposed_comm.total() + r.optimizer_seconds;

  // FLOPs per step, all GPUs: 3 x forward (forward + 2x backward) plus what is recomputed.
  const double sequences_per_mb = static_cast<double>(job.global_batch) / b;
  const double fwd = (m.layers * layer.fwd_flops + head.fwd_flops) * t;  // a whole model replica, one micro-batch
  r.model_flops = 3 * fwd * sequences_per_mb;
  r.hardware_flops = r.model_flops + m.layers * layer.recompute_flops * t * sequences_per_mb;
  r.tokens_per_second = static_cast<double>(job.global_batch) * job.seq / r.step_seconds;
  r.model_tflops_per_gpu = r.model_flops / (r.step_seconds * l.gpus) / 1e12;
  r.hardware_tflops_per_gpu = r.hardware_flops / (r.step_seconds * l.gpus) / 1e12;
  const double peak = gpu_.peak(job.dtype) > 0 ? gpu_.peak(job.dtype) : gpu_.peak("bf16");
  r.mfu = r.model_tflops_per_gpu * 1e12 / peak;
  r.memory = training_memory(m, l, job, b, env_);
  r.fits = r.memory.total() <= gpu_.memory_bytes;
  return r;
}

}  // namespace kubetwin::models
