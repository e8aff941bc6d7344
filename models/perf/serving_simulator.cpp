#include "models/perf/serving_simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>

#include "sim/input_error.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {
namespace {

int blocks_for(int tokens, int block_size) { return (tokens + block_size - 1) / block_size; }

}  // namespace

std::vector<ServingRequest> poisson_requests(const RequestStream& s) {
  sim::RandomStreams streams(s.seed);
  sim::RandomStream& arrivals = streams.stream("serve.arrivals");
  sim::RandomStream& lengths = streams.stream("serve.lengths");
  auto draw = [&](const TokenLengths& l) {
    return l.min + static_cast<int>(lengths.below(static_cast<std::uint64_t>(l.max - l.min) + 1));
  };
  std::vector<ServingRequest> out;
  out.reserve(static_cast<std::size_t>(std::max(0, s.requests)));
  double clock = 0;
  for (int i = 0; i < s.requests; ++i) {
    if (i > 0) clock += arrivals.exponential(1 / s.rate);
    ServingRequest r;
    r.arrival_seconds = clock;
    r.input_tokens = draw(s.input);
    r.output_tokens = draw(s.output);
    out.push_back(r);
  }
  return out;
}

ServingSimulator::ServingSimulator(const InferenceStepModel& step, const TransformerSpec& model, ServerConfig config)
    : step_(step), model_(model), config_(config) {
  // vLLM profiles a pass of max_batched_tokens to size the activations, then gives the rest of its
  // share of HBM to cache blocks.
  const int budget = config_.max_batched_tokens > 0 ? config_.max_batched_tokens : 2048;
  const InferenceMemory mem = step_.memory(model_, 0, budget);
  const double free = step_.gpu().memory_bytes * config_.gpu_memory_utilization - mem.total();
  const double block_bytes = step_.kv_bytes_per_token(model_) * config_.block_size;
  kv_blocks_ = free > 0 ? static_cast<int>(std::floor(free / block_bytes)) : 0;
  if (kv_blocks_ < 1) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s does not fit for serving on %s with --tp %d: weights %.1f GB + activations %.1f GB + reserved %.1f GB "
                  "leave no room for a K/V cache in %.0f%% of %.1f GB",
                  model_.name.c_str(), step_.gpu().name.c_str(), step_.options().tp, mem.weights / 1e9,
                  mem.activations / 1e9, mem.reserved / 1e9, 100 * config_.gpu_memory_utilization,
                  step_.gpu().memory_bytes / 1e9);
    throw sim::InputError(line);
  }
}

int ServingSimulator::token_budget(const std::vector<ServingRequest>& requests) const {
  if (config_.max_batched_tokens > 0) return config_.max_batched_tokens;
  if (config_.chunked_prefill) return 2048;
  int longest = 0;
  for (const auto& r : requests) longest = std::max(longest, r.input_tokens + r.output_tokens);
  return std::max(2048, longest);
}

ServingResult ServingSimulator::run(std::vector<ServingRequest> requests) const {
  std::stable_sort(requests.begin(), requests.end(),
                   [](const ServingRequest& a, const ServingRequest& b) { return a.arrival_seconds < b.arrival_seconds; });
  const int bs = config_.block_size, budget = token_budget(requests);
  const int watermark = static_cast<int>(config_.watermark * kv_blocks_);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    const int need = blocks_for(r.input_tokens + r.output_tokens, bs);
    if (need > kv_blocks_ - watermark)
      throw sim::InputError("request " + std::to_string(i) + " needs " + std::to_string(r.input_tokens + r.output_tokens) +
                            " tokens of K/V cache; the server holds " + std::to_string((kv_blocks_ - watermark) * bs));
    if (!config_.chunked_prefill && r.input_tokens + r.output_tokens > budget)
      throw sim::InputError("request " + std::to_string(i) + " is longer than --max-batched-tokens " +
                            std::to_string(budget) + " (without chunked prefill a prompt runs in one pass)");
  }

  ServingResult result;
  result.kv_blocks = kv_blocks_;
  result.max_batched_tokens = budget;
  ModelServer server = start_server(budget);
  const double start = requests.empty() ? 0 : requests.front().arrival_seconds;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    server.advance_to(requests[i].arrival_seconds);
    server.enqueue(i, requests[i]);
  }
  server.drain();
  Distribution ttft, tpot, latency;
  for (const FinishedRequest& f : server.finished()) {
    ttft.add(f.first_token - f.request.arrival_seconds);
    latency.add(f.finish - f.request.arrival_seconds);
    if (f.request.output_tokens > 1) tpot.add((f.finish - f.first_token) / (f.request.output_tokens - 1));
  }
  result.completed = static_cast<int>(server.finished().size());
  result.preemptions = server.preemptions();
  result.iterations = server.iterations();
  result.max_running = server.max_running();
  const double batched_sequences = server.batched_sequences();
  const long long output_tokens = server.output_tokens(), prompt_tokens = server.prompt_tokens();
  const double clock = requests.empty() ? 0 : server.clock();

  result.duration_seconds = clock - start;
  if (auto s = ttft.summarize()) result.ttft = *s;
  if (auto s = tpot.summarize()) result.tpot = *s;
  if (auto s = latency.summarize()) result.latency = *s;
  if (result.duration_seconds > 0) {
    result.requests_per_second = result.completed / result.duration_seconds;
    result.output_tokens_per_second = static_cast<double>(output_tokens) / result.duration_seconds;
    result.total_tokens_per_second = static_cast<double>(output_tokens + prompt_tokens) / result.duration_seconds;
  }
  if (result.iterations > 0) result.mean_batch = batched_sequences / static_cast<double>(result.iterations);
  return result;
}

}  // namespace kubetwin::models
