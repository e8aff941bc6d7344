// `kubetwin predict infer`: one prefill or decode step (models/perf/inference_step).

#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/inference_step.hpp"
#include "scenarios/cli/predict_verbs.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::cli {

void add_infer_options(CLI::App* verb, PredictInferArgs& a) {
  add_model_options(verb, a.model);
  verb->add_option("--gpu", a.gpu, "GPU model from the catalog (e.g. H100-SXM-80GB)")->required();
  verb->add_option("--tp", a.tp, "Tensor-parallel size")->capture_default_str()->check(CLI::PositiveNumber);
  verb->add_option("--batch", a.batch, "Sequences in the batch")->required()->check(CLI::PositiveNumber);
  verb->add_option("--context", a.context, "Prefill: prompt tokens per sequence; decode: tokens already cached per sequence")
      ->required()->check(CLI::PositiveNumber);
  verb->add_option("--phase", a.phase, "prefill (the prompt in one pass) or decode (one new token per sequence)")
      ->required()->check(CLI::IsMember({"prefill", "decode"}));
  verb->add_option("--dtype", a.dtype, "Weights and activations (bf16, fp16, fp8)")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8"}))->capture_default_str();
  verb->add_option("--kernels", a.kernels,
                   "fused (a serving engine: fused norms and activations) or eager (one PyTorch kernel per operator)")
      ->check(CLI::IsMember({"fused", "eager"}))->capture_default_str();
  verb->add_flag("--json", a.json, "Print the result as JSON");
}

int run_infer(const PredictInferArgs& a) {
  const models::GpuSpec& gpu = resolve_gpu(a.gpu);
  const models::TransformerSpec m = resolve_model(a.model, "predict infer");
  auto problems = models::InferenceStepModel::check(m, a.tp);
  if (!problems.empty()) throw sim::InputError(std::move(problems));
  if (gpu.peak(a.dtype) <= 0)
    throw sim::InputError("--dtype: " + gpu.name + " has no dense " + a.dtype + " throughput in the catalog");
  models::InferenceOptions options;
  options.tp = a.tp;
  options.dtype = a.dtype;
  options.kernels = a.kernels == "eager" ? models::InferenceKernels::Eager : models::InferenceKernels::Fused;
  const models::AlphaBetaCollectives comm = models::AlphaBetaCollectives::for_gpu(gpu);
  const models::InferenceStepModel model(gpu, models::EfficiencyModel::builtin(), comm, options);

  const bool prefill = a.phase == "prefill";
  const models::IterationWork work =
      prefill ? models::IterationWork::prefill(a.batch, a.context) : models::IterationWork::decode(a.batch, a.context);
  const models::InferenceStep s = model.step(m, work);
  const double batch = a.batch, context = a.context;
  const double cached = batch * (prefill ? context : context + 1);
  const models::InferenceMemory mem = model.memory(m, cached, work.new_tokens);
  const bool fits = mem.total() <= gpu.memory_bytes;
  const double tokens_per_second = work.new_tokens / s.seconds;

  if (a.json) {
    const nlohmann::ordered_json j = {
        {"model", m.name},
        {"parameters", m.parameters()},
        {"gpu", gpu.name},
        {"tp", a.tp},
        {"phase", a.phase},
        {"batch", a.batch},
        {"context", a.context},
        {"kernels", a.kernels},
        {"stepSeconds", s.seconds},
        {"boundBy", s.bound_by()},
        {"tokensPerSecond", tokens_per_second},
        {"flopsPerGpu", s.flops},
        {"weightBytesReadPerGpu", s.weight_bytes},
        {"kvBytesPerGpu", s.kv_bytes},
        {"kvBytesPerToken", model.kv_bytes_per_token(m)},
        {"memoryPerGpuBytes", mem.total()},
        {"gpuMemoryBytes", gpu.memory_bytes},
        {"fits", fits},
        {"memory", {{"weightsBytes", mem.weights}, {"kvCacheBytes", mem.kv_cache},
                    {"activationsBytes", mem.activations}, {"reservedBytes", mem.reserved}}},
        {"breakdown", {{"gemmSeconds", s.gemm_seconds}, {"attentionSeconds", s.attention_seconds},
                       {"elementwiseSeconds", s.elementwise_seconds}, {"tpCommSeconds", s.tp_comm_seconds},
                       {"computeBoundSeconds", s.compute_bound_seconds}, {"memoryBoundSeconds", s.memory_bound_seconds}}},
    };
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("kubetwin: %s (%.1fB parameters) %s on %d x %s, batch %d, %s %d tokens\n", m.name.c_str(),
              m.parameters() / 1e9, a.phase.c_str(), a.tp, gpu.name.c_str(), a.batch, prefill ? "prompt" : "context",
              a.context);
  std::printf("  step       %.3f ms, %s-bound, %.0f tokens/s\n", 1e3 * s.seconds, s.bound_by(), tokens_per_second);
  std::printf("  breakdown  GEMMs %.3f ms, attention %.3f ms, elementwise %.3f ms, TP all-reduce %.3f ms\n",
              1e3 * s.gemm_seconds, 1e3 * s.attention_seconds, 1e3 * s.elementwise_seconds, 1e3 * s.tp_comm_seconds);
  std::printf("  memory     %.1f GB of %.1f GB per GPU (weights %.1f, K/V cache %.1f, activations %.1f): %s\n",
              mem.total() / 1e9, gpu.memory_bytes / 1e9, mem.weights / 1e9, mem.kv_cache / 1e9, mem.activations / 1e9,
              fits ? "fits" : "DOES NOT FIT");
  return 0;
}

}  // namespace kubetwin::cli
