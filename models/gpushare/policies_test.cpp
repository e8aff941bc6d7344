#include "models/gpushare/policies.hpp"
#include "models/testing/gpushare_builders.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

// The six scoring policies against ../shared/reference/fgd-protocol.md, section 1.4. Every
// expected score is worked out by hand in the comment beside it; sigmoid(x) = 1 / (1 + e^-x).

namespace kubetwin::models::gpushare {
namespace {

// --- builders -------------------------------------------------------------------------------

GpuShareNode node(std::int64_t cpu, std::initializer_list<int> gpu_free, int model = 0,
                  std::uint8_t tags = 0) {
  return testing::gpu_node(cpu, gpu_free, model, 1 << 20, tags);
}

GpuShareNode idle8(std::int64_t cpu) {
  return node(cpu, {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000});
}

PodShape pod(std::int64_t cpu, int num_gpu, int gpu_milli, ModelMask models = kAnyModel) {
  return {cpu, 0, num_gpu, gpu_milli, models};
}

PodShape cpu_pod(std::int64_t cpu) { return pod(cpu, 0, 0); }

constexpr ModelMask bit(int model) { return ModelMask{1} << model; }

constexpr std::uint8_t tag(PodTag t) { return static_cast<std::uint8_t>(t); }

std::vector<int> devices_of(const GpuChoice& c) {
  return {c.devices.begin(), c.devices.begin() + c.count};
}

std::unique_ptr<ScoringPolicy> policy(std::string_view name, std::vector<TypicalTask> tasks = {}) {
  auto p = make_policy(name, tasks);
  EXPECT_NE(p, nullptr) << name;
  return p;
}

/// Scores `pod` on `n` with a fresh policy, passing F(n) under `tasks` as the experiment does.
NodeScore score(std::string_view name, const GpuShareNode& n, const PodShape& pod,
                const std::vector<TypicalTask>& tasks = {}) {
  return policy(name, tasks)->score(n, node_fragmentation(n, tasks), pod);
}

struct Case {
  const char* what;
  GpuShareNode node;
  PodShape pod;
  std::int64_t score;
  std::vector<int> devices;
};

void check(std::string_view name, const std::vector<Case>& table,
           const std::vector<TypicalTask>& tasks = {}) {
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const NodeScore s = score(name, c.node, c.pod, tasks);
    EXPECT_EQ(s.score, c.score);
    EXPECT_EQ(devices_of(s.devices), c.devices);
  }
}

// --- registry -------------------------------------------------------------------------------

TEST(PolicyRegistry, NamesAreExactlyTheSixOfThePaper) {
  EXPECT_EQ(policy_names(),
            (std::vector<std::string_view>{"FGD", "BestFit", "DotProd", "GpuPacking",
                                           "GpuClustering", "Random"}));
  for (std::string_view name : policy_names()) {
    SCOPED_TRACE(std::string(name));
    const auto p = make_policy(name, {});
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->name(), name);
    EXPECT_EQ(p->min_max_normalized(), name == "BestFit");
    EXPECT_EQ(p->random_choice(), name == "Random");
  }
}

TEST(PolicyRegistry, UnknownNamesGiveNull) {
  for (std::string_view name : {"", "fgd", "bestfit", "FGD ", "BinPack", "Spread"}) {
    SCOPED_TRACE(std::string(name));
    EXPECT_EQ(make_policy(name, {}), nullptr);
  }
}

TEST(PolicyRegistry, EveryPolicyIgnoresASatisfiedModelConstraint) {
  // The model constraint is the filter's business: on a node whose model the pod allows, a
  // constrained pod scores and places exactly like an unconstrained one.
  const std::vector<TypicalTask> tasks{{pod(1000, 1, 500), 1.0}};
  const GpuShareNode n = node(32000, {1000, 600, 300, 1000}, 3, tag(PodTag::ShareGpu));
  for (std::string_view name : policy_names()) {
    for (const PodShape& any : {pod(1000, 1, 300), pod(1000, 2, 1000), pod(1000, 1, 1000)}) {
      SCOPED_TRACE(std::string(name) + " " + std::to_string(any.num_gpu) + "x" +
                   std::to_string(any.gpu_milli));
      PodShape constrained = any;
      constrained.models = bit(3) | bit(5);
      const NodeScore a = score(name, n, any, tasks);
      const NodeScore b = score(name, n, constrained, tasks);
      EXPECT_EQ(a.score, b.score);
      EXPECT_EQ(devices_of(a.devices), devices_of(b.devices));
    }
  }
}

