#pragma once
// Readers for the Microsoft Philly job trace as the public extracts ship it (Jeon et al., USENIX
// ATC'19; ../shared/traces/philly/README.md): the job list
// (`timestamp,duration,num_gpus,gpu_time,cluster`, rows in any order) and the virtual-cluster list
// (`vc,node num`). Strict: a malformed row is an InputError naming file, line and column,
// "philly.csv:17: num_gpus: not a whole number: \"x\"".

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::models {

struct PhillyJobRecord {
  std::int64_t submit_s =
      0;  ///< submission time, seconds since 1970-01-01 00:00 (time zone as in the file)
  double duration_s = 0;  ///< run time in seconds, > 0
  int gpus = 0;           ///< GPUs the job holds, >= 0
  std::string vc;         ///< virtual cluster id (`cluster`)
  std::int64_t line = 0;  ///< line in the file, for messages
};

struct PhillyVcRecord {
  std::string name;
  int servers = 0;  ///< `node num`: 8-GPU servers given to the VC
};

/// Reads a Philly job list in file order; throws sim::InputError.
std::vector<PhillyJobRecord> read_philly_jobs(const std::string& path);
/// Reads a VC list (`vc,node num`), names unique; throws sim::InputError.
std::vector<PhillyVcRecord> read_philly_vcs(const std::string& path);

/// Parses "YYYY-MM-DD HH:MM:SS" into seconds since 1970-01-01 00:00; false if malformed.
bool parse_philly_timestamp(std::string_view text, std::int64_t& seconds);
/// The inverse of parse_philly_timestamp.
std::string format_philly_timestamp(std::int64_t seconds);

}  // namespace kubetwin::models
