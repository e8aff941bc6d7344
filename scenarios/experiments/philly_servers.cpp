#include "scenarios/experiments/philly_servers.hpp"

#include <bit>
#include <cassert>

namespace kubetwin::scenarios {

ConsolidatedServers::ConsolidatedServers(int servers)
    : free_(static_cast<std::size_t>(servers), kGpusPerServer) {
  const std::size_t words = (static_cast<std::size_t>(servers) + 63) / 64;
  for (auto& bits : with_free_) bits.assign(words, 0);
  for (int s = 0; s < servers; ++s) {
    with_free_[kGpusPerServer][static_cast<std::size_t>(s) / 64] |= std::uint64_t{1} << (s % 64);
  }
  count_[kGpusPerServer] = servers;
  free_total_ = servers * kGpusPerServer;
}

void ConsolidatedServers::set_free(int server, int free) {
  const auto s = static_cast<std::size_t>(server);
  const std::uint64_t bit = std::uint64_t{1} << (s % 64);
  const int old = free_[s];
  with_free_[static_cast<std::size_t>(old)][s / 64] &= ~bit;
  --count_[static_cast<std::size_t>(old)];
  with_free_[static_cast<std::size_t>(free)][s / 64] |= bit;
  ++count_[static_cast<std::size_t>(free)];
  free_total_ += free - old;
  free_[s] = free;
}

void ConsolidatedServers::servers_with(int free, int n, std::vector<int>& out) const {
  out.clear();
  const auto& bits = with_free_[static_cast<std::size_t>(free)];
  for (std::size_t w = 0; w < bits.size() && static_cast<int>(out.size()) < n; ++w) {
    for (std::uint64_t word = bits[w]; word != 0 && static_cast<int>(out.size()) < n;
         word &= word - 1) {
      out.push_back(static_cast<int>(w * 64) + std::countr_zero(word));
    }
  }
}

bool ConsolidatedServers::place(int gpus, Placement& out) {
  out.clear();
  if (gpus <= 0 || gpus > free_total_) return false;
  if (gpus <= kGpusPerServer) {
    // Best fit: the fewest free GPUs that still hold the job.
    for (int f = gpus; f <= kGpusPerServer; ++f) {
      if (count_[static_cast<std::size_t>(f)] == 0) continue;
      servers_with(f, 1, scratch_);
      out.push_back({scratch_[0], gpus});
      set_free(scratch_[0], f - gpus);
      return true;
    }
    return false;
  }
  const int whole = gpus / kGpusPerServer;
  const int rest = gpus % kGpusPerServer;
  const int full = count_[kGpusPerServer];
  if (rest == 0) {
    if (full < whole) return false;
    servers_with(kGpusPerServer, whole, scratch_);
    for (int s : scratch_) out.push_back({s, kGpusPerServer});
  } else {
    if (full < whole) return false;
    // The remainder goes to the next server in most-free-first order: another whole free server
    // when there is one to spare (as the artifact does), else the fullest partly free server.
    int rest_server = -1;
    if (full > whole) {
      servers_with(kGpusPerServer, whole + 1, scratch_);
      rest_server = scratch_.back();
      scratch_.pop_back();
    } else {
      for (int f = kGpusPerServer - 1; f >= rest && rest_server < 0; --f) {
        if (count_[static_cast<std::size_t>(f)] == 0) continue;
        std::vector<int> one;
        servers_with(f, 1, one);
        rest_server = one[0];
      }
      if (rest_server < 0) return false;
      servers_with(kGpusPerServer, whole, scratch_);
    }
    for (int s : scratch_) out.push_back({s, kGpusPerServer});
    out.push_back({rest_server, rest});
  }
  for (const Slot& slot : out)
    set_free(slot.server, free_[static_cast<std::size_t>(slot.server)] - slot.gpus);
  return true;
}

void ConsolidatedServers::release(const Placement& placement) {
  for (const Slot& slot : placement) {
    const int now = free_[static_cast<std::size_t>(slot.server)] + slot.gpus;
    assert(now <= kGpusPerServer);
    set_free(slot.server, now);
  }
}

}  // namespace kubetwin::scenarios
