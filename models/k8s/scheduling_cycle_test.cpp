// The extension points the control plane drives, end to end in virtual time: PreEnqueue
// (scheduling gates), Reserve/Unreserve, Permit with waiting and timeouts (Coscheduling), the
// binding cycle, and several profiles chosen by schedulerName.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "models/scheduling/plugins.hpp"
#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

void disable(ProfileConfig& p, ExtensionPoint point, std::string_view plugin) {
  std::erase_if(p.at(point), [&](const WeightedPlugin& wp) { return wp.name == plugin; });
}

// --- PreEnqueue ------------------------------------------------------------------------------

TEST(SchedulingCycle, GatedJobStaysOutOfTheQueueUntilEveryGateIsRemoved) {
  Harness h({gpu_pool("h100", 1)});
  std::vector<std::string> gated;
  h.cp.job_gated.connect([&](const JobState&, std::string_view why) { gated.emplace_back(why); });
  h.submit_at(0, JobBuilder("gated", 8).gates({"kueue.x-k8s.io/admission", "example.com/quota"}));
  h.at(5, [&] {
    EXPECT_EQ(h.cp.pending_pods(), 1);  // SchedulingGated pods are pending
    EXPECT_TRUE(h.cp.remove_scheduling_gate(0, "kueue.x-k8s.io/admission"));
    EXPECT_FALSE(h.cp.remove_scheduling_gate(0, "no-such-gate"));
    EXPECT_FALSE(h.cp.remove_scheduling_gate(42, "example.com/quota"));
  });
  h.at(10, [&] {
    EXPECT_FALSE(h.started.contains("gated"));
    EXPECT_TRUE(h.cp.remove_scheduling_gate(0, "example.com/quota"));
  });
  h.engine.run();
  EXPECT_EQ(gated, (std::vector<std::string>{"waiting for scheduling gates: [kueue.x-k8s.io/admission example.com/quota]"}));
  EXPECT_EQ(h.started.at("gated"), 10);
  EXPECT_EQ(h.completed.at("gated"), 110);
}

TEST(SchedulingCycle, WithoutSchedulingGatesInThePreEnqueuePointGatesAreIgnored) {
  SchedulerConfig c;
  disable(c.profiles[0], ExtensionPoint::PreEnqueue, "SchedulingGates");
  Harness h({gpu_pool("h100", 1)}, c);
  h.submit_at(0, JobBuilder("gated", 8).gates({"example.com/quota"}));
  h.engine.run();
  EXPECT_EQ(h.started.at("gated"), 0);
}

// --- Permit and Coscheduling -------------------------------------------------------------------

TEST(SchedulingCycle, GangMembersWaitAtPermitAndBindTogetherOnceAllAreReserved) {
  Harness h({gpu_pool("h100", 3)});
  h.submit_at(0, JobBuilder("gang", 8, 3).gang());
  h.engine.run();
  ASSERT_EQ(h.binds.size(), 3u);
  for (const auto& b : h.binds) EXPECT_EQ(b.t, 0);
  EXPECT_EQ(h.started.at("gang"), 0);
}

TEST(SchedulingCycle, WithoutCoschedulingAtPostFilterWaitingMembersHoldTheirNodesUntilTheTimeout) {
  SchedulerConfig c;
  disable(c.profiles[0], ExtensionPoint::PostFilter, "Coscheduling");
  Harness h({gpu_pool("h100", 2)}, c);
  std::vector<std::pair<double, std::string>> rejections;
  h.cp.permit_rejected.connect([&](const JobState& j, std::string_view plugin, std::string_view) {
    rejections.emplace_back(h.engine.now(), j.spec.id + "@" + std::string(plugin));
  });
  h.submit_at(0, JobBuilder("blocker", 8).duration(100));
  h.submit_at(1, JobBuilder("gang", 8, 2).gang().schedule_timeout(30));
  // One member reserved on the free node, waiting for the other: 16 of 16 GPUs are taken.
  h.at(2, [&] { EXPECT_EQ(h.cluster.allocated_gpus(), 16); });
  h.engine.run(200);
  ASSERT_GE(rejections.size(), 2u);
  EXPECT_EQ(rejections[0], (std::pair<double, std::string>{31, "gang@Coscheduling"}));
  EXPECT_EQ(rejections[1].first, 61);  // retried at once, waited again
  // Once the blocker finished, both members fit and the gang ran as a whole.
  EXPECT_EQ(h.started.at("gang"), 100);
  EXPECT_EQ(h.bind_times("gang"), (std::vector<double>{100, 100}));
}

