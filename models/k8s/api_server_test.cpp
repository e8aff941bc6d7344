#include "models/k8s/api_server.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "models/k8s/informer.hpp"
#include "sim/engine.hpp"

// Virtual times worked out by hand: writes take 20 ms, reads 10 ms, watch delivery 50 ms.

namespace kubetwin::models {
namespace {

ApiServerConfig timed(std::size_t history = 100) {
  ApiServerConfig c;
  c.write_latency = 0.02;
  c.read_latency = 0.01;
  c.watch_latency = 0.05;
  c.default_client = {0, 1};  // unlimited unless a test says otherwise
  c.history = history;
  return c;
}

ApiObject object(std::string kind, std::string name, std::vector<std::string> owners = {}) {
  ApiObject o;
  o.meta.kind = std::move(kind);
  o.meta.ns = "default";
  o.meta.name = std::move(name);
  o.meta.owner_uids = std::move(owners);
  o.spec = {{"replicas", 1}};
  return o;
}

/// Records every reply with the time it came.
struct Replies {
  sim::Engine* engine;
  std::vector<std::pair<double, ApiReply>> got;
  ReplyHandler handler() {
    return [this](const ApiReply& r) { got.emplace_back(engine->now(), r); };
  }
};

TEST(ApiServer, CreateAssignsUidRevisionAndGenerationAfterTheWriteLatency) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 7);
  Replies r{&engine, {}};
  engine.schedule_at(1, [&] {
    api.create("c", object("ConfigMap", "a"), r.handler());
    api.create("c", object("ConfigMap", "a"), r.handler());
    api.create("c", object("ConfigMap", "b"), r.handler());
  });
  engine.schedule_at(2, [&] { api.get("c", "ConfigMap", "default", "a", r.handler()); });
  engine.schedule_at(2, [&] { api.get("c", "ConfigMap", "default", "zz", r.handler()); });
  engine.run();
  ASSERT_EQ(r.got.size(), 5u);
  EXPECT_DOUBLE_EQ(r.got[0].first, 1.02);
  EXPECT_EQ(r.got[0].second.status.code, 201);
  const ObjectMeta& a = r.got[0].second.object->meta;
  EXPECT_EQ(a.resource_version, 1u);
  EXPECT_EQ(a.generation, 1);
  EXPECT_DOUBLE_EQ(a.creation_timestamp, 1.02);
  EXPECT_EQ(a.uid.size(), 36u);
  EXPECT_EQ(r.got[1].second.status.code, 409);
  EXPECT_EQ(r.got[1].second.status.reason, "AlreadyExists");
  EXPECT_EQ(r.got[2].second.object->meta.resource_version, 2u);
  EXPECT_NE(r.got[2].second.object->meta.uid, a.uid);
  EXPECT_DOUBLE_EQ(r.got[3].first, 2.01);
  EXPECT_EQ(r.got[3].second.object->meta.uid, a.uid);
  EXPECT_EQ(r.got[4].second.status.code, 404);
}

TEST(ApiServer, UidsAreTheSameForTheSameSeedAndDifferForAnother) {
  sim::Engine engine;  // one engine per process (SimGrid): the three servers share it
  ApiServer a(engine, timed(), 3), b(engine, timed(), 3), c(engine, timed(), 4);
  std::string uids[3];
  a.create("c", object("ConfigMap", "a"), [&](const ApiReply& r) { uids[0] = r.object->meta.uid; });
  b.create("c", object("ConfigMap", "a"), [&](const ApiReply& r) { uids[1] = r.object->meta.uid; });
  c.create("c", object("ConfigMap", "a"), [&](const ApiReply& r) { uids[2] = r.object->meta.uid; });
  engine.run();
  EXPECT_EQ(uids[0], uids[1]);
  EXPECT_NE(uids[0], uids[2]);
}

