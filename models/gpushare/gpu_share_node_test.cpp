#include "models/gpushare/gpu_share_node.hpp"
#include "models/testing/gpushare_builders.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

// The GPU-sharing node model against ../shared/reference/fgd-protocol.md, 1.2 step 5 (the filter)
// and 1.4 (device choice).

namespace kubetwin::models::gpushare {
namespace {

// --- builders -------------------------------------------------------------------------------

constexpr std::int64_t kMemory = 1 << 20;  // MiB; plenty unless a case says otherwise

/// A node with `cpu` free milli-cores, the given free milli on each device, GPU model bit `model`.
GpuShareNode node(std::int64_t cpu, std::initializer_list<int> gpu_free, int model = 0,
                  std::int64_t memory = kMemory) {
  return testing::gpu_node(cpu, gpu_free, model, memory);
}

PodShape pod(std::int64_t cpu, int num_gpu, int gpu_milli, ModelMask models = kAnyModel,
             std::int64_t memory = 0) {
  return {cpu, memory, num_gpu, gpu_milli, models};
}

PodShape cpu_pod(std::int64_t cpu, std::int64_t memory = 0) {
  return pod(cpu, 0, 0, kAnyModel, memory);
}

constexpr ModelMask bit(int model) { return ModelMask{1} << model; }

std::vector<int> devices_of(const GpuChoice& c) {
  return {c.devices.begin(), c.devices.begin() + c.count};
}

// --- PodShape -------------------------------------------------------------------------------

TEST(GpuShareNodePodShape, ClassifiesPodsByGpuShape) {
  struct Case {
    const char* what;
    int num_gpu, gpu_milli;
    bool cpu_only, fractional;
    std::int64_t request;
    PodTag tag;
  };
  const std::vector<Case> table{
      {"CPU-only", 0, 0, true, false, 0, PodTag::None},
      {"smallest share", 1, 1, false, true, 1, PodTag::ShareGpu},
      {"share just below a GPU", 1, 999, false, true, 999, PodTag::ShareGpu},
      {"one whole GPU is not fractional", 1, 1000, false, false, 1000, PodTag::OneGpu},
      {"two GPUs: 2 x 1000", 2, 1000, false, false, 2000, PodTag::TwoGpu},
      {"four GPUs", 4, 1000, false, false, 4000, PodTag::FourGpu},
      {"eight GPUs", 8, 1000, false, false, 8000, PodTag::EightGpu},
      {"three GPUs has no tag of its own", 3, 1000, false, false, 3000, PodTag::Other},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const PodShape p = pod(1000, c.num_gpu, c.gpu_milli);
    EXPECT_EQ(p.cpu_only(), c.cpu_only);
    EXPECT_EQ(p.fractional(), c.fractional);
    EXPECT_EQ(p.gpu_request(), c.request);
    EXPECT_EQ(p.tag(), c.tag);
  }
}

// --- GpuShareNode accessors -----------------------------------------------------------------

TEST(GpuShareNode, CountsFreeMilliAndDevicesOnItsOwnGpusOnly) {
  GpuShareNode n = node(8000, {1000, 600, 300, 0});
  n.gpu_free[4] = 1000;                 // beyond `gpus`: not a device of this node
  EXPECT_EQ(n.free_gpu_milli(), 1900);  // 1000 + 600 + 300 + 0
  EXPECT_EQ(n.fully_free_gpus(), 1);
  EXPECT_EQ(n.gpus_with_free(300), 3);  // 1000, 600, 300
  EXPECT_EQ(n.gpus_with_free(301), 2);
  EXPECT_EQ(n.gpus_with_free(0), 4);
  EXPECT_EQ(node(8000, {}).free_gpu_milli(), 0);
}

// --- Filter: NodeResourcesFit + Open-Gpu-Share (1.2 step 5) ---------------------------------

TEST(GpuShareNodeFits, ChecksCpuMemoryModelAndPerDeviceFreeMilli) {
  // Node A: 8 cores, 16Gi, model bit 1, devices free 1000 / 600 / 300 / 0.
  const GpuShareNode a = node(8000, {1000, 600, 300, 0}, 1, 16384);
  // Node C: model bit 0, devices free 1000 / 1000 / 999.
  const GpuShareNode c = node(8000, {1000, 1000, 999}, 0, 16384);
  const GpuShareNode cpu_only_node = node(8000, {}, 0, 16384);
  const GpuShareNode full = node(8000, {0, 0}, 0, 16384);

  struct Case {
    const char* what;
    GpuShareNode node;
    PodShape pod;
    bool fits;
  };
  const std::vector<Case> table{
      // CPU and memory (NodeResourcesFit).
      {"CPU exactly the free amount", a, cpu_pod(8000), true},
      {"one millicore too many", a, cpu_pod(8001), false},
      {"memory exactly the free amount", a, cpu_pod(1000, 16384), true},
      {"one MiB too many", a, cpu_pod(1000, 16385), false},
      {"GPU pod fits GPUs but not CPU", a, pod(8001, 1, 100), false},
      {"GPU pod fits GPUs but not memory", a, pod(1000, 1, 100, kAnyModel, 16385), false},
      // CPU-only pods ignore GPUs and models.
      {"CPU-only pod on a node with no free GPU", full, cpu_pod(1000), true},
      {"CPU-only pod on a CPU-only node", cpu_only_node, cpu_pod(1000), true},
      {"CPU-only pod whose mask excludes the node's model", a, pod(1000, 0, 0, bit(0)), true},
      // Model constraint.
      {"model not allowed", a, pod(1000, 1, 100, bit(0)), false},
      {"model allowed among others", a, pod(1000, 1, 100, bit(0) | bit(1)), true},
      {"only the node's model allowed", a, pod(1000, 1, 100, bit(1)), true},
      {"empty mask allows nothing", a, pod(1000, 1, 100, 0), false},
      // Fractional pods: one device with >= gpu_milli.
      {"fractional 300 on the 300 device", a, pod(1000, 1, 300), true},
      {"fractional 600 fits the 600 device", a, pod(1000, 1, 600), true},
      {"fractional 999 fits the free device", a, pod(1000, 1, 999), true},
      {"fractional 999 on 999 left", node(8000, {999, 0}), pod(1000, 1, 999), true},
      {"fractional 500 on devices 300 / 200 (sum 500, no single device)", node(8000, {300, 200}),
       pod(1000, 1, 500), false},
      {"fractional on a full node", full, pod(1000, 1, 1), false},
      {"GPU pod on a CPU-only node", cpu_only_node, pod(1000, 1, 1), false},
      // Whole-GPU pods need fully free devices.
      {"one whole GPU, one fully free device", a, pod(1000, 1, 1000), true},
      {"two whole GPUs, one fully free device", a, pod(1000, 2, 1000), false},
      {"two whole GPUs, two fully free devices", c, pod(1000, 2, 1000), true},
      {"three whole GPUs, the third has 999", c, pod(1000, 3, 1000), false},
      {"one whole GPU on 999 left", node(8000, {999}), pod(1000, 1, 1000), false},
      // k-GPU pods in general: k devices with >= gpu_milli each.
      {"2 x 500: devices 1000 and 600 qualify", a, pod(1000, 2, 500), true},
      {"3 x 300: devices 1000, 600, 300 qualify", a, pod(1000, 3, 300), true},
      {"3 x 301: only two devices qualify", a, pod(1000, 3, 301), false},
      {"more GPUs than the node has", c, pod(1000, 4, 1), false},
  };
  for (const auto& t : table) {
    SCOPED_TRACE(t.what);
    EXPECT_EQ(t.node.fits(t.pod), t.fits);
  }
}

// --- Device choice (1.4, last item) ---------------------------------------------------------

TEST(GpuShareNodeDeviceChoice, TightestDeviceIsTheLeastFreeFeasibleFirstIndexOnTies) {
  struct Case {
    const char* what;
    GpuShareNode node;
    int milli;
    std::vector<int> devices;  // empty: no feasible device
  };
  const std::vector<Case> table{
      {"200 fits 1000/600/300: 300 is tightest", node(0, {1000, 600, 300, 0}), 200, {2}},
      {"exactly the free amount is feasible", node(0, {1000, 600, 300, 0}), 300, {2}},
      {"301 skips the 300 device", node(0, {1000, 600, 300, 0}), 301, {1}},
      {"700 leaves only the free device", node(0, {1000, 600, 300, 0}), 700, {0}},
      {"a whole GPU takes a fully free device", node(0, {1000, 600, 1000}), 1000, {0}},
      {"nothing feasible", node(0, {600, 300}), 700, {}},
      {"ties: first index (0 and 2 have 500)", node(0, {500, 700, 500, 700}), 400, {0}},
      {"ties: first index (1 and 2 have 500)", node(0, {700, 500, 500}), 400, {1}},
      {"a full device is never feasible", node(0, {0, 0, 900}), 1, {2}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(devices_of(tightest_device(c.node, c.milli)), c.devices);
  }

  // A device past the node's GPU count does not exist.
  GpuShareNode two = node(0, {0, 0});
  two.gpu_free[2] = 1000;
  EXPECT_EQ(tightest_device(two, 100).count, 0);
}

TEST(GpuShareNodeDeviceChoice, LowestFullyFreeTakesTheLowestIndices) {
  struct Case {
    const char* what;
    GpuShareNode node;
    int n;
    std::vector<int> devices;
  };
  const std::vector<Case> table{
      {"idle node, one device", node(0, {1000, 1000, 1000, 1000}), 1, {0}},
      {"idle node, all devices", node(0, {1000, 1000, 1000, 1000}), 4, {0, 1, 2, 3}},
      {"skips a used device", node(0, {600, 1000, 1000, 1000}), 2, {1, 2}},
      {"999 is not fully free", node(0, {0, 1000, 999, 1000}), 2, {1, 3}},
      {"zero devices", node(0, {1000}), 0, {}},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(devices_of(lowest_fully_free(c.node, c.n)), c.devices);
  }
}

// --- place ----------------------------------------------------------------------------------

TEST(GpuShareNodePlace, SubtractsCpuMemoryAndMilliFromTheChosenDevicesAndTagsTheNode) {
  GpuShareNode n = node(16000, {1000, 1000, 1000, 600}, 0, 1000);

  place(n, cpu_pod(2000, 100), {});  // CPU-only: no devices, no tag
  EXPECT_EQ(n.cpu_free, 14000);
  EXPECT_EQ(n.memory_free, 900);
  EXPECT_EQ(n.free_gpu_milli(), 3600);
  EXPECT_EQ(n.tags, 0);

  place(n, pod(1000, 1, 400, kAnyModel, 100), tightest_device(n, 400));  // 600 -> 200 on device 3
  EXPECT_EQ(n.cpu_free, 13000);
  EXPECT_EQ(n.memory_free, 800);
  EXPECT_EQ(n.gpu_free[3], 200);
  EXPECT_EQ(n.tags, static_cast<std::uint8_t>(PodTag::ShareGpu));

  place(n, pod(1000, 2, 1000), lowest_fully_free(n, 2));  // devices 0 and 1
  EXPECT_EQ((std::vector<int>(n.gpu_free.begin(), n.gpu_free.begin() + 4)),
            (std::vector<int>{0, 0, 1000, 200}));
  EXPECT_EQ(n.tags, static_cast<std::uint8_t>(PodTag::ShareGpu) |
                        static_cast<std::uint8_t>(PodTag::TwoGpu));
  EXPECT_EQ(n.fully_free_gpus(), 1);
  EXPECT_FALSE(n.fits(pod(1000, 2, 1000)));
  EXPECT_TRUE(n.fits(pod(1000, 1, 1000)));
}

}  // namespace
}  // namespace kubetwin::models::gpushare
