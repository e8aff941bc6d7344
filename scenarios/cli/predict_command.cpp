#include "scenarios/cli/predict_command.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "models/hardware/efficiency.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/training_calibration.hpp"
#include "models/perf/training_step.hpp"
#include "models/perf/transformer_spec.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::cli {

struct PredictTrainArgs {
  std::string model;  // catalog name or JSON file
  // Inline model.
  std::optional<int> layers, hidden, heads, kv_heads, ffn, vocab, experts, top_k;
  std::string mlp = "gelu";
  // Job and layout.
  int seq = 0;
  int global_batch = 0;
  std::string micro_batch = "1";
  std::string gpu;
  int gpus = 0;
  int tp = 1, pp = 1, vpp = 1, ep = 1, zero = 0;
  std::string recompute = "none";
  std::string attention = "flash";
  std::string dtype = "bf16";
  bool sequence_parallel = false;
  bool overlap_grad_reduce = false;
  double nic_gbps = 400;
  int gpus_per_node = 8;
  bool json = false;
};

namespace {

using models::TransformerSpec;

TransformerSpec resolve_model(const PredictTrainArgs& a) {
  const bool inline_model = a.layers || a.hidden || a.heads;
  if (!a.model.empty() && inline_model) throw sim::InputError("--model cannot be combined with --layers/--hidden/--heads");
  if (!a.model.empty()) {
    if (const TransformerSpec* m = models::ModelCatalog::builtin().find(a.model)) return *m;
    if (std::filesystem::is_regular_file(a.model)) {
      std::ifstream in(a.model, std::ios::binary);
      std::stringstream buf;
      buf << in.rdbuf();
      nlohmann::json doc;
      try {
        doc = nlohmann::json::parse(buf.str());
      } catch (const nlohmann::json::parse_error& e) {
        throw sim::InputError(a.model + ": not valid JSON: " + e.what());
      }
      return models::parse_transformer_spec(doc, a.model);
    }
    throw sim::InputError("--model: unknown model \"" + a.model + "\" and no such file (known: " +
                          models::ModelCatalog::builtin().names() + ")");
  }
  if (!a.layers || !a.hidden || !a.heads)
    throw sim::InputError("predict train needs --model NAME|FILE, or --layers, --hidden and --heads");
  TransformerSpec m;
  m.name = "custom";
  m.layers = *a.layers;
  m.hidden = *a.hidden;
  m.heads = *a.heads;
  m.kv_heads = a.kv_heads.value_or(0);
  m.ffn = a.ffn.value_or(0);
  m.vocab = a.vocab.value_or(51200);
  m.experts = a.experts.value_or(0);
  m.top_k = a.top_k.value_or(m.experts > 1 ? 1 : 0);
  if (a.mlp == "swiglu") {  // a Llama-style block
    m.mlp = models::MlpKind::SwiGlu;
    m.rms_norm = true;
    m.bias = false;
    m.tied_embeddings = false;
    m.dropout = false;
  }
  auto problems = m.normalize();
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  return m;
}

int parse_micro_batch(const std::string& s) {
  if (s == "auto") return 0;
  try {
    std::size_t used = 0;
    const int b = std::stoi(s, &used);
    if (used == s.size() && b >= 1) return b;
  } catch (const std::exception&) {
  }
  throw sim::InputError("--micro-batch must be a whole number of sequences (at least 1) or auto, got \"" + s + "\"");
}

nlohmann::ordered_json to_json(const TransformerSpec& m, const models::GpuSpec& gpu, const models::ParallelLayout& l,
                               const models::TrainingJob& job, const models::TrainingEstimate& e,
                               const models::TrainingModelParameters& p) {
  return {
      {"model", m.name},
      {"parameters", m.parameters()},
      {"gpu", gpu.name},
      {"gpus", l.gpus},
      {"layout", {{"tp", l.tp}, {"pp", l.pp}, {"vpp", l.vpp}, {"dp", l.dp()}, {"ep", l.ep}, {"zero", l.zero},
                  {"sequenceParallel", l.sequence_parallel}, {"recompute", models::to_string(job.recompute)},
                  {"microBatch", e.micro_batch}, {"microBatches", e.micro_batches}}},
      {"stepSeconds", e.step_seconds},
      {"tokensPerSecond", e.tokens_per_second},
      {"modelTflopsPerGpu", e.model_tflops_per_gpu},
      {"hardwareTflopsPerGpu", e.hardware_tflops_per_gpu},
      {"mfu", e.mfu},
      {"memoryPerGpuBytes", e.memory.total()},
      {"gpuMemoryBytes", gpu.memory_bytes},
      {"fits", e.fits},
      {"memory", {{"weightsBytes", e.memory.weights}, {"gradientsBytes", e.memory.gradients},
                  {"optimizerBytes", e.memory.optimizer}, {"activationsBytes", e.memory.activations},
                  {"reservedBytes", e.memory.reserved}}},
      {"breakdown", {{"computeSeconds", e.compute_seconds},
                     {"bubbleSeconds", e.bubble_seconds},
                     {"exposedCommSeconds", {{"tp", e.exposed_comm.tp}, {"pp", e.exposed_comm.pp},
                                             {"dp", e.exposed_comm.dp}, {"ep", e.exposed_comm.ep}}},
                     {"optimizerSeconds", e.optimizer_seconds},
                     {"forwardBackwardPerLayerSeconds", e.forward_backward_per_layer_seconds}}},
      {"calibration", {{"frameworkEfficiency", p.framework_efficiency},
                       {"flashAttentionEfficiency", p.flash_attention_efficiency}}},
  };
}

void print_text(const TransformerSpec& m, const models::GpuSpec& gpu, const models::ParallelLayout& l,
                const models::TrainingEstimate& e) {
  std::printf("kubetwin: %s (%.1fB parameters) on %d x %s, TP %d PP %d (vpp %d) DP %d EP %d ZeRO %d, micro-batch %d x %d\n",
              m.name.c_str(), m.parameters() / 1e9, l.gpus, gpu.name.c_str(), l.tp, l.pp, l.vpp, l.dp(), l.ep, l.zero,
              e.micro_batch, e.micro_batches);
  std::printf("  step       %.3f s, %.0f tokens/s, %.1f model TFLOP/s per GPU (MFU %.1f%%), %.1f hardware TFLOP/s\n",
              e.step_seconds, e.tokens_per_second, e.model_tflops_per_gpu, 100 * e.mfu, e.hardware_tflops_per_gpu);
  std::printf("  breakdown  compute %.3f s, bubble %.3f s, exposed comm tp %.3f / pp %.3f / dp %.3f / ep %.3f s, optimizer %.3f s\n",
              e.compute_seconds, e.bubble_seconds, e.exposed_comm.tp, e.exposed_comm.pp, e.exposed_comm.dp,
              e.exposed_comm.ep, e.optimizer_seconds);
  std::printf("  memory     %.1f GB of %.1f GB per GPU (weights %.1f, grads %.1f, optimizer %.1f, activations %.1f): %s\n",
              e.memory.total() / 1e9, gpu.memory_bytes / 1e9, e.memory.weights / 1e9, e.memory.gradients / 1e9,
              e.memory.optimizer / 1e9, e.memory.activations / 1e9, e.fits ? "fits" : "DOES NOT FIT");
}

int run_train(const PredictTrainArgs& a) {
  const models::GpuSpec* gpu = models::GpuCatalog::builtin().find(a.gpu);
  if (gpu == nullptr)
    throw sim::InputError("--gpu: unknown GPU \"" + a.gpu + "\" (known: " + models::GpuCatalog::builtin().names() + ")");
  const TransformerSpec m = resolve_model(a);
  models::ParallelLayout l;
  l.gpus = a.gpus;
  l.tp = a.tp;
  l.pp = a.pp;
  l.vpp = a.vpp;
  l.ep = a.ep;
  l.zero = a.zero;
  l.sequence_parallel = a.sequence_parallel;
  models::TrainingJob job;
  job.seq = a.seq;
  job.global_batch = a.global_batch;
  job.micro_batch = parse_micro_batch(a.micro_batch);
  job.recompute = a.recompute == "full" ? models::Recompute::Full
                  : a.recompute == "selective" ? models::Recompute::Selective
                                               : models::Recompute::None;
  job.attention = a.attention == "explicit" ? models::AttentionKernel::Explicit : models::AttentionKernel::Flash;
  job.dtype = a.dtype;
  if (gpu->peak(job.dtype) <= 0)
    throw sim::InputError("--dtype: " + gpu->name + " has no dense " + job.dtype + " throughput in the catalog");
  models::TrainingEnvironment env;
  env.gpus_per_node = a.gpus_per_node;
  env.nic_bits_per_second = a.nic_gbps * 1e9;
  env.overlap_grad_reduce = a.overlap_grad_reduce;
  const models::AlphaBetaCollectives comm = models::AlphaBetaCollectives::for_gpu(*gpu, env.nic_bits_per_second);
  const models::TrainingModelParameters& params = models::builtin_training_parameters();
  const models::TrainingStepModel model(*gpu, models::EfficiencyModel::builtin(), comm, env, params);
  const models::TrainingEstimate e = model.estimate(m, l, job);
  if (a.json) {
    std::printf("%s\n", to_json(m, *gpu, l, job, e, params).dump(2).c_str());
  } else {
    print_text(m, *gpu, l, e);
  }
  return 0;
}

}  // namespace

