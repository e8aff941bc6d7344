#include "models/perf/serving_simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>

#include "sim/input_error.hpp"
#include "sim/random.hpp"

namespace kubetwin::models {
namespace {

struct Sequence {
  ServingRequest request;
  int generated = 0;   // output tokens emitted so far
  int cached = 0;      // tokens whose K/V are in the cache
  int blocks = 0;      // cache blocks held
  double first_token = -1;
  // Tokens the sequence knows (prompt + output so far); it computes those not yet cached.
  int known() const { return request.input_tokens + generated; }
  int pending() const { return known() - cached; }
};

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
  const int watermark = static_cast<int>(std::floor(config_.watermark * kv_blocks_));
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
  Distribution ttft, tpot, latency;
  std::deque<Sequence> waiting;
  std::vector<Sequence> running;  // in admission order: the last one is preempted first
  int free_blocks = kv_blocks_;
  std::size_t next = 0;
  double clock = requests.empty() ? 0 : requests.front().arrival_seconds;
  const double start = clock;
  double batched_sequences = 0;
  long long output_tokens = 0, prompt_tokens = 0;

  // Frees `victim`'s blocks and puts it first in line; it recomputes its prompt and output so far.
  auto preempt = [&](Sequence victim) {
    free_blocks += victim.blocks;
    victim.blocks = 0;
    victim.cached = 0;
    waiting.push_front(victim);
    ++result.preemptions;
  };
  // Admits waiting requests FCFS while the sequence limit, the token budget and the free blocks
  // (above the watermark) allow; returns the tokens they compute this iteration.
  auto admit = [&](int tokens_left, std::vector<std::pair<std::size_t, int>>& chunks) {
    int used = 0;
    while (!waiting.empty() && static_cast<int>(running.size()) < config_.max_num_seqs && tokens_left - used > 0) {
      Sequence& s = waiting.front();
      const int need = blocks_for(s.known(), bs);
      if (free_blocks - need < watermark) break;
      const int n = config_.chunked_prefill ? std::min(s.pending(), tokens_left - used) : s.pending();
      if (!config_.chunked_prefill && used + n > tokens_left) break;
      free_blocks -= need;
      s.blocks = need;
      running.push_back(s);
      waiting.pop_front();
      chunks.emplace_back(running.size() - 1, n);
      used += n;
    }
    return used;
  };

  while (next < requests.size() || !waiting.empty() || !running.empty()) {
    while (next < requests.size() && requests[next].arrival_seconds <= clock) {
      waiting.push_back(Sequence{requests[next++]});
    }
    if (waiting.empty() && running.empty()) {
      clock = requests[next].arrival_seconds;
      continue;
    }
    // This iteration's work: (index into running, tokens to compute).
    std::vector<std::pair<std::size_t, int>> chunks;
    if (!config_.chunked_prefill) {
      admit(budget, chunks);
    }
    if (chunks.empty()) {
      // Decode (and, chunked, continue prompts): every running sequence gets its share, a new
      // block when its next token starts one; with none free the latest admitted is preempted.
      int tokens_left = budget;
      for (std::size_t i = 0; i < running.size();) {
        Sequence& s = running[i];
        const int n = std::min(s.pending(), config_.chunked_prefill ? tokens_left : 1);
        if (n <= 0) break;
        const int need = blocks_for(s.cached + n, bs) - s.blocks;
        bool preempted_self = false;
        while (need > free_blocks) {
          Sequence victim = running.back();
          running.pop_back();
          preempted_self = running.size() == i;
          preempt(victim);
          if (preempted_self) break;
        }
        if (preempted_self) break;
        free_blocks -= std::max(0, need);
        s.blocks += std::max(0, need);
        chunks.emplace_back(i, n);
        tokens_left -= n;
        ++i;
      }
      if (config_.chunked_prefill && tokens_left > 0) admit(tokens_left, chunks);
    }
    if (chunks.empty()) {
      // Nothing can run (every block held by requests that are themselves waiting): cannot happen
      // once the constructor's checks pass; advance to the next arrival to stay safe.
      if (next >= requests.size()) break;
      clock = std::max(clock, requests[next].arrival_seconds);
      continue;
    }

    IterationWork work;
    for (const auto& [i, n] : chunks) {
      const Sequence& s = running[i];
      work.add_sequence(n, s.cached, s.cached + n == s.known());
    }
    clock += step_.step(model_, work).seconds;
    ++result.iterations;
    result.max_running = std::max(result.max_running, static_cast<int>(running.size()));
    batched_sequences += work.sequences;

    // Tokens computed; a sequence that caught up with what it knows emits its next token.
    std::vector<bool> finished(running.size(), false);
    for (const auto& [i, n] : chunks) {
      Sequence& s = running[i];
      s.cached += n;
      if (s.cached < s.known()) continue;
      ++s.generated;
      ++output_tokens;
      if (s.first_token < 0) s.first_token = clock;
      if (s.generated < s.request.output_tokens) continue;
      finished[i] = true;
      ttft.add(s.first_token - s.request.arrival_seconds);
      latency.add(clock - s.request.arrival_seconds);
      if (s.request.output_tokens > 1) tpot.add((clock - s.first_token) / (s.request.output_tokens - 1));
      free_blocks += s.blocks;
      prompt_tokens += s.request.input_tokens;
      ++result.completed;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < running.size(); ++i) {
      if (!finished[i]) running[kept++] = running[i];
    }
    running.resize(kept);
  }

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
