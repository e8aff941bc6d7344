#pragma once
// The inference and layout-search verbs of `kubetwin predict` (predict_infer.cpp,
// predict_serve.cpp, predict_search.cpp): each adds its options to its CLI11 sub-command and runs
// from the parsed arguments, printing JSON or text on stdout; bad input throws sim::InputError.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "scenarios/cli/predict_support.hpp"

namespace kubetwin::cli {

/// `predict infer`: one prefill or decode step.
struct PredictInferArgs {
  ModelArgs model;
  std::string gpu;
  int tp = 1;
  int batch = 1;
  int context = 0;
  std::string phase;
  std::string dtype = "bf16";
  std::string kernels = "fused";
  bool json = false;
};
void add_infer_options(CLI::App* verb, PredictInferArgs& a);
int run_infer(const PredictInferArgs& a);

/// `predict serve`: a continuous-batching server fed by Poisson arrivals.
struct PredictServeArgs {
  ModelArgs model;
  std::string gpu;
  int tp = 1;
  double rate = 0;
  int requests = 0;
  std::string input_len, output_len;  // "512" or "128..1024"
  bool chunked_prefill = false;
  int max_batched_tokens = 0;
  int max_num_seqs = 256;
  int block_size = 16;
  double gpu_memory_utilization = 0.9;
  std::uint64_t seed = 1;
  bool json = false;
};
void add_serve_options(CLI::App* verb, PredictServeArgs& a);
int run_serve(const PredictServeArgs& a);

/// `predict search`: the fastest valid training layout on N GPUs.
struct PredictSearchArgs {
  ModelArgs model;
  std::string gpu;
  int gpus = 0;
  int seq = 0;
  int global_batch = 0;
  int top = 5;
  int gpus_per_node = 8;
  double nic_gbps = 400;
  bool json = false;
};
void add_search_options(CLI::App* verb, PredictSearchArgs& a);
int run_search(const PredictSearchArgs& a);

}  // namespace kubetwin::cli
