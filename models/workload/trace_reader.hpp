#pragma once
// Streams a native JSON Lines trace: one record in memory at a time, so memory does not grow with
// the trace's length (apart from an 8-byte hash per job id, kept to reject duplicates). Errors
// name the file and line: "trace.jsonl:17: /pods/0/replicas: must be at least 1".

#include <cstdint>
#include <fstream>
#include <string>
#include <unordered_set>

#include "models/hardware/gpu_catalog.hpp"
#include "models/workload/job_source.hpp"

namespace kubetwin::models {

class TraceReader final : public JobSource {
 public:
  /// Opens `path`; throws sim::InputError if it cannot be read.
  TraceReader(const std::string& path, const GpuCatalog& catalog);
  std::optional<JobSpec> next() override;
  /// Line number of the record last returned.
  std::int64_t line() const { return line_; }

 private:
  std::string path_;
  const GpuCatalog& catalog_;
  std::ifstream in_;
  std::string buffer_;
  std::int64_t line_ = 0;
  double last_submit_ = 0;
  std::unordered_set<std::uint64_t> seen_ids_;
};

}  // namespace kubetwin::models
