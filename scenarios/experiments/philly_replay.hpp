#pragma once
// The rigid-job replay of one Philly virtual cluster under one batch policy, in 1-s ticks as the
// replay protocol defines them (../shared/reference/philly-replay-protocol.md), but event-driven:
// only ticks where something can change (an arrival, an end, a LAS queue change) are visited, and
// the protocol's per-tick rules give the same result on every tick in between. Plain C++ in virtual
// time: no SimGrid engine is involved.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::scenarios {

enum class PhillyPolicy {
  Fifo,  ///< submit order, strict (the scan stops at the first job that does not fit)
  Sjf,   ///< shortest true duration first (oracle), strict, non-preemptive
  Srtf,  ///< shortest remaining time first, preemptive, with a checkpoint penalty
  Las,   ///< Tiresias-style discretized least attained GPU-service, preemptive
};

/// "FIFO", "SJF", "SRTF", "LAS".
std::string_view philly_policy_name(PhillyPolicy policy);
/// Parses a policy name (case-insensitive); throws sim::InputError naming the known ones.
PhillyPolicy parse_philly_policy(const std::string& name);
inline constexpr PhillyPolicy kPhillyPolicies[] = {PhillyPolicy::Fifo, PhillyPolicy::Sjf,
                                                   PhillyPolicy::Srtf, PhillyPolicy::Las};

/// Tiresias' discretized 2D-LAS (Gu et al., NSDI'19): a job's queue is the number of thresholds its
/// attained GPU-service (GPUs x seconds run since it last entered the top queue) has reached;
/// queues are served in order, and inside a queue running jobs keep their GPUs ahead of waiting
/// ones, each in submit order. A preempted job waiting longer than `promote_knob` x its run time
/// since it last entered the top queue is promoted back to it (Tiresias' STARVELIMIT; 0 turns
/// promotion off).
struct LasConfig {
  std::vector<double> thresholds_gpu_s{3250,
                                       7200};  ///< ascending; the Tiresias simulator's queue_limit
  double promote_knob = 2;
};

/// The protocol's checkpoint penalty, added to a preempted job's remaining time: 7 s for 1 GPU,
/// 30 s for up to 8, 60 s beyond.
std::int64_t philly_checkpoint_penalty(int gpus);

struct ReplayJob {
  std::int64_t submit = 0;    ///< tick
  std::int64_t duration = 1;  ///< ticks, >= 1
  int gpus = 1;               ///< 1 .. the VC's GPUs
};

struct ReplayOutcome {
  std::int64_t start = -1;  ///< first start tick
  std::int64_t end = -1;    ///< tick the job left
  std::int64_t queue = 0;   ///< ticks spent waiting, all waiting periods together
  int preemptions = 0;
};

/// Replays `jobs` (sorted by submit tick; ties in input order) on `servers` 8-GPU servers.
/// `decisions` counts the ticks at which the scheduler ran.
std::vector<ReplayOutcome> replay_philly_vc(const std::vector<ReplayJob>& jobs, int servers,
                                            PhillyPolicy policy, const LasConfig& las,
                                            std::int64_t& decisions);

}  // namespace kubetwin::scenarios