TEST(ApiServer, UpdateWithAStaleResourceVersionConflictsAndOnlySpecChangesBumpTheGeneration) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  Replies r{&engine, {}};
  ObjectPtr created;
  api.create("c", object("Job", "j"), [&](const ApiReply& rep) { created = rep.object; });
  engine.schedule_at(1, [&] {
    ApiObject status_only = *created;
    status_only.status = {{"active", 1}};
    api.update("c", status_only, r.handler());  // rv 1: current
    ApiObject stale = *created;
    stale.spec = {{"replicas", 2}};
    api.update("c", stale, r.handler());  // rv 1 again: the first update made it stale
  });
  engine.schedule_at(2, [&] {
    ApiObject spec_change = *r.got[0].second.object;
    spec_change.spec = {{"replicas", 3}};
    api.update("c", spec_change, r.handler());
    api.patch_status("c", "Job", "default", "j", {{"succeeded", 1}}, r.handler());
  });
  engine.run();
  ASSERT_EQ(r.got.size(), 4u);
  EXPECT_EQ(r.got[0].second.status.code, 200);
  EXPECT_EQ(r.got[0].second.object->meta.resource_version, 2u);
  EXPECT_EQ(r.got[0].second.object->meta.generation, 1);
  EXPECT_EQ(r.got[1].second.status.code, 409);
  EXPECT_EQ(r.got[1].second.status.reason, "Conflict");
  EXPECT_EQ(r.got[1].second.object->meta.resource_version, 2u);  // the current object, to retry from
  EXPECT_EQ(r.got[2].second.object->meta.generation, 2);
  EXPECT_EQ(r.got[2].second.object->meta.resource_version, 3u);
  const ApiObject& patched = *r.got[3].second.object;
  EXPECT_EQ(patched.meta.resource_version, 4u);
  EXPECT_EQ(patched.meta.generation, 2);
  EXPECT_EQ(patched.status.at("active"), 1);
  EXPECT_EQ(patched.status.at("succeeded"), 1);
}

TEST(ApiServer, DeleteIsNotFoundTwiceAndTheGarbageCollectorDeletesDependentsInTheBackground) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  Replies r{&engine, {}};
  std::string owner;
  api.create("c", object("Job", "j"), [&](const ApiReply& rep) { owner = rep.object->meta.uid; });
  engine.schedule_at(1, [&] {
    api.create("c", object("Pod", "j-0", {owner}), {});
    api.create("c", object("Pod", "j-1", {owner}), {});
    api.create("c", object("Pod", "other", {}), {});
  });
  engine.schedule_at(2, [&] {
    api.remove("c", "Job", "default", "j", r.handler());
    api.remove("c", "Job", "default", "j", r.handler());
  });
  // Owner deleted at 2.02, seen by the collector at 2.07, its deletes applied at 2.09.
  engine.schedule_at(2.085, [&] { EXPECT_EQ(api.count("Pod"), 3u); });
  engine.schedule_at(2.095, [&] { EXPECT_EQ(api.count("Pod"), 1u); });
  engine.run();
  EXPECT_EQ(r.got[0].second.status.code, 200);
  EXPECT_DOUBLE_EQ(r.got[0].second.object->meta.deletion_timestamp, 2.02);
  EXPECT_EQ(r.got[1].second.status.code, 404);
  EXPECT_EQ(api.count("Pod"), 1u);
  EXPECT_NE(api.peek("Pod", "default", "other"), nullptr);
}

TEST(ApiServer, WatchDeliversChangesInResourceVersionOrderAfterTheWatchLatency) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  std::vector<std::tuple<double, WatchEventType, std::string, std::uint64_t>> seen;
  api.create("c", object("Pod", "early"), {});  // rv 1 at 0.02
  engine.schedule_at(1, [&] {
    api.watch("w", "Pod", "", 0, [&](const WatchEvent& e) {
      seen.emplace_back(engine.now(), e.type, e.object->meta.name, e.object->meta.resource_version);
    }, {});
  });
  engine.schedule_at(1, [&] {
    api.create("c", object("Pod", "a"), {});        // rv 2 at 1.02
    api.create("c", object("ConfigMap", "x"), {});  // rv 3, another kind
  });
  engine.schedule_at(1.5, [&] { api.patch_status("c", "Pod", "default", "a", {{"phase", "Running"}}, {}); });
  engine.schedule_at(2, [&] { api.remove("c", "Pod", "default", "a", {}); });
  engine.run();
  using T = WatchEventType;
  const std::vector<std::tuple<double, WatchEventType, std::string, std::uint64_t>> want{
      {1.06, T::Added, "early", 1},  // backlog: established at 1.01, delivered 1.06
      {1.07, T::Added, "a", 2},
      {1.57, T::Modified, "a", 4},
      {2.07, T::Deleted, "a", 5}};
  ASSERT_EQ(seen.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(std::get<0>(seen[i]), std::get<0>(want[i]), 1e-9) << i;
    EXPECT_EQ(std::get<1>(seen[i]), std::get<1>(want[i])) << i;
    EXPECT_EQ(std::get<2>(seen[i]), std::get<2>(want[i])) << i;
    EXPECT_EQ(std::get<3>(seen[i]), std::get<3>(want[i])) << i;
  }
}

