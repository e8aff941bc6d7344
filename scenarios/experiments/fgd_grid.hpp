#pragma once
// The FGD experiment grid: policies x traces x seeds (the paper's 6 x 17 x 10 = 1,020 runs), run on
// all cores, resumable (each finished run is kept under OUT/runs/ and skipped next time), merged
// into OUT/grid.csv, one SVG plot per trace (median allocation against arrived workload, per
// policy) and OUT/table.md (unallocated GPU % at arrived = 100 %: mean and s.d. over seeds).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace kubetwin::scenarios {

struct FgdGridOptions {
  std::filesystem::path traces_dir;  ///< holds openb_node_list_gpu_node.csv and openb_pod_list_<trace>.csv
  std::filesystem::path out_dir;
  std::vector<std::string> traces;   ///< trace names, e.g. "default", "cpu050"
  std::vector<std::string> policies;
  std::vector<std::uint64_t> seeds;
  double tune = 1.3;
  unsigned jobs = 2;
  bool progress = true;
};

/// The 17 traces of the paper's grid.
const std::vector<std::string>& fgd_paper_traces();

/// Parses "42-51" or "42,43,50" (throws sim::InputError naming --seeds).
std::vector<std::uint64_t> parse_seed_list(const std::string& text);

/// Runs what is not done yet and writes the merged outputs. Throws sim::InputError on bad input.
void run_fgd_grid(const FgdGridOptions& options);

}  // namespace kubetwin::scenarios