PredictCommand::PredictCommand(CLI::App& app) : train_args_(std::make_unique<PredictTrainArgs>()) {
  predict_ = app.add_subcommand("predict", "Predict how fast a model trains on a GPU cluster, and whether it fits");
  predict_->require_subcommand(1);
  train_ = predict_->add_subcommand(
      "train", "Step time, throughput, MFU and memory per GPU of one training step (TP/SP, PP, DP, EP, ZeRO, recompute)");
  PredictTrainArgs& a = *train_args_;
  auto* model = train_->add_option("--model", a.model, "Model from the catalog (e.g. llama-3-70b) or a JSON model file");
  auto* layers = train_->add_option("--layers", a.layers, "Inline model: transformer layers")->check(CLI::PositiveNumber);
  auto* hidden = train_->add_option("--hidden", a.hidden, "Inline model: hidden size")->check(CLI::PositiveNumber);
  auto* heads = train_->add_option("--heads", a.heads, "Inline model: attention heads")->check(CLI::PositiveNumber);
  for (auto* o : {layers, hidden, heads}) o->excludes(model);
  train_->add_option("--kv-heads", a.kv_heads, "Inline model: key/value heads (default: heads)")->check(CLI::PositiveNumber)->excludes(model);
  train_->add_option("--ffn", a.ffn, "Inline model: MLP size (default: 4 x hidden)")->check(CLI::PositiveNumber)->excludes(model);
  train_->add_option("--vocab", a.vocab, "Inline model: vocabulary (default 51200)")->check(CLI::PositiveNumber)->excludes(model);
  train_->add_option("--experts", a.experts, "Inline model: experts per MoE layer")->check(CLI::PositiveNumber)->excludes(model);
  train_->add_option("--top-k", a.top_k, "Inline model: experts per token")->check(CLI::PositiveNumber)->excludes(model);
  train_->add_option("--mlp", a.mlp, "Inline model: gelu (GPT block) or swiglu (Llama block)")
      ->check(CLI::IsMember({"gelu", "swiglu"}))->capture_default_str()->excludes(model);
  train_->add_option("--seq", a.seq, "Sequence length (tokens)")->required()->check(CLI::PositiveNumber);
  train_->add_option("--global-batch", a.global_batch, "Sequences per step")->required()->check(CLI::PositiveNumber);
  train_->add_option("--micro-batch", a.micro_batch, "Sequences per micro-batch, or auto (the fastest that fits)")
      ->capture_default_str();
  train_->add_option("--gpu", a.gpu, "GPU model from the catalog (e.g. H100-SXM-80GB)")->required();
  train_->add_option("--gpus", a.gpus, "Number of GPUs")->required()->check(CLI::PositiveNumber);
  train_->add_option("--tp", a.tp, "Tensor-parallel size")->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--pp", a.pp, "Pipeline-parallel stages")->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--vpp", a.vpp, "Model chunks per pipeline rank (interleaved 1F1B when > 1)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--ep", a.ep, "Expert-parallel size (divides the data-parallel ranks)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--zero", a.zero, "ZeRO stage over the data-parallel ranks (3 = FSDP)")
      ->capture_default_str()->check(CLI::Range(0, 3));
  train_->add_option("--recompute", a.recompute, "Activation recomputation")
      ->check(CLI::IsMember({"none", "selective", "full"}))->capture_default_str();
  train_->add_flag("--sequence-parallel", a.sequence_parallel, "Sequence parallelism with TP (Korthikanti et al. 2022)");
  train_->add_option("--attention", a.attention, "flash (fused kernels) or explicit (Megatron-LM 2021 softmax kernels)")
      ->check(CLI::IsMember({"flash", "explicit"}))->capture_default_str();
  train_->add_option("--dtype", a.dtype, "Compute data type (bf16, fp16, fp8)")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8", "tf32", "fp32"}))->capture_default_str();
  train_->add_option("--nic-gbps", a.nic_gbps, "Network bandwidth per GPU across nodes, Gb/s")
      ->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--gpus-per-node", a.gpus_per_node, "GPUs per NVLink node")->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_flag("--overlap-grad-reduce", a.overlap_grad_reduce, "Hide the data-parallel reduction behind the backward pass");
  train_->add_flag("--json", a.json, "Print the result as JSON");
}

PredictCommand::~PredictCommand() = default;

bool PredictCommand::selected() const { return predict_ != nullptr && predict_->parsed(); }

int PredictCommand::run() const {
  if (train_->parsed()) return run_train(*train_args_);
  return 0;
}

}  // namespace kubetwin::cli
