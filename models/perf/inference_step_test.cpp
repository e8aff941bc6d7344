#include "models/perf/inference_step.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kubetwin::models {
namespace {

// An ideal GPU and kernels (no launch cost, 100% of peak and bandwidth, SM count unknown so no
// wave quantization), so the roofline can be computed by hand: 1 PFLOP/s bf16, 80 GB.
GpuSpec ideal_gpu(double bandwidth) {
  GpuSpec g;
  g.name = "ideal";
  g.memory_bytes = 80e9;
  g.memory_bandwidth = bandwidth;
  g.peak_flops["bf16"] = 1e15;
  g.nvlink_bandwidth = 400e9;
  return g;
}
EfficiencyModel ideal_kernels() {
  EfficiencyParameters p;
  p.gemm_bandwidth_efficiency = 1;
  p.stream_bandwidth_efficiency = 1;
  p.compute_efficiency["bf16"] = 1;
  return EfficiencyModel(p);
}
// One layer, hidden 1024, 8 heads of 128 (K/V heads 8), GeLU MLP of 4096, vocabulary 1000.
TransformerSpec tiny() {
  TransformerSpec m;
  m.name = "tiny";
  m.layers = 1;
  m.hidden = 1024;
  m.heads = 8;
  m.vocab = 1000;
  m.bias = false;
  m.normalize();
  return m;
}

struct Fixture {
  explicit Fixture(double bandwidth = 1e12) : gpu(ideal_gpu(bandwidth)) {}
  GpuSpec gpu;
  EfficiencyModel eff = ideal_kernels();
  AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(gpu);
  InferenceStepModel model(int tp = 1) const {
    InferenceOptions o;
    o.tp = tp;
    return InferenceStepModel(gpu, eff, comm, o, {1.0, 0.0});
  }
};

// max(2mnk / peak, 2 bytes x (mk + kn + mn) / bandwidth): the hand roofline of one bf16 GEMM, its
// compute over whole 128 x 256 output tiles (the efficiency model's tile).
double roofline(double m, double n, double k, double bandwidth) {
  const double mt = std::ceil(m / 128) * 128, nt = std::ceil(n / 256) * 256;
  return std::max(2 * mt * nt * k / 1e15, 2 * (m * k + k * n + m * n) / bandwidth);
}

TEST(InferenceStep, DecodeGemmsAreTheHandRooflineAndMemoryBound) {
  Fixture f;
  const InferenceStep s = f.model().step(tiny(), IterationWork::decode(1, 100));  // 1 TB/s
  // QKV 1x3072x1024, output 1x1024x1024, MLP 1x4096x1024 and 1x1024x4096, head 1x1000x1024.
  const double expected = roofline(1, 3072, 1024, 1e12) + roofline(1, 1024, 1024, 1e12) + roofline(1, 4096, 1024, 1e12) +
                          roofline(1, 1024, 4096, 1e12) + roofline(1, 1000, 1024, 1e12);
  EXPECT_NEAR(s.gemm_seconds, expected, 1e-15);
  EXPECT_NEAR(s.gemm_seconds, 2 * (3072 + 1024 + 4096 + 4096 + 1000) * 1024 / 1e12, 0.01 * expected);  // = weights / BW
  EXPECT_STREQ(s.bound_by(), "memory");
  // Attention reads the 101 cached K/V tokens: 2 x 1024 x 2 bytes each, plus Q and the output.
  EXPECT_NEAR(s.attention_seconds, (101 * 2 * 1024 * 2 + 2 * 1024 * 2) / 1e12, 1e-15);
  EXPECT_NEAR(s.kv_bytes, 101 * 2 * 1024 * 2 + 2 * 1024 * 2, 1e-6);  // read, and the new token written
  EXPECT_NEAR(s.seconds, s.gemm_seconds + s.attention_seconds + s.elementwise_seconds + s.tp_comm_seconds, 1e-15);
}

TEST(InferenceStep, PrefillGemmsAreTheHandRooflineAndComputeBound) {
  Fixture f(1e13);  // 10 TB/s: the 1-layer model's elementwise kernels stay below its GEMMs
  const double t = 8 * 2048;
  const InferenceStep s = f.model().step(tiny(), IterationWork::prefill(8, 2048));
  const double expected = roofline(t, 3072, 1024, 1e13) + roofline(t, 1024, 1024, 1e13) + roofline(t, 4096, 1024, 1e13) +
                          roofline(t, 1024, 4096, 1e13) + roofline(8, 1000, 1024, 1e13);
  EXPECT_NEAR(s.gemm_seconds, expected, 1e-12);
  // Causal attention: 4 x pairs x hidden FLOPs, pairs = 8 x 2048 x 2049 / 2.
  // It reads Q, K, V and writes the output: 4 x 16,384 x 1024 x 2 bytes, less than its FLOPs take.
  EXPECT_NEAR(s.attention_seconds, 4 * (8 * 2048.0 * 2049 / 2) * 1024 / 1e15, 1e-12);
  EXPECT_GT(4 * (8 * 2048.0 * 2049 / 2) * 1024 / 1e15, 4 * t * 1024 * 2 / 1e13);
  EXPECT_STREQ(s.bound_by(), "compute");
}

TEST(InferenceStep, TensorParallelismSplitsTheWeightsAndAddsTwoAllReducesPerLayer) {
  Fixture f;
  const InferenceStep one = f.model(1).step(tiny(), IterationWork::decode(4, 512));
  const InferenceStep two = f.model(2).step(tiny(), IterationWork::decode(4, 512));
  EXPECT_NEAR(two.weight_bytes, one.weight_bytes / 2, 1e-6 * one.weight_bytes);
  EXPECT_LT(two.gemm_seconds, 0.6 * one.gemm_seconds);
  EXPECT_EQ(one.tp_comm_seconds, 0);
  const CommGroup g{2, 2};
  EXPECT_NEAR(two.tp_comm_seconds, 2 * f.comm.all_reduce(4 * 1024 * 2, g) + f.comm.all_gather(4 * 1000 * 4, g), 1e-15);
}

TEST(InferenceStep, KvCacheBytesPerTokenAreSplitByTpAndReplicatedBeyondTheKvHeads) {
  Fixture f;
  TransformerSpec m = tiny();
  m.layers = 32;
  m.kv_heads = 2;  // GQA
  EXPECT_DOUBLE_EQ(f.model(1).kv_bytes_per_token(m), 2.0 * 32 * 2 * 128 * 2);
  EXPECT_DOUBLE_EQ(f.model(2).kv_bytes_per_token(m), 2.0 * 32 * 1 * 128 * 2);
  EXPECT_DOUBLE_EQ(f.model(8).kv_bytes_per_token(m), 2.0 * 32 * 1 * 128 * 2);  // one head per GPU at least
}

TEST(InferenceStep, MemoryCountsWeightsPerTpRankAndTheCache) {
  Fixture f;
  const TransformerSpec m = tiny();
  const InferenceMemory one = f.model(1).memory(m, 1000, 1);
  const InferenceMemory two = f.model(2).memory(m, 1000, 1);
  EXPECT_DOUBLE_EQ(one.weights, m.parameters() * 2);
  EXPECT_DOUBLE_EQ(two.weights, m.parameters());
  EXPECT_DOUBLE_EQ(one.kv_cache, 1000 * f.model(1).kv_bytes_per_token(m));
  EXPECT_GT(one.total(), one.weights + one.kv_cache);
}

TEST(InferenceStep, ChecksThatTpDividesTheHeads) {
  EXPECT_TRUE(InferenceStepModel::check(tiny(), 4).empty());
  const auto p = InferenceStepModel::check(tiny(), 3);
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.front(), "heads (8) are not divisible by --tp 3");
}

TEST(IterationWork, MixesPrefillChunksAndDecodeTokens) {
  IterationWork w;
  w.add_sequence(1, 99, true);     // a decode: attends 100 keys
  w.add_sequence(256, 512, false); // a prompt chunk after 512 cached tokens, not its last
  EXPECT_EQ(w.new_tokens, 257);
  EXPECT_EQ(w.attention_pairs, 100 + 256 * 512 + 256 * 257 / 2);
  EXPECT_EQ(w.kv_tokens_read, 100 + 768);
  EXPECT_EQ(w.sequences, 2);
  EXPECT_EQ(w.logits, 1);
}

}  // namespace
}  // namespace kubetwin::models
