#include "models/perf/layout_search.hpp"

#include <gtest/gtest.h>

namespace kubetwin::models {
namespace {

struct Fixture {
  const GpuSpec& gpu;
  AlphaBetaCollectives comm;
  TrainingStepModel model;
  explicit Fixture(const char* name)
      : gpu(*GpuCatalog::builtin().find(name)), comm(AlphaBetaCollectives::for_gpu(gpu)),
        model(gpu, EfficiencyModel::builtin(), comm) {}
};

const TransformerSpec& spec(const char* name) { return *ModelCatalog::builtin().find(name); }

LayoutSearchRequest request(int gpus, int seq, int global_batch) {
  LayoutSearchRequest r;
  r.gpus = gpus;
  r.seq = seq;
  r.global_batch = global_batch;
  return r;
}

TEST(LayoutSearch, BestLayoutDividesFitsAndIsRankedFirst) {
  Fixture f("A100-SXM-80GB");
  const TransformerSpec& m = spec("gpt3-175b");
  const LayoutSearchResult r = search_layouts(f.model, m, request(1024, 2048, 1536));
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_EQ(r.ranked.size(), 5u);
  EXPECT_GT(r.pruned, 0);  // TP 1 x PP 1 of 175B cannot hold its model states
  for (std::size_t i = 0; i < r.ranked.size(); ++i) {
    const LayoutCandidate& c = r.ranked[i];
    EXPECT_TRUE(TrainingStepModel::check(m, c.layout, c.job).empty());
    EXPECT_TRUE(c.estimate.fits);
    EXPECT_LE(c.estimate.memory.total(), f.gpu.memory_bytes);
    if (i > 0) {
      EXPECT_LE(r.ranked[i - 1].estimate.step_seconds, c.estimate.step_seconds);
    }
    // The estimate is what predict train says for that layout and micro-batch.
    EXPECT_DOUBLE_EQ(f.model.estimate(m, c.layout, c.job).step_seconds, c.estimate.step_seconds);
  }
}

TEST(LayoutSearch, BeatsTheHandPickedLayoutsOfTheMegatronPaper) {
  // Narayanan et al. 2021 trained GPT-3 175B on 1,024 A100s as TP 8 x PP 8 (interleaved); the
  // search must find a layout at least as fast as that, and as a few other sensible picks.
  Fixture f("A100-SXM-80GB");
  const TransformerSpec& m = spec("gpt3-175b");
  const LayoutSearchResult r = search_layouts(f.model, m, request(1024, 2048, 1536));
  ASSERT_FALSE(r.ranked.empty());
  const double best = r.ranked.front().estimate.step_seconds;
  struct Pick {
    int tp, pp, vpp;
    Recompute rc;
  };
  for (const Pick& p : {Pick{8, 8, 1, Recompute::Full}, Pick{8, 8, 3, Recompute::Full}, Pick{8, 16, 1, Recompute::None},
                        Pick{4, 16, 2, Recompute::Full}}) {
    ParallelLayout l;
    l.gpus = 1024;
    l.tp = p.tp;
    l.pp = p.pp;
    l.vpp = p.vpp;
    TrainingJob j;
    j.seq = 2048;
    j.global_batch = 1536;
    j.micro_batch = 0;
    j.recompute = p.rc;
    const TrainingEstimate e = f.model.estimate(m, l, j);
    if (e.fits) {
      EXPECT_LE(best, e.step_seconds) << "TP " << p.tp << " PP " << p.pp << " vpp " << p.vpp;
    }
  }
}

TEST(LayoutSearch, SplitsMixtureOfExpertsAcrossExpertParallelRanks) {
  Fixture f("H100-SXM-80GB");
  const TransformerSpec& m = spec("mixtral-8x7b");
  const LayoutSearchResult r = search_layouts(f.model, m, request(64, 4096, 256));
  ASSERT_FALSE(r.ranked.empty());
  bool any_ep = false;
  for (const auto& c : r.ranked) {
    EXPECT_EQ(m.experts % c.layout.ep, 0);
    EXPECT_EQ(c.layout.dp() % c.layout.ep, 0);
  }
  // EP layouts were considered (counted among the valid ones).
  LayoutSearchRequest one = request(64, 4096, 256);
  one.top = 100;
  for (const auto& c : search_layouts(f.model, m, one).ranked) any_ep = any_ep || c.layout.ep > 1;
  EXPECT_TRUE(any_ep);
}

TEST(LayoutSearch, NothingFitsIsAnEmptyRanking) {
  Fixture f("H100-SXM-80GB");
  const LayoutSearchResult r = search_layouts(f.model, spec("llama-3.1-405b"), request(8, 8192, 64));
  EXPECT_TRUE(r.ranked.empty());
  EXPECT_GT(r.layouts, 0);
}

}  // namespace
}  // namespace kubetwin::models