TEST(PolicyRegistry, WholeGpuPodsTakeTheLowestIndexFullyFreeDevicesUnderEveryPolicy) {
  const std::vector<TypicalTask> tasks{{pod(1000, 1, 500), 1.0}};
  const GpuShareNode n = node(32000, {1000, 300, 1000, 1000});
  for (std::string_view name : policy_names()) {
    SCOPED_TRACE(std::string(name));
    EXPECT_EQ(devices_of(score(name, n, pod(1000, 2, 1000), tasks).devices),
              (std::vector<int>{0, 2}));
    EXPECT_EQ(devices_of(score(name, n, pod(1000, 1, 1000), tasks).devices), (std::vector<int>{0}));
    EXPECT_EQ(score(name, n, cpu_pod(1000), tasks).devices.count, 0);
  }
}

TEST(PolicyRegistry, NonFgdPoliciesPutAFractionalPodOnTheTightestDeviceFirstIndexOnTies) {
  // Devices 500 / 700 / 500 / 1000, pod 400: feasible all four; least free 500, first at index 0.
  const GpuShareNode n = node(32000, {500, 700, 500, 1000});
  for (std::string_view name : {"BestFit", "DotProd", "GpuPacking", "GpuClustering", "Random"}) {
    SCOPED_TRACE(std::string(name));
    EXPECT_EQ(devices_of(score(name, n, pod(1000, 1, 400)).devices), (std::vector<int>{0}));
    // 600 skips both 500s: 700 at index 1.
    EXPECT_EQ(devices_of(score(name, n, pod(1000, 1, 600)).devices), (std::vector<int>{1}));
  }
}

// --- FGD ------------------------------------------------------------------------------------

TEST(FgdPolicy, ScoresTruncatedSigmoidOfTheFragmentationDrop) {
  // One typical task m = (1 core, 500 milli, 1 GPU), weight 1: a device is fragment for m when
  // its free milli is below 500 (and m fits somewhere on the node); otherwise all free counts.
  const std::vector<TypicalTask> m{{pod(1000, 1, 500), 1.0}};
  check("FGD",
        {
            // F = 0 -> {500, 1000}: F = 0, dF = 0 -> trunc(100 * 0.5) = 50; devices tie: first.
            {"idle node, zero change gives 50",
             node(32000, {1000, 1000}),
             pod(1000, 1, 500),
             50,
             {0}},
            // F = 0 -> {400, 1000}: F = 400, dF = -400 -> 100 * sigmoid(-0.4) = 40.13 -> 40
            {"leaving 400 behind costs", node(32000, {1000, 1000}), pod(1000, 1, 600), 40, {0}},
            // dev 0 -> {400, 1000}: F 400, 40; dev 1 -> {600, 800}: F 0, 50. Best: dev 1.
            {"picks the best device, not the first",
             node(32000, {600, 1000}),
             pod(1000, 1, 200),
             50,
             {1}},
            // F = 300 (the 300 device). dev 0 -> {700, 300}: F 300, dF 0, 50;
            // dev 1 -> {1000, 0}: F 0, dF +300 -> 100 * sigmoid(0.3) = 57.44 -> 57. Best: dev 1.
            {"filling a fragment raises the score",
             node(32000, {1000, 300}),
             pod(1000, 1, 300),
             57,
             {1}},
            // dev 0 (800 -> 600), dev 1 (1000 -> 800), dev 2 (800 -> 600): all leave F = 0, 50
            // each: first index wins.
            {"ties between devices: first index",
             node(32000, {800, 1000, 800}),
             pod(1000, 1, 200),
             50,
             {0}},
            // F = 300 -> devices 1 (lowest fully free) -> {300, 0, 1000}: F 300, 50.
            {"whole GPU: lowest fully free",
             node(32000, {300, 1000, 1000}),
             pod(1000, 1, 1000),
             50,
             {1}},
            // {300, 0, 0}: F 300, 50.
            {"two whole GPUs", node(32000, {300, 1000, 1000}), pod(1000, 2, 1000), 50, {1, 2}},
            // F = 0 (1500 cores >= 1000) -> CPU 500 < 1000: m no longer fits, F = 1000:
            // dF = -1000 -> 100 * sigmoid(-1) = 26.89 -> 26
            {"CPU-only pod that starves m of CPU", node(1500, {1000}), cpu_pod(1000), 26, {}},
            {"CPU-only pod with CPU to spare: 50", node(32000, {1000}), cpu_pod(1000), 50, {}},
            // Idle 8-GPU node, one whole GPU: F 0 -> 0.
            {"idle 8-GPU node, whole GPU", idle8(64000), pod(1000, 1, 1000), 50, {0}},
        },
        m);
}