TEST(SchedulingCycle, WithCoschedulingAtPostFilterAFailedGangReleasesItsMembersAtOnce) {
  Harness h({gpu_pool("h100", 2)});
  std::vector<double> rejected_at;
  h.cp.permit_rejected.connect([&](const JobState&, std::string_view, std::string_view) { rejected_at.push_back(h.engine.now()); });
  h.submit_at(0, JobBuilder("blocker", 8).duration(100));
  h.submit_at(1, JobBuilder("gang", 8, 2).gang());
  h.submit_at(2, JobBuilder("small", 8).duration(10));
  h.engine.run();
  // Tried and released at its submission, and again when the small job's node came free.
  EXPECT_EQ(rejected_at, (std::vector<double>{1, 12}));
  EXPECT_EQ(h.started.at("small"), 2);  // the gang's released node served the small job
  EXPECT_EQ(h.started.at("gang"), 100);
}

TEST(SchedulingCycle, WithoutCoschedulingAtPermitAGangIsPlacedPartially) {
  // The broken variant a conformance case must catch: no Permit barrier, no all-or-nothing.
  SchedulerConfig c;
  disable(c.profiles[0], ExtensionPoint::Permit, "Coscheduling");
  Harness h({gpu_pool("h100", 2)}, c);
  h.submit_at(0, JobBuilder("blocker", 8).duration(100));
  h.submit_at(1, JobBuilder("gang", 8, 2).gang());
  h.at(50, [&] { EXPECT_EQ(h.bind_times("gang"), (std::vector<double>{1})); });
  h.engine.run();
  EXPECT_EQ(h.started.at("gang"), 100);
}

// --- Reserve, Permit and binding with plugins made for the test ---------------------------------

