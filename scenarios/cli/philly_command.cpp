#include "scenarios/cli/philly_command.hpp"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "models/workload/philly_trace.hpp"
#include "scenarios/experiments/philly_experiment.hpp"
#include "sim/input_error.hpp"
#include "sim/output_directory.hpp"

namespace kubetwin::cli {

struct PhillyArgs {
  std::string trace, vcs, policy, out;
  std::string window_start = "2017-10-01 00:00:00";
  std::string window_end = "2017-11-30 23:59:00";
  double compress = 1;
  std::string las_thresholds = "3250,7200";
  double las_promote_knob = 2;
  bool jobs_csv = false;
};

namespace {

std::int64_t timestamp(const std::string& flag, const std::string& text) {
  std::int64_t s = 0;
  if (!models::parse_philly_timestamp(text, s)) {
    throw sim::InputError(flag + ": expected YYYY-MM-DD HH:MM:SS, got \"" + text + "\"");
  }
  return s;
}

std::vector<double> thresholds(const std::string& text) {
  std::vector<double> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size()) {
      throw sim::InputError("--las-thresholds: not a number: \"" + item +
                            "\" (expected e.g. 3250,7200)");
    }
    out.push_back(v);
  }
  return out;
}

std::string jobs_csv(const scenarios::PhillyRunResult& r,
                     const std::vector<models::PhillyJobRecord>& jobs) {
  std::string out = "line,vc,gpus,submit_s,start_s,end_s,queue_s,jct_s,preemptions\n";
  for (const auto& j : r.job_results) {
    const auto& rec = jobs[static_cast<std::size_t>(j.record)];
    const auto& o = j.outcome;
    out += std::to_string(rec.line) + ',' + r.vcs[static_cast<std::size_t>(j.vc)].name + ',' +
           std::to_string(rec.gpus) + ',' + std::to_string(j.submit) + ',' +
           std::to_string(o.start) + ',' + std::to_string(o.end) + ',' + std::to_string(o.queue) +
           ',' + std::to_string(o.end - j.submit) + ',' + std::to_string(o.preemptions) + '\n';
  }
  return out;
}

}  // namespace

PhillyCommand::PhillyCommand(CLI::App& experiment) : args_(std::make_unique<PhillyArgs>()) {
  PhillyArgs& a = *args_;
  cmd_ = experiment.add_subcommand("philly",
                                   "The Philly rigid-job replay (Helios artifact protocol): FIFO, "
                                   "SJF, SRTF or Tiresias-style LAS per VC");
  cmd_->add_option("--trace", a.trace,
                   "Philly job list CSV (timestamp,duration,num_gpus,gpu_time,cluster)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_->add_option("--vcs", a.vcs, "Virtual clusters CSV (vc,node num): 8-GPU servers per VC")
      ->required()
      ->check(CLI::ExistingFile);
  cmd_->add_option("--policy", a.policy,
                   "FIFO, SJF, SRTF, LAS, or all (one summary-<POLICY>.json each and table.md)")
      ->required();
  cmd_->add_option("--out", a.out, "Output folder for summary.json")->required();
  cmd_->add_option("--compress", a.compress,
                   "Divide submit offsets from the window start by this (durations unchanged) to "
                   "raise the load")
      ->capture_default_str();
  cmd_->add_option("--window-start", a.window_start,
                   "First submit time replayed (time 0), YYYY-MM-DD HH:MM:SS")
      ->capture_default_str();
  cmd_->add_option("--window-end", a.window_end, "Last submit time replayed (inclusive)")
      ->capture_default_str();
  cmd_->add_option("--las-thresholds", a.las_thresholds,
                   "LAS: attained GPU-seconds that demote to the next queue")
      ->capture_default_str();
  cmd_->add_option("--las-promote-knob", a.las_promote_knob,
                   "LAS: promote a preempted job waiting longer than KNOB x its service (0: never)")
      ->capture_default_str();
  cmd_->add_flag("--jobs-csv", a.jobs_csv,
                 "Also write jobs.csv (every replayed job's start, end, queue, JCT)");
}

PhillyCommand::~PhillyCommand() = default;

bool PhillyCommand::selected() const { return cmd_->parsed(); }

int PhillyCommand::run() const {
  const PhillyArgs& a = *args_;
  std::vector<scenarios::PhillyPolicy> policies;
  if (a.policy == "all" || a.policy == "ALL") {
    policies.assign(std::begin(scenarios::kPhillyPolicies), std::end(scenarios::kPhillyPolicies));
  } else {
    policies.push_back(scenarios::parse_philly_policy(a.policy));
  }
  scenarios::PhillyOptions options;
  options.window_start = timestamp("--window-start", a.window_start);
  options.window_end = timestamp("--window-end", a.window_end);
  options.compress = a.compress;
  options.las.thresholds_gpu_s = thresholds(a.las_thresholds);
  options.las.promote_knob = a.las_promote_knob;

  const auto jobs = models::read_philly_jobs(a.trace);
  const auto vcs = models::read_philly_vcs(a.vcs);
  sim::OutputDirectory out(a.out);
  std::vector<nlohmann::ordered_json> summaries;
  for (auto policy : policies) {
    const auto start = std::chrono::steady_clock::now();
    options.policy = policy;
    const auto result = scenarios::run_philly_experiment(jobs, vcs, options);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto summary = scenarios::philly_summary(result, options);
    const std::string name(scenarios::philly_policy_name(policy));
    const bool single = policies.size() == 1;
    if (a.jobs_csv)
      out.open(single ? "jobs.csv" : "jobs-" + name + ".csv") << jobs_csv(result, jobs);
    summaries.push_back(summary);
    summary["trace"] = a.trace;
    summary["vcsFile"] = a.vcs;
    summary["wallSeconds"] = wall;
    out.open(single ? "summary.json" : "summary-" + name + ".json") << summary.dump(2) << '\n';
    std::printf(
        "philly %s: %lld jobs on %lld GPUs; mean JCT %.1f s, mean queueing delay %.1f s, %lld "
        "preemptions; %.2f s\n",
        name.c_str(), static_cast<long long>(result.jobs),
        static_cast<long long>(summary["cluster"]["gpus"].get<std::int64_t>()), result.avg_jct,
        result.avg_queue, static_cast<long long>(result.preemptions), wall);
  }
  if (policies.size() > 1) out.open("table.md") << scenarios::philly_vc_table(summaries);
  out.commit();
  return 0;
}

}  // namespace kubetwin::cli
