#include "models/perf/model_server.hpp"

#include <algorithm>

namespace kubetwin::models {
namespace {

int blocks_for(int tokens, int block_size) { return (tokens + block_size - 1) / block_size; }

}  // namespace

ModelServer::ModelServer(const InferenceStepModel& step, const TransformerSpec& model,
                         const ServerConfig& config, int kv_blocks, int token_budget)
    : step_(step),
      model_(model),
      config_(config),
      kv_blocks_(kv_blocks),
      budget_(token_budget),
      watermark_(static_cast<int>(config.watermark * kv_blocks)),
      free_blocks_(kv_blocks) {}

int ModelServer::blocks_needed(const ServingRequest& r) const {
  return blocks_for(r.input_tokens + r.output_tokens, config_.block_size);
}

void ModelServer::enqueue(std::uint64_t id, const ServingRequest& r) {
  Sequence s;
  s.id = id;
  s.request = r;
  waiting_.push_back(s);
}

void ModelServer::advance_to(double t) {
  while (!idle() && clock_ < t) {
    if (!step_once()) break;  // nothing can run until more work arrives
  }
  clock_ = std::max(clock_, t);
}

void ModelServer::drain() {
  while (!idle()) {
    if (!step_once()) break;
  }
}

std::vector<std::uint64_t> ModelServer::unfinished() const {
  std::vector<std::uint64_t> ids;
  for (const auto& s : running_) ids.push_back(s.id);
  for (const auto& s : waiting_) ids.push_back(s.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Frees `victim`'s blocks and puts it first in line; it recomputes its prompt and output so far.
void ModelServer::preempt(Sequence victim) {
  free_blocks_ += victim.blocks;
  victim.blocks = 0;
  victim.cached = 0;
  waiting_.push_front(victim);
  ++preemptions_;
}

// Admits waiting requests FCFS while the sequence limit, the token budget and the free blocks
// (above the watermark) allow; returns the tokens they compute this iteration.
int ModelServer::admit(int tokens_left, std::vector<std::pair<std::size_t, int>>& chunks) {
  const int bs = config_.block_size;
  int used = 0;
  while (!waiting_.empty() && static_cast<int>(running_.size()) < config_.max_num_seqs &&
         tokens_left - used > 0) {
    Sequence& s = waiting_.front();
    const int need = blocks_for(s.known(), bs);
    if (free_blocks_ - need < watermark_) break;
    // A cached prefix is not computed again (full blocks only, and at least one prompt token is).
    int cached = s.cached;
    const auto hit = config_.prefix_caching && s.request.prefix != 0
                         ? prefix_index_.find(s.request.prefix)
                         : prefix_index_.end();
    if (hit != prefix_index_.end())
      cached = std::min(s.request.prefix_tokens / bs * bs, s.request.input_tokens - 1);
    const int pending = s.known() - cached;
    const int n = config_.chunked_prefill ? std::min(pending, tokens_left - used) : pending;
    if (!config_.chunked_prefill && used + n > tokens_left) break;
    if (hit != prefix_index_.end() && cached > 0) {
      s.cached = cached;
      s.prefix_hit = true;
      ++prefix_hits_;
      prefix_lru_.splice(prefix_lru_.begin(), prefix_lru_, hit->second);
    }
    free_blocks_ -= need;
    s.blocks = need;
    running_.push_back(s);
    waiting_.pop_front();
    chunks.emplace_back(running_.size() - 1, n);
    used += n;
  }
  return used;
}

void ModelServer::remember_prefix(const Sequence& s) {
  if (!config_.prefix_caching || s.request.prefix == 0) return;
  if (auto it = prefix_index_.find(s.request.prefix); it != prefix_index_.end()) {
    prefix_lru_.splice(prefix_lru_.begin(), prefix_lru_, it->second);
    return;
  }
  const int blocks = s.request.prefix_tokens / config_.block_size;
  if (blocks <= 0) return;
  prefix_lru_.emplace_front(s.request.prefix, blocks);
  prefix_index_[s.request.prefix] = prefix_lru_.begin();
  prefix_blocks_ += blocks;
}

// Cached prefixes live in free blocks: when those run short the least recently used go first.
void ModelServer::evict_prefixes() {
  while (prefix_blocks_ > free_blocks_ && !prefix_lru_.empty()) {
    prefix_blocks_ -= prefix_lru_.back().second;
    prefix_index_.erase(prefix_lru_.back().first);
    prefix_lru_.pop_back();
  }
}

bool ModelServer::step_once() {
  // This iteration's work: (index into running, tokens to compute).
  std::vector<std::pair<std::size_t, int>> chunks;
  if (!config_.chunked_prefill) admit(budget_, chunks);
  if (chunks.empty()) {
    // Decode (and, chunked, continue prompts): every running sequence gets its share, a new block
    // when its next token starts one; with none free the latest admitted is preempted.
    int tokens_left = budget_;
    for (std::size_t i = 0; i < running_.size();) {
      Sequence& s = running_[i];
      const int n = std::min(s.pending(), config_.chunked_prefill ? tokens_left : 1);
      if (n <= 0) break;
      const int need = blocks_for(s.cached + n, config_.block_size) - s.blocks;
      bool preempted_self = false;
      while (need > free_blocks_) {
        Sequence victim = running_.back();
        running_.pop_back();
        preempted_self = running_.size() == i;
        preempt(victim);
        if (preempted_self) break;
      }
      if (preempted_self) break;
      free_blocks_ -= std::max(0, need);
      s.blocks += std::max(0, need);
      chunks.emplace_back(i, n);
      tokens_left -= n;
      ++i;
    }
    if (config_.chunked_prefill && tokens_left > 0) admit(tokens_left, chunks);
  }
  // Nothing can run (every block held by requests that are themselves waiting): cannot happen for
  // requests that fit; the caller waits for the next arrival.
  if (chunks.empty()) return false;

  IterationWork work;
  for (const auto& [i, n] : chunks) {
    const Sequence& s = running_[i];
    work.add_sequence(n, s.cached, s.cached + n == s.known());
  }
  clock_ += step_.step(model_, work).seconds;
  ++iterations_;
  max_running_ = std::max(max_running_, static_cast<int>(running_.size()));
  batched_sequences_ += work.sequences;

  // Tokens computed; a sequence that caught up with what it knows emits its next token.
  std::vector<bool> finished(running_.size(), false);
  for (const auto& [i, n] : chunks) {
    Sequence& s = running_[i];
    s.cached += n;
    if (s.cached < s.known()) continue;
    ++s.generated;
    ++output_tokens_;
    if (s.first_token < 0) {
      s.first_token = clock_;
      remember_prefix(s);
    }
    if (s.generated < s.request.output_tokens) continue;
    finished[i] = true;
    finished_.push_back(FinishedRequest{s.id, s.request, s.first_token, clock_, s.prefix_hit});
    free_blocks_ += s.blocks;
    prompt_tokens_ += s.request.input_tokens;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < running_.size(); ++i) {
    if (!finished[i]) running_[kept++] = running_[i];
  }
  running_.resize(kept);
  evict_prefixes();
  return true;
}

}  // namespace kubetwin::models
