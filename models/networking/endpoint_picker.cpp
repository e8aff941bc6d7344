#include "models/networking/endpoint_picker.hpp"

#include <algorithm>

namespace kubetwin::models::networking {

const char* picker_type_name(PickerType t) {
  switch (t) {
    case PickerType::MaxScore:
      return "max-score";
    case PickerType::Random:
      return "random";
    case PickerType::RoundRobin:
      return "round-robin";
  }
  return "?";
}

std::vector<EndpointScore> EndpointPicker::score(const std::vector<EndpointMetrics>& candidates,
                                                 const ServingRequest& request) const {
  int min_q = candidates.front().waiting, max_q = min_q;
  for (const auto& c : candidates) {
    min_q = std::min(min_q, c.waiting);
    max_q = std::max(max_q, c.waiting);
  }
  const int block = spec_.prefix_block_tokens;
  const int prompt_blocks = std::max(1, request.input_tokens / block);
  std::vector<EndpointScore> out;
  for (const auto& c : candidates) {
    EndpointScore s;
    s.queue = max_q == min_q ? 1.0 : static_cast<double>(max_q - c.waiting) / (max_q - min_q);
    s.kv_cache = 1.0 - c.kv_utilization;
    if (request.prefix != 0) {
      const auto it = index_.find(c.endpoint);
      if (it != index_.end() && it->second.where.count(request.prefix) > 0) {
        s.prefix =
            std::min(1.0, static_cast<double>(request.prefix_tokens / block) / prompt_blocks);
      }
    }
    s.total = spec_.queue_weight * s.queue + spec_.kv_cache_weight * s.kv_cache +
              spec_.prefix_weight * s.prefix;
    out.push_back(s);
  }
  return out;
}

std::size_t EndpointPicker::pick(const std::vector<EndpointMetrics>& candidates,
                                 const ServingRequest& request) {
  std::size_t chosen = 0;
  switch (spec_.picker) {
    case PickerType::RoundRobin:
      chosen = static_cast<std::size_t>(next_++ % candidates.size());
      break;
    case PickerType::Random:
      chosen = static_cast<std::size_t>(rng_.below(candidates.size()));
      break;
    case PickerType::MaxScore: {
      const std::vector<EndpointScore> scores = score(candidates, request);
      double best = scores.front().total;
      for (const auto& s : scores) best = std::max(best, s.total);
      std::vector<std::size_t> ties;
      for (std::size_t i = 0; i < scores.size(); ++i) {
        if (scores[i].total >= best - 1e-12) ties.push_back(i);
      }
      chosen =
          ties.size() == 1 ? ties.front() : ties[static_cast<std::size_t>(rng_.below(ties.size()))];
      break;
    }
  }
  remember(candidates[chosen].endpoint, request);
  return chosen;
}

void EndpointPicker::remember(std::uint64_t endpoint, const ServingRequest& request) {
  if (request.prefix == 0 || spec_.picker != PickerType::MaxScore) return;
  PrefixIndex& idx = index_[endpoint];
  if (auto it = idx.where.find(request.prefix); it != idx.where.end()) {
    idx.lru.splice(idx.lru.begin(), idx.lru, it->second);
    return;
  }
  const int blocks = std::max(1, request.prefix_tokens / spec_.prefix_block_tokens);
  idx.lru.emplace_front(request.prefix, blocks);
  idx.where[request.prefix] = idx.lru.begin();
  idx.blocks += blocks;
  while (idx.blocks > spec_.prefix_lru_blocks_per_server && idx.lru.size() > 1) {
    idx.blocks -= idx.lru.back().second;
    idx.where.erase(idx.lru.back().first);
    idx.lru.pop_back();
  }
}

}  // namespace kubetwin::models::networking
