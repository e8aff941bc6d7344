#pragma once
// One continuous-batching model server (vLLM-style) advanced step by step in virtual time: the
// iteration loop of ServingSimulator, made incremental so that requests can arrive while it runs
// (a gateway routes them one at a time) and its queue and K/V cache can be read between
// arrivals (an endpoint picker scores them). ServingSimulator::run drives one to completion.
//
//   ModelServer server = simulator.start_server();
//   server.advance_to(t);          // runs the iterations that start before t
//   server.enqueue(id, request);   // considered from the next iteration on
//   server.drain();                // runs until every request finished
//
// Automatic prefix caching (vLLM's --enable-prefix-caching), when on: a request that names a
// shared prompt prefix the server has cached skips computing it (the prefill starts after it).
// Prefixes enter the cache when a request's prompt is fully computed and stay while they fit in
// the free K/V blocks, least recently used evicted first: vLLM keeps freed blocks as evictable
// cache, so a busy server forgets prefixes sooner.

#include <cstdint>
#include <deque>
#include <list>
#include <unordered_map>
#include <vector>

#include "models/perf/inference_step.hpp"

namespace kubetwin::models {

struct ServingRequest {
  double arrival_seconds = 0;
  int input_tokens = 1;
  int output_tokens = 1;
  /// The shared prompt prefix the prompt starts with (a system prompt, few-shot examples); 0: none.
  std::uint64_t prefix = 0;
  int prefix_tokens = 0;  ///< its length, at most input_tokens
};

struct ServerConfig {
  int block_size = 16;     ///< tokens per K/V cache block
  int max_num_seqs = 256;  ///< running requests at most
  /// Tokens one iteration computes at most; 0: vLLM's defaults (2048 with chunked prefill, else
  /// the longest request, at least 2048).
  int max_batched_tokens = 0;
  bool chunked_prefill = false;
  bool prefix_caching = false;          ///< automatic prefix caching
  double gpu_memory_utilization = 0.9;  ///< share of HBM the server may use (vLLM's default)
  double watermark = 0.01;              ///< share of blocks admission keeps free for decoding
};

/// A request the server finished.
struct FinishedRequest {
  std::uint64_t id = 0;
  ServingRequest request;
  double first_token = 0;   ///< when its first output token was emitted
  double finish = 0;        ///< when its last one was
  bool prefix_hit = false;  ///< its prefix came from the cache (the last admission)
};

class ModelServer {
 public:
  /// `kv_blocks` and `token_budget` as ServingSimulator sized them.
  ModelServer(const InferenceStepModel& step, const TransformerSpec& model,
              const ServerConfig& config, int kv_blocks, int token_budget);
  // The prefix cache's index points into its own list: copies would share nothing valid.
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;
  ModelServer(ModelServer&&) = default;

  /// Blocks a request needs at most; more than usable_blocks() can never run.
  int blocks_needed(const ServingRequest& r) const;
  int usable_blocks() const { return kv_blocks_ - watermark_; }
  /// Queues a request that arrived at or before the next iteration (its arrival_seconds is kept for
  /// TTFT). It must fit: blocks_needed(r) <= usable_blocks().
  void enqueue(std::uint64_t id, const ServingRequest& r);
  /// Runs every iteration that starts before `t`; idle, the clock moves to `t`.
  void advance_to(double t);
  /// Runs until every queued request finished.
  void drain();

  double clock() const { return clock_; }
  bool idle() const { return waiting_.empty() && running_.empty(); }
  /// vllm:num_requests_waiting, vllm:num_requests_running.
  int waiting() const { return static_cast<int>(waiting_.size()); }
  int running() const { return static_cast<int>(running_.size()); }
  /// vllm:gpu_cache_usage_perc (0..1): K/V blocks held by running requests.
  double kv_utilization() const { return 1.0 - static_cast<double>(free_blocks_) / kv_blocks_; }
  /// The requests not finished (waiting or running), by id order of arrival.
  std::vector<std::uint64_t> unfinished() const;

  /// Finished requests, in completion order.
  const std::vector<FinishedRequest>& finished() const { return finished_; }
  long long iterations() const { return iterations_; }
  int preemptions() const { return preemptions_; }
  int max_running() const { return max_running_; }
  double batched_sequences() const { return batched_sequences_; }
  long long output_tokens() const { return output_tokens_; }
  long long prompt_tokens() const { return prompt_tokens_; }
  int prefix_hits() const { return prefix_hits_; }

 private:
  struct Sequence {
    std::uint64_t id = 0;
    ServingRequest request;
    int generated = 0;  // output tokens emitted so far
    int cached = 0;     // tokens whose K/V are in the cache
    int blocks = 0;     // cache blocks held
    double first_token = -1;
    bool prefix_hit = false;
    // Tokens the sequence knows (prompt + output so far); it computes those not yet cached.
    int known() const { return request.input_tokens + generated; }
    int pending() const { return known() - cached; }
  };
  /// One iteration; false when nothing could run.
  bool step_once();
  void preempt(Sequence victim);
  int admit(int tokens_left, std::vector<std::pair<std::size_t, int>>& chunks);
  void use_cached_prefix(Sequence& s);
  void remember_prefix(const Sequence& s);
  void evict_prefixes();

  const InferenceStepModel& step_;
  const TransformerSpec& model_;
  ServerConfig config_;
  int kv_blocks_, budget_, watermark_;
  int free_blocks_;
  double clock_ = 0;
  std::deque<Sequence> waiting_;
  std::vector<Sequence> running_;  // in admission order: the last one is preempted first
  std::vector<FinishedRequest> finished_;
  long long iterations_ = 0, output_tokens_ = 0, prompt_tokens_ = 0;
  int preemptions_ = 0, max_running_ = 0, prefix_hits_ = 0;
  double batched_sequences_ = 0;
  // The prefix cache: most recently used first, with each prefix's blocks.
  std::list<std::pair<std::uint64_t, int>> prefix_lru_;
  std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, int>>::iterator>
      prefix_index_;
  int prefix_blocks_ = 0;
};

}  // namespace kubetwin::models
