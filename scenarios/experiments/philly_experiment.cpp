#include "scenarios/experiments/philly_experiment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "scenarios/experiments/philly_servers.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::scenarios {

PhillyOptions default_philly_options() {
  PhillyOptions o;
  models::parse_philly_timestamp("2017-10-01 00:00:00", o.window_start);
  models::parse_philly_timestamp("2017-11-30 23:59:00", o.window_end);
  return o;
}

namespace {

void check(const PhillyOptions& o) {
  if (o.window_end < o.window_start) {
    throw sim::InputError("--window-end: " + models::format_philly_timestamp(o.window_end) +
                          " is before --window-start " +
                          models::format_philly_timestamp(o.window_start));
  }
  if (!(o.compress >= 1) || !std::isfinite(o.compress)) {
    throw sim::InputError("--compress: must be a number >= 1, got " + std::to_string(o.compress));
  }
  double previous = 0;
  for (double t : o.las.thresholds_gpu_s) {
    if (!(t > previous) || !std::isfinite(t)) {
      throw sim::InputError("--las-thresholds: must be positive and ascending, got " +
                            std::to_string(t) + " after " + std::to_string(previous));
    }
    previous = t;
  }
  if (!(o.las.promote_knob >= 0) || !std::isfinite(o.las.promote_knob)) {
    throw sim::InputError("--las-promote-knob: must be >= 0, got " +
                          std::to_string(o.las.promote_knob));
  }
}

double mean(std::int64_t sum, std::int64_t count) {
  return count > 0 ? static_cast<double>(sum) / static_cast<double>(count) : 0.0;
}

}  // namespace

PhillyRunResult run_philly_experiment(const std::vector<models::PhillyJobRecord>& jobs,
                                      const std::vector<models::PhillyVcRecord>& vcs,
                                      const PhillyOptions& options) {
  check(options);
  PhillyRunResult result;
  std::map<std::string, int, std::less<>> vc_index;
  for (const auto& v : vcs) {
    vc_index.emplace(v.name, static_cast<int>(result.vcs.size()));
    result.vcs.push_back({v.name, v.servers * ConsolidatedServers::kGpusPerServer, 0, 0, 0, 0, 0});
  }

  // Per VC: the jobs to replay with their input index, sorted by submit tick, ties in input order.
  std::vector<std::vector<std::pair<ReplayJob, std::int64_t>>> per_vc(vcs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const auto& r = jobs[i];
    if (r.gpus == 0) {
      ++result.zero_gpu;
      continue;
    }
    const auto it = vc_index.find(r.vc);
    if (it == vc_index.end()) {
      ++result.unknown_vc;
      continue;
    }
    if (r.submit_s < options.window_start || r.submit_s > options.window_end) {
      ++result.outside_window;
      continue;
    }
    auto& vc = result.vcs[static_cast<std::size_t>(it->second)];
    if (r.gpus > vc.gpus) {
      ++vc.too_wide;
      ++result.too_wide;
      continue;
    }
    ReplayJob j;
    j.submit = static_cast<std::int64_t>(
        std::floor(static_cast<double>(r.submit_s - options.window_start) / options.compress));
    j.duration = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(r.duration_s)));
    j.gpus = r.gpus;
    per_vc[static_cast<std::size_t>(it->second)].emplace_back(j, static_cast<std::int64_t>(i));
  }

  std::int64_t jct_sum = 0, queue_sum = 0;
  for (std::size_t v = 0; v < vcs.size(); ++v) {
    auto& list = per_vc[v];
    std::stable_sort(list.begin(), list.end(),
                     [](const auto& a, const auto& b) { return a.first.submit < b.first.submit; });
    std::vector<ReplayJob> replay;
    replay.reserve(list.size());
    for (const auto& [j, index] : list) replay.push_back(j);
    const auto outcomes =
        replay_philly_vc(replay, vcs[v].servers, options.policy, options.las, result.decisions);

    auto& vc = result.vcs[v];
    std::int64_t vc_jct = 0, vc_queue = 0;
    for (std::size_t k = 0; k < list.size(); ++k) {
      const ReplayOutcome& o = outcomes[k];
      vc_jct += o.end - replay[k].submit;
      vc_queue += o.queue;
      vc.preemptions += o.preemptions;
      result.simulated_seconds = std::max(result.simulated_seconds, o.end);
      result.job_results.push_back({list[k].second, static_cast<int>(v), replay[k].submit, o});
    }
    vc.jobs = static_cast<std::int64_t>(list.size());
    vc.avg_jct = mean(vc_jct, vc.jobs);
    vc.avg_queue = mean(vc_queue, vc.jobs);
    result.jobs += vc.jobs;
    result.preemptions += vc.preemptions;
    jct_sum += vc_jct;
    queue_sum += vc_queue;
  }
  result.avg_jct = mean(jct_sum, result.jobs);
  result.avg_queue = mean(queue_sum, result.jobs);
  std::sort(result.job_results.begin(), result.job_results.end(),
            [](const auto& a, const auto& b) { return a.record < b.record; });
  return result;
}

