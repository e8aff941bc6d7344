#include "scenarios/cli/predict_command.hpp"

#include "scenarios/cli/predict_support.hpp"
#include "scenarios/cli/predict_verbs.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "models/hardware/efficiency.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/perf/collective_model.hpp"
#include "models/perf/collectives.hpp"
#include "models/perf/training_calibration.hpp"
#include "models/perf/training_step.hpp"
#include "models/perf/transformer_spec.hpp"
#include "models/topology/fabric_builder.hpp"
#include "models/topology/fabric_file.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::cli {

struct PredictTrainArgs {
  ModelArgs model;
  // Job and layout.
  int seq = 0;
  int global_batch = 0;
  std::string micro_batch = "1";
  std::string gpu;
  int gpus = 0;
  int tp = 1, pp = 1, vpp = 1, ep = 1, zero = 0;
  std::string recompute = "none";
  std::string attention = "flash";
  std::string dtype = "bf16";
  bool sequence_parallel = false;
  bool overlap_grad_reduce = false;
  double nic_gbps = 400;
  int gpus_per_node = 8;
  std::string fabric;  // fabric file: collectives timed on its routes
  bool json = false;
};

namespace {

using models::TransformerSpec;

int parse_micro_batch(const std::string& s) {
  if (s == "auto") return 0;
  try {
    std::size_t used = 0;
    const int b = std::stoi(s, &used);
    if (used == s.size() && b >= 1) return b;
  } catch (const std::exception&) {
  }
  throw sim::InputError("--micro-batch must be a whole number of sequences (at least 1) or auto, got \"" + s + "\"");
}

void print_text(const TransformerSpec& m, const models::GpuSpec& gpu, const models::ParallelLayout& l,
                const models::TrainingEstimate& e) {
  std::printf("kubetwin: %s (%.1fB parameters) on %d x %s, TP %d PP %d (vpp %d) DP %d EP %d ZeRO %d, micro-batch %d x %d\n",
              m.name.c_str(), m.parameters() / 1e9, l.gpus, gpu.name.c_str(), l.tp, l.pp, l.vpp, l.dp(), l.ep, l.zero,
              e.micro_batch, e.micro_batches);
  std::printf("  step       %.3f s, %.0f tokens/s, %.1f model TFLOP/s per GPU (MFU %.1f%%), %.1f hardware TFLOP/s\n",
              e.step_seconds, e.tokens_per_second, e.model_tflops_per_gpu, 100 * e.mfu, e.hardware_tflops_per_gpu);
  std::printf("  breakdown  compute %.3f s, bubble %.3f s, exposed comm tp %.3f / pp %.3f / dp %.3f / ep %.3f s, optimizer %.3f s\n",
              e.compute_seconds, e.bubble_seconds, e.exposed_comm.tp, e.exposed_comm.pp, e.exposed_comm.dp,
              e.exposed_comm.ep, e.optimizer_seconds);
  std::printf("  memory     %.1f GB of %.1f GB per GPU (weights %.1f, grads %.1f, optimizer %.1f, activations %.1f): %s\n",
              e.memory.total() / 1e9, gpu.memory_bytes / 1e9, e.memory.weights / 1e9, e.memory.gradients / 1e9,
              e.memory.optimizer / 1e9, e.memory.activations / 1e9, e.fits ? "fits" : "DOES NOT FIT");
}

// The job on a fabric as a launcher places it: its GPUs fill the first servers in order (TP
// groups inside a server), and every collective is timed on the routes between them.
struct FabricPlacement {
  models::FabricSpec spec;
  models::Fabric fabric;
  int nodes = 0;     // servers the job uses
  int per_node = 0;  // GPUs it uses in each
  std::unique_ptr<models::RoutedCollectives> comm;
};

std::unique_ptr<FabricPlacement> place_on_fabric(const std::string& file, const models::GpuSpec& gpu, int gpus) {
  auto f = std::make_unique<FabricPlacement>();
  f->spec = models::load_fabric_file(file);
  if (f->spec.gpu_model != gpu.name)
    throw sim::InputError(file + ": /gpuModel: the fabric's servers hold " + f->spec.gpu_model + " (the default when absent), but --gpu is " +
                          gpu.name);
  const long long capacity = static_cast<long long>(f->spec.nodes) * f->spec.gpus_per_node;
  if (capacity < gpus)
    throw sim::InputError(file + ": /nodes: " + std::to_string(f->spec.nodes) + " servers of " +
                          std::to_string(f->spec.gpus_per_node) + " GPUs hold fewer than --gpus " + std::to_string(gpus));
  f->per_node = std::min(gpus, f->spec.gpus_per_node);
  if (gpus % f->per_node != 0)
    throw sim::InputError("--gpus " + std::to_string(gpus) + " does not fill whole servers of " + file + " (gpusPerNode " +
                          std::to_string(f->spec.gpus_per_node) + ")");
  f->nodes = gpus / f->per_node;
  f->fabric = models::build_fabric(f->spec);
  std::vector<models::VertexId> ranks;
  const auto& all = f->fabric.gpus();
  for (int n = 0; n < f->nodes; ++n) {
    for (int d = 0; d < f->per_node; ++d) ranks.push_back(all[static_cast<std::size_t>(n * f->spec.gpus_per_node + d)]);
  }
  f->comm = std::make_unique<models::RoutedCollectives>(f->fabric, std::move(ranks));
  return f;
}

// What bounds the data-parallel collective (all-reduce, or ZeRO-3's all-gather) on the fabric: in
// its schedule's slowest step, the links on the slowest transfer's route that its max-min fair
// rates saturate, with how many of the step's transfers share each.
nlohmann::ordered_json data_parallel_bottleneck(const FabricPlacement& f, const models::ParallelLayout& l) {
  const int dp = l.dp();
  if (dp < 2) return nullptr;
  const models::CommGroup g{dp, std::clamp(f.per_node / l.tp, 1, dp)};
  const auto op = l.zero >= 3 ? models::CollectiveOp::AllGather : models::CollectiveOp::AllReduce;
  const auto& p = f.comm->parameters();
  auto scale = [&](const models::LinkInfo& link) {
    return link.kind == models::LinkKind::NvLink ? p.nvlink_efficiency : p.network_efficiency;
  };
  double worst = -1, worst_rate = 0;
  nlohmann::ordered_json links = nlohmann::ordered_json::array();
  for (const models::CommStep& step : f.comm->schedule(op, 1.0, g)) {
    std::vector<models::Route> routes;
    for (const auto& t : step.transfers) routes.push_back(f.fabric.route(t.src, t.dst));
    std::vector<const models::Route*> flows;
    for (const auto& r : routes) flows.push_back(&r);
    const std::vector<double> rates = models::max_min_rates(f.fabric, flows, p.nvlink_efficiency, p.network_efficiency);
    std::map<models::DirectedLink, std::pair<double, int>> load;  // rate and transfers on each link
    for (std::size_t i = 0; i < routes.size(); ++i) {
      for (models::DirectedLink d : routes[i].links) load[d].first += rates[i], ++load[d].second;
    }
    for (std::size_t i = 0; i < routes.size(); ++i) {
      if (routes[i].links.empty() || step.transfers[i].bytes / rates[i] <= worst) continue;
      worst = step.transfers[i].bytes / rates[i];
      worst_rate = rates[i];
      links = nlohmann::ordered_json::array();
      for (models::DirectedLink d : routes[i].links) {
        const models::LinkInfo& link = f.fabric.link_of(d);
        if (load[d].first < (1 - 1e-9) * link.bandwidth * scale(link)) continue;
        links.push_back({{"from", f.fabric.vertex(f.fabric.tail(d)).name},
                         {"to", f.fabric.vertex(f.fabric.head(d)).name},
                         {"kind", link.kind == models::LinkKind::NvLink ? "nvlink" : link.kind == models::LinkKind::Pcie ? "pcie" : "network"},
                         {"gbps", link.bandwidth * 8 / 1e9},
                         {"transfers", load[d].second}});
      }
    }
  }
  return {{"collective", l.zero >= 3 ? "data-parallel all-gather" : "data-parallel all-reduce"},
          {"transferGbps", worst_rate * 8 / 1e9},
          {"links", links}};
}

int run_train(const PredictTrainArgs& a) {
  const models::GpuSpec* gpu = &resolve_gpu(a.gpu);
  const TransformerSpec m = resolve_model(a.model, "predict train");
  models::ParallelLayout l;
  l.gpus = a.gpus;
  l.tp = a.tp;
  l.pp = a.pp;
  l.vpp = a.vpp;
  l.ep = a.ep;
  l.zero = a.zero;
  l.sequence_parallel = a.sequence_parallel;
  models::TrainingJob job;
  job.seq = a.seq;
  job.global_batch = a.global_batch;
  job.micro_batch = parse_micro_batch(a.micro_batch);
  job.recompute = a.recompute == "full" ? models::Recompute::Full
                  : a.recompute == "selective" ? models::Recompute::Selective
                                               : models::Recompute::None;
  job.attention = a.attention == "explicit" ? models::AttentionKernel::Explicit : models::AttentionKernel::Flash;
  job.dtype = a.dtype;
  if (gpu->peak(job.dtype) <= 0)
    throw sim::InputError("--dtype: " + gpu->name + " has no dense " + job.dtype + " throughput in the catalog");
  models::TrainingEnvironment env;
  env.gpus_per_node = a.gpus_per_node;
  env.nic_bits_per_second = a.nic_gbps * 1e9;
  env.overlap_grad_reduce = a.overlap_grad_reduce;
  const models::AlphaBetaCollectives flat = models::AlphaBetaCollectives::for_gpu(*gpu, env.nic_bits_per_second);
  std::unique_ptr<FabricPlacement> placed;
  if (!a.fabric.empty()) {
    placed = place_on_fabric(a.fabric, *gpu, a.gpus);
    env.gpus_per_node = placed->per_node;
  }
  const models::CollectiveModel& comm = placed ? static_cast<const models::CollectiveModel&>(*placed->comm) : flat;
  const models::TrainingModelParameters& params = models::builtin_training_parameters();
  const models::TrainingStepModel model(*gpu, models::EfficiencyModel::builtin(), comm, env, params);
  const models::TrainingEstimate e = model.estimate(m, l, job);
  if (a.json) {
    nlohmann::ordered_json out = training_estimate_json(m, *gpu, l, job, e, params);
    if (placed) {
      out["network"] = {{"fabric", a.fabric},
                        {"topology", placed->spec.kind == models::FabricKind::FatTree ? "fatTree" : "railOptimized"},
                        {"oversubscription", placed->spec.oversubscription},
                        {"servers", placed->nodes},
                        {"gpusPerServer", placed->per_node},
                        {"collectives", "routed"},
                        {"bottleneck", data_parallel_bottleneck(*placed, l)}};
    } else {
      out["network"] = {{"collectives", "alpha-beta"}, {"nicGbps", a.nic_gbps}, {"gpusPerNode", a.gpus_per_node}};
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    print_text(m, *gpu, l, e);
    if (placed)
      std::printf("  network    %s (%s, %g:1 uplinks): servers 0..%d, %d GPUs each, collectives on its routes\n", a.fabric.c_str(),
                  placed->spec.kind == models::FabricKind::FatTree ? "fat-tree" : "rail-optimized",
                  placed->spec.oversubscription, placed->nodes - 1, placed->per_node);
  }
  return 0;
}

}  // namespace

PredictCommand::PredictCommand(CLI::App& app)
    : train_args_(std::make_unique<PredictTrainArgs>()),
      infer_args_(std::make_unique<PredictInferArgs>()),
      serve_args_(std::make_unique<PredictServeArgs>()),
      search_args_(std::make_unique<PredictSearchArgs>()) {
  predict_ = app.add_subcommand("predict", "Predict how fast a model trains or serves on GPUs, and whether it fits");
  predict_->require_subcommand(1);
  train_ = predict_->add_subcommand(
      "train", "Step time, throughput, MFU and memory per GPU of one training step (TP/SP, PP, DP, EP, ZeRO, recompute)");
  PredictTrainArgs& a = *train_args_;
  add_model_options(train_, a.model);
  train_->add_option("--seq", a.seq, "Sequence length (tokens)")->required()->check(CLI::PositiveNumber);
  train_->add_option("--global-batch", a.global_batch, "Sequences per step")->required()->check(CLI::PositiveNumber);
  train_->add_option("--micro-batch", a.micro_batch, "Sequences per micro-batch, or auto (the fastest that fits)")
      ->capture_default_str();
  train_->add_option("--gpu", a.gpu, "GPU model from the catalog (e.g. H100-SXM-80GB)")->required();
  train_->add_option("--gpus", a.gpus, "Number of GPUs")->required()->check(CLI::PositiveNumber);
  train_->add_option("--tp", a.tp, "Tensor-parallel size")->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--pp", a.pp, "Pipeline-parallel stages")->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--vpp", a.vpp, "Model chunks per pipeline rank (interleaved 1F1B when > 1)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--ep", a.ep, "Expert-parallel size (divides the data-parallel ranks)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--zero", a.zero, "ZeRO stage over the data-parallel ranks (3 = FSDP)")
      ->capture_default_str()->check(CLI::Range(0, 3));
  train_->add_option("--recompute", a.recompute, "Activation recomputation")
      ->check(CLI::IsMember({"none", "selective", "full"}))->capture_default_str();
  train_->add_flag("--sequence-parallel", a.sequence_parallel, "Sequence parallelism with TP (Korthikanti et al. 2022)");
  train_->add_option("--attention", a.attention, "flash (fused kernels) or explicit (Megatron-LM 2021 softmax kernels)")
      ->check(CLI::IsMember({"flash", "explicit"}))->capture_default_str();
  train_->add_option("--dtype", a.dtype, "Compute data type (bf16, fp16, fp8)")
      ->check(CLI::IsMember({"bf16", "fp16", "fp8", "tf32", "fp32"}))->capture_default_str();
  auto* nic = train_->add_option("--nic-gbps", a.nic_gbps, "Network bandwidth per GPU across nodes, Gb/s")
                  ->capture_default_str()->check(CLI::PositiveNumber);
  auto* per_node = train_->add_option("--gpus-per-node", a.gpus_per_node, "GPUs per NVLink node")
                       ->capture_default_str()->check(CLI::PositiveNumber);
  train_->add_option("--fabric", a.fabric,
                     "Fabric file (docs/topology.md): the job fills its first servers in order and every collective is "
                     "timed on the routed topology (instead of --nic-gbps and --gpus-per-node)")
      ->excludes(nic)->excludes(per_node);
  train_->add_flag("--overlap-grad-reduce", a.overlap_grad_reduce, "Hide the data-parallel reduction behind the backward pass");
  train_->add_flag("--json", a.json, "Print the result as JSON");

  infer_ = predict_->add_subcommand("infer", "Time of one prefill or decode step on the roofline, what bounds it, memory per GPU");
  add_infer_options(infer_, *infer_args_);
  serve_ = predict_->add_subcommand(
      "serve", "A continuous-batching server (paged K/V cache, optional chunked prefill) under Poisson arrivals: TTFT, TPOT, tokens/s");
  add_serve_options(serve_, *serve_args_);
  search_ = predict_->add_subcommand("search", "The fastest valid training layout (TP, PP, VPP, DP, EP, ZeRO, recompute, micro-batch) on N GPUs");
  add_search_options(search_, *search_args_);
}

PredictCommand::~PredictCommand() = default;

bool PredictCommand::selected() const { return predict_ != nullptr && predict_->parsed(); }

int PredictCommand::run() const {
  if (train_->parsed()) return run_train(*train_args_);
  if (infer_->parsed()) return run_infer(*infer_args_);
  if (serve_->parsed()) return run_serve(*serve_args_);
  if (search_->parsed()) return run_search(*search_args_);
  return 0;
}

}  // namespace kubetwin::cli
