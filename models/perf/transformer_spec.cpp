#include "models/perf/transformer_spec.hpp"

#include "sim/input_error.hpp"
#include "sim/named_list.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::models {

extern const char* const kBuiltinModelCatalogJson;  // generated from data/models.json

namespace {
double norm_parameters(const TransformerSpec& m) { return m.rms_norm ? m.hidden : 2.0 * m.hidden; }
}  // namespace

double TransformerSpec::attention_parameters() const {
  const double h = hidden, kv = kv_heads * head_dim(), q = heads * head_dim();
  double p = h * q + 2 * h * kv + q * h;  // Q, K, V, output projection
  if (bias) p += q + 2 * kv + h;
  return p + norm_parameters(*this);
}

double TransformerSpec::mlp_parameters() const {
  const double h = hidden, f = ffn;
  if (mlp == MlpKind::SwiGlu) return 3 * h * f + (bias ? 2 * f + h : 0);  // gate, up, down
  return 2 * h * f + (bias ? f + h : 0);
}

double TransformerSpec::layer_parameters() const {
  double p = attention_parameters() + norm_parameters(*this);
  if (moe()) return p + experts * mlp_parameters() + static_cast<double>(hidden) * experts;  // + router
  return p + mlp_parameters();
}

double TransformerSpec::embedding_parameters() const {
  const double h = hidden;
  return static_cast<double>(vocab) * h * (tied_embeddings ? 1 : 2) + position_embeddings * h + norm_parameters(*this);
}

double TransformerSpec::parameters() const { return layers * layer_parameters() + embedding_parameters(); }

double TransformerSpec::active_parameters() const {
  if (!moe()) return parameters();
  const double per_layer = attention_parameters() + norm_parameters(*this) + top_k * mlp_parameters() +
                           static_cast<double>(hidden) * experts;
  return layers * per_layer + embedding_parameters();
}

std::vector<std::string> TransformerSpec::normalize() {
  std::vector<std::string> problems;
  if (kv_heads == 0) kv_heads = heads;
  if (ffn == 0) ffn = 4 * hidden;
  if (layers < 1) problems.push_back("layers must be at least 1");
  if (hidden < 1) problems.push_back("hidden must be at least 1");
  if (heads < 1) problems.push_back("heads must be at least 1");
  if (vocab < 1) problems.push_back("vocab must be at least 1");
  if (heads >= 1 && hidden % heads != 0)
    problems.push_back("hidden (" + std::to_string(hidden) + ") must be divisible by heads (" + std::to_string(heads) + ")");
  if (kv_heads < 1 || (heads >= 1 && heads % kv_heads != 0))
    problems.push_back("heads (" + std::to_string(heads) + ") must be divisible by kv-heads (" + std::to_string(kv_heads) + ")");
  if (experts > 1 && (top_k < 1 || top_k > experts))
    problems.push_back("top-k must be between 1 and experts (" + std::to_string(experts) + ")");
  if (experts <= 1 && top_k > 1) problems.push_back("top-k needs experts > 1");
  return problems;
}

TransformerSpec parse_transformer_spec(const nlohmann::json& value, const std::string& source,
                                       const std::string& pointer) {
  std::vector<sim::JsonIssue> issues;
  sim::StrictObject o(value, pointer, issues);
  TransformerSpec m;
  o.string("_comment");
  m.name = o.string("name", sim::Required::Yes).value_or("");
  m.layers = static_cast<int>(o.integer("layers", sim::Required::Yes, 1, 100000).value_or(1));
  m.hidden = static_cast<int>(o.integer("hidden", sim::Required::Yes, 1, 10000000).value_or(1));
  m.heads = static_cast<int>(o.integer("heads", sim::Required::Yes, 1, 100000).value_or(1));
  m.kv_heads = static_cast<int>(o.integer("kvHeads", sim::Required::No, 1, 100000).value_or(0));
  m.ffn = static_cast<int>(o.integer("ffn", sim::Required::No, 1, 100000000).value_or(0));
  m.vocab = static_cast<int>(o.integer("vocab", sim::Required::No, 1, 100000000).value_or(51200));
  m.experts = static_cast<int>(o.integer("experts", sim::Required::No, 1, 100000).value_or(0));
  m.top_k = static_cast<int>(o.integer("topK", sim::Required::No, 1, 100000).value_or(m.experts > 1 ? 1 : 0));
  m.mlp = o.enumeration("mlp", {"gelu", "swiglu"}).value_or("gelu") == "swiglu" ? MlpKind::SwiGlu : MlpKind::Gelu;
  m.rms_norm = o.enumeration("norm", {"layernorm", "rmsnorm"}).value_or("layernorm") == "rmsnorm";
  m.bias = o.boolean("bias").value_or(true);
  m.tied_embeddings = o.boolean("tiedEmbeddings").value_or(true);
  m.position_embeddings = static_cast<int>(o.integer("positionEmbeddings", sim::Required::No, 0, 100000000).value_or(0));
  m.dropout = o.boolean("dropout").value_or(true);
  o.finish();
  for (const auto& p : m.normalize()) issues.push_back({pointer, p});
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const auto& is : issues) lines.push_back(source + ": " + (is.pointer.empty() ? "(root)" : is.pointer) + ": " + is.message);
    throw sim::InputError(std::move(lines));
  }
  return m;
}

const ModelCatalog& ModelCatalog::builtin() {
  static const ModelCatalog catalog = parse(kBuiltinModelCatalogJson, "models/perf/data/models.json");
  return catalog;
}

ModelCatalog ModelCatalog::parse(std::string_view json_text, const std::string& source) {
  nlohmann::json doc = sim::parse_json_document(json_text, source);
  std::vector<sim::JsonIssue> issues;
  sim::StrictObject root(doc, "", issues);
  root.string("_comment");
  const nlohmann::json* list = root.array("models", sim::Required::Yes);
  root.finish();
  if (!issues.empty()) throw sim::InputError(source + ": " + issues.front().pointer + ": " + issues.front().message);
  ModelCatalog catalog;
  for (std::size_t i = 0; i < list->size(); ++i) {
    TransformerSpec m = parse_transformer_spec((*list)[i], source, "/models/" + std::to_string(i));
    if (catalog.find(m.name) != nullptr)
      throw sim::InputError(source + ": /models/" + std::to_string(i) + "/name: duplicate model \"" + m.name + "\"");
    catalog.models_.push_back(std::move(m));
  }
  return catalog;
}

const TransformerSpec* ModelCatalog::find(std::string_view name) const { return sim::find_by_name(models_, name); }

std::string ModelCatalog::names() const { return sim::joined_names(models_); }

}  // namespace kubetwin::models