TEST(ApiServer, WatchFromBeforeTheKeptHistoryIsGone) {
  sim::Engine engine;
  ApiServer api(engine, timed(/*history=*/2), 1);
  for (const char* n : {"a", "b", "c"}) api.create("c", object("Pod", n), {});  // rv 1..3, rv 1 dropped
  std::vector<std::pair<double, int>> closed;
  std::vector<std::uint64_t> events;
  engine.schedule_at(1, [&] {
    api.watch("w", "Pod", "", 0, [&](const WatchEvent& e) { events.push_back(e.object->meta.resource_version); },
              [&](ApiStatus s) { closed.emplace_back(engine.now(), s.code); });
    api.watch("w", "Pod", "", 1, [&](const WatchEvent& e) { events.push_back(e.object->meta.resource_version); },
              [&](ApiStatus s) { closed.emplace_back(engine.now(), s.code); });
  });
  engine.run();
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_DOUBLE_EQ(closed[0].first, 1.01);
  EXPECT_EQ(closed[0].second, 410);
  EXPECT_EQ(events, (std::vector<std::uint64_t>{2, 3}));  // from rv 1: everything after it is kept
}

TEST(ApiServer, ClientTokenBucketSpacesRequestsPastTheBurst) {
  sim::Engine engine;
  ApiServerConfig c = timed();
  c.write_latency = 0;
  c.default_client = {5, 10};  // client-go's defaults
  c.clients["fast"] = {0, 1};
  ApiServer api(engine, c, 1);
  std::vector<double> slow, fast;
  for (int i = 0; i < 12; ++i) {
    api.create("slow", object("Pod", "s" + std::to_string(i)), [&](const ApiReply&) { slow.push_back(engine.now()); });
    api.create("fast", object("Pod", "f" + std::to_string(i)), [&](const ApiReply&) { fast.push_back(engine.now()); });
  }
  engine.schedule_at(3, [&] {  // 2.6 s after the last token was spent: 13 tokens earned, capped at 10
    for (int i = 0; i < 11; ++i) api.create("slow", object("Pod", "t" + std::to_string(i)), [&](const ApiReply&) { slow.push_back(engine.now()); });
  });
  engine.run();
  ASSERT_EQ(slow.size(), 23u);
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(slow[static_cast<std::size_t>(i)], 0);
  EXPECT_NEAR(slow[10], 0.2, 1e-12);
  EXPECT_NEAR(slow[11], 0.4, 1e-12);
  for (int i = 12; i < 22; ++i) EXPECT_DOUBLE_EQ(slow[static_cast<std::size_t>(i)], 3);
  EXPECT_NEAR(slow[22], 3.2, 1e-12);
  EXPECT_EQ(fast, std::vector<double>(12, 0.0));
}

TEST(ApiServer, EventRecorderCountsRepeatsOfTheSameEvent) {
  sim::Engine engine;
  ApiServer api(engine, timed(), 1);
  ObjectMeta pod;
  pod.kind = "Pod";
  pod.ns = "default";
  pod.name = "p";
  pod.uid = "u1";
  engine.schedule_at(1, [&] { api.record(pod, "Warning", "BackOff", "Back-off restarting failed container", "kubelet"); });
  engine.schedule_at(5, [&] { api.record(pod, "Warning", "BackOff", "Back-off restarting failed container", "kubelet"); });
  engine.schedule_at(6, [&] { api.record(pod, "Warning", "BackOff", "another message", "kubelet"); });
  engine.schedule_at(7, [&] { api.record(pod, "Warning", "BackOff", "Back-off restarting failed container", "kubelet"); });
  engine.run();
  ASSERT_EQ(api.events().size(), 2u);
  const RecordedEvent& e = api.events()[0];
  EXPECT_EQ(e.count, 3);
  EXPECT_DOUBLE_EQ(e.first_timestamp, 1);
  EXPECT_DOUBLE_EQ(e.last_timestamp, 7);
  EXPECT_EQ(api.events()[1].count, 1);
  ObjectPtr stored = api.peek("Event", "default", e.name);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->status.at("count"), 3);
  EXPECT_EQ(api.count("Event"), 2u);
}

TEST(ApiServer, FaultsAnswerWithErrorsOutagesAndForcedConflicts) {
  sim::Engine engine;
  ApiServerConfig c = timed();
  c.faults.outages = {{10, 20}};
  c.faults.errors[static_cast<int>(ApiVerb::Get)] = {1.0, 429};
  ApiServer api(engine, c, 1);
  std::vector<std::pair<double, int>> codes;
  auto note = [&](const ApiReply& r) { codes.emplace_back(engine.now(), r.status.code); };
  engine.schedule_at(9.98, [&] { api.create("c", object("Pod", "in-time"), note); });   // arrives 10.00: refused
  engine.schedule_at(9.97, [&] { api.create("c", object("Pod", "before"), note); });    // arrives 9.99
  engine.schedule_at(19.98, [&] { api.create("c", object("Pod", "after"), note); });    // arrives 20.00
  engine.schedule_at(30, [&] { api.get("c", "Pod", "default", "after", note); });
  engine.run();
  ASSERT_EQ(codes.size(), 4u);
  EXPECT_EQ(codes[0].second, 201);
  EXPECT_EQ(codes[1].second, 503);
  EXPECT_EQ(codes[2].second, 201);
  EXPECT_EQ(codes[3].second, 429);
  EXPECT_EQ(api.peek("Pod", "default", "in-time"), nullptr);  // a refused write is not applied
  EXPECT_EQ(api.errors(503), 1u);
}

