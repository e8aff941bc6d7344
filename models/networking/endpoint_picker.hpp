#pragma once
// The Endpoint Picker (EPP) of the Gateway API Inference Extension: for each request routed to an
// InferencePool it picks one model-server endpoint. The scoring picker follows GAIE's default
// EndpointPickerConfig: three scorers, each in [0, 1], summed with weights, the highest total wins
// (max-score-picker, ties broken at random):
//   queue-scorer                 (max_q - q) / (max_q - min_q) over the candidates' waiting queues
//                                (vllm:num_requests_waiting); 1 for all when equal
//   kv-cache-utilization-scorer  1 - vllm:gpu_cache_usage_perc
//   prefix-cache-scorer          the share of the prompt whose prefix the picker itself sent to
//                                that endpoint before (GAIE's approximate prefix index: an LRU per
//                                server, filled from its own routing, not read from the servers)
// with weights queue 2, kv-cache 2, prefix 3 (GAIE's default profile). `round-robin` and `random`
// ignore the metrics: what a plain Service (kube-proxy) or an L7 proxy without the EPP does.

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/perf/model_server.hpp"
#include "sim/random.hpp"

namespace kubetwin::models::networking {

enum class PickerType { MaxScore, Random, RoundRobin };

struct EndpointPickerSpec {
  std::string name;
  PickerType picker = PickerType::MaxScore;
  double queue_weight = 2, kv_cache_weight = 2, prefix_weight = 3;
  /// The prefix index: blocks of this many prompt tokens, at most this many blocks per server.
  int prefix_block_tokens = 64;
  int prefix_lru_blocks_per_server = 31250;
};

/// One candidate endpoint as the picker sees it when a request arrives.
struct EndpointMetrics {
  std::uint64_t endpoint = 0;  ///< a stable id (the pod)
  int waiting = 0;
  int running = 0;
  double kv_utilization = 0;
};

/// Each scorer's value for one candidate, and the weighted total.
struct EndpointScore {
  double queue = 0, kv_cache = 0, prefix = 0, total = 0;
};

class EndpointPicker {
 public:
  EndpointPicker(EndpointPickerSpec spec, sim::RandomStream& rng)
      : spec_(std::move(spec)), rng_(rng) {}

  /// The index in `candidates` (not empty) that serves `request`; the picker remembers the
  /// request's prefix as sent there.
  std::size_t pick(const std::vector<EndpointMetrics>& candidates, const ServingRequest& request);
  /// The scores pick() compares (max-score picker), one per candidate.
  std::vector<EndpointScore> score(const std::vector<EndpointMetrics>& candidates,
                                   const ServingRequest& request) const;
  /// The endpoint went away: drop what the index holds for it.
  void forget(std::uint64_t endpoint) { index_.erase(endpoint); }
  const EndpointPickerSpec& spec() const { return spec_; }

 private:
  struct PrefixIndex {
    std::list<std::pair<std::uint64_t, int>> lru;  // (prefix, blocks), most recent first
    std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, int>>::iterator> where;
    int blocks = 0;
  };
  void remember(std::uint64_t endpoint, const ServingRequest& request);

  EndpointPickerSpec spec_;
  sim::RandomStream& rng_;
  std::uint64_t next_ = 0;  // round robin
  std::unordered_map<std::uint64_t, PrefixIndex> index_;
};

const char* picker_type_name(PickerType t);  ///< "max-score", "random", "round-robin"

}  // namespace kubetwin::models::networking
