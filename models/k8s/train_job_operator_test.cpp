#include "models/k8s/train_job_operator.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/k8s/admission_webhook.hpp"
#include "models/k8s/custom_resources.hpp"
#include "models/k8s/pod_status_writer.hpp"
#include "models/testing/control_plane_harness.hpp"

// The TrainJob operator through the API server. Writes take 20 ms, reads 10 ms, watch delivery
// 50 ms, the webhook 5 ms; the control plane itself is instantaneous, so the times below add up
// the API's steps.

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;

ApiServerConfig timed() {
  ApiServerConfig c = ApiServerConfig::with_defaults(0.02, 0.05);
  c.read_latency = 0.01;
  c.default_client = {0, 1};
  c.audit = true;
  return c;
}

TrainJobSubmission submission(std::string name, std::int64_t nodes, double duration = 10,
                              double at = 1) {
  TrainJobSubmission s;
  s.name = std::move(name);
  s.submit_time = at;
  s.num_nodes = nodes;
  s.runtime = "torch-distributed";
  JobSpec node;
  node.id = s.name;
  node.duration = duration;
  PodGroupSpec g;
  g.name = "node";
  g.requests = {8000, 64LL << 30, 1};
  node.pods.push_back(g);
  s.node = std::make_shared<const JobSpec>(std::move(node));
  return s;
}

struct Rig {
  explicit Rig(ApiServerConfig config, TrainJobOperatorConfig op = {}, int nodes = 4)
      : h({gpu_pool("h100", nodes)}),
        api(h.engine, std::move(config), 1),
        crds(h.engine, api, 0),
        hook(
            h.engine, api, webhook(),
            [](const ApiObject& o) { return validate_train_job(o, TrainJobsConfig{}.runtimes); },
            1),
        writer(h.engine, api, h.cp, h.streams.stream("failures")),
        tj(h.engine, api, op) {
    crds.install({"trainer.kubeflow.org", kTrainJobKind, "trainjobs", "v1alpha1"}, 0);
    api.audited.connect([this](const AuditEntry& a) {
      if (a.verb == ApiVerb::Create && a.kind == "Pod" && a.code == 201)
        ++pod_creates[std::string(a.name)];
    });
    tj.condition_added.connect(
        [this](const ApiObject& o, std::string_view type, std::string_view, std::string_view) {
          conditions[o.meta.name].push_back({std::string(type), h.engine.now()});
        });
    tj.rejected.connect([this](std::string_view name, const ApiReply& r) {
      rejected[std::string(name)] = r.status.code;
    });
    writer.start();
    tj.start();
  }
  static ValidatingWebhookConfig webhook() {
    ValidatingWebhookConfig w;
    w.kinds = {kTrainJobKind};
    w.latency = 0.005;
    return w;
  }
  std::optional<double> when(const std::string& name, const std::string& type) const {
    auto it = conditions.find(name);
    if (it == conditions.end()) return std::nullopt;
    for (const auto& [t, at] : it->second) {
      if (t == type) return at;
    }
    return std::nullopt;
  }
  Harness h;
  ApiServer api;
  CustomResourceDefinitions crds;
  AdmissionWebhook hook;
  PodStatusWriter writer;
  TrainJobOperator tj;
  std::map<std::string, int> pod_creates;
  std::map<std::string, std::vector<std::pair<std::string, double>>> conditions;
  std::map<std::string, int> rejected;
};

TEST(TrainJobOperator, RunsATrainJobThroughTheStoreWithTheApiWebhookAndWatchLatencies) {
  Rig r(timed());
  r.h.at(1, [&] { r.tj.submit(submission("tj", 2)); });
  r.h.engine.run();
  // The CRD is established at 0.04; the operator's first list (0.01) met 404 and its retry after
  // the reflector's 0.8 s succeeds. TrainJob: reaches the server 1.02, webhook 5 ms, stored 1.025,
  // seen 1.075; pods committed 1.095, seen by the kubelet side 1.145, run 10 s to 11.145;
  // Succeeded patched 11.165, seen 11.215; the Succeeded condition committed 11.235.
  ASSERT_TRUE(r.when("tj", "Succeeded"));
  EXPECT_NEAR(*r.when("tj", "Succeeded"), 11.235, 1e-9);
  ASSERT_TRUE(r.when("tj", "Created"));
  ASSERT_TRUE(r.when("tj", "Running"));
  EXPECT_LT(*r.when("tj", "Created"), *r.when("tj", "Running"));
  EXPECT_EQ(r.pod_creates, (std::map<std::string, int>{{"tj-node-0", 1}, {"tj-node-1", 1}}));
  ObjectPtr tj = r.api.peek(kTrainJobKind, "default", "tj");
  ObjectPtr pod = r.api.peek("Pod", "default", "tj-node-1");
  ASSERT_TRUE(tj && pod);
  EXPECT_EQ(pod->meta.owner_uids, std::vector<std::string>{tj->meta.uid});
  EXPECT_EQ(pod->meta.labels.at(kTrainJobNameLabel), "tj");
  EXPECT_EQ(tj->status["nodes"]["succeeded"], 2);
  EXPECT_EQ(r.tj.succeeded(), 1u);
  EXPECT_EQ(r.tj.live(), 0u);
  // Deleting the TrainJob deletes its pods (ownerReferences, the garbage collector).
  r.h.at(20, [&] { r.api.remove("user", kTrainJobKind, "default", "tj", nullptr); });
  r.h.engine.run();
  EXPECT_EQ(r.api.count("Pod"), 0u);
}

