#include "models/perf/training_step.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/perf/training_calibration.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

const GpuSpec& gpu(const char* name) { return *GpuCatalog::builtin().find(name); }
const TransformerSpec& model(const char* name) { return *ModelCatalog::builtin().find(name); }

// Builders: a layout and a job, edited per test.
ParallelLayout layout(int gpus, int tp = 1, int pp = 1, int vpp = 1) {
  ParallelLayout l;
  l.gpus = gpus;
  l.tp = tp;
  l.pp = pp;
  l.vpp = vpp;
  return l;
}

TrainingJob job(int global_batch, int micro_batch = 1, Recompute r = Recompute::None) {
  TrainingJob j;
  j.seq = 2048;
  j.global_batch = global_batch;
  j.micro_batch = micro_batch;
  j.recompute = r;
  return j;
}

struct Fixture {
  const GpuSpec& g;
  AlphaBetaCollectives comm;
  TrainingStepModel model;
  explicit Fixture(const char* name, TrainingEnvironment env = {})
      : g(gpu(name)), comm(AlphaBetaCollectives::for_gpu(g, env.nic_bits_per_second)),
        model(g, EfficiencyModel::builtin(), comm, env) {}
};

TEST(TrainingStep, HardwareFlopsWithFullRecomputeAreNarayananEquationThree) {
  Fixture f("A100-SXM-80GB");
  const TransformerSpec& m = model("megatron-gpt-7.5b");
  const TrainingEstimate e = f.model.estimate(m, layout(128, 4), job(512, 1, Recompute::Full));
  const double B = 512, s = 2048, l = m.layers, h = m.hidden, V = m.vocab;
  EXPECT_NEAR(e.hardware_flops / (96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))), 1, 1e-12);
  // Model FLOPs (no recompute) are Korthikanti et al.'s 72 B s l h^2 (1 + s/6h + V/12lh).
  EXPECT_NEAR(e.model_flops / (72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h))), 1, 1e-12);
  EXPECT_GT(e.hardware_tflops_per_gpu, e.model_tflops_per_gpu);
}

TEST(TrainingStep, BreakdownAddsUpToTheStep) {
  Fixture f("H100-SXM-80GB");
  ParallelLayout l = layout(512, 8, 4, 2);
  l.sequence_parallel = true;
  const TrainingEstimate e = f.model.estimate(model("gpt3-175b"), l, job(512, 1, Recompute::Selective));
  const double sum = e.compute_seconds + e.bubble_seconds + e.exposed_comm.total() + e.optimizer_seconds;
  EXPECT_NEAR(sum, e.step_seconds, 1e-9 * e.step_seconds);
  EXPECT_GT(e.exposed_comm.tp, 0);
  EXPECT_GT(e.exposed_comm.pp, 0);
  EXPECT_GT(e.exposed_comm.dp, 0);
  EXPECT_EQ(e.exposed_comm.ep, 0);
  EXPECT_NEAR(e.tokens_per_second, 512 * 2048 / e.step_seconds, 1e-6);
  EXPECT_NEAR(e.mfu, e.model_tflops_per_gpu * 1e12 / 989.4e12, 1e-12);
}

TEST(TrainingStep, PipelineBubbleIsPMinusOneOverVOfTheStagePerMicroBatch) {
  Fixture f("H100-SXM-80GB");
  const TransformerSpec& m = model("megatron-gpt-39.1b");
  const TrainingEstimate one = f.model.estimate(m, layout(64, 8, 4, 1), job(32));
  const TrainingEstimate two = f.model.estimate(m, layout(64, 8, 4, 2), job(32));
  // m = 32 / (2 x 1) = 16 micro-batches; bubble / stage-time-per-micro-batch = (p - 1) / v.
  EXPECT_EQ(one.micro_batches, 16);
  const double stage_one = (one.compute_seconds + one.exposed_comm.tp) / 16;
  EXPECT_NEAR(one.bubble_seconds / stage_one, 3.0, 1e-9);
  const double stage_two = (two.compute_seconds + two.exposed_comm.tp) / 16;
  EXPECT_NEAR(two.bubble_seconds / stage_two, 1.5, 1e-9);
  EXPECT_GT(two.exposed_comm.pp, one.exposed_comm.pp);  // twice the chunk boundaries
  EXPECT_EQ(f.model.estimate(m, layout(8, 8, 1), job(8)).bubble_seconds, 0);
}

TEST(TrainingStep, TensorParallelCommunicationOnlyWithTensorParallelism) {
  Fixture f("H100-SXM-80GB");
  const TransformerSpec& m = model("llama-3-8b");
  EXPECT_EQ(f.model.estimate(m, layout(8, 1), job(64)).exposed_comm.tp, 0);
  EXPECT_GT(f.model.estimate(m, layout(8, 2), job(64)).exposed_comm.tp, 0);
  // Across nodes (TP 16 on 8-GPU nodes) the same collectives are slower.
  EXPECT_GT(f.model.estimate(m, layout(16, 16), job(16)).exposed_comm.tp,
            f.model.estimate(m, layout(16, 8), job(16)).exposed_comm.tp);
}

