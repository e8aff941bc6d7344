#include "models/perf/transformer_spec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

const TransformerSpec& model(const char* name) {
  const TransformerSpec* m = ModelCatalog::builtin().find(name);
  EXPECT_NE(m, nullptr) << name;
  return *m;
}

TEST(ModelCatalog, MegatronGptParameterCountsMatchEquationTwoAndTableOne) {
  // Narayanan et al. 2021, Table 1 (billions) and Eq. (2): P = 12 l h^2 (1 + 13/12h + (V + s)/12lh).
  const std::vector<std::pair<const char*, double>> table{
      {"megatron-gpt-1.7b", 1.7},   {"megatron-gpt-3.6b", 3.6},   {"megatron-gpt-7.5b", 7.5},
      {"megatron-gpt-18.4b", 18.4}, {"megatron-gpt-39.1b", 39.1}, {"megatron-gpt-76.1b", 76.1},
      {"megatron-gpt-145.6b", 145.6}, {"megatron-gpt-310.1b", 310.1}, {"megatron-gpt-529.6b", 529.6},
      {"megatron-gpt-1008b", 1008.0}};
  for (const auto& [name, billions] : table) {
    SCOPED_TRACE(name);
    const TransformerSpec& m = model(name);
    const double l = m.layers, h = m.hidden, V = m.vocab, s = 2048;
    const double eq2 = 12 * l * h * h * (1 + 13 / (12 * h) + (V + s) / (12 * l * h));
    EXPECT_NEAR(m.parameters(), eq2, 2 * h + 1);  // + the final LayerNorm Eq. (2) leaves out
    EXPECT_NEAR(m.parameters() / 1e9, billions, 0.051 + 0.001 * billions);
  }
}

TEST(ModelCatalog, PublishedModelsHaveTheirPublishedSizes) {
  EXPECT_NEAR(model("llama-3-8b").parameters() / 1e9, 8.03, 0.01);
  EXPECT_NEAR(model("llama-3-70b").parameters() / 1e9, 70.55, 0.05);
  EXPECT_NEAR(model("llama-3.1-405b").parameters() / 1e9, 405.85, 0.2);
  EXPECT_NEAR(model("gpt3-175b").parameters() / 1e9, 175.0, 0.6);
  const TransformerSpec& mixtral = model("mixtral-8x7b");
  EXPECT_NEAR(mixtral.parameters() / 1e9, 46.7, 0.1);         // Jiang et al. 2024: 47B total
  EXPECT_NEAR(mixtral.active_parameters() / 1e9, 12.9, 0.1);  // 13B active per token
  EXPECT_EQ(model("llama-3-8b").active_parameters(), model("llama-3-8b").parameters());
}

TEST(ModelCatalog, UnknownNameIsNotFoundAndNamesListEveryModel) {
  EXPECT_EQ(ModelCatalog::builtin().find("llama-4"), nullptr);
  EXPECT_NE(ModelCatalog::builtin().names().find("gpt3-175b, llama-3-8b"), std::string::npos);
  EXPECT_EQ(ModelCatalog::builtin().models().size(), 15u);
}

TEST(TransformerSpec, ParseFillsDefaultsAndRejectsBadShapesWithPointers) {
  const TransformerSpec m = parse_transformer_spec({{"name", "tiny"}, {"layers", 2}, {"hidden", 64}, {"heads", 4}}, "m.json");
  EXPECT_EQ(m.kv_heads, 4);
  EXPECT_EQ(m.ffn, 256);
  EXPECT_EQ(m.vocab, 51200);
  EXPECT_FALSE(m.moe());
  struct Case {
    nlohmann::json doc;
    std::string first_line;
  };
  const std::vector<Case> cases{
      {{{"name", "x"}, {"layers", 2}, {"hidden", 65}, {"heads", 4}}, "m.json: (root): hidden (65) must be divisible by heads (4)"},
      {{{"name", "x"}, {"layers", 2}, {"hidden", 64}, {"heads", 4}, {"kvHeads", 3}},
       "m.json: (root): heads (4) must be divisible by kv-heads (3)"},
      {{{"name", "x"}, {"layers", 0}, {"hidden", 64}, {"heads", 4}}, "m.json: /layers: must be at least 1, got 0"},
      {{{"name", "x"}, {"layers", 2}, {"hidden", 64}, {"heads", 4}, {"colour", 1}}, "m.json: /colour: is not a known field"},
      {{{"name", "x"}, {"layers", 2}, {"hidden", 64}, {"heads", 4}, {"experts", 8}, {"topK", 9}},
       "m.json: (root): top-k must be between 1 and experts (8)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.doc.dump());
    try {
      parse_transformer_spec(c.doc, "m.json");
      ADD_FAILURE() << "accepted";
    } catch (const sim::InputError& e) {
      EXPECT_EQ(e.lines().front(), c.first_line);
    }
  }
}

}  // namespace
}  // namespace kubetwin::models