TEST(TrainJobOperator, InvalidTrainJobsAreRejectedAndNeverStored) {
  Rig r(timed());
  r.h.at(1, [&] {
    TrainJobSubmission bad_runtime = submission("bad-runtime", 1);
    bad_runtime.runtime = "nope";
    r.tj.submit(submission("zero-nodes", 0));
    r.tj.submit(bad_runtime);
    r.tj.submit(submission("ok", 1));
  });
  r.h.engine.run();
  EXPECT_EQ(r.rejected, (std::map<std::string, int>{{"bad-runtime", 403}, {"zero-nodes", 403}}));
  EXPECT_EQ(r.api.count(kTrainJobKind), 1u);
  EXPECT_TRUE(r.when("ok", "Succeeded"));
  EXPECT_EQ(r.tj.rejected_count(), 2u);
  EXPECT_EQ(r.tj.stored_count(), 1u);
}

// The operator is down from 0.9 s to 5.9 s; a TrainJob is created at 1.025 meanwhile. The
// level-triggered operator relists when it comes back and runs it; the edge-triggered one (the
// deliberately broken variant) never hears of it. The first test fails when the operator does not
// relist after a restart.
void created_while_down(bool relist) {
  {
    TrainJobOperatorConfig op;
    op.relist_on_restart = relist;
    Rig r(timed(), op);
    r.h.at(0.9, [&] { r.tj.restart(5); });
    r.h.at(1, [&] { r.tj.submit(submission("while-down", 2)); });
    r.h.engine.run();
    EXPECT_EQ(r.tj.restarts(), 1u);
    EXPECT_EQ(r.tj.stored_count(), 1u);
    if (relist) {
      // Back at 5.9: lists at 5.91, pods committed 5.93, seen 5.98, done 15.98, patched 16.00,
      // seen 16.05, Succeeded committed 16.07.
      ASSERT_TRUE(r.when("while-down", "Succeeded")) << "relist " << relist;
      EXPECT_NEAR(*r.when("while-down", "Succeeded"), 16.07, 1e-9);
      EXPECT_EQ(r.pod_creates.size(), 2u);
    } else {
      EXPECT_FALSE(r.when("while-down", "Created"));
      EXPECT_TRUE(r.pod_creates.empty());
      EXPECT_EQ(r.tj.live(), 1u);  // stored, never reconciled
    }
  }
}

TEST(TrainJobOperator, ReconcilesTrainJobsCreatedWhileItWasDownBecauseItRelists) {
  created_while_down(true);
}
TEST(TrainJobOperator, TheEdgeTriggeredOperatorNeverReconcilesTrainJobsCreatedWhileItWasDown) {
  created_while_down(false);
}

// A restart 1 ms after the operator sent its pod creates, so short that its successor relists
// before those creates are committed and sends them again: they meet AlreadyExists.
TEST(TrainJobOperator, ARepeatedCreateAfterARestartMeetsAlreadyExistsAndMakesNoSecondPod) {
  Rig r(timed());
  r.h.at(1, [&] { r.tj.submit(submission("tj", 3)); });
  r.h.at(1.076, [&] { r.tj.restart(0.001); });  // creates sent at 1.075, committed 1.095
  r.h.engine.run();
  EXPECT_EQ(r.pod_creates,
            (std::map<std::string, int>{{"tj-node-0", 1}, {"tj-node-1", 1}, {"tj-node-2", 1}}));
  EXPECT_EQ(r.tj.pods_already_existed(), 3u);
  EXPECT_TRUE(r.when("tj", "Succeeded"));
}

TEST(TrainJobOperator, ApiErrorsConflictsAnOutageAndRestartsLoseAndDuplicateNothing) {
  ApiServerConfig c = timed();
  c.faults.errors[static_cast<int>(ApiVerb::Create)] = {0.3, 500};
  c.faults.errors[static_cast<int>(ApiVerb::Update)] = {0.2, 429};
  c.faults.errors[static_cast<int>(ApiVerb::List)] = {0.2, 500};
  c.faults.errors[static_cast<int>(ApiVerb::Get)] = {0.2, 500};
  c.faults.conflict_rate = 0.2;
  c.faults.outages = {{20, 35}};
  Rig r(std::move(c));
  std::int64_t pods = 0;
  for (int i = 0; i < 8; ++i) {
    const std::int64_t nodes = 1 + i % 3;
    pods += nodes;
    r.h.at(1 + 4 * i, [&r, i, nodes] {
      r.tj.submit(submission("tj-" + std::to_string(i), nodes, 30, 1 + 4 * i));
    });
  }
  for (double at : {6.0, 18.0, 33.0, 50.0}) r.h.at(at, [&] { r.tj.restart(4); });
  r.h.engine.run();
  EXPECT_EQ(r.tj.restarts(), 4u);
  EXPECT_EQ(r.tj.succeeded(), 8u);
  EXPECT_EQ(r.pod_creates.size(), static_cast<std::size_t>(pods));
  for (const auto& [name, n] : r.pod_creates) EXPECT_EQ(n, 1) << name;
  EXPECT_GT(r.api.errors(500), 0u);
  EXPECT_GT(r.api.errors(503), 0u);
  EXPECT_GT(r.tj.conflicts(), 0u);
  EXPECT_EQ(r.tj.live(), 0u);
}

}  // namespace
}  // namespace kubetwin::models
