#pragma once
// Seeded, named random-number streams. Each model component draws from its own stream
// ("arrivals", "durations", "scheduler"), so adding draws in one component never shifts the
// numbers another component sees. Generators and distributions are written here rather than
// taken from <random>, whose distributions differ between standard libraries: the same seed gives
// the same numbers on every platform.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace kubetwin::sim {

/// One stream: xoshiro256** seeded through splitmix64.
class RandomStream {
 public:
  explicit RandomStream(std::uint64_t seed);

  std::uint64_t next_u64();
  /// Uniform in [0, 1), 53 random bits.
  double uniform01();
  /// Uniform integer in [0, n), n > 0, without modulo bias.
  std::uint64_t below(std::uint64_t n);
  /// Exponential with the given mean.
  double exponential(double mean);
  /// Standard normal (Box-Muller, one value per call).
  double normal();
  /// Lognormal whose underlying normal has mean mu and standard deviation sigma.
  double lognormal(double mu, double sigma);
  /// Index drawn with probability proportional to weights[i] (weights non-negative, sum > 0).
  std::size_t pick_weighted(std::span<const double> weights);

 private:
  std::uint64_t s_[4];
};

/// Streams derived from one run seed and a stream name.
class RandomStreams {
 public:
  explicit RandomStreams(std::uint64_t seed) : seed_(seed) {}
  /// The stream called `name`, created on first use; the reference stays valid.
  RandomStream& stream(std::string_view name);
  std::uint64_t seed() const { return seed_; }

 private:
  std::uint64_t seed_;
  std::map<std::string, std::unique_ptr<RandomStream>, std::less<>> streams_;
};

/// FNV-1a, a stable 64-bit hash of bytes (for seeds and fingerprints, not security).
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL);

}  // namespace kubetwin::sim
