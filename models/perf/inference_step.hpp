#pragma once
// The time of one inference forward pass (prefill, decode, or a continuous-batching iteration
// that mixes both) of a transformer on a tensor-parallel group of GPUs, and its memory.
//
//   InferenceStepModel model(gpu, EfficiencyModel::builtin(), collectives, {.tp = 2});
//   InferenceStep s = model.step(spec, IterationWork::decode(32, 1024));  // s.seconds, s.bound_by()
//
// Each kernel sits on the roofline with the fitted efficiencies (models/hardware/efficiency):
// every GEMM at its shape (rows = the tokens of the pass, so decode reads all weights for a few
// rows: memory-bound), attention as max(causal FLOPs at the fitted FlashAttention efficiency,
// K/V cache bytes at the streaming bandwidth), elementwise kernels as bytes, and two all-reduces
// of the hidden state per layer over the TP group (collectives model, NVLink inside a node).

#include <string>
#include <vector>

#include "models/hardware/efficiency.hpp"
#include "models/hardware/gpu_calibration.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/transformer_spec.hpp"

namespace kubetwin::models {

enum class InferencePhase { Prefill, Decode };

/// Which elementwise kernels a forward pass runs.
enum class InferenceKernels {
  /// A serving engine (vLLM, TensorRT-LLM): fused residual-add + norm, fused activation x gate,
  /// rotary on Q and K, one K/V cache write.
  Fused,
  /// The reference PyTorch decoder of ../shared/calibration/gpu/measure.py, one kernel per
  /// operator: RMSNorm in seven fp32 ops, SiLU and the multiply apart, separate residual adds,
  /// two cache copies, no rotary.
  Eager,
};

/// The work of one forward pass over a (ragged) batch, in aggregate: what each sequence adds.
struct IterationWork {
  double new_tokens = 0;       ///< tokens computed this pass (the rows of every GEMM)
  double attention_pairs = 0;  ///< query x key pairs over all sequences (causal)
  double kv_tokens_read = 0;   ///< cached + new tokens each sequence's attention reads, summed
  double sequences = 0;
  double logits = 0;           ///< rows of the output head: sequences that emit a token

  /// One sequence with `context` tokens already cached computing `new_tokens` more.
  void add_sequence(double new_tokens_of_sequence, double context, bool emits_token);
  /// `batch` prompts of `prompt` tokens each, from an empty cache.
  static IterationWork prefill(int batch, int prompt);
  /// One token for each of `batch` sequences with `context` tokens cached.
  static IterationWork decode(int batch, int context);
};

struct InferenceOptions {
  int tp = 1;
  std::string dtype = "bf16";     ///< weights and activations
  std::string kv_dtype = "bf16";  ///< K/V cache elements
  InferenceKernels kernels = InferenceKernels::Fused;
  int gpus_per_node = 8;          ///< TP ranks beyond this cross the NICs
  /// CUDA context, NCCL buffers and allocator slack per GPU.
  double reserved_bytes = 1.0 * (1u << 30);
};

/// Calibrated constants of the inference model, shared by every GPU.
struct InferenceModelParameters {
  /// Fraction of dense peak reached by fused attention on its causal work (the training fit).
  double flash_attention_efficiency = 0.5;
  /// Fixed GPU-side cost of each kernel in a stream the CPU keeps full (a CUDA graph, or eager
  /// PyTorch running ahead of the GPU): the gap between dependent kernels. Fitted to the decode
  /// rows of the H100 calibration (fit_kernel_gap); the GEMM fit's launch latency (about 8 us)
  /// also holds the CPU's dispatch of each eagerly timed GEMM, which a CUDA graph removes.
  double kernel_gap_seconds = 3e-6;
};

/// The shipped parameters: the training model's attention efficiency, the gap fitted once to the
/// built-in H100 calibration.
const InferenceModelParameters& builtin_inference_parameters();

struct InferenceStep {
  double seconds = 0;
  int kernels = 0;  ///< kernels launched
  // Breakdown (they add up to seconds).
  double gemm_seconds = 0;
  double attention_seconds = 0;
  double elementwise_seconds = 0;
  double tp_comm_seconds = 0;
  // The kernels' time split by what bounds each one (launch latency included in each).
  double compute_bound_seconds = 0;
  double memory_bound_seconds = 0;
  double flops = 0;        ///< per GPU
  double weight_bytes = 0; ///< weights read per GPU
  double kv_bytes = 0;     ///< K/V cache read and written per GPU
  /// "compute" or "memory": which roofline term dominates the pass.
  const char* bound_by() const { return compute_bound_seconds >= memory_bound_seconds ? "compute" : "memory"; }
};

struct InferenceMemory {
  double weights = 0;      ///< per GPU (TP shard)
  double kv_cache = 0;     ///< per GPU, for the batch and context asked for
  double activations = 0;  ///< transient tensors of the largest pass
  double reserved = 0;
  double total() const { return weights + kv_cache + activations + reserved; }
};

class InferenceStepModel {
 public:
  InferenceStepModel(const GpuSpec& gpu, const EfficiencyModel& efficiency, const CollectiveModel& comm,
                     InferenceOptions options = {}, InferenceModelParameters params = builtin_inference_parameters())
      : gpu_(gpu), efficiency_(efficiency), comm_(comm), options_(std::move(options)), params_(params) {}

  /// The problems that make `options.tp` invalid for `model` (empty: valid), each one line.
  static std::vector<std::string> check(const TransformerSpec& model, int tp);

  /// One forward pass of `work` (the model is dense or MoE; MoE experts are split by TP too).
  InferenceStep step(const TransformerSpec& model, const IterationWork& work) const;

  /// K/V cache bytes one token occupies on each GPU (K/V heads split by TP, replicated when TP
  /// exceeds them).
  double kv_bytes_per_token(const TransformerSpec& model) const;
  /// Weights per GPU.
  double weight_bytes(const TransformerSpec& model) const;
  /// Memory per GPU with `cached_tokens` in the K/V cache and a largest pass of `pass_tokens`.
  InferenceMemory memory(const TransformerSpec& model, double cached_tokens, double pass_tokens) const;

  const GpuSpec& gpu() const { return gpu_; }
  const InferenceOptions& options() const { return options_; }

 private:
  const GpuSpec& gpu_;
  const EfficiencyModel& efficiency_;
  const CollectiveModel& comm_;
  InferenceOptions options_;
  InferenceModelParameters params_;
};

/// The decoder measure.py times (its calibration file's "model" block): Llama-style, untied.
TransformerSpec calibration_decoder(const GpuCalibration& cal);

/// Least-squares fit (relative error) of the per-kernel gap to `cal`'s decode rows, run as
/// measure.py runs them (InferenceKernels::Eager, one GPU).
double fit_kernel_gap(const GpuCalibration& cal, const GpuSpec& measured_on, const EfficiencyModel& efficiency,
                      double flash_attention_efficiency);

}  // namespace kubetwin::models
