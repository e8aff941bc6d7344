#pragma once
// The servers of one Philly virtual cluster (8 GPUs each) with the replay protocol's "consolidate"
// placement (../shared/reference/philly-replay-protocol.md): a job of <= 8 GPUs goes to the
// feasible server with the fewest free GPUs; a wider job takes whole free servers, plus one more
// server for a remainder that is not a multiple of 8. Ties go to the lowest server index, so the
// replay is deterministic and matches the artifact's stable sort over its server list.

#include <array>
#include <cstdint>
#include <vector>

namespace kubetwin::scenarios {

class ConsolidatedServers {
 public:
  static constexpr int kGpusPerServer = 8;

  struct Slot {
    int server = 0;
    int gpus = 0;
  };
  using Placement = std::vector<Slot>;

  explicit ConsolidatedServers(int servers);

  /// Places a job of `gpus` GPUs; on success fills `out` and returns true, otherwise changes
  /// nothing.
  bool place(int gpus, Placement& out);
  /// Gives back what `place` took.
  void release(const Placement& placement);

  int total_gpus() const { return static_cast<int>(free_.size()) * kGpusPerServer; }
  int free_gpus() const { return free_total_; }
  int free_on(int server) const { return free_[static_cast<std::size_t>(server)]; }

 private:
  void set_free(int server, int free);
  /// Up to `n` servers with exactly `free` free GPUs, lowest index first.
  void servers_with(int free, int n, std::vector<int>& out) const;

  std::vector<int> free_;
  // One bitset of servers per free-GPU count (0..8): the best-fit lookups are a word scan.
  std::array<std::vector<std::uint64_t>, kGpusPerServer + 1> with_free_;
  std::array<int, kGpusPerServer + 1> count_{};
  int free_total_ = 0;
  std::vector<int> scratch_;
};

}  // namespace kubetwin::scenarios
