#include "models/perf/model_server.hpp"

#include <gtest/gtest.h>

#include "models/perf/serving_simulator.hpp"

namespace kubetwin::models {
namespace {

struct Llama8bOnH100 {
  GpuSpec gpu = *GpuCatalog::builtin().find("H100-SXM-80GB");
  AlphaBetaCollectives comm = AlphaBetaCollectives::for_gpu(gpu);
  InferenceStepModel step{gpu, EfficiencyModel::builtin(), comm};
  const TransformerSpec& model = *ModelCatalog::builtin().find("llama-3-8b");
  ServingSimulator simulator(ServerConfig c) const { return ServingSimulator(step, model, c); }
};

ServingRequest req(double t, int input, int output, std::uint64_t prefix = 0,
                   int prefix_tokens = 0) {
  ServingRequest r;
  r.arrival_seconds = t;
  r.input_tokens = input;
  r.output_tokens = output;
  r.prefix = prefix;
  r.prefix_tokens = prefix_tokens;
  return r;
}

TEST(ModelServer, DrivenRequestByRequestItGivesWhatTheBatchSimulatorGives) {
  Llama8bOnH100 s;
  ServerConfig c;
  c.chunked_prefill = true;
  const ServingSimulator sim = s.simulator(c);
  std::vector<ServingRequest> reqs = poisson_requests(
      {.rate = 20, .requests = 300, .input = {100, 3000}, .output = {10, 400}, .seed = 3});
  const ServingResult batch = sim.run(reqs);
  ModelServer server = sim.start_server(sim.token_budget(reqs));
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    server.advance_to(reqs[i].arrival_seconds);
    // Between arrivals the server is mid-iteration at most: its clock never runs behind.
    EXPECT_GE(server.clock(), reqs[i].arrival_seconds);
    server.enqueue(i, reqs[i]);
  }
  server.drain();
  ASSERT_EQ(static_cast<int>(server.finished().size()), batch.completed);
  EXPECT_EQ(server.iterations(), batch.iterations);
  EXPECT_TRUE(server.idle());
  EXPECT_DOUBLE_EQ(server.kv_utilization(), 0.0);
}

TEST(ModelServer, QueueAndCacheMetricsReflectTheLoad) {
  Llama8bOnH100 s;
  ServerConfig c;
  c.chunked_prefill = true;
  c.max_num_seqs = 4;
  const ServingSimulator sim = s.simulator(c);
  ModelServer server = sim.start_server(2048);
  for (int i = 0; i < 10; ++i) server.enqueue(static_cast<std::uint64_t>(i), req(0, 2000, 200));
  server.advance_to(0.5);
  EXPECT_EQ(server.running(), 4);
  EXPECT_EQ(server.waiting(), 6);
  EXPECT_GT(server.kv_utilization(), 0.0);
  EXPECT_EQ(server.unfinished().size(), 10u);
}

TEST(ModelServer, ACachedPrefixSkipsItsPrefillAndCutsTimeToFirstToken) {
  Llama8bOnH100 s;
  ServerConfig c;
  c.chunked_prefill = true;
  c.prefix_caching = true;
  const ServingSimulator sim = s.simulator(c);
  auto ttft_of_second = [&](std::uint64_t second_prefix) {
    ModelServer server = sim.start_server(2048);
    server.enqueue(0, req(0, 4096, 4, 1, 3840));
    server.drain();
    server.advance_to(10);
    server.enqueue(1, req(10, 4096, 4, second_prefix, 3840));
    server.drain();
    const FinishedRequest& f = server.finished().back();
    EXPECT_EQ(f.prefix_hit, second_prefix == 1);
    return f.first_token - f.request.arrival_seconds;
  };
  const double hit = ttft_of_second(1), miss = ttft_of_second(2);
  EXPECT_LT(hit, 0.5 * miss);
}

TEST(ModelServer, WithoutPrefixCachingPrefixesChangeNothing) {
  Llama8bOnH100 s;
  ServerConfig c;
  c.chunked_prefill = true;
  const ServingSimulator sim = s.simulator(c);
  ModelServer server = sim.start_server(2048);
  server.enqueue(0, req(0, 4096, 4, 1, 3840));
  server.drain();
  server.enqueue(1, req(server.clock(), 4096, 4, 1, 3840));
  server.drain();
  EXPECT_FALSE(server.finished().back().prefix_hit);
  EXPECT_EQ(server.prefix_hits(), 0);
}

}  // namespace
}  // namespace kubetwin::models
