#include "models/perf/layout_search.hpp"

#include <algorithm>

namespace kubetwin::models {
namespace {

std::vector<int> divisors(int n) {
  std::vector<int> d;
  for (int i = 1; i <= n; ++i)
    if (n % i == 0) d.push_back(i);
  return d;
}

}  // namespace

LayoutSearchResult search_layouts(const TrainingStepModel& model, const TransformerSpec& m,
                                  const LayoutSearchRequest& req) {
  LayoutSearchResult result;
  const GpuSpec& gpu = model.gpu();
  const std::vector<int> experts = m.moe() ? divisors(m.experts) : std::vector<int>{1};
  auto better = [](const LayoutCandidate& a, const LayoutCandidate& b) {
    return a.estimate.step_seconds < b.estimate.step_seconds;
  };
  for (int tp : divisors(std::min(req.gpus, req.gpus_per_node))) {
    for (int pp : divisors(m.layers)) {
      if (req.gpus % (tp * pp) != 0) continue;
      for (int vpp : pp > 1 ? divisors(m.layers / pp) : std::vector<int>{1}) {
        for (int ep : experts) {
          for (int sp = 0; sp <= (tp > 1 ? 1 : 0); ++sp) {
            for (int zero = 0; zero <= 3; ++zero) {
              for (Recompute rc : {Recompute::None, Recompute::Full}) {
                ParallelLayout l;
                l.gpus = req.gpus;
                l.tp = tp;
                l.pp = pp;
                l.vpp = vpp;
                l.ep = ep;
                l.zero = zero;
                l.sequence_parallel = sp == 1;
                if (zero > 0 && l.dp() == 1) continue;  // nothing to shard over
                TrainingJob job;
                job.seq = req.seq;
                job.global_batch = req.global_batch;
                job.micro_batch = 0;  // the fastest that fits
                job.recompute = rc;
                job.attention = req.attention;
                job.dtype = req.dtype;
                if (!TrainingStepModel::check(m, l, job).empty()) continue;
                ++result.layouts;
                // Memory only grows with the micro-batch: if one sequence does not fit, none does.
                if (training_memory(m, l, job, 1, model.environment()).total() > gpu.memory_bytes) {
                  ++result.pruned;
                  continue;
                }
                LayoutCandidate c{l, job, model.estimate(m, l, job)};
                ++result.estimated;
                if (!c.estimate.fits) continue;
                c.job.micro_batch = c.estimate.micro_batch;
                auto& r = result.ranked;
                if (static_cast<int>(r.size()) == req.top && !better(c, r.back())) continue;
                r.insert(std::upper_bound(r.begin(), r.end(), c, better), c);
                if (static_cast<int>(r.size()) > req.top) r.pop_back();
              }
            }
          }
        }
      }
    }
  }
  return result;
}

}  // namespace kubetwin::models
