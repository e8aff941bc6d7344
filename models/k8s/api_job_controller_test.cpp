#include "models/k8s/api_job_controller.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models/k8s/pod_status_writer.hpp"
#include "models/testing/control_plane_harness.hpp"

// The Job controller through the API server. Writes take 20 ms, reads 10 ms, watch delivery
// 50 ms; the control plane itself is instantaneous, so the times below add up the API's steps.

namespace kubetwin::models {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

ApiServerConfig timed() {
  ApiServerConfig c = ApiServerConfig::with_defaults(0.02, 0.05);
  c.read_latency = 0.01;
  return c;
}

struct Rig {
  explicit Rig(ApiServerConfig config, int nodes = 2)
      : h({gpu_pool("h100", nodes)}),
        api(h.engine, std::move(config), 1),
        writer(h.engine, api, h.cp, h.streams.stream("failures")),
        jobs(h.engine, api) {
    jobs.job_completed.connect([this](const BatchJob& j) { completed[j.spec.id].push_back(h.engine.now()); });
    jobs.job_failed.connect([this](const BatchJob& j, std::string_view reason, std::string_view) {
      failed[j.spec.id].push_back(std::string(reason));
    });
    jobs.job_started.connect([this](const BatchJob& j) { started[j.spec.id].push_back(h.engine.now()); });
    jobs.pod_failed.connect([this](const BatchJob&, std::string_view pod, std::string_view, const PodTermination&,
                                   std::string_view action) { pod_failures.push_back(std::string(pod) + ":" + std::string(action)); });
    h.cp.job_submitted.connect([this](const JobState& unit) { ++units[unit.spec.owner]; });
    writer.start();
    jobs.start();
  }
  /// The pods of `job` in the store, by phase.
  std::map<std::string, int> phases(const std::string& job) const {
    std::map<std::string, int> out;
    for (const auto& [name, pod] : pods(job)) ++out[pod->status.value("phase", "")];
    return out;
  }
  std::map<std::string, ObjectPtr> pods(const std::string& job) const {
    std::map<std::string, ObjectPtr> out;
    for (int n = 0; n < 100; ++n) {
      for (const std::string& name : {job + "-" + std::to_string(n)}) {
        if (ObjectPtr p = api.peek("Pod", "default", name)) out[name] = p;
      }
    }
    return out;
  }
  Harness h;
  ApiServer api;
  PodStatusWriter writer;
  ApiJobController jobs;
  std::map<std::string, std::vector<double>> completed, started;
  std::map<std::string, std::vector<std::string>> failed;
  std::vector<std::string> pod_failures;
  std::map<std::string, int> units;  // pods handed to the control plane, per Job
};

TEST(ApiJobController, RunsAJobThroughTheStoreWithTheApiAndWatchLatencies) {
  Rig r(timed());
  r.h.at(1, [&] { r.jobs.submit(JobBuilder("j", 8).duration(100).batch(1, 2)); });
  r.h.engine.run();
  // Job committed 1.02, seen 1.07; j-0 committed 1.09, seen by the kubelet side 1.14, runs to
  // 101.14; Succeeded written 101.16, seen 101.21; j-1 committed 101.23, seen 101.28, runs to
  // 201.28; written 201.30, seen 201.35; the Complete condition committed 201.37.
  ASSERT_EQ(r.completed["j"].size(), 1u);
  EXPECT_NEAR(r.completed["j"][0], 201.37, 1e-9);
  ASSERT_EQ(r.started["j"].size(), 1u);
  EXPECT_EQ(r.phases("j"), (std::map<std::string, int>{{"Succeeded", 2}}));
  ObjectPtr job = r.api.peek("Job", "default", "j");
  EXPECT_EQ(job->status.at("succeeded"), 2);
  EXPECT_DOUBLE_EQ(job->status.at("startTime").get<double>(), 1.14);
  ObjectPtr pod = r.api.peek("Pod", "default", "j-1");
  EXPECT_EQ(pod->meta.owner_uids, std::vector<std::string>{job->meta.uid});
  EXPECT_DOUBLE_EQ(pod->status.at("finishTime").get<double>(), 201.28);
  EXPECT_EQ(r.jobs.live_jobs(), 0u);
  // The recorder's events: one SuccessfulCreate per pod and the Completed event.
  std::vector<std::string> reasons;
  for (const RecordedEvent& e : r.api.events()) reasons.push_back(e.reason + ":" + e.message);
  EXPECT_EQ(reasons, (std::vector<std::string>{"SuccessfulCreate:Created pod: j-0", "SuccessfulCreate:Created pod: j-1",
                                               "Completed:Job completed"}));
}

TEST(ApiJobController, ReplacesAFailedPodAfterTheBackoffAndCountsItOnce) {
  Rig r(timed());
  r.h.at(1, [&] { r.jobs.submit(JobBuilder("j", 8).duration(100).batch(1, 1).fail_at(10)); });
  r.h.engine.run();
  // j-0 starts 1.14, fails 11.14 (Failed written 11.16, seen 11.21); replacement due at
  // 11.14 + 10 s backoff = 21.14; j-1 committed 21.16, seen 21.21, runs to 121.21; written
  // 121.23, seen 121.28; Complete committed 121.30.
  ASSERT_EQ(r.completed["j"].size(), 1u);
  EXPECT_NEAR(r.completed["j"][0], 121.30, 1e-9);
  EXPECT_EQ(r.pod_failures, std::vector<std::string>{"j-0:Count"});
  EXPECT_EQ(r.phases("j"), (std::map<std::string, int>{{"Failed", 1}, {"Succeeded", 1}}));
  EXPECT_EQ(r.api.peek("Job", "default", "j")->status.at("failed"), 1);
}

TEST(ApiJobController, FailsTheJobPastItsBackoffLimitAndDeletesItsPods) {
  Rig r(timed());
  r.h.at(0, [&] { r.jobs.submit(JobBuilder("j", 8).duration(100).batch(2, 4).backoff_limit(0).fail_at(10)); });
  r.h.engine.run();
  EXPECT_EQ(r.failed["j"], std::vector<std::string>{"BackoffLimitExceeded"});
  EXPECT_TRUE(r.completed["j"].empty());
  // j-1 was running when the Job failed: deleted (gone from the store), not counted.
  EXPECT_EQ(r.phases("j"), (std::map<std::string, int>{{"Failed", 1}}));
  EXPECT_EQ(r.writer.live_pods(), 0u);
}

TEST(ApiJobController, IndexedJobRedoesAFailedIndexUnderANewName) {
  Rig r(timed());
  r.h.at(0, [&] { r.jobs.submit(JobBuilder("j", 8).duration(50).batch(2, 2).indexed().fail_at(5)); });
  r.h.engine.run();
  ASSERT_EQ(r.completed["j"].size(), 1u);
  EXPECT_NE(r.api.peek("Pod", "default", "j-0-0"), nullptr);
  EXPECT_NE(r.api.peek("Pod", "default", "j-1-0"), nullptr);
  // The first pod start (index 0 or 1, whichever the kubelet side saw first) failed: that index has a second attempt.
  const bool redo0 = r.api.peek("Pod", "default", "j-0-1") != nullptr, redo1 = r.api.peek("Pod", "default", "j-1-1") != nullptr;
  EXPECT_NE(redo0, redo1);
  EXPECT_EQ(r.units["j"], 3);
}

TEST(ApiJobController, AJobOfATakenNameFailsAlreadyExists) {
  Rig r(timed());
  r.h.at(0, [&] {
    r.jobs.submit(JobBuilder("j", 8).duration(10).batch(1, 1));
    r.jobs.submit(JobBuilder("j", 8).duration(10).batch(1, 1));
  });
  r.h.engine.run();
  EXPECT_EQ(r.failed["j"], std::vector<std::string>{"AlreadyExists"});
  EXPECT_EQ(r.completed["j"].size(), 1u);
}

/// Exactly `completions` pods made, all succeeded, each handed to the control plane once.
void expect_no_loss_no_duplicate(Rig& r, const std::string& job, int completions) {
  EXPECT_EQ(r.completed[job].size(), 1u) << job;
  EXPECT_TRUE(r.failed[job].empty()) << job;
  EXPECT_EQ(r.phases(job), (std::map<std::string, int>{{"Succeeded", completions}})) << job;
  EXPECT_EQ(r.units[job], completions) << job;
  EXPECT_EQ(r.api.peek("Job", "default", job)->status.at("succeeded"), completions) << job;
}

ApiServerConfig faulty() {
  ApiServerConfig c = timed();
  for (ApiVerb v : {ApiVerb::Create, ApiVerb::Update, ApiVerb::Patch, ApiVerb::Delete}) c.faults.errors[static_cast<int>(v)] = {0.2, 500};
  c.faults.errors[static_cast<int>(ApiVerb::List)] = {0.2, 429};
  c.faults.outages = {{100, 160}};  // a 60 s outage in the middle of the run
  c.faults.conflict_rate = 0.1;
  c.history = 20;  // small: the rewatch after the outage is Gone and the informers relist
  return c;
}

TEST(ApiJobController, LosesAndDuplicatesNoPodUnderWriteErrorsConflictsAndAnOutage) {
  Rig r(faulty(), 4);
  r.h.at(0, [&] {
    r.jobs.submit(JobBuilder("a", 8).duration(30).batch(3, 12));
    r.jobs.submit(JobBuilder("b", 8).duration(45).batch(2, 6));
  });
  r.h.engine.run();
  expect_no_loss_no_duplicate(r, "a", 12);
  expect_no_loss_no_duplicate(r, "b", 6);
  EXPECT_GT(r.api.errors(500), 10u);
  EXPECT_GT(r.api.errors(503), 0u);
  EXPECT_GT(r.jobs.conflicts(), 0u);
  EXPECT_GT(r.writer.failed_writes(), 0u);
}

TEST(ApiJobController, ARestartedControllerRebuildsFromARelistAndLosesAndDuplicatesNothing) {
  Rig r(faulty(), 4);
  r.h.at(0, [&] {
    r.jobs.submit(JobBuilder("a", 8).duration(30).batch(3, 12));
    r.jobs.submit(JobBuilder("b", 8).duration(45).batch(2, 6));
  });
  int repeated_creates = 0;
  r.api.audited.connect([&](const AuditEntry& a) {
    repeated_creates += a.verb == ApiVerb::Create && a.kind == "Pod" && a.code == 409;
  });
  // 0.075: just after its first sync sent the creates (applied at 0.09, answered to nobody);
  // back at 0.076, its relist (answered 0.086) does not show them yet, so it sends them again
  // under the same names and meets AlreadyExists. The other restarts fall in the middle of runs,
  // during the outage and right after it.
  r.h.at(0.075, [&] { r.jobs.restart(0.001); });
  for (double at : {31.2, 75.0, 120.0, 161.0}) r.h.at(at, [&] { r.jobs.restart(2); });
  r.h.engine.run();
  EXPECT_EQ(r.jobs.restarts(), 5u);
  EXPECT_GT(repeated_creates, 0);
  expect_no_loss_no_duplicate(r, "a", 12);
  expect_no_loss_no_duplicate(r, "b", 6);
}

TEST(ApiJobController, FaultyRunsArePinnedByTheirAuditLogsHash) {
  // Two rigs cannot share a process (one SimGrid engine): the hash of the audit log is pinned
  // instead (the CLI determinism test compares two whole runs' audit.jsonl). A change to the
  // model's request sequence moves it: check the change is meant, then update it.
  Rig r(faulty(), 4);
  std::uint64_t h = 0xcbf29ce484222325ULL;
  r.api.audited.connect([&](const AuditEntry& a) {
    h = sim::fnv1a64(std::string(verb_name(a.verb)) + std::string(a.name) + std::string(a.uid) + std::to_string(a.code) +
                         std::to_string(a.resource_version) + std::to_string(a.replied),
                     h);
  });
  r.h.at(0, [&] { r.jobs.submit(JobBuilder("a", 8).duration(30).batch(3, 12)); });
  r.h.engine.run();
  expect_no_loss_no_duplicate(r, "a", 12);
  EXPECT_EQ(h, 0x2e4527ca96e64f77ULL) << std::hex << h;
}

}  // namespace
}  // namespace kubetwin::models