TEST(FgdPolicy, TypicalTaskModelConstraintsDecideWhatIsFragment) {
  // m may only run on model bit 1.
  const std::vector<TypicalTask> m{{pod(1000, 1, 500, bit(1)), 1.0}};
  check("FGD",
        {
            // Model 0: all free is fragment, F = 2000 -> {500, 1000}: F = 1500,
            // dF = +500 -> 100 * sigmoid(0.5) = 62.25 -> 62
            {"node m cannot use", node(32000, {1000, 1000}, 0), pod(1000, 1, 500), 62, {0}},
            // Model 1: F = 0 -> 0, 50.
            {"node m can use", node(32000, {1000, 1000}, 1), pod(1000, 1, 500), 50, {0}},
        },
        m);
}

TEST(FgdPolicy, WeighsTasksByPopularity) {
  // Tasks: (0 cores, 500 milli) w 0.5, CPU-only w 0.5. Node {1000}:
  // F = 0.5 * 0 + 0.5 * 1000 = 500 -> {400}: 0.5 * 400 (400 < 500) + 0.5 * 400 = 400,
  // dF = +100 -> 100 * sigmoid(0.1) = 52.50 -> 52
  const std::vector<TypicalTask> tasks{{pod(0, 1, 500), 0.5}, {cpu_pod(0), 0.5}};
  check("FGD", {{"mixed tasks", node(1000, {1000}), pod(0, 1, 600), 52, {0}}}, tasks);
}

TEST(FgdPolicy, PartialMultiGpuPodIsEvaluatedOnTheTightestDevices) {
  // Spec 1.4, FGD: for pods other than fractional ones, n' = n minus the GPUs "tightest-fit free
  // GPUs first; for whole-GPU pods only fully free GPUs qualify", while the GPUs actually bound are
  // the lowest-index fully free ones. The distinction matters only for a k-GPU pod with
  // gpu_milli < 1000 (the readers reject those; no openb file has one, but PodShape and
  // run_fgd_experiment accept them).
  // m = (1 core, 500 milli) w 1. Node {1000, 1000, 600, 500}: F = 0. Pod 2 x 500: tightest-first
  // takes 500 (dev 3) and 600 (dev 2) -> {1000, 1000, 100, 0}: F = 100 (100 < 500),
  // dF = -100 -> trunc(100 * sigmoid(-0.1)) = trunc(47.50) = 47. The pod is bound where it was
  // scored (devices 3 and 2): "lowest-index fully free" cannot apply to a pod that does not need
  // fully free devices, and binding elsewhere would make the score describe another placement.
  const std::vector<TypicalTask> m{{pod(1000, 1, 500), 1.0}};
  check("FGD", {{"2 x 500", node(32000, {1000, 1000, 600, 500}), pod(1000, 2, 500), 47, {3, 2}}},
        m);
}

// --- BestFit --------------------------------------------------------------------------------