nlohmann::ordered_json philly_summary(const PhillyRunResult& r, const PhillyOptions& o) {
  std::int64_t gpus = 0;
  for (const auto& v : r.vcs) gpus += v.gpus;
  nlohmann::ordered_json s = {
      {"experiment", "philly"},
      {"policy", std::string(philly_policy_name(o.policy))},
      {"window",
       {{"start", models::format_philly_timestamp(o.window_start)},
        {"end", models::format_philly_timestamp(o.window_end)}}},
      {"compress", o.compress},
      {"cluster",
       {{"vcs", r.vcs.size()},
        {"gpusPerServer", ConsolidatedServers::kGpusPerServer},
        {"gpus", gpus}}},
      {"jobs", r.jobs},
      {"avgJct", r.avg_jct},
      {"avgQueueingDelay", r.avg_queue},
      {"preemptions", r.preemptions},
      {"excluded",
       {{"zeroGpu", r.zero_gpu},
        {"unknownVc", r.unknown_vc},
        {"outsideWindow", r.outside_window},
        {"widerThanVc", r.too_wide}}},
      {"simulatedSeconds", r.simulated_seconds},
      {"decisions", r.decisions},
      {"timeModel", "1-s ticks, event-driven (kubetwin's own discrete-event loop, no SimGrid)"}};
  if (o.policy == PhillyPolicy::Srtf || o.policy == PhillyPolicy::Las) {
    s["checkpointPenalty"] = {{"1gpu", philly_checkpoint_penalty(1)},
                              {"upTo8gpus", philly_checkpoint_penalty(8)},
                              {"over8gpus", philly_checkpoint_penalty(9)}};
  }
  if (o.policy == PhillyPolicy::Las) {
    s["las"] = {{"thresholdsGpuSeconds", o.las.thresholds_gpu_s},
                {"promoteKnob", o.las.promote_knob}};
  }
  nlohmann::ordered_json per_vc = nlohmann::ordered_json::object();
  for (const auto& v : r.vcs) {
    per_vc[v.name] = {{"gpus", v.gpus},
                      {"jobs", v.jobs},
                      {"avgJct", v.avg_jct},
                      {"avgQueueingDelay", v.avg_queue},
                      {"preemptions", v.preemptions},
                      {"widerThanVc", v.too_wide}};
  }
  s["perVc"] = std::move(per_vc);
  return s;
}

std::string philly_vc_table(const std::vector<nlohmann::ordered_json>& summaries) {
  if (summaries.empty()) return "";
  auto cell = [](double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", seconds);
    return std::string(buf);
  };
  std::string out;
  for (const auto& [title, key] :
       {std::pair{"Mean JCT (s)", "avgJct"}, {"Mean queueing delay (s)", "avgQueueingDelay"}}) {
    out += std::string("**") + title + "**\n\n| VC | GPUs | jobs |";
    std::string rule = "|---|---:|---:|";
    for (const auto& s : summaries) {
      out += " " + s.at("policy").get<std::string>() + " |";
      rule += "---:|";
    }
    out += "\n" + rule + "\n";
    for (const auto& [vc, v] : summaries.front().at("perVc").items()) {
      out += "| " + vc + " | " + std::to_string(v.at("gpus").get<int>()) + " | " +
             std::to_string(v.at("jobs").get<std::int64_t>()) + " |";
      for (const auto& s : summaries)
        out += " " + cell(s.at("perVc").at(vc).at(key).get<double>()) + " |";
      out += "\n";
    }
    out += "| **all** | " +
           std::to_string(summaries.front().at("cluster").at("gpus").get<std::int64_t>()) + " | " +
           std::to_string(summaries.front().at("jobs").get<std::int64_t>()) + " |";
    for (const auto& s : summaries) out += " **" + cell(s.at(key).get<double>()) + "** |";
    out += "\n\n";
  }
  return out;
}

}  // namespace kubetwin::scenarios
