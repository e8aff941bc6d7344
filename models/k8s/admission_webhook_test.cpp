#include "models/k8s/admission_webhook.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/k8s/custom_resources.hpp"
#include "models/k8s/train_job_operator.hpp"
#include "sim/engine.hpp"

// The validating webhook and CRD establishment. Virtual times worked out by hand: writes take
// 20 ms, reads 10 ms, the webhook answers in 5 ms, its timeout is 1 s.

namespace kubetwin::models {
namespace {

ApiServerConfig timed() {
  ApiServerConfig c;
  c.write_latency = 0.02;
  c.read_latency = 0.01;
  c.watch_latency = 0.05;
  c.default_client = {0, 1};
  return c;
}

ValidatingWebhookConfig webhook(bool fail_closed = true) {
  ValidatingWebhookConfig w;
  w.name = "validator.test";
  w.kinds = {kTrainJobKind};
  w.latency = 0.005;
  w.timeout = 1;
  w.fail_closed = fail_closed;
  return w;
}

ApiObject train_job(std::string name, std::int64_t nodes,
                    std::string runtime = "torch-distributed") {
  TrainJobSubmission s;
  s.name = std::move(name);
  s.num_nodes = nodes;
  s.runtime = std::move(runtime);
  JobSpec node;
  node.duration = 10;
  node.pods.resize(1);
  s.node = std::make_shared<const JobSpec>(node);
  return train_job_object(s);
}

struct Replies {
  sim::Engine* engine;
  std::vector<std::pair<double, ApiReply>> got;
  ReplyHandler handler() {
    return [this](const ApiReply& r) { got.emplace_back(engine->now(), r); };
  }
};

ApiObject object_of_other_kind() {
  ApiObject o;
  o.meta.kind = "ConfigMap";
  o.meta.ns = "default";
  o.meta.name = "cm";
  return o;
}

ApiObject train_job_like(std::string kind) {
  ApiObject o = train_job("w", 1);
  o.meta.kind = std::move(kind);
  return o;
}

AdmissionWebhook::Validator validator() {
  return [](const ApiObject& o) { return validate_train_job(o, TrainJobsConfig{}.runtimes); };
}

TEST(AdmissionWebhook, DeniesInvalidObjectsAfterItsLatencyAndStoresNone) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  AdmissionWebhook hook(engine, api, webhook(), validator(), 1);
  Replies r{&engine, {}};
  engine.schedule_at(1, [&] {
    api.create("u", train_job("bad-nodes", 0), r.handler());
    api.create("u", train_job("bad-runtime", 2, "no-such-runtime"), r.handler());
    api.create("u", train_job("Bad_Name", 2), r.handler());
    api.create("u", train_job("good", 2), r.handler());
  });
  engine.run();
  ASSERT_EQ(r.got.size(), 4u);
  for (const auto& [t, reply] : r.got)
    EXPECT_DOUBLE_EQ(t, 1.025);  // 20 ms to the server, 5 ms in the webhook
  EXPECT_EQ(r.got[0].second.status.code, 403);
  EXPECT_EQ(r.got[0].second.status.reason, "Forbidden");
  EXPECT_EQ(r.got[0].second.message,
            "admission webhook \"validator.test\" denied the request: spec.trainer.numNodes: "
            "Invalid value: 0: must be "
            "greater than or equal to 1");
  EXPECT_NE(r.got[1].second.message.find("spec.runtimeRef.name: Not found: \"no-such-runtime\""),
            std::string::npos);
  EXPECT_NE(r.got[2].second.message.find("metadata.name: Invalid value: \"Bad_Name\""),
            std::string::npos);
  EXPECT_EQ(r.got[3].second.status.code, 201);
  EXPECT_DOUBLE_EQ(r.got[3].second.object->meta.creation_timestamp, 1.025);
  EXPECT_EQ(api.count(kTrainJobKind), 1u);
  EXPECT_EQ(hook.calls(), 4u);
  EXPECT_EQ(hook.denied(), 3u);
  EXPECT_EQ(api.errors(403), 3u);
}

// One engine per process (SimGrid): each policy is its own test.
void down_window(bool fail_closed) {
  {
    sim::Engine engine;
    ApiServer api(engine, timed(), 1);
    ValidatingWebhookConfig config = webhook(fail_closed);
    config.down = {{2, 3}};
    AdmissionWebhook hook(engine, api, config, validator(), 1);
    Replies r{&engine, {}};
    engine.schedule_at(1.98, [&] {
      api.create("u", train_job("early", 1), r.handler());
    });  // reaches it at 2.00: down
    engine.schedule_at(
        2.98, [&] { api.create("u", train_job("late", 1), r.handler()); });  // 3.00: up again
    engine.run();
    ASSERT_EQ(r.got.size(), 2u);
    EXPECT_DOUBLE_EQ(r.got[0].first, 2.0);  // no endpoints: the call fails at once
    EXPECT_DOUBLE_EQ(r.got[1].first, 3.005);
    EXPECT_EQ(r.got[1].second.status.code, 201);
    EXPECT_EQ(hook.unreachable(), 1u);
    if (fail_closed) {
      EXPECT_EQ(r.got[0].second.status.code, 500);
      EXPECT_EQ(r.got[0].second.message,
                "Internal error occurred: failed calling webhook \"validator.test\": no endpoints "
                "available for service "
                "\"validator.test\"");
      EXPECT_FALSE(api.peek(kTrainJobKind, "default", "early"));
      EXPECT_EQ(hook.failed_closed(), 1u);
    } else {
      EXPECT_EQ(r.got[0].second.status.code, 201);  // admitted unvalidated
      EXPECT_TRUE(api.peek(kTrainJobKind, "default", "early"));
      EXPECT_EQ(hook.failed_open(), 1u);
    }
  }
}

TEST(AdmissionWebhook, FailurePolicyFailRefusesDuringADownWindow) { down_window(true); }
TEST(AdmissionWebhook, FailurePolicyIgnoreAdmitsDuringADownWindow) { down_window(false); }

TEST(AdmissionWebhook, HangingCallsFailAfterTheTimeout) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  ValidatingWebhookConfig config = webhook();
  config.timeout_rate = 1;
  AdmissionWebhook hook(engine, api, config, validator(), 1);
  Replies r{&engine, {}};
  engine.schedule_at(1, [&] { api.create("u", train_job("tj", 1), r.handler()); });
  engine.schedule_at(1, [&] { api.create("u", object_of_other_kind(), r.handler()); });
  engine.run();
  ASSERT_EQ(r.got.size(), 2u);
  EXPECT_DOUBLE_EQ(r.got[0].first,
                   1.02);  // a ConfigMap: no rule matches, the webhook is not called
  EXPECT_EQ(r.got[0].second.status.code, 201);
  EXPECT_DOUBLE_EQ(r.got[1].first, 2.02);  // 1.02 + the 1 s timeout
  EXPECT_EQ(r.got[1].second.status.code, 500);
  EXPECT_NE(r.got[1].second.message.find("context deadline exceeded"), std::string::npos);
  EXPECT_EQ(hook.calls(), 1u);
  EXPECT_EQ(hook.timeouts(), 1u);
}

