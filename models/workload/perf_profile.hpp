#pragma once
// How a job's work turns into time on the GPUs it gets (the trace field `perf`): a transformer
// trained on a parallel layout (the `kubetwin predict train` model), or a simple profile of
// compute and one collective per step. Either way the job runs `iterations` steps, and the step
// time depends on where its pods landed (models/perf/job_runtime_model.hpp) and, with a fabric, on
// the co-tenants of the links it crosses (models/perf/fabric_contention.hpp).

#include <cstdint>
#include <string>
#include <variant>

#include "models/perf/transformer_spec.hpp"

namespace kubetwin::models {

/// A data-parallel training run of a transformer: DP = GPUs / (TP x PP), Megatron-LM rank order.
struct TrainingPerf {
  TransformerSpec model;  ///< from the model catalog or written inline
  bool inline_model = false;
  int tp = 1, pp = 1, zero = 0;
  int micro_batch = 1, global_batch = 1, seq = 2048;
};

enum class StepCollective { AllReduce, AllGather, ReduceScatter, AllToAll };
const char* to_string(StepCollective c);

/// A step of `compute_seconds` on every GPU and one collective of `comm_bytes` (per rank, the
/// CollectiveModel conventions) over all the job's GPUs; `overlap` of the compute time can hide
/// communication (0: none, 1: all of it, as far as compute lasts).
struct SimplePerf {
  double compute_seconds = 0;
  double comm_bytes = 0;
  StepCollective collective = StepCollective::AllReduce;
  double overlap = 0;
};

struct PerfProfile {
  std::variant<TrainingPerf, SimplePerf> shape;
  std::int64_t iterations = 1;
  /// Identifies the shape (not the iterations) for memoized predictions.
  std::string shape_key() const;
};

}  // namespace kubetwin::models
