#pragma once
// What the `kubetwin predict` verbs share: the model options (a catalog name, a JSON file or an
// inline shape) and the GPU lookup, each failing with a one-line sim::InputError (exit code 2).

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "models/hardware/gpu_catalog.hpp"
#include "models/perf/training_step.hpp"
#include "models/perf/transformer_spec.hpp"

namespace kubetwin::cli {

struct ModelArgs {
  std::string model;  // catalog name or JSON file
  // Inline model.
  std::optional<int> layers, hidden, heads, kv_heads, ffn, vocab, experts, top_k;
  std::string mlp = "gelu";
};

/// --model and the inline-model options (--layers, --hidden, --heads, ...).
void add_model_options(CLI::App* verb, ModelArgs& a);
/// The catalog entry, the file's model or the inline one; `verb` names the command in errors.
models::TransformerSpec resolve_model(const ModelArgs& a, const std::string& verb);
/// The catalog GPU called `name`.
const models::GpuSpec& resolve_gpu(const std::string& name);

/// The JSON `predict train --json` prints (and `predict search` for each layout it ranks).
nlohmann::ordered_json training_estimate_json(const models::TransformerSpec& m, const models::GpuSpec& gpu,
                                              const models::ParallelLayout& l, const models::TrainingJob& job,
                                              const models::TrainingEstimate& e, const models::TrainingModelParameters& p);

}  // namespace kubetwin::cli
