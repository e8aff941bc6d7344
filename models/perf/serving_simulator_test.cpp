#include "models/perf/serving_simulator.hpp"

#include <gtest/gtest.h>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

const TransformerSpec& llama8b() { return *ModelCatalog::builtin().find("llama-3-8b"); }

// A Llama-3-8B server on one H100 (or a GPU with `memory_bytes`, to make the cache small).
struct Server {
  GpuSpec gpu;
  AlphaBetaCollectives comm;
  InferenceStepModel step;
  explicit Server(double memory_bytes = 0)
      : gpu(with_memory(memory_bytes)), comm(AlphaBetaCollectives::for_gpu(gpu)),
        step(gpu, EfficiencyModel::builtin(), comm) {}
  static GpuSpec with_memory(double bytes) {
    GpuSpec g = *GpuCatalog::builtin().find("H100-SXM-80GB");
    if (bytes > 0) g.memory_bytes = bytes;
    return g;
  }
};

RequestStream stream(double rate, int requests, int input, int output, std::uint64_t seed = 7) {
  RequestStream s;
  s.rate = rate;
  s.requests = requests;
  s.input = {input, input};
  s.output = {output, output};
  s.seed = seed;
  return s;
}

TEST(ServingSimulator, KvBlocksAreTheMemoryLeftAfterWeightsActivationsAndReserve) {
  Server s;
  ServerConfig c;
  const ServingSimulator server(s.step, llama8b(), c);
  const InferenceMemory mem = s.step.memory(llama8b(), 0, 2048);
  const double block = s.step.kv_bytes_per_token(llama8b()) * 16;  // 32 layers x 8 heads x 128 x 2 x 2 B x 16
  EXPECT_DOUBLE_EQ(block, 2.0 * 32 * 8 * 128 * 2 * 16);
  EXPECT_EQ(server.kv_blocks(), static_cast<int>((80e9 * 0.9 - mem.total()) / block));
}

TEST(ServingSimulator, ServesEveryRequestAndCountsItsTokens) {
  Server s;
  const ServingSimulator server(s.step, llama8b(), {});
  const ServingResult r = server.run(poisson_requests(stream(5, 200, 512, 128)));
  EXPECT_EQ(r.completed, 200);
  EXPECT_EQ(r.preemptions, 0);
  EXPECT_NEAR(r.output_tokens_per_second * r.duration_seconds, 200.0 * 128, 1e-6);
  EXPECT_NEAR(r.total_tokens_per_second * r.duration_seconds, 200.0 * (512 + 128), 1e-6);
  EXPECT_GT(r.ttft.p50, 0);
  EXPECT_LE(r.ttft.p50, r.ttft.p90);
  EXPECT_LE(r.ttft.p90, r.ttft.p99);
  EXPECT_GT(r.tpot.p50, 0.005);  // a decode step of an 8B model on an H100 takes milliseconds
  EXPECT_LT(r.tpot.p50, 0.05);
}

TEST(ServingSimulator, AdmitsOnlyWhatTheFreeBlocksHoldAndPreemptsWhenDecodeRunsOut) {
  // Weights (16 GB) plus about 3 GB of cache: 1,024-token prompts with 1,024 outputs, all at once.
  Server s(22e9);
  const ServingSimulator server(s.step, llama8b(), {});
  const int blocks = server.kv_blocks();
  ASSERT_GT(blocks, 0);
  const ServingResult r = server.run(poisson_requests(stream(1000, 64, 1024, 1024)));
  EXPECT_EQ(r.completed, 64);
  // Each request is admitted with its prompt's 64 blocks (above a 1% watermark), so no more run at once.
  EXPECT_LE(r.max_running, (blocks - blocks / 100) / 64);
  EXPECT_GT(r.max_running, 1);
  // Their outputs double what they hold: decoding runs out of blocks and recomputes the latest.
  EXPECT_GT(r.preemptions, 0);
}

TEST(ServingSimulator, ChunkedPrefillTradesFirstTokenLatencyForSteadierDecoding) {
  // Long prompts arriving while others decode: without chunking a 4,096-token prefill stalls every
  // running request for a whole pass (TPOT tail); with a 512-token budget the prompt spreads over
  // eight iterations shared with decodes (later first token, smoother decoding).
  Server s;
  const auto requests = poisson_requests(stream(2, 100, 4096, 256));
  ServerConfig plain;
  ServerConfig chunked;
  chunked.chunked_prefill = true;
  chunked.max_batched_tokens = 512;
  const ServingResult a = ServingSimulator(s.step, llama8b(), plain).run(requests);
  const ServingResult b = ServingSimulator(s.step, llama8b(), chunked).run(requests);
  EXPECT_EQ(a.completed, 100);
  EXPECT_EQ(b.completed, 100);
  EXPECT_GT(b.ttft.p50, a.ttft.p50);
  EXPECT_LT(b.tpot.p99, a.tpot.p99);
}

TEST(ServingSimulator, SameSeedSameResultOtherSeedOtherArrivals) {
  Server s;
  const ServingSimulator server(s.step, llama8b(), {});
  RequestStream st = stream(8, 300, 0, 0, 11);
  st.input = {64, 2048};
  st.output = {16, 512};
  const ServingResult a = server.run(poisson_requests(st));
  const ServingResult b = server.run(poisson_requests(st));
  EXPECT_EQ(a.ttft.p99, b.ttft.p99);
  EXPECT_EQ(a.tpot.p50, b.tpot.p50);
  EXPECT_EQ(a.iterations, b.iterations);
  st.seed = 12;
  const auto other = poisson_requests(st);
  const auto first = poisson_requests(stream(8, 300, 64, 16, 11));
  EXPECT_NE(other[5].arrival_seconds, first[5].arrival_seconds);
}

TEST(ServingSimulator, PoissonArrivalsHaveTheRequestedRate) {
  const auto r = poisson_requests(stream(4, 20000, 100, 10));
  EXPECT_NEAR(r.back().arrival_seconds / (r.size() - 1), 0.25, 0.01);
}

TEST(ServingSimulator, ARequestLongerThanTheCacheIsBadInput) {
  Server s(22e9);
  const ServingSimulator server(s.step, llama8b(), {});
  EXPECT_THROW(server.run(poisson_requests(stream(1, 1, 100000, 10))), sim::InputError);
}

TEST(ServingSimulator, WeightsThatLeaveNoRoomForACacheAreBadInput) {
  Server s(16e9);
  EXPECT_THROW(ServingSimulator(s.step, llama8b(), {}), sim::InputError);
}

}  // namespace
}  // namespace kubetwin::models
