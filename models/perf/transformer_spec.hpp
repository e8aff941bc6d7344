#pragma once
// The shape of a GPT/Llama-style decoder-only transformer, dense or mixture-of-experts, and the
// model catalog (models/perf/data/models.json, compiled in). Defaults are GPT's (Megatron-LM):
// 4h GeLU MLP, LayerNorm, biases, tied embeddings, dropout; Llama-style models say otherwise.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace kubetwin::models {

enum class MlpKind { Gelu, SwiGlu };

struct TransformerSpec {
  std::string name;
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;       ///< 0 in input means = heads (multi-head attention)
  int ffn = 0;            ///< 0 in input means 4 x hidden
  int vocab = 51200;
  int experts = 0;        ///< 0 or 1: dense
  int top_k = 0;
  MlpKind mlp = MlpKind::Gelu;
  bool rms_norm = false;
  bool bias = true;
  bool tied_embeddings = true;
  int position_embeddings = 0;  ///< learned positions (rows); 0 = rotary
  bool dropout = true;

  bool moe() const { return experts > 1; }
  double head_dim() const { return static_cast<double>(hidden) / heads; }
  /// Parameters of one layer's attention block (QKV, output projection, biases, its norm).
  double attention_parameters() const;
  /// Parameters of one expert's (or the dense) MLP, biases included.
  double mlp_parameters() const;
  /// Parameters of one layer with all its experts (and the router).
  double layer_parameters() const;
  /// Input embedding, learned positions, untied output head, final norm.
  double embedding_parameters() const;
  /// Everything (Narayanan et al. 2021 Eq. (2) for a GPT: 12lh^2 (1 + 13/12h + (V + s)/12lh)).
  double parameters() const;
  /// Parameters a token passes through (MoE: top_k of the experts).
  double active_parameters() const;

  /// Fills defaults (kv_heads, ffn) and checks the shape; returns the problems, empty if none.
  std::vector<std::string> normalize();
};

/// Reads one model object (catalog entry or a user's file); throws sim::InputError naming
/// `source` and the JSON pointer `pointer`.
TransformerSpec parse_transformer_spec(const nlohmann::json& value, const std::string& source,
                                       const std::string& pointer = "");

class ModelCatalog {
 public:
  static const ModelCatalog& builtin();
  static ModelCatalog parse(std::string_view json_text, const std::string& source);
  const TransformerSpec* find(std::string_view name) const;
  const std::vector<TransformerSpec>& models() const { return models_; }
  std::string names() const;

 private:
  std::vector<TransformerSpec> models_;
};

}  // namespace kubetwin::models
