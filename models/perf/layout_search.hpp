#pragma once
// The fastest valid parallel layout for training a model on N GPUs, as a user would search it:
// every TP (inside a node) x PP x VPP x DP (x EP for MoE) that divides the model and the GPUs,
// with and without sequence parallelism, ZeRO 0-3, no or full recomputation, and for each the
// fastest micro-batch that fits (TrainingStepModel::estimate with micro_batch 0). Layouts whose
// model states alone exceed the GPU's memory are pruned before any step is estimated.
//
//   LayoutSearchResult r = search_layouts(step_model, spec, {.gpus = 1024, .seq = 2048, .global_batch = 1536});
//   r.ranked.front()  // the fastest layout that fits, with its predict-train estimate

#include <vector>

#include "models/perf/training_step.hpp"

namespace kubetwin::models {

struct LayoutSearchRequest {
  int gpus = 1;
  int seq = 2048;
  int global_batch = 512;
  int gpus_per_node = 8;  ///< TP stays inside one node
  int top = 5;            ///< how many of the fastest to keep
  AttentionKernel attention = AttentionKernel::Flash;
  std::string dtype = "bf16";
};

struct LayoutCandidate {
  ParallelLayout layout;
  TrainingJob job;  ///< micro_batch and recompute as chosen
  TrainingEstimate estimate;
};

struct LayoutSearchResult {
  std::vector<LayoutCandidate> ranked;  ///< fastest first, at most `top`; empty if nothing fits
  long long layouts = 0;     ///< layouts that divide (model, GPUs, batch)
  long long pruned = 0;      ///< of those, skipped: model states alone do not fit
  long long estimated = 0;   ///< layouts whose step was estimated
};

LayoutSearchResult search_layouts(const TrainingStepModel& model, const TransformerSpec& spec,
                                  const LayoutSearchRequest& request);

}  // namespace kubetwin::models