TEST(TrainingStep, ZeroStagesShardModelStatesAsInTheZeroPaper) {
  // Rajbhandari et al. 2020, Fig. 1: 7.5B parameters, N_d = 64: 120 GB -> 31.4 -> 16.6 -> 1.9 GB.
  TransformerSpec m;
  m.name = "zero-7.5b";
  m.layers = 1;
  m.hidden = 25000;  // one layer of 12 h^2 + 13 h, plus embeddings: 7.5e9 + a little
  m.heads = 25;
  m.vocab = 1;
  m.normalize();
  const double psi = m.parameters();
  ASSERT_NEAR(psi / 1e9, 7.5, 0.01);
  const std::vector<double> expected_gb{16 * psi, 4 * psi + 12 * psi / 64, 2 * psi + 14 * psi / 64, 16 * psi / 64};
  for (int zero = 0; zero <= 3; ++zero) {
    SCOPED_TRACE(zero);
    ParallelLayout l = layout(64);
    l.zero = zero;
    const MemoryBreakdown mem = training_memory(m, l, job(64), 1, {});
    double states = mem.weights + mem.gradients + mem.optimizer;
    if (zero == 3) states -= 2 * 2 * m.layer_parameters();  // the gathered layers in flight
    EXPECT_NEAR(states, expected_gb[static_cast<std::size_t>(zero)], 1e-6 * psi);
  }
  EXPECT_NEAR(16 * psi / 1e9, 120, 0.2);
  EXPECT_NEAR((4 * psi + 12 * psi / 64) / 1e9, 31.4, 0.1);
  EXPECT_NEAR((2 * psi + 14 * psi / 64) / 1e9, 16.6, 0.1);
  EXPECT_NEAR(16 * psi / 64 / 1e9, 1.9, 0.05);
}

TEST(TrainingStep, ZeroThreeHidesEachLayersGatherOnlyBehindThatLayersCompute) {
  // FSDP / DeepSpeed ZeRO-3 prefetch one layer ahead: per micro-batch the first gather and the
  // last reduce-scatter are always exposed, and a layer exposes what its gather (forward) or
  // gather + reduce-scatter (backward) takes beyond its own compute.
  const TransformerSpec& m = model("gpt3-175b");
  ParallelLayout l = layout(1024, 4);
  l.zero = 3;
  auto exposed = [&](double nic_gbps, int micro_batch) {
    TrainingEnvironment env;
    env.nic_bits_per_second = nic_gbps * 1e9;
    Fixture f("A100-SXM-80GB", env);
    return f.model.estimate(m, l, job(1536, micro_batch, Recompute::Full)).exposed_comm;
  };
  // Fast network, large micro-batch: only the ends of each pass, a small share of the step.
  const ExposedComm fast = exposed(3200, 6);
  EXPECT_GT(fast.dp, 0);
  // 6 sequences per replica in one micro-batch, vs 6 micro-batches of one: each regathers.
  EXPECT_GT(exposed(3200, 1).dp, 3 * fast.dp);
  // A slow network cannot hide the per-layer gathers: exposure grows with the transfer time.
  const double slow = exposed(100, 6).dp, slower = exposed(50, 6).dp;
  EXPECT_GT(slow, 10 * fast.dp);
  EXPECT_GT(slower, 1.5 * slow);
}

TEST(TrainingStep, ActivationMemoryFollowsKorthikanti) {
  // Per layer, bytes: s b h (34 + 5 a s / h) with no parallelism; (10 + 24/t + 5as/(ht)) with TP;
  // (34 + 5as/h)/t with TP + SP; 34 sbh/t with selective recompute; 2 sbh/t with full.
  const TransformerSpec& m = model("gpt3-175b");
  const double s = 2048, b = 1, h = m.hidden, a = m.heads, t = 8;
  TrainingJob j = job(8);
  j.attention = AttentionKernel::Explicit;
  ParallelLayout l = layout(8, 1);
  EXPECT_NEAR(activation_bytes_per_layer(m, l, j, 1), s * b * h * (34 + 5 * a * s / h), 1);
  l.tp = 8;
  EXPECT_NEAR(activation_bytes_per_layer(m, l, j, 1), s * b * h * (10 + 24 / t + 5 * a * s / (h * t)), 1);
  l.sequence_parallel = true;
  EXPECT_NEAR(activation_bytes_per_layer(m, l, j, 1), s * b * h * (34 / t + 5 * a * s / (h * t)), 1);
  j.recompute = Recompute::Selective;
  EXPECT_NEAR(activation_bytes_per_layer(m, l, j, 1), 34 * s * b * h / t, 1);
  j.recompute = Recompute::Full;
  EXPECT_NEAR(activation_bytes_per_layer(m, l, j, 1), 2 * s * b * h / t, 1);
}

TEST(TrainingStep, SaysWhenALayoutDoesNotFit) {
  Fixture f("H100-SXM-80GB");
  const TrainingEstimate e = f.model.estimate(model("llama-3-70b"), layout(8, 1), job(8));
  EXPECT_FALSE(e.fits);
  EXPECT_GT(e.memory.total(), 80e9);
  ParallelLayout l = layout(64, 8, 2);
  l.sequence_parallel = true;
  EXPECT_TRUE(f.model.estimate(model("llama-3-70b"), l, job(64, 1, Recompute::Selective)).fits);
}

