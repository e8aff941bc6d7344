#pragma once
// The Philly rigid-job replay (../shared/reference/philly-replay-protocol.md): the trace's GPU jobs
// submitted inside the window into the listed virtual clusters, each VC simulated on its own as
// `node num` 8-GPU servers under one batch policy (FIFO, SJF, SRTF, LAS), averages of JCT and
// queueing delay per VC and overall. Runs in virtual time as its own discrete-event loop.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/workload/philly_trace.hpp"
#include "scenarios/experiments/philly_replay.hpp"

namespace kubetwin::scenarios {

struct PhillyOptions {
  PhillyPolicy policy = PhillyPolicy::Fifo;
  std::int64_t window_start = 0;  ///< seconds (as read by models::parse_philly_timestamp); time 0
  std::int64_t window_end = 0;    ///< inclusive
  /// Submit offsets from the window start are divided by this (durations unchanged), to raise the
  /// load; 1 replays the trace as recorded.
  double compress = 1;
  LasConfig las;
};

/// The protocol's window: 2017-10-01 00:00:00 .. 2017-11-30 23:59:00.
PhillyOptions default_philly_options();

struct PhillyVcResult {
  std::string name;
  int gpus = 0;
  std::int64_t jobs = 0;  ///< replayed (the averages are over these)
  double avg_jct = 0;     ///< seconds
  double avg_queue = 0;   ///< seconds
  std::int64_t preemptions = 0;
  std::int64_t too_wide = 0;  ///< more GPUs than the VC has: never runnable, left out
};

struct PhillyJobResult {
  std::int64_t record = 0;  ///< index in the input job list
  int vc = 0;
  std::int64_t submit = 0;  ///< seconds from the window start (after compression)
  ReplayOutcome outcome;
};

struct PhillyRunResult {
  std::vector<PhillyVcResult> vcs;  ///< in the VC list's order
  std::int64_t jobs = 0;
  double avg_jct = 0, avg_queue = 0;
  std::int64_t preemptions = 0;
  // Left out of the replay, as the protocol says (GPU jobs, listed VCs, window), or unrunnable.
  std::int64_t zero_gpu = 0, unknown_vc = 0, outside_window = 0, too_wide = 0;
  std::int64_t simulated_seconds = 0;        ///< last job end, from the window start
  std::int64_t decisions = 0;                ///< scheduling ticks visited, all VCs together
  std::vector<PhillyJobResult> job_results;  ///< every replayed job, in input order
};

/// Runs the replay. Throws sim::InputError for inconsistent options (window, compression, LAS).
PhillyRunResult run_philly_experiment(const std::vector<models::PhillyJobRecord>& jobs,
                                      const std::vector<models::PhillyVcRecord>& vcs,
                                      const PhillyOptions& options);

/// summary.json's contents (everything but wall time): the replay's settings, `jobs`, `avgJct`,
/// `avgQueueingDelay`, `perVc` {name: {gpus, jobs, avgJct, avgQueueingDelay, preemptions}}, ...
nlohmann::ordered_json philly_summary(const PhillyRunResult& result, const PhillyOptions& options);

/// A Markdown table of mean JCT and queueing delay per VC (rows) and policy (columns), from
/// summaries made by philly_summary.
std::string philly_vc_table(const std::vector<nlohmann::ordered_json>& summaries);

}  // namespace kubetwin::scenarios
