// `kubetwin predict search`: the fastest valid training layout on N GPUs (models/perf/layout_search).

#include <cstdio>
#include <nlohmann/json.hpp>

#include "models/hardware/efficiency.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/layout_search.hpp"
#include "scenarios/cli/predict_verbs.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::cli {

void add_search_options(CLI::App* verb, PredictSearchArgs& a) {
  add_model_options(verb, a.model);
  verb->add_option("--gpu", a.gpu, "GPU model from the catalog (e.g. H100-SXM-80GB)")->required();
  verb->add_option("--gpus", a.gpus, "Number of GPUs")->required()->check(CLI::PositiveNumber);
  verb->add_option("--seq", a.seq, "Sequence length (tokens)")->required()->check(CLI::PositiveNumber);
  verb->add_option("--global-batch", a.global_batch, "Sequences per step")->required()->check(CLI::PositiveNumber);
  verb->add_option("--top", a.top, "How many of the fastest layouts to list")->capture_default_str()->check(CLI::Range(1, 100));
  verb->add_option("--nic-gbps", a.nic_gbps, "Network bandwidth per GPU across nodes, Gb/s")
      ->capture_default_str()->check(CLI::PositiveNumber);
  verb->add_option("--gpus-per-node", a.gpus_per_node, "GPUs per NVLink node (TP stays inside one)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  verb->add_flag("--json", a.json, "Print the result as JSON");
}

int run_search(const PredictSearchArgs& a) {
  const models::GpuSpec& gpu = resolve_gpu(a.gpu);
  const models::TransformerSpec m = resolve_model(a.model, "predict search");
  models::TrainingEnvironment env;
  env.gpus_per_node = a.gpus_per_node;
  env.nic_bits_per_second = a.nic_gbps * 1e9;
  const models::AlphaBetaCollectives comm = models::AlphaBetaCollectives::for_gpu(gpu, env.nic_bits_per_second);
  const models::TrainingModelParameters& params = models::builtin_training_parameters();
  const models::TrainingStepModel model(gpu, models::EfficiencyModel::builtin(), comm, env, params);
  models::LayoutSearchRequest req;
  req.gpus = a.gpus;
  req.seq = a.seq;
  req.global_batch = a.global_batch;
  req.gpus_per_node = a.gpus_per_node;
  req.top = a.top;
  const models::LayoutSearchResult r = models::search_layouts(model, m, req);
  if (r.layouts == 0)
    throw sim::InputError("no layout of " + m.name + " divides --gpus " + std::to_string(a.gpus) + " and --global-batch " +
                          std::to_string(a.global_batch) + " (TP x PP x EP must divide the GPUs, DP the batch)");

  if (a.json) {
    nlohmann::ordered_json ranked = nlohmann::ordered_json::array();
    for (const auto& c : r.ranked) ranked.push_back(training_estimate_json(m, gpu, c.layout, c.job, c.estimate, params));
    const nlohmann::ordered_json j = {
        {"model", m.name},
        {"gpu", gpu.name},
        {"gpus", a.gpus},
        {"seq", a.seq},
        {"globalBatch", a.global_batch},
        {"layouts", r.layouts},
        {"pruned", r.pruned},
        {"estimated", r.estimated},
        {"found", !r.ranked.empty()},
        {"best", r.ranked.empty() ? nlohmann::ordered_json() : ranked.front()},
        {"ranked", ranked},
    };
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("kubetwin: %s (%.1fB parameters) on %d x %s, seq %d, global batch %d: %lld valid layouts, %lld pruned by memory, "
              "%lld estimated\n",
              m.name.c_str(), m.parameters() / 1e9, a.gpus, gpu.name.c_str(), a.seq, a.global_batch, r.layouts, r.pruned,
              r.estimated);
  if (r.ranked.empty()) {
    std::printf("  no layout fits in %.1f GB per GPU\n", gpu.memory_bytes / 1e9);
    return 0;
  }
  std::printf("  %-4s %-4s %-4s %-4s %-5s %-4s %-4s %-10s %-4s %-9s %-8s %-6s %-8s\n", "rank", "TP", "PP", "VPP", "DP", "EP",
              "SP", "recompute", "ZeRO", "micro-b.", "step s", "MFU", "mem GB");
  int rank = 0;
  for (const auto& c : r.ranked) {
    const auto& l = c.layout;
    std::printf("  %-4d %-4d %-4d %-4d %-5d %-4d %-4s %-10s %-4d %-9d %-8.3f %-6.3f %-8.1f\n", ++rank, l.tp, l.pp, l.vpp,
                l.dp(), l.ep, l.sequence_parallel ? "yes" : "no", models::to_string(c.job.recompute), l.zero,
                c.estimate.micro_batch, c.estimate.step_seconds, c.estimate.mfu, c.estimate.memory.total() / 1e9);
  }
  return 0;
}

}  // namespace kubetwin::cli