TEST(CustomResourceDefinitions, AKindIsServedOnlyOnceItsCrdIsEstablished) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  CustomResourceDefinitions crds(engine, api, 0.5);
  crds.install({"trainer.kubeflow.org", kTrainJobKind, "trainjobs", "v1alpha1"}, 1);
  std::vector<double> established;
  crds.established.connect([&](const ApiObject& crd) {
    EXPECT_EQ(crd.meta.name, "trainjobs.trainer.kubeflow.org");
    established.push_back(engine.now());
  });
  Replies r{&engine, {}};
  engine.schedule_at(0, [&] { api.create("u", train_job("before", 1), r.handler()); });
  engine.schedule_at(0, [&] { api.create("u", train_job_like("Widget"), r.handler()); });
  engine.schedule_at(2, [&] { api.create("u", train_job("after", 1), r.handler()); });
  engine.run();
  // The CRD is created at 1.02; its establishing controller patches it at 1.52, committed 1.54.
  ASSERT_EQ(established.size(), 1u);
  EXPECT_DOUBLE_EQ(established[0], 1.54);
  ASSERT_EQ(r.got.size(), 3u);
  EXPECT_EQ(r.got[0].second.status.code, 404);  // TrainJob before its CRD: not served
  EXPECT_EQ(r.got[0].second.message, "the server could not find the requested resource");
  EXPECT_EQ(r.got[1].second.status.code, 404);  // a kind no CRD defines
  EXPECT_EQ(r.got[2].second.status.code, 201);
  EXPECT_TRUE(crds.served("Pod"));
  EXPECT_FALSE(crds.served("Widget"));
  ObjectPtr crd = api.peek("CustomResourceDefinition", "", "trainjobs.trainer.kubeflow.org");
  ASSERT_TRUE(crd);
  EXPECT_EQ(crd->status["conditions"][1]["type"], "Established");
}

}  // namespace
}  // namespace kubetwin::models