TEST(TrainingStep, AutoMicroBatchPicksTheFastestThatFits) {
  Fixture f("H100-SXM-80GB");
  const TransformerSpec& m = model("megatron-gpt-7.5b");
  TrainingJob j = job(256, 0, Recompute::Full);
  const TrainingEstimate best = f.model.estimate(m, layout(16, 4, 1), j);
  ASSERT_TRUE(best.fits);
  for (int b : {1, 2, 4, 8, 16, 32, 64}) {
    j.micro_batch = b;
    const TrainingEstimate e = f.model.estimate(m, layout(16, 4, 1), j);
    if (e.fits) {
      EXPECT_LE(best.step_seconds, e.step_seconds) << "b = " << b;
    }
  }
}

TEST(TrainingStep, ExpertParallelismAddsAllToAllAndShardsExperts) {
  Fixture f("H100-SXM-80GB");
  const TransformerSpec& m = model("mixtral-8x7b");
  ParallelLayout l = layout(64, 1);
  const TrainingEstimate dense_dp = f.model.estimate(m, l, job(64));
  l.ep = 8;
  const TrainingEstimate ep = f.model.estimate(m, l, job(64));
  EXPECT_EQ(dense_dp.exposed_comm.ep, 0);
  EXPECT_GT(ep.exposed_comm.ep, 0);
  EXPECT_LT(ep.memory.weights, dense_dp.memory.weights / 4);
}

TEST(TrainingStep, CheckReportsEveryLayoutThatDoesNotDivide) {
  const TransformerSpec& m = model("llama-3-70b");  // 64 heads, 8 KV heads, 80 layers
  struct Case {
    ParallelLayout layout;
    TrainingJob job;
    std::string problem;
  };
  ParallelLayout ep = layout(64, 8);
  ep.ep = 2;
  const std::vector<Case> cases{
      {layout(48, 3), job(16), "heads (64) are not divisible by --tp 3"},
      {layout(64, 8, 3), job(16), "layers (80) are not divisible by --pp x --vpp = 3"},
      {layout(60, 8, 2), job(16), "--gpus 60 is not divisible by --tp x --pp x --ep = 16"},
      {layout(64, 8, 1, 2), job(16), "--vpp 2 needs --pp > 1 (interleaving splits pipeline stages)"},
      {ep, job(16), "--ep 2 needs a mixture-of-experts model (experts > 1)"},
      {layout(64, 8), job(12), "--global-batch 12 is not divisible by the data-parallel size 8"},
      {layout(64, 8), job(16, 4), "--global-batch / data-parallel size = 2 sequences per pipeline is not divisible by --micro-batch 4"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.problem);
    const auto problems = TrainingStepModel::check(m, c.layout, c.job);
    ASSERT_FALSE(problems.empty());
    EXPECT_EQ(problems.front(), c.problem);
  }
  EXPECT_TRUE(TrainingStepModel::check(m, layout(64, 8, 2), job(16)).empty());
  Fixture f("H100-SXM-80GB");
  EXPECT_THROW(f.model.estimate(m, layout(48, 3), job(16)), sim::InputError);
}

TEST(TrainingStep, FasterGpusTrainFasterFromDatasheetFiguresAlone) {
  const TransformerSpec& m = model("llama-3-8b");
  double previous = 1e300;
  for (const char* name : {"A100-SXM-80GB", "H100-SXM-80GB", "B200-SXM-180GB"}) {
    Fixture f(name);
    const double step = f.model.estimate(m, layout(8, 1), job(8)).step_seconds;
    EXPECT_LT(step, previous) << name;
    previous = step;
  }
}

TEST(TrainingCalibration, FlashAttentionAndFrameworkEfficiencyAreFittedFractions) {
  const TrainingModelParameters& p = builtin_training_parameters();
  EXPECT_GT(p.flash_attention_efficiency, 0.1);
  EXPECT_LE(p.flash_attention_efficiency, 1.0);
  EXPECT_GT(p.framework_efficiency, 0.5);
  EXPECT_LE(p.framework_efficiency, 1.0);
  // The fit is the least-squares optimum: nudging it either way makes the Table 1 error worse.
  auto sse = [](double fe) {
    TrainingModelParameters q = builtin_training_parameters();
    q.framework_efficiency = fe;
    double s = 0;
    for (const auto& row : megatron_table1()) {
      const MegatronPrediction pr = predict_megatron_row(row, q);
      const double step_err = row.published_tflops / pr.predicted_tflops - 1;  // relative step-time error
      s += step_err * step_err;
    }
    return s;
  };
  const double at = sse(p.framework_efficiency);
  EXPECT_LT(at, sse(p.framework_efficiency * 1.02));
  EXPECT_LT(at, sse(p.framework_efficiency * 0.98));
}

}  // namespace
}  // namespace kubetwin::models
