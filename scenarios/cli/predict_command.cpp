#include "scenarios/cli/predict_command.hpp"

#include "scenarios/cli/predict_support.hpp"
#include "scenarios/cli/predict_verbs.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
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
  ModelArgs model;
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
  const models::GpuSpec* gpu = &resolve_gpu(a.gpu);
  const TransformerSpec m = resolve_model(a.model, "predict train");
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
    std::printf("%s\n", training_estimate_json(m, *gpu, l, job, e, params).dump(2).c_str());
  } else {
    print_text(m, *gpu, l, e);
  }
  return 0;
}

}  // namespace

PredictCommand::PredictCommand(CLI::App& app)
    : train_args_(std::make_unique<PredictTrainArgs>()),
      infer_args_(std::make_unique<PredictInferArgs>()),
      serve_args_(std::make_unique<PredictServeArgs>()),
      search_args_(std::make_unique<PredictSearchArgs>()) {
  predict_ = app.add_subcommand("predict", "Predict how fast a model trains or serves on GPUs, and whether it fits");
  predict_->require_subcommand(1);
  train_ = predict_->add_subcommand(
      "train", "Step time, throughput, MFU and memory per GPU of one training step (TP/SP, PP, DP, EP, ZeRO, recompute)");
  PredictTrainArgs& a = *train_args_;
  add_model_options(train_, a.model);
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

  infer_ = predict_->add_subcommand("infer", "Time of one prefill or decode step on the roofline, what bounds it, memory per GPU");
  add_infer_options(infer_, *infer_args_);
  serve_ = predict_->add_subcommand(
      "serve", "A continuous-batching server (paged K/V cache, optional chunked prefill) under Poisson arrivals: TTFT, TPOT, tokens/s");
  add_serve_options(serve_, *serve_args_);
  search_ = predict_->add_subcommand("search", "The fastest valid training layout (TP, PP, VPP, DP, EP, ZeRO, recompute, micro-batch) on N GPUs");
  add_search_options(search_, *search_args_);
}

PredictCommand::~PredictCommand() = default;

bool PredictCommand::selected() const { return predict_ != nullptr && predict_->parsed(); }

int PredictCommand::run() const {
  if (train_->parsed()) return run_train(*train_args_);
  if (infer_->parsed()) return run_infer(*infer_args_);
  if (serve_->parsed()) return run_serve(*serve_args_);
  if (search_->parsed()) return run_search(*search_args_);
  return 0;
}

}  // namespace kubetwin::cli
