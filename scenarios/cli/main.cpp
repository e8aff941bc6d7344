// kubetwin: the command-line tool. Verbs: run, validate, generate, experiment, predict, conformance.

#include <CLI/CLI.hpp>
#include <sstream>
#include <thread>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "models/gpushare/openb_trace.hpp"
#include "models/gpushare/policies.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/workload/synthetic_workload.hpp"
#include "models/workload/trace_format.hpp"
#include "scenarios/experiments/fgd_experiment.hpp"
#include "scenarios/experiments/fgd_grid.hpp"
#include "scenarios/cli/predict_command.hpp"
#include "scenarios/cli/philly_command.hpp"
#include "scenarios/cli/conformance_command.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "sim/input_error.hpp"
#include "sim/json_writer.hpp"
#include "sim/output_directory.hpp"
#include "sim/quantity.hpp"

namespace fs = std::filesystem;
using namespace kubetwin;

namespace {

constexpr int kExitBadInput = 2;

struct ScenarioArgs {
  std::string file;                 // empty: the built-in default
  std::vector<std::string> sets;    // --set POINTER=VALUE
  std::string trace;                // --trace FILE
};

// Reads the scenario document, applies --trace and --set, and validates it.
scenarios::Scenario load(const ScenarioArgs& args) {
  nlohmann::json doc;
  std::string source = "(built-in default scenario)";
  fs::path base = fs::current_path();
  if (args.file.empty()) {
    doc = scenarios::default_scenario_document();
  } else {
    doc = scenarios::read_scenario_file(args.file);
    source = args.file;
    base = fs::path(args.file).parent_path();
  }
  if (!args.trace.empty()) {
    if (!doc.is_object()) throw sim::InputError(source + ": (root): must be an object");
    doc["workload"] = {{"trace", fs::absolute(args.trace).lexically_normal().string()}};
  }
  for (const auto& s : args.sets) scenarios::apply_override(doc, s);
  return scenarios::load_scenario(doc, source, base);
}

void add_scenario_flags(CLI::App* cmd, ScenarioArgs& args) {
  cmd->add_option("--set", args.sets,
                  "Override a scenario field by JSON pointer, e.g. --set /platform/nodePools/0/count=64 "
                  "(VALUE is JSON, or a string if it is not valid JSON)")
      ->type_name("POINTER=VALUE")
      ->allow_extra_args(false);
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
  return buf;
}

std::string stat_line(const nlohmann::ordered_json& d) {
  if (d["mean"].is_null()) return "n/a";
  return "mean " + sim::format_duration(d["mean"].get<double>()) + ", p50 " +
         sim::format_duration(d["p50"].get<double>()) + ", p90 " + sim::format_duration(d["p90"].get<double>());
}

void print_summary(const nlohmann::ordered_json& s, const fs::path& out, bool timeline) {
  const auto& jobs = s["jobs"];
  std::printf("kubetwin: scenario \"%s\" (seed %llu) on %lld nodes / %lld GPUs\n",
              s["scenario"].get<std::string>().c_str(), s["seed"].get<unsigned long long>(),
              s["cluster"]["nodes"].get<long long>(), s["cluster"]["gpus"].get<long long>());
  std::printf("  simulated  %s in %.2f s wall (%llu events)%s\n",
              sim::format_duration(s["simulatedSeconds"].get<double>()).c_str(), s["wallSeconds"].get<double>(),
              s["eventsProcessed"].get<unsigned long long>(), s["horizonReached"].get<bool>() ? ", horizon reached" : "");
  std::printf("  jobs       %llu submitted: %llu completed, %llu failed, %llu running, %llu pending\n",
              jobs["submitted"].get<unsigned long long>(), jobs["completed"].get<unsigned long long>(),
              jobs["failed"].get<unsigned long long>(), jobs["running"].get<unsigned long long>(),
              jobs["pending"].get<unsigned long long>());
  for (const auto& [reason, n] : s["failureReasons"].items()) {
    std::printf("             %llu failed: %s\n", n.get<unsigned long long>(), reason.c_str());
  }
  std::printf("  JCT        %s\n", stat_line(s["jct"]).c_str());
  std::printf("  queueing   %s\n", stat_line(s["queueingDelay"]).c_str());
  std::printf("  GPU util   %s of GPUs allocated (time-averaged)\n", percent(s["gpuUtilization"].get<double>()).c_str());
  if (s.contains("gateway")) {
    const auto& g = s["gateway"];
    std::printf("  gateway    %llu requests: %llu completed", g["requests"].get<unsigned long long>(),
                g["completed"].get<unsigned long long>());
    if (!g["ttftSeconds"].is_null()) {
      std::printf(", TTFT p50 %.1f ms, p90 %.1f ms", 1e3 * g["ttftSeconds"]["p50"].get<double>(),
                  1e3 * g["ttftSeconds"]["p90"].get<double>());
    }
    std::printf("\n");
  }
  std::printf("results in %s/: summary.json events.jsonl series.csv topology.json%s%s%s%s\n", out.string().c_str(),
              s.contains("fabric") ? " fabric.json fabric-usage.jsonl" : "",
              fs::exists(out / "audit.jsonl") ? " audit.jsonl" : "", s.contains("gateway") ? " gateway.jsonl" : "",
              timeline ? " timeline.json (open in https://ui.perfetto.dev)" : "");
}

int cmd_run(const ScenarioArgs& args, const std::string& out, std::optional<std::int64_t> seed, bool quiet) {
  scenarios::Scenario sc = load(args);
  if (seed) sc.seed = static_cast<std::uint64_t>(*seed);
  scenarios::RunOptions options;
  options.out_dir = out;
  options.progress = !quiet;
  const auto summary = scenarios::run_scenario(sc, options);
  if (!quiet) print_summary(summary, out, sc.timeline);
  return 0;
}

int cmd_validate(const ScenarioArgs& args) {
  const scenarios::Scenario sc = load(args);
  std::int64_t nodes = 0, gpus = 0;
  for (const auto& p : sc.node_pools) {
    nodes += p.count;
    gpus += p.count * p.capacity.gpus;
  }
  std::printf("%s: valid scenario \"%s\": %zu node pools, %lld nodes, %lld GPUs\n",
              args.file.empty() ? "(built-in default scenario)" : args.file.c_str(), sc.name.c_str(),
              sc.node_pools.size(), static_cast<long long>(nodes), static_cast<long long>(gpus));
  return 0;
}

struct GenerateArgs {
  int nodes = 0;
  int gpus_per_node = 8;
  std::int64_t jobs = 0;
  std::int64_t seed = 1;  // seeds are 0..2^63-1 everywhere, as in scenario files
  double load = 0.8;
  std::string gpu_model = "H100-SXM-80GB";
  std::string out;
  bool perf = false;          // training jobs of 1-64 full nodes with perf profiles instead of durations
  std::string fabric;         // railOptimized | fatTree: the scenario gets a /fabric
  std::string oversubscription = "1:1";
};

// The job as a training run of about its drawn duration: most jobs a simple profile (0.5 s of
// compute and an all-reduce of 2 bytes per parameter, the model growing with the job), every fifth
// a Llama 3 8B run at TP 8. Deterministic in the job's index.
void make_perf(models::JobSpec& job, std::int64_t index) {
  const double duration = *job.duration;
  const std::int64_t gpus = job.total_requests().gpus;
  job.duration.reset();
  models::PerfProfile p;
  if (index % 5 == 4 && gpus % 8 == 0) {
    models::TrainingPerf t;
    t.model = *models::ModelCatalog::builtin().find("llama-3-8b");
    t.tp = 8;
    t.seq = 8192;
    t.global_batch = 512;
    p.shape = t;
    p.iterations = std::max<std::int64_t>(1, std::llround(duration / 20.0));
  } else {
    models::SimplePerf s;
    s.compute_seconds = 0.5;
    s.comm_bytes = 2.0 * 1e9 * std::sqrt(static_cast<double>(gpus) / 8.0);
    s.overlap = 0.5;
    p.shape = s;
    p.iterations = std::max<std::int64_t>(1, std::llround(duration / s.compute_seconds));
  }
  job.perf = p;
}

int cmd_generate(const GenerateArgs& g) {
  if (models::GpuCatalog::builtin().find(g.gpu_model) == nullptr) {
    throw sim::InputError("--gpu-model: unknown GPU model \"" + g.gpu_model + "\" (known: " +
                          models::GpuCatalog::builtin().names() + ")");
  }
  nlohmann::ordered_json scenario = {
      {"name", "generated-" + std::to_string(g.nodes) + "x" + std::to_string(g.gpus_per_node)},
      {"description", "Synthetic study written by kubetwin generate: " + std::to_string(g.jobs) +
                          " Philly-shaped jobs at offered load " + nlohmann::json(g.load).dump() + "."},
      {"seed", g.seed},
      {"platform",
       {{"nodePools",
         {{{"name", "gpu"},
           {"count", g.nodes},
           {"capacity", {{"cpu", std::to_string(14 * g.gpus_per_node)},
                         {"memory", std::to_string(256 * g.gpus_per_node) + "Gi"},
                         {models::kGpuResource, g.gpus_per_node}}},
           {"gpuModel", g.gpu_model}}}}}},
      {"scheduler", nlohmann::ordered_json::parse(R"({
         "queueingStrategy": "BestEffortFIFO",
         "profiles": [{"schedulerName": "default-scheduler", "pluginConfig": [{"name": "NodeResourcesFit", "args": {
           "scoringStrategy": {"type": "MostAllocated", "resources": [
             {"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}, {"name": "nvidia.com/gpu", "weight": 3}]}}}]}]
       })")},
      {"workload", {{"trace", "trace.jsonl"}}},
      {"output", {{"sampleInterval", "300s"}, {"timeline", true}}}};
  if (!g.fabric.empty()) {
    scenario["fabric"] = {{"topology", g.fabric}, {"oversubscription", g.oversubscription}};
    if (g.fabric == "fatTree") scenario["fabric"]["nodesPerLeaf"] = 4;
  }

  models::NodePoolSpec pool;
  pool.count = g.nodes;
  pool.capacity.gpus = g.gpus_per_node;
  pool.gpu_model = g.gpu_model;
  models::SyntheticWorkloadSpec spec;
  spec.jobs = g.jobs;
  spec.load = g.load;
  if (g.perf) {
    // Training jobs of 1 to 64 full nodes, fewer the larger (as far as the cluster holds them).
    spec.gpus_per_job.clear();
    spec.gpus_per_job_weights.clear();
    const std::vector<std::pair<int, double>> mix{{1, 40}, {2, 20}, {4, 15}, {8, 10}, {16, 8}, {32, 5}, {64, 2}};
    for (auto [nodes, weight] : mix) {
      if (nodes > g.nodes) break;
      spec.gpus_per_job.push_back(nodes * g.gpus_per_node);
      spec.gpus_per_job_weights.push_back(weight);
    }
  }
  sim::RandomStreams streams(static_cast<std::uint64_t>(g.seed));
  models::SyntheticWorkload workload(spec, models::SyntheticClusterShape::of({pool}, ""), streams);

  sim::OutputDirectory out(g.out);
  {
    std::ofstream trace = out.open("trace.jsonl");
    std::string buf;
    for (std::int64_t index = 0; auto job = workload.next(); ++index) {
      if (g.perf) make_perf(*job, index);
      buf += models::job_record(*job).dump();
      buf += '\n';
      if (buf.size() > (1 << 20)) {
        trace << buf;
        buf.clear();
      }
    }
    trace << buf;
  }
  out.open("scenario.json") << scenario.dump(2) << '\n';
  out.commit();
  std::printf("wrote %s/scenario.json and %s/trace.jsonl (%lld jobs, mean interarrival %.1f s)\n",
              g.out.c_str(), g.out.c_str(), static_cast<long long>(g.jobs), workload.mean_interarrival());
  std::printf("run it with: kubetwin run %s/scenario.json --out %s/results\n", g.out.c_str(), g.out.c_str());
  return 0;
}

struct FgdArgs {
  std::string nodes, pods, policy, out;
  std::int64_t seed = 42;
  double tune = 1.3;
  // --grid
  bool grid = false;
  std::string traces_dir, policies = "all", seeds = "42-51", trace_names;
  unsigned jobs = 0;
  bool quiet = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int cmd_experiment_fgd_grid(const FgdArgs& a) {
  scenarios::FgdGridOptions o;
  o.traces_dir = a.traces_dir;
  o.out_dir = a.out;
  o.traces = a.trace_names.empty() ? scenarios::fgd_paper_traces() : split_list(a.trace_names);
  if (a.policies == "all") {
    for (auto n : models::gpushare::policy_names()) o.policies.emplace_back(n);
  } else {
    o.policies = split_list(a.policies);
  }
  o.seeds = scenarios::parse_seed_list(a.seeds);
  o.tune = a.tune;
  o.jobs = a.jobs > 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  o.progress = !a.quiet;
  const auto start = std::chrono::steady_clock::now();
  scenarios::run_fgd_grid(o);
  if (!a.quiet) {
    std::printf("grid of %zu traces x %zu policies x %zu seeds done in %.1f s: %s/grid.csv, table.md, plot-<trace>.svg\n",
                o.traces.size(), o.policies.size(), o.seeds.size(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), a.out.c_str());
  }
  return 0;
}

int cmd_experiment_fgd(const FgdArgs& a) {
  if (a.grid) return cmd_experiment_fgd_grid(a);
  for (const auto& [flag, value] : {std::pair{"--nodes", &a.nodes}, {"--pods", &a.pods}, {"--policy", &a.policy}}) {
    if (value->empty()) throw sim::InputError(std::string(flag) + " is required (or use --grid)");
  }
  const auto start = std::chrono::steady_clock::now();
  const auto nodes = models::gpushare::read_openb_nodes(a.nodes);
  const auto pods = models::gpushare::read_openb_pods(a.pods);
  const auto result = scenarios::run_fgd_experiment(nodes, pods, a.policy, static_cast<std::uint64_t>(a.seed), a.tune);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  sim::OutputDirectory out(a.out);
  out.open("curve.csv") << scenarios::fgd_curve_csv(result.curve);
  nlohmann::ordered_json summary = {
      {"experiment", "fgd"},
      {"nodes", a.nodes},
      {"pods", a.pods},
      {"policy", a.policy},
      {"seed", a.seed},
      {"tune", a.tune},
      {"capacityGpus", static_cast<double>(result.capacity_milli) / 1000.0},
      {"podsSubmitted", result.pods_submitted},
      {"podsScheduled", result.pods_scheduled},
      {"typicalTasks", result.typical_tasks},
      {"allocPctAt100", result.alloc_pct_at(100)},
      {"allocPctAt130", result.alloc_pct_at(static_cast<int>(std::lround(100 * a.tune)))},
      {"wallSeconds", wall}};
  out.open("summary.json") << summary.dump(2) << '\n';
  out.commit({"curve.csv", "summary.json"});
  std::printf("fgd %s seed %lld: %lld/%lld pods placed; GPU allocation %.2f%% at arrived 100%%, %.2f%% at the end; %.2f s\n",
              a.policy.c_str(), static_cast<long long>(a.seed), static_cast<long long>(result.pods_scheduled),
              static_cast<long long>(result.pods_submitted), result.alloc_pct_at(100),
              summary["allocPctAt130"].get<double>(), wall);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kubetwin: a simulator and digital twin of Kubernetes AI platforms"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(KUBETWIN_VERSION));
  const kubetwin::cli::PredictCommand predict(app);  // kubetwin predict train (predict_command.cpp)
  const kubetwin::cli::ConformanceCommand conformance(app);  // kubetwin conformance (conformance_command.cpp)

  ScenarioArgs run_args;
  std::string run_out = "kubetwin-out";
  std::optional<std::int64_t> run_seed;
  bool quiet = false;
  auto* run = app.add_subcommand("run", "Run a scenario (the built-in default if none is given) and write results");
  run->add_option("scenario", run_args.file, "Scenario file (JSON)")->check(CLI::ExistingFile);
  run->add_option("--out", run_out, "Output folder for summary.json, events.jsonl, timeline.json, series.csv, topology.json (and fabric.json, fabric-usage.jsonl with a /fabric; audit.jsonl with /apiServer/audit)")
      ->capture_default_str();
  run->add_option("--seed", run_seed, "Override the scenario's seed (0 to 2^63-1)")->check(CLI::NonNegativeNumber);
  run->add_option("--trace", run_args.trace, "Replay this native JSON Lines trace instead of the scenario's workload")
      ->check(CLI::ExistingFile);
  add_scenario_flags(run, run_args);
  run->add_flag("--quiet,-q", quiet, "Print nothing but errors");

  ScenarioArgs validate_args;
  auto* validate = app.add_subcommand("validate", "Check a scenario file against the schema, without running it");
  validate->add_option("scenario", validate_args.file, "Scenario file (JSON)")->required()->check(CLI::ExistingFile);
  add_scenario_flags(validate, validate_args);

  GenerateArgs gen;
  auto* generate = app.add_subcommand("generate", "Write a synthetic study: DIR/scenario.json and the DIR/trace.jsonl it replays");
  generate->add_option("--nodes", gen.nodes, "Number of GPU nodes")->required()->check(CLI::Range(1, 1000000));
  generate->add_option("--gpus-per-node", gen.gpus_per_node, "GPUs per node")->required()->check(CLI::Range(1, 1024));
  generate->add_option("--jobs", gen.jobs, "Number of jobs")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{100000000}));
  generate->add_option("--seed", gen.seed, "Seed of the generator and of the scenario (0 to 2^63-1)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  generate->add_option("--load", gen.load, "Offered load: requested GPU-seconds per second over total GPUs")
      ->check(CLI::Range(0.001, 100.0))->capture_default_str();
  generate->add_option("--gpu-model", gen.gpu_model, "GPU model from the catalog")->capture_default_str();
  generate->add_option("--out", gen.out, "Output folder")->required();
  generate->add_flag("--perf", gen.perf,
                     "Training jobs of 1-64 full nodes with perf profiles (step time x iterations) instead of durations");
  generate->add_option("--fabric", gen.fabric, "Give the scenario a fabric of this topology")
      ->check(CLI::IsMember({"railOptimized", "fatTree"}));
  generate->add_option("--oversubscription", gen.oversubscription, "The fabric's leaf downlink:uplink ratio, e.g. 2:1")
      ->capture_default_str();

  auto* experiment = app.add_subcommand("experiment", "Run a published experiment");
  experiment->require_subcommand(1);
  const kubetwin::cli::PhillyCommand philly(*experiment);  // kubetwin experiment philly (philly_command.cpp)
  FgdArgs fgd;
  auto* fgd_cmd = experiment->add_subcommand(
      "fgd", "The FGD/openb GPU-sharing inflation experiment (Weng et al., USENIX ATC'23): one trace, policy, seed");
  auto* nodes_opt = fgd_cmd->add_option("--nodes", fgd.nodes, "One run: openb node list CSV (openb_node_list_gpu_node.csv)")->check(CLI::ExistingFile);
  auto* pods_opt = fgd_cmd->add_option("--pods", fgd.pods, "One run: openb pod list CSV (openb_pod_list_default.csv, ...)")->check(CLI::ExistingFile);
  auto* policy_opt = fgd_cmd->add_option("--policy", fgd.policy, "One run: FGD, BestFit, DotProd, GpuPacking, GpuClustering or Random");
  auto* grid_flag = fgd_cmd->add_flag("--grid", fgd.grid, "Run policies x traces x seeds on all cores (resumable)");
  grid_flag->excludes(nodes_opt)->excludes(pods_opt)->excludes(policy_opt);
  fgd_cmd->add_option("--traces", fgd.traces_dir, "Grid: folder with openb_node_list_gpu_node.csv and openb_pod_list_<trace>.csv")
      ->check(CLI::ExistingDirectory)->needs(grid_flag);
  fgd_cmd->add_option("--trace-names", fgd.trace_names, "Grid: comma-separated trace names (default: the paper's 17)")->needs(grid_flag);
  fgd_cmd->add_option("--policies", fgd.policies, "Grid: comma-separated policies, or all")->capture_default_str()->needs(grid_flag);
  fgd_cmd->add_option("--seeds", fgd.seeds, "Grid: seeds, e.g. 42-51 or 42,43")->capture_default_str()->needs(grid_flag);
  fgd_cmd->add_option("--jobs", fgd.jobs, "Grid: parallel runs (default: all cores)")->needs(grid_flag);
  fgd_cmd->add_flag("--quiet,-q", fgd.quiet, "Grid: no progress bar or summary line");
  fgd_cmd->add_option("--seed", fgd.seed, "Seed of the pod order, node order and inflation")->check(CLI::NonNegativeNumber)->capture_default_str();
  fgd_cmd->add_option("--tune", fgd.tune, "Inflate the workload to this multiple of GPU capacity")->check(CLI::Range(0.01, 10.0))->capture_default_str();
  fgd_cmd->add_option("--out", fgd.out, "Output folder for curve.csv and summary.json")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kubetwin: error: %s (see kubetwin --help)\n", e.what());
    return kExitBadInput;
  }

  try {
    if (predict.selected()) return predict.run();
    if (philly.selected()) return philly.run();
    if (conformance.selected()) return conformance.run();
    if (*run) return cmd_run(run_args, run_out, run_seed, quiet);
    if (*validate) return cmd_validate(validate_args);
    if (*generate) return cmd_generate(gen);
    if (*fgd_cmd) {
      if (fgd.grid && fgd.traces_dir.empty()) throw sim::InputError("--grid needs --traces DIR");
      return cmd_experiment_fgd(fgd);
    }
  } catch (const sim::InputError& e) {
    for (const auto& line : e.lines()) std::fprintf(stderr, "kubetwin: error: %s\n", line.c_str());
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kubetwin: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