TEST(BestFitPolicy, ScoresWeightedLeftoverCpuAndGpu) {
  // raw = trunc(100 * (1 - [0.5 (freeCPU - reqCPU) / 128000 + 0.5 (freeGPU - reqGPU) / 8000]))
  check("BestFit",
        {
            // 0.5 * 64000/128000 + 0.5 * 7000/8000 = 0.25 + 0.4375 = 0.6875 -> 31.25 -> 31
            {"idle 8-GPU node, one whole GPU", idle8(128000), pod(64000, 1, 1000), 31, {0}},
            // 0.5 * 16000/128000 + 0.5 * 0 = 0.0625 -> 93.75 -> 93; tightest device 0
            {"fractional pod filling the node's GPU",
             node(32000, {500, 0}),
             pod(16000, 1, 500),
             93,
             {0}},
            // 0.5 * 12000/128000 + 0.5 * 1100/8000 = 0.046875 + 0.06875 = 0.115625 -> 88.44 -> 88
            {"fractional pod on the tightest device",
             node(16000, {1000, 400}),
             pod(4000, 1, 300),
             88,
             {1}},
            // 0.5 * 0 + 0.5 * 8000/8000 = 0.5 -> 50
            {"CPU-only pod", idle8(128000), cpu_pod(128000), 50, {}},
            // nothing left: 100
            {"exact fill", node(1000, {1000}), pod(1000, 1, 1000), 100, {0}},
        });
}

