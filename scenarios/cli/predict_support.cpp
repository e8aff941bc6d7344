#include "scenarios/cli/predict_support.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/input_error.hpp"

namespace kubetwin::cli {

using models::TransformerSpec;

void add_model_options(CLI::App* verb, ModelArgs& a) {
  auto* model = verb->add_option("--model", a.model, "Model from the catalog (e.g. llama-3-70b) or a JSON model file");
  auto* layers = verb->add_option("--layers", a.layers, "Inline model: transformer layers")->check(CLI::PositiveNumber);
  auto* hidden = verb->add_option("--hidden", a.hidden, "Inline model: hidden size")->check(CLI::PositiveNumber);
  auto* heads = verb->add_option("--heads", a.heads, "Inline model: attention heads")->check(CLI::PositiveNumber);
  for (auto* o : {layers, hidden, heads}) o->excludes(model);
  verb->add_option("--kv-heads", a.kv_heads, "Inline model: key/value heads (default: heads)")->check(CLI::PositiveNumber)->excludes(model);
  verb->add_option("--ffn", a.ffn, "Inline model: MLP size (default: 4 x hidden)")->check(CLI::PositiveNumber)->excludes(model);
  verb->add_option("--vocab", a.vocab, "Inline model: vocabulary (default 51200)")->check(CLI::PositiveNumber)->excludes(model);
  verb->add_option("--experts", a.experts, "Inline model: experts per MoE layer")->check(CLI::PositiveNumber)->excludes(model);
  verb->add_option("--top-k", a.top_k, "Inline model: experts per token")->check(CLI::PositiveNumber)->excludes(model);
  verb->add_option("--mlp", a.mlp, "Inline model: gelu (GPT block) or swiglu (Llama block)")
      ->check(CLI::IsMember({"gelu", "swiglu"}))->capture_default_str()->excludes(model);
}

TransformerSpec resolve_model(const ModelArgs& a, const std::string& verb) {
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
    throw sim::InputError(verb + " needs --model NAME|FILE, or --layers, --hidden and --heads");
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

const models::GpuSpec& resolve_gpu(const std::string& name) {
  const models::GpuSpec* gpu = models::GpuCatalog::builtin().find(name);
  if (gpu == nullptr)
    throw sim::InputError("--gpu: unknown GPU \"" + name + "\" (known: " + models::GpuCatalog::builtin().names() + ")");
  return *gpu;
}

nlohmann::ordered_json training_estimate_json(const TransformerSpec& m, const models::GpuSpec& gpu, const models::ParallelLayout& l,
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

}  // namespace kubetwin::cli