/// Records every call in `log`; rejects at Reserve on node `refuse_node`, skips or binds at Bind.
class Tracer final : public ReservePlugin, public PermitPlugin, public PreBindPlugin, public BindPlugin,
                     public PostBindPlugin {
 public:
  Tracer(std::string name, std::vector<std::string>& log, NodeIndex refuse_node, bool binds)
      : name_(std::move(name)), log_(log), refuse_node_(refuse_node), binds_(binds) {}
  std::string_view name() const override { return name_; }
  Status reserve(CycleState&, const PodInfo& pod, NodeIndex node, FrameworkHandle&) const override {
    log_.push_back(name_ + ".reserve " + pod.job.id + " n" + std::to_string(node));
    return node == refuse_node_ ? Status::unschedulable(name(), "refused") : Status::success();
  }
  void unreserve(const PodInfo& pod, NodeIndex node, FrameworkHandle&) const override {
    log_.push_back(name_ + ".unreserve " + pod.job.id + " n" + std::to_string(node));
  }
  PermitResult permit(CycleState&, const PodInfo& pod, NodeIndex, FrameworkHandle&) const override {
    log_.push_back(name_ + ".permit " + pod.job.id);
    return {};
  }
  Status pre_bind(const PodInfo& pod, NodeIndex, FrameworkHandle&) const override {
    log_.push_back(name_ + ".preBind " + pod.job.id);
    return Status::success();
  }
  Status bind(const PodInfo& pod, NodeIndex, FrameworkHandle&) const override {
    log_.push_back(name_ + ".bind " + pod.job.id);
    return binds_ ? Status::success() : Status::skip();
  }
  void post_bind(const PodInfo& pod, NodeIndex, FrameworkHandle&) const override {
    log_.push_back(name_ + ".postBind " + pod.job.id);
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
  NodeIndex refuse_node_;
  bool binds_;
};

struct TracedSetup {
  std::vector<std::string> log;
  PluginRegistry registry = PluginRegistry::builtin();
  SchedulerConfig config;

  explicit TracedSetup(NodeIndex b_refuses) {
    const std::vector<ExtensionPoint> all{ExtensionPoint::Reserve, ExtensionPoint::Permit, ExtensionPoint::PreBind,
                                          ExtensionPoint::Bind, ExtensionPoint::PostBind};
    registry.add("A", all, [this](const PluginContext&) { return std::make_unique<Tracer>("A", log, kUnbound, false); });
    registry.add("B", all, [this, b_refuses](const PluginContext&) {
      return std::make_unique<Tracer>("B", log, b_refuses, true);
    });
    ProfileConfig& p = config.profiles[0];
    for (ExtensionPoint point : all) p.at(point) = {{"A", 1}, {"B", 1}};
  }
};

TEST(SchedulingCycle, PointsRunInOrderAndTheFirstBinderThatDoesNotSkipBinds) {
  TracedSetup s(kUnbound);
  Harness h({gpu_pool("h100", 1)}, s.config, s.registry);
  h.submit_at(0, JobBuilder("j", 8));
  h.engine.run();
  EXPECT_EQ(s.log, (std::vector<std::string>{"A.reserve j n0", "B.reserve j n0", "A.permit j", "B.permit j",
                                             "A.preBind j", "B.preBind j", "A.bind j", "B.bind j", "A.postBind j",
                                             "B.postBind j"}));
  EXPECT_EQ(h.started.at("j"), 0);
}

TEST(SchedulingCycle, AFailedReserveUnreservesTheEarlierPluginsInReverseAndFreesTheNode) {
  TracedSetup s(0);  // B refuses node 0, the only node
  Harness h({gpu_pool("h100", 1)}, s.config, s.registry);
  h.submit_at(0, JobBuilder("j", 8));
  h.at(1, [&] { EXPECT_EQ(h.cluster.allocated_gpus(), 0); });
  h.engine.run();
  EXPECT_EQ(s.log, (std::vector<std::string>{"A.reserve j n0", "B.reserve j n0", "B.unreserve j n0", "A.unreserve j n0"}));
  EXPECT_FALSE(h.started.contains("j"));
  EXPECT_EQ(h.cp.pending_pods(), 1);
}

// --- profiles ------------------------------------------------------------------------------

TEST(SchedulingCycle, EachJobIsScheduledByTheProfileItNames) {
  SchedulerConfig c;
  ProfileConfig packer;
  packer.scheduler_name = "packer";
  packer.scoring = ScoringStrategy::MostAllocated;
  packer.scoring_resources = {{"nvidia.com/gpu", 1}};
  packer.at(ExtensionPoint::Score) = {{"NodeResourcesFit", 1}};
  c.profiles.push_back(packer);
  c.profiles[0].scoring_resources = {{"nvidia.com/gpu", 1}};  // default profile: LeastAllocated on GPUs
  c.profiles[0].at(ExtensionPoint::Score) = {{"NodeResourcesFit", 1}};
  Harness h({gpu_pool("h100", 2)}, c);
  h.submit_at(0, JobBuilder("first", 4).duration(1000));  // lands on some node; call it the busy one
  h.submit_at(1, JobBuilder("spread", 2).duration(1000));
  h.submit_at(2, JobBuilder("packed", 2).duration(1000).scheduler("packer"));
  h.submit_at(3, JobBuilder("lost", 1).scheduler("no-such-profile"));
  h.engine.run();
  ASSERT_EQ(h.binds.size(), 3u);
  const NodeIndex busy = h.binds[0].node;
  EXPECT_NE(h.binds[1].node, busy);  // LeastAllocated: the empty node
  EXPECT_EQ(h.binds[2].node, busy);  // MostAllocated: the fuller node
  EXPECT_EQ(h.failed.at("lost").first, "SchedulerNotFound");
}

}  // namespace
}  // namespace kubetwin::models
