#include "models/serving/disaggregated_serving.hpp"

#include <gtest/gtest.h>

#include <map>

#include "models/k8s/deployment_controller.hpp"
#include "models/testing/control_plane_harness.hpp"
#include "models/topology/fabric_builder.hpp"

namespace kubetwin::models {
namespace {

using testing::Harness;
using testing::JobBuilder;

/// Five 8-GPU H100 servers on a fat-tree of 4 servers per leaf: server 0 ("near", leaf 0), 1-3
/// ("mid", leaf 0) and 4 ("far", leaf 1). Pods choose their server by the pools' `slot` label.
std::vector<NodePoolSpec> servers() {
  auto pool = [](const char* name, int count) {
    NodePoolSpec p = testing::gpu_pool(name, count);
    p.labels = {{"slot", name}};
    return p;
  };
  return {pool("near", 1), pool("mid", 3), pool("far", 1)};
}

FabricSpec fat_tree() {
  FabricSpec f;
  f.kind = FabricKind::FatTree;
  f.nodes = 5;
  f.nodes_per_leaf = 4;
  return f;
}

DeploymentSpec role(const std::string& name, int replicas, const char* slot) {
  DeploymentSpec d{name, replicas, JobBuilder(name, 2).select("slot", slot), {}};
  d.pod.runs_forever = true;
  return d;
}

DisaggregatedServingSpec llama(int requests) {
  DisaggregatedServingSpec s;
  s.name = "llm";
  s.model = *ModelCatalog::builtin().find("llama-3-8b");
  s.prefill_deployment = "prefill";
  s.decode_deployment = "decode";
  s.start = 10;
  s.requests = {.rate = 4, .requests = requests, .input = {2048, 2048}, .output = {32, 32}, .seed = 3};
  return s;
}

struct Stack {
  Harness h{servers()};
  Fabric fabric = build_fabric(fat_tree());
  FabricIndex index{fabric, 8};
  DeploymentController deployments;
  DisaggregatedServing serving;
  std::vector<ServedRequest> done;
  Stack(std::vector<DeploymentSpec> roles, int requests)
      : deployments(h.engine, h.cp, std::move(roles)), serving(h.engine, h.cp, h.cluster, index, llama(requests)) {
    serving.finished.connect([this](const ServedRequest& r) { done.push_back(r); });
    h.at(0, [this] {
      deployments.start();
      serving.start();
    });
  }
};

TEST(DisaggregatedServing, EveryRequestIsPrefilledAndDecodedByPodsOfItsRolesAndPaysTheKvPath) {
  // One prefill and one decode pod on server 0: the K/V cache moves over NVLink.
  Stack s({role("prefill", 1, "near"), role("decode", 1, "near")}, 40);
  s.h.engine.run(600);
  ASSERT_EQ(s.done.size(), 40u);
  EXPECT_EQ(s.serving.completed(), 40);
  const double per_rank = s.done[0].kv_bytes / 2;
  // llama-3-8b: 32 layers x 8 K/V heads x 128 x 2 (K and V) x 2 bytes = 128 KiB per token, split over TP 2.
  EXPECT_DOUBLE_EQ(per_rank, 2048.0 * 32 * 8 * 128 * 2 * 2 / 2);
  for (const ServedRequest& r : s.done) {
    SCOPED_TRACE(r.id);
    EXPECT_FALSE(r.failed);
    EXPECT_EQ(r.prefill_pod.rfind("prefill-", 0), 0u);
    EXPECT_EQ(r.decode_pod.rfind("decode-", 0), 0u);
    EXPECT_LE(r.arrival, r.prefill_start);
    EXPECT_LT(r.prefill_start, r.prefill_end);
    EXPECT_DOUBLE_EQ(r.first_token, r.prefill_end + r.kv_transfer_seconds);
    EXPECT_LT(r.first_token, r.end);
    EXPECT_EQ(r.path, KvPath::SameNode);
    // NVLink at 450 GB/s per direction, 80% achieved, plus the route's and the step's latency.
    EXPECT_NEAR(r.kv_transfer_seconds, per_rank / (450e9 * 0.8), 20e-6);
  }
}

TEST(DisaggregatedServing, KvCacheAcrossTheSpineCostsTheNicRate) {
  Stack s({role("prefill", 2, "far"), role("decode", 1, "near")}, 20);
  s.h.engine.run(600);
  ASSERT_EQ(s.serving.completed(), 20);
  std::map<std::string, int> per_prefill_pod;
  for (const ServedRequest& r : s.done) {
    EXPECT_EQ(r.path, KvPath::SpineBlock) << r.id;
    EXPECT_EQ(r.prefill_node, "far-0");
    EXPECT_EQ(r.decode_node, "near-0");
    // The two TP ranks leave through their own 400 Gb/s NICs at once: 90% of 50 GB/s each.
    EXPECT_NEAR(r.kv_transfer_seconds, r.kv_bytes / 2 / (50e9 * 0.9), 50e-6) << r.id;
    ++per_prefill_pod[r.prefill_pod];
  }
  EXPECT_EQ(per_prefill_pod.size(), 2u) << "the router spreads prompts over the prefill pods";
}

TEST(DisaggregatedServing, RequestsHeldByATerminatedPodFailAndLaterOnesWaitForANewPod) {
  Stack s({role("prefill", 1, "near"), role("decode", 1, "near")}, 60);
  // Requests arrive from 10 s to about 25 s; the decode pod is deleted at 15 s and comes back at 40 s.
  s.h.at(15, [&] { s.deployments.scale(1, 0); });
  s.h.at(40, [&] { s.deployments.scale(1, 1); });
  s.h.engine.run(600);
  ASSERT_EQ(s.done.size(), 60u);
  int failed = 0;
  for (const ServedRequest& r : s.done) {
    if (!r.failed) {
      EXPECT_EQ(r.decode_pod.empty(), false);
      continue;
    }
    ++failed;
    EXPECT_EQ(r.failure, "pod decode-0 terminated") << r.id;
  }
  EXPECT_GT(failed, 0);
  EXPECT_EQ(s.serving.failed(), failed);
  EXPECT_EQ(s.serving.completed(), 60 - failed);
  // Those prefilled while no decode pod existed waited and were decoded by the new pod.
  bool waited = false;
  for (const ServedRequest& r : s.done) waited = waited || (!r.failed && r.decode_pod == "decode-1" && r.prefill_end < 40);
  EXPECT_TRUE(waited);
}

}  // namespace
}  // namespace kubetwin::models
