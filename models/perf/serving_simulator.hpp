#pragma once
// One model server with continuous batching (vLLM-style) fed by a stream of requests: a paged
// K/V cache in blocks, admission by free blocks, preemption by recompute when decoding runs out of
// blocks, and optionally chunked prefill under a per-iteration token budget. Each iteration's
// time comes from InferenceStepModel; the simulation steps from iteration to iteration (one
// server, so it needs no SimGrid actors; the loop itself is ModelServer's). Deterministic: the same requests give the same result.
//
//   ServingSimulator server(step_model, spec, {.chunked_prefill = true});
//   ServingResult r = server.run(poisson_requests({.rate = 4, .requests = 500, ...}));
//
// Scheduling follows vLLM's V0 scheduler: without chunked prefill an iteration is either the
// prefills of newly admitted requests (FCFS, as many as the token budget, the sequence limit and
// the free blocks allow) or one decode step of every running request; with chunked prefill every
// iteration first gives each running request its next token, then spends the rest of the budget
// on prompt chunks (running ones first, then new admissions).

#include <cstdint>
#include <string>
#include <vector>

#include "models/metrics/distribution.hpp"
#include "models/perf/inference_step.hpp"
#include "models/perf/model_server.hpp"

namespace kubetwin::models {

/// Token counts drawn uniformly from [min, max] (min = max: fixed).
struct TokenLengths {
  int min = 1, max = 1;
};

struct RequestStream {
  double rate = 1;  ///< requests per second, Poisson arrivals
  int requests = 100;
  TokenLengths input, output;
  std::uint64_t seed = 1;
};

/// Poisson arrivals and uniform lengths from the seeded streams "serve.arrivals" and
/// "serve.lengths" (sim/random.hpp); the first request arrives at 0.
std::vector<ServingRequest> poisson_requests(const RequestStream& stream);

struct ServingResult {
  DistributionSummary ttft;    ///< seconds from arrival to the first output token
  DistributionSummary tpot;    ///< seconds per output token after the first
  DistributionSummary latency; ///< seconds from arrival to the last token
  int completed = 0;
  int preemptions = 0;
  long long iterations = 0;
  double duration_seconds = 0;  ///< first arrival to last completion
  double requests_per_second = 0;
  double output_tokens_per_second = 0;
  double total_tokens_per_second = 0;  ///< prompt and output tokens
  double mean_batch = 0;               ///< sequences per iteration
  int max_running = 0;                 ///< most requests holding cache blocks at once
  int kv_blocks = 0;
  int max_batched_tokens = 0;
};

class ServingSimulator {
 public:
  /// Throws sim::InputError when the weights leave no room for a K/V cache.
  ServingSimulator(const InferenceStepModel& step, const TransformerSpec& model, ServerConfig config);

  /// Serves `requests` (any order; sorted by arrival) to completion. Throws sim::InputError when a
  /// request can never fit in the cache.
  ServingResult run(std::vector<ServingRequest> requests) const;

  int kv_blocks() const { return kv_blocks_; }
  /// An idle server of this configuration with `token_budget` tokens per iteration, to be driven
  /// request by request (a gateway's endpoint).
  ModelServer start_server(int token_budget) const { return ModelServer(step_, model_, config_, kv_blocks_, token_budget); }
  /// The token budget in use (config or vLLM's default for these requests).
  int token_budget(const std::vector<ServingRequest>& requests) const;

 private:
  const InferenceStepModel& step_;
  const TransformerSpec& model_;
  ServerConfig config_;
  int kv_blocks_ = 0;
};

}  // namespace kubetwin::models