TEST(BestFitPolicy, NormalizeMinMaxInIntegerArithmetic) {
  struct NormCase {
    const char* what;
    std::vector<std::int64_t> in, out;
  };
  const std::vector<NormCase> table{
      // min 31, max 100, range 69: (93-31)*100/69 = 6200/69 = 89; (50-31)*100/69 = 1900/69 = 27
      {"four scores", {31, 93, 50, 100}, {0, 89, 27, 100}},
      {"all equal -> 0", {42, 42, 42}, {0, 0, 0}},
      {"one node -> 0", {7}, {0}},
      {"1/3 truncates to 33", {0, 1, 3}, {0, 33, 100}},
      {"negative raw scores", {-10, 0, 10}, {0, 50, 100}},
      {"empty", {}, {}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    std::vector<std::int64_t> v = c.in;
    normalize_min_max(v);
    EXPECT_EQ(v, c.out);
  }
}

// --- DotProd --------------------------------------------------------------------------------

TEST(DotProdPolicy, ScoresOneMinusHalfTheDotProduct) {
  // score = trunc(100 * (1 - (freeCPU/128000 * reqCPU/128000 + freeGPU/8000 * reqGPU/8000) / 2))
  check("DotProd",
        {
            // 0.5 * 0.25 + 1 * 0.125 = 0.25 -> 100 * 0.875 = 87.5 -> 87
            {"idle 8-GPU node, one whole GPU", idle8(64000), pod(32000, 1, 1000), 87, {0}},
            // 1 * 1 + 1 * 1 = 2 -> 0
            {"the pod takes the whole node",
             idle8(128000),
             pod(128000, 8, 1000),
             0,
             {0, 1, 2, 3, 4, 5, 6, 7}},
            // 0 + 1 * 0.5 = 0.5 -> 75 (8 free GPUs) ...
            {"big idle node", idle8(64000), pod(0, 4, 1000), 75, {0, 1, 2, 3}},
            // ... 0 + 0.5 * 0.5 = 0.25 -> 87: the node with less left scores higher
            {"small idle node",
             node(64000, {1000, 1000, 1000, 1000}),
             pod(0, 4, 1000),
             87,
             {0, 1, 2, 3}},
            // CPU only: 1 * 0.5 + 0 = 0.5 -> 75
            {"CPU-only pod", idle8(128000), cpu_pod(64000), 75, {}},
            // (2000/128000)^2 = 1/4096 -> 100 * (1 - 1/8192) = 99.99 -> 99
            {"CPU exactly the free amount", node(2000, {1000}), cpu_pod(2000), 99, {}},
            // 0.125 * 0.0625 + 0.175 * 0.0375 = 0.014375 -> 99.28 -> 99; tightest device 1
            {"fractional pod", node(16000, {1000, 400}), pod(8000, 1, 300), 99, {1}},
        });
}

TEST(DotProdPolicy, NodeWithLessFreeCpuThanRequestedScoresZero) {
  // Such a node fails the filter; the plugin's own guard still answers 0.
  const GpuShareNode n = node(1000, {1000, 1000});
  ASSERT_FALSE(n.fits(pod(2000, 1, 1000)));
  EXPECT_EQ(score("DotProd", n, pod(2000, 1, 1000)).score, 0);
  EXPECT_EQ(score("DotProd", n, cpu_pod(1001)).score, 0);
}

// --- GpuPacking -----------------------------------------------------------------------------

TEST(GpuPackingPolicy, PrefersSharingThenOpeningADeviceOnAUsedNodeThenAnIdleNode) {
  const GpuShareNode used = node(32000, {200, 1000, 1000, 500});
  check("GpuPacking",
        {
            // CPU-only pods: 0 everywhere.
            {"CPU-only pod, idle node", idle8(64000), cpu_pod(1000), 0, {}},
            {"CPU-only pod, used node", used, cpu_pod(1000), 0, {}},
            {"CPU-only pod, full node", node(32000, {0, 0}), cpu_pod(1000), 0, {}},
            // (3) idle node, f = all GPUs: max(33 - f, f).
            {"idle 1-GPU node: max(32, 1)", node(32000, {1000}), pod(1000, 1, 500), 32, {0}},
            {"idle 2-GPU node: max(31, 2)", node(32000, {1000, 1000}), pod(1000, 1, 500), 31, {0}},
            {"idle 4-GPU node: max(29, 4)",
             node(32000, {1000, 1000, 1000, 1000}),
             pod(1000, 2, 1000),
             29,
             {0, 1}},
            {"idle 8-GPU node: max(25, 8)", idle8(64000), pod(1000, 2, 1000), 25, {0, 1}},
            {"GPUs idle, CPU in use: still case 3",
             node(1000, {1000, 1000}),
             pod(1000, 1, 1000),
             31,
             {0}},
            // (2) used node, the pod opens u fully free devices: max(50 - u, 33).
            {"two whole GPUs: u = 2 -> 48", used, pod(1000, 2, 1000), 48, {1, 2}},
            {"one whole GPU: u = 1 -> 49", used, pod(1000, 1, 1000), 49, {1}},
            // 600 fits only the free devices; tightest feasible is device 1 (1000): u = 1 -> 49
            {"fractional pod that must open a device", used, pod(1000, 1, 600), 49, {1}},
            {"used node {0, 1000}", node(32000, {0, 1000}), pod(1000, 1, 500), 49, {1}},
            // (1) shares used devices: max(100 - sum(trunc(free * 100 / 1000)) / 10, 50), free
            // before placing. 200 -> device 0: trunc(20) / 10 = 2 -> 98
            {"share the 200 device", used, pod(1000, 1, 200), 98, {0}},
            // 300 -> device 3 (500): 50 / 10 = 5 -> 95
            {"share the 500 device", used, pod(1000, 1, 300), 95, {3}},
            // 999 free: trunc(99.9) = 99, 99 / 10 = 9 -> 91
            {"share a device with 999 free", node(32000, {999, 0}), pod(1000, 1, 500), 91, {0}},
        });
}

TEST(GpuPackingPolicy, PartialMultiGpuPodIsScoredOnTheTightestDevices) {
  // Spec 1.4, GpuPacking: choose GPUs tightest-first; case (1) sums over the chosen GPUs. Only a
  // k-GPU pod with gpu_milli < 1000 can be placed on several partially used GPUs (the readers
  // reject such pods; PodShape and run_fgd_experiment accept them). This is the artifact's own unit
  // test (gpu_packing_score_test.go, "case-1 only use existing GPUs"): {200, 1000, 1000, 500}, pod
  // 2 x 200: tightest-first 200 (dev 0) and 500 (dev 3), no fully free GPU among them -> case (1):
  // trunc(200*100/1000) + trunc(500*100/1000) = 20 + 50 = 70, max(100 - 70/10, 50) = 93.
  const GpuShareNode used = node(32000, {200, 1000, 1000, 500});
  // (Which devices such a pod is then bound to, 1.4 does not say; only the score is checked.)
  EXPECT_EQ(score("GpuPacking", used, pod(1000, 2, 200)).score, 93);
}

// --- GpuClustering --------------------------------------------------------------------------

TEST(GpuClusteringPolicy, BasePlusBonusByTheNodeTags) {
  const std::uint8_t share = tag(PodTag::ShareGpu), one = tag(PodTag::OneGpu),
                     two = tag(PodTag::TwoGpu), eight = tag(PodTag::EightGpu);
  // base = trunc(25 * (8000 - freeGPU) / 8000)
  check(
      "GpuClustering",
      {
          // base 0 + 25 (no GPU pod)
          {"idle 8-GPU node", idle8(64000), pod(1000, 1, 500), 25, {0}},
          // 25 * 4000 / 8000 = 12.5 -> 12, + 25
          {"idle 4-GPU node", node(32000, {1000, 1000, 1000, 1000}), pod(1000, 1, 500), 37, {0}},
          // free 1500: 25 * 6500 / 8000 = 20.31 -> 20
          {"only share pods, share pod: + 75",
           node(32000, {500, 1000}, 0, share),
           pod(1000, 1, 500),
           95,
           {0}},
          {"share and others, share pod: + 50",
           node(32000, {500, 1000}, 0, share | one),
           pod(1000, 1, 500),
           70,
           {0}},
          {"only others, share pod: + 0",
           node(32000, {500, 1000}, 0, one),
           pod(1000, 1, 500),
           20,
           {0}},
          // free 1000: 25 * 7000 / 8000 = 21.875 -> 21, + 75
          {"only 1-GPU pods, 1-GPU pod: + 75",
           node(32000, {0, 1000}, 0, one),
           pod(1000, 1, 1000),
           96,
           {1}},
          // free 2000: 25 * 6000 / 8000 = 18.75 -> 18
          {"only 2-GPU pods, 2-GPU pod",
           node(32000, {0, 0, 1000, 1000}, 0, two),
           pod(1000, 2, 1000),
           93,
           {2, 3}},
          {"2- and 8-GPU pods, 2-GPU pod",
           node(32000, {0, 0, 1000, 1000}, 0, two | eight),
           pod(1000, 2, 1000),
           68,
           {2, 3}},
          // free 0: base 25
          {"full node, only share pods", node(32000, {0, 0}, 0, share), pod(1000, 1, 500), 100, {}},
          // CPU-only pods: 0 everywhere.
          {"CPU-only pod, idle node", idle8(64000), cpu_pod(1000), 0, {}},
          {"CPU-only pod, share node", node(32000, {500, 1000}, 0, share), cpu_pod(1000), 0, {}},
      });
}

TEST(GpuClusteringPolicy, CpuOnlyPodsLeaveANodeUntagged) {
  GpuShareNode n = node(32000, {1000, 1000});
  place(n, cpu_pod(4000), {});
  // Still "hosts no GPU pod": base 25 * 6000 / 8000 = 18 + 25.
  EXPECT_EQ(score("GpuClustering", n, pod(1000, 1, 500)).score, 43);
  place(n, pod(1000, 1, 500), tightest_device(n, 500));
  // Now only share pods; free 1500: base 20 + 75.
  EXPECT_EQ(score("GpuClustering", n, pod(1000, 1, 300)).score, 95);
  // A 1-GPU pod on a node with only share pods: base 20 + 0.
  EXPECT_EQ(score("GpuClustering", n, pod(1000, 1, 1000)).score, 20);
}

// --- Random ---------------------------------------------------------------------------------

TEST(RandomPolicy, ChoosesAtRandomInsteadOfScoring) {
  const auto p = policy("Random");
  EXPECT_TRUE(p->random_choice());
  EXPECT_FALSE(p->min_max_normalized());
  // Its score never ranks nodes: every node gets the same.
  const NodeScore a = p->score(idle8(64000), 0, pod(1000, 1, 500));
  const NodeScore b = p->score(node(1000, {100, 900}), 0, pod(1000, 1, 100));
  EXPECT_EQ(a.score, b.score);
}

}  // namespace
}  // namespace kubetwin::models::gpushare