TEST(ApiServer, ForcedConflictsRefuseCurrentUpdates) {
  sim::Engine engine;
  ApiServerConfig c = timed();
  c.faults.conflict_rate = 1.0;
  ApiServer api(engine, c, 1);
  int code = 0;
  api.create("c", object("Job", "j"), [&](const ApiReply& r) {
    api.update("c", *r.object, [&](const ApiReply& u) { code = u.status.code; });
  });
  engine.run();
  EXPECT_EQ(code, 409);
}

/// A server with injected errors, fed the same requests as its siblings on the same engine.
struct Audited {
  Audited(sim::Engine& engine, std::uint64_t seed) : api(engine, config(), seed) {
    api.audited.connect([this](const AuditEntry& a) {
      out << verb_name(a.verb) << ' ' << a.name << ' ' << a.uid << ' ' << a.resource_version << ' ' << a.submitted
          << ' ' << a.replied << ' ' << a.code << '\n';
    });
    for (int i = 0; i < 40; ++i) {
      engine.schedule_at(i, [this, i] {
        api.create("c", object("Pod", "p" + std::to_string(i)), {});
        api.patch_status("c", "Pod", "default", "p" + std::to_string(i / 2), {{"i", i}}, {});
      });
    }
  }
  static ApiServerConfig config() {
    ApiServerConfig c = timed();
    c.faults.errors[static_cast<int>(ApiVerb::Create)] = {0.3, 500};
    c.faults.errors[static_cast<int>(ApiVerb::Patch)] = {0.3, 429};
    return c;
  }
  ApiServer api;
  std::ostringstream out;
};

TEST(ApiServer, InjectedFaultsAreTheSameForTheSameSeed) {
  sim::Engine engine;
  Audited a(engine, 11), b(engine, 11), c(engine, 12);
  engine.run();
  const std::string log = a.out.str();
  EXPECT_EQ(log, b.out.str());
  EXPECT_NE(log, c.out.str());
  EXPECT_NE(log.find(" 500\n"), std::string::npos);
  EXPECT_NE(log.find(" 429\n"), std::string::npos);
}

TEST(Informer, RelistsAfterGoneAndEndsWithTheServersState) {
  sim::Engine engine;
  ApiServerConfig c = timed(/*history=*/3);
  c.faults.outages = {{10, 20}};
  ApiServer api(engine, c, 1);
  Informer inf(engine, api, "ctl", "Pod");
  std::vector<std::string> log;
  inf.added.connect([&](const ObjectPtr& o) { log.push_back("+" + o->meta.name); });
  inf.updated.connect([&](const ObjectPtr&, const ObjectPtr& o) { log.push_back("~" + o->meta.name); });
  inf.deleted.connect([&](const ObjectPtr& o) { log.push_back("-" + o->meta.name); });
  api.create("c", object("Pod", "a"), {});
  api.create("c", object("Pod", "b"), {});
  engine.schedule_at(1, [&] { inf.start(); });
  // The outage closes the watch at 10; the reflector retries at 10.85, 12.45, 15.65 (503) and
  // 22.05. Meanwhile, after the outage: one delete, one status change, three creates, more than
  // the 3 kept events, so the rewatch is Gone and only a relist catches up.
  engine.schedule_at(20.5, [&] {
    api.remove("ctl", "Pod", "default", "a", {});
    api.patch_status("ctl", "Pod", "default", "b", {{"phase", "Running"}}, {});
    for (const char* n : {"c", "d", "e"}) api.create("ctl", object("Pod", n), {});
  });
  engine.run(100);
  EXPECT_EQ(log, (std::vector<std::string>{"+a", "+b", "-a", "~b", "+c", "+d", "+e"}));
  EXPECT_EQ(inf.relists(), 2u);
  EXPECT_EQ(inf.cache().size(), 4u);
  EXPECT_EQ(inf.last_resource_version(), api.resource_version());
  EXPECT_EQ(inf.get("default", "b")->status.at("phase"), "Running");
}

}  // namespace
}  // namespace kubetwin::models
