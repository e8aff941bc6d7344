#pragma once
// Anything that yields jobs in submission order, one at a time: a trace file read as a stream,
// a synthetic generator, or jobs written inline in a scenario.

#include <optional>

#include "models/workload/job_spec.hpp"

namespace kubetwin::models {

class JobSource {
 public:
  virtual ~JobSource() = default;
  /// The next job, or nothing at the end. Throws sim::InputError on bad input.
  virtual std::optional<JobSpec> next() = 0;
};

}  // namespace kubetwin::models
