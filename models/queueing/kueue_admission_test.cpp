// Kueue-style admission over the control plane, in virtual time, with hand-built queues: quota,
// borrowing and lending limits, reclaim, preemption victims, StrictFIFO vs BestEffortFIFO,
// flavor fungibility, fair sharing, and a pinned fingerprint for determinism.
#include "models/queueing/kueue_admission.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "models/testing/control_plane_harness.hpp"

namespace kubetwin::models::queueing {
namespace {

using testing::gpu_pool;
using testing::Harness;
using testing::JobBuilder;

// --- builders ------------------------------------------------------------------------------

struct Config {
  QueueingConfig c;

  int flavor(std::string name, std::string pool = "") {
    ResourceFlavor f;
    f.name = std::move(name);
    if (!pool.empty()) f.node_labels[kNodePoolLabel] = std::move(pool);
    c.flavors.push_back(std::move(f));
    return static_cast<int>(c.flavors.size()) - 1;
  }
  int cohort(std::string name) {
    c.cohorts.push_back({std::move(name), -1, {}, 1.0});
    return static_cast<int>(c.cohorts.size()) - 1;
  }
  /// A ClusterQueue covering nvidia.com/gpu with `quotas` (flavor, GPUs, borrowingLimit,
  /// lendingLimit) in order, and a LocalQueue of the same name.
  ClusterQueueSpec& queue(std::string name, int cohort_index,
                          std::vector<std::tuple<int, int, std::optional<int>, std::optional<int>>> quotas) {
    ClusterQueueSpec cq;
    cq.name = name;
    cq.cohort = cohort_index;
    ResourceGroup g;
    g.covered = {static_cast<int>(QuotaResource::Gpu)};
    for (const auto& [f, nominal, borrow, lend] : quotas) {
      FlavorQuotas fq;
      fq.flavor = f;
      ResourceQuota q;
      q.nominal = nominal * 1000;
      if (borrow) q.borrowing_limit = *borrow * 1000;
      if (lend) q.lending_limit = *lend * 1000;
      fq.resources[static_cast<std::size_t>(QuotaResource::Gpu)] = q;
      g.flavors.push_back(fq);
    }
    cq.resource_groups.push_back(g);
    c.local_queues.push_back({name, static_cast<int>(c.cluster_queues.size())});
    c.cluster_queues.push_back(cq);
    return c.cluster_queues.back();
  }
};

JobSpec job(std::string id, std::string queue, int gpus, double duration = 100, std::int32_t priority = 0) {
  JobSpec j = JobBuilder(std::move(id), gpus).duration(duration).priority(priority);
  j.queue = std::move(queue);
  return j;
}

/// A harness with Kueue in front of the control plane, recording its signals.
struct Kueue {
  Kueue(std::vector<NodePoolSpec> pools, QueueingConfig config) : h(std::move(pools)), kueue(h.engine, h.cp, std::move(config)) {
    kueue.admitted.connect([this](const JobState& j, std::string_view cq, std::string_view flavors) {
      admitted.push_back(j.spec.id + "@" + std::string(cq) + ":" + std::string(flavors));
      log += "A " + j.spec.id + " " + std::to_string(h.engine.now()) + "\n";
    });
    kueue.preempted.connect([this](const JobState& v, std::string_view, std::string_view reason, const JobState& by) {
      preempted.push_back(v.spec.id + ":" + std::string(reason) + ":" + by.spec.id);
      log += "P " + v.spec.id + " " + std::to_string(h.engine.now()) + "\n";
      EXPECT_NE(std::find(v.spec.scheduling_gates.begin(), v.spec.scheduling_gates.end(), kAdmissionGate),
                v.spec.scheduling_gates.end());
    });
    kueue.pending.connect([this](const JobState& j, std::string_view, std::string_view message) {
      pending[j.spec.id] = std::string(message);
    });
  }
  void submit_at(double t, JobSpec j) {
    h.engine.schedule_at(t, [this, j] { kueue.submit(j); });
  }
  void run() { h.engine.run(); }
  double started(const std::string& id) const { return h.started.count(id) ? h.started.at(id) : -1; }

  Harness h;
  KueueAdmission kueue;
  std::vector<std::string> admitted, preempted;
  std::map<std::string, std::string> pending;
  std::string log;
};

std::vector<NodePoolSpec> nodes(int count) { return {gpu_pool("gpu", count)}; }

// --- tests ---------------------------------------------------------------------------------

TEST(KueueAdmission, NominalQuotaIsRespected) {
  Config c;
  const int f = c.flavor("default");
  c.queue("team", -1, {{f, 8, {}, {}}});
  Kueue k(nodes(4), c.c);  // 32 GPUs, but only 8 of quota
  for (int i = 0; i < 4; ++i) k.submit_at(0, job("j" + std::to_string(i), "team", 4));
  bool checked = false;
  k.h.at(50, [&] {
    EXPECT_EQ(k.kueue.usage("team", "default", "nvidia.com/gpu"), 8000);
    EXPECT_EQ(k.kueue.admitted_workloads(), 2u);
    EXPECT_EQ(k.kueue.pending_workloads(), 2u);
    checked = true;
  });
  k.run();
  EXPECT_TRUE(checked);
  EXPECT_EQ(k.started("j0"), 0);
  EXPECT_EQ(k.started("j1"), 0);
  EXPECT_EQ(k.started("j2"), 100);
  EXPECT_EQ(k.started("j3"), 100);
  EXPECT_EQ(k.pending.at("j2"), "couldn't assign flavors to pod set worker: insufficient unused quota for nvidia.com/gpu in flavor default, 4 more needed");
  EXPECT_EQ(k.kueue.usage("team", "default", "nvidia.com/gpu"), 0);  // released on completion
}

TEST(KueueAdmission, BorrowsFromTheCohortWithinBorrowingAndLendingLimits) {
  struct Case {
    const char* name;
    std::optional<int> borrowing_limit, lending_limit;
    int admitted_at_once;  // of six 2-GPU jobs in "a" (nominal 4; "b" has 8, unused)
  };
  const Case cases[] = {
      {"borrowing limit 2", 2, {}, 3},
      {"lending limit 2", {}, 2, 3},
      {"no limits", {}, {}, 6},
  };
  // One Harness per process (SimGrid), so the cases run one after another in virtual time:
  // case i submits at t = 1000 i, when the previous case has completed.
  Config c;
  const int f = c.flavor("default");
  std::vector<std::string> queues;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const int co = c.cohort("co" + std::to_string(i));
    c.queue("a" + std::to_string(i), co, {{f, 4, cases[i].borrowing_limit, {}}});
    c.queue("b" + std::to_string(i), co, {{f, 8, {}, cases[i].lending_limit}});
  }
  Kueue k(nodes(4), c.c);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    for (int j = 0; j < 6; ++j) k.submit_at(1000.0 * static_cast<double>(i), job(std::to_string(i) + "-" + std::to_string(j), "a" + std::to_string(i), 2));
  }
  k.run();
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    int at_once = 0;
    for (int j = 0; j < 6; ++j) at_once += k.started(std::to_string(i) + "-" + std::to_string(j)) == 1000.0 * static_cast<double>(i);
    EXPECT_EQ(at_once, cases[i].admitted_at_once) << cases[i].name;
  }
}

TEST(KueueAdmission, LenderReclaimsBorrowedQuotaByPreemptingTheBorrower) {
  Config c;
  const int f = c.flavor("default");
  const int co = c.cohort("research");
  c.queue("a", co, {{f, 8, {}, {}}});
  c.queue("b", co, {{f, 8, {}, {}}}).reclaim_within_cohort = PreemptionPolicy::Any;
  Kueue k(nodes(4), c.c);
  for (int i = 0; i < 4; ++i) k.submit_at(i, job("a" + std::to_string(i), "a", 4, 1000));  // a borrows all of b's 8
  k.submit_at(10, job("b0", "b", 4, 100));
  k.run();
  // The most recently admitted borrower goes; b's job takes its place at once.
  ASSERT_EQ(k.preempted.size(), 1u);
  EXPECT_EQ(k.preempted[0], "a3:InCohortReclamation:b0");
  EXPECT_EQ(k.started("b0"), 10);
  // a3 is requeued gated and admitted again when quota comes back (b0 completes at 110).
  EXPECT_EQ(k.h.completed.at("a3"), 110 + 1000);
  EXPECT_EQ(std::count_if(k.admitted.begin(), k.admitted.end(), [](const std::string& s) { return s.rfind("a3@", 0) == 0; }), 2);
}

TEST(KueueAdmission, WithoutReclaimTheLenderWaits) {
  Config c;
  const int f = c.flavor("default");
  const int co = c.cohort("research");
  c.queue("a", co, {{f, 8, {}, {}}});
  c.queue("b", co, {{f, 8, {}, {}}});  // reclaimWithinCohort: Never (Kueue's default)
  Kueue k(nodes(4), c.c);
  for (int i = 0; i < 4; ++i) k.submit_at(i, job("a" + std::to_string(i), "a", 4, 1000));
  k.submit_at(10, job("b0", "b", 4, 100));
  k.run();
  EXPECT_TRUE(k.preempted.empty());
  EXPECT_EQ(k.started("b0"), 1000);
}

TEST(KueueAdmission, PreemptionWithinClusterQueuePicksLowestPriorityThenMostRecentlyAdmitted) {
  struct Case {
    const char* name;
    int gpus;
    std::int32_t priority;
    std::vector<std::string> victims;
  };
  const Case cases[] = {
      {"one victim: the newest of the lowest", 2, 10, {"low-new:InClusterQueue:hi"}},
      {"two victims: both lowest, not the mid one", 4, 10, {"low-new:InClusterQueue:hi", "low-old:InClusterQueue:hi"}},
      {"no victim of equal priority", 2, 0, {}},
  };
  // Each case in its own cohort-less queue, in turn in virtual time.
  Config c;
  const int f = c.flavor("default");
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    c.queue("q" + std::to_string(i), -1, {{f, 8, {}, {}}}).within_cluster_queue = PreemptionPolicy::LowerPriority;
  }
  Kueue k(nodes(4), c.c);
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const double t0 = 10000.0 * static_cast<double>(i);
    const std::string q = "q" + std::to_string(i);
    auto suffix = [&](std::string s) { return std::move(s) + (i == 0 ? "" : "#" + std::to_string(i)); };
    k.submit_at(t0, job(suffix("mid"), q, 4, 1000, 5));
    k.submit_at(t0 + 1, job(suffix("low-old"), q, 2, 1000, 0));
    k.submit_at(t0 + 2, job(suffix("low-new"), q, 2, 1000, 0));
    k.submit_at(t0 + 5, job(suffix("hi"), q, cases[i].gpus, 100, cases[i].priority));
  }
  k.run();
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    std::vector<std::string> got;
    const std::string tag = i == 0 ? "" : "#" + std::to_string(i);
    for (const auto& p : k.preempted) {
      if (i == 0 ? p.find('#') == std::string::npos : p.find(tag) != std::string::npos) {
        std::string s = p;
        for (auto pos = s.find(tag); !tag.empty() && pos != std::string::npos; pos = s.find(tag)) s.erase(pos, tag.size());
        got.push_back(s);
      }
    }
    std::sort(got.begin(), got.end());
    auto want = cases[i].victims;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << cases[i].name;
  }
}

TEST(KueueAdmission, StrictFifoBlocksWhileBestEffortFifoLetsSmallerOnesPass) {
  Config c;
  const int f = c.flavor("default");
  c.queue("strict", -1, {{f, 8, {}, {}}}).queueing_strategy = QueueingStrategy::StrictFIFO;
  c.queue("best", -1, {{f, 8, {}, {}}}).queueing_strategy = QueueingStrategy::BestEffortFIFO;
  Kueue k(nodes(4), c.c);
  for (const std::string q : {"strict", "best"}) {
    k.submit_at(0, job(q + "-big0", q, 6));
    k.submit_at(1, job(q + "-big1", q, 6));
    k.submit_at(2, job(q + "-small", q, 2));
  }
  k.run();
  EXPECT_EQ(k.started("best-small"), 2);
  EXPECT_EQ(k.started("strict-small"), 100);  // behind strict-big1, admitted with it
  EXPECT_EQ(k.started("strict-big1"), 100);
}

TEST(KueueAdmission, FlavorsAreTriedInOrderAndTheirLabelsSteerThePods) {
  Config c;
  const int spot = c.flavor("spot", "spot");
  const int od = c.flavor("on-demand", "od");
  c.queue("team", -1, {{spot, 8, {}, {}}, {od, 8, {}, {}}});
  Kueue k({gpu_pool("spot", 2), gpu_pool("od", 2)}, c.c);
  k.submit_at(0, job("j0", "team", 4));
  k.submit_at(1, job("j1", "team", 4));
  k.submit_at(2, job("j2", "team", 4));  // spot is full: the next flavor
  JobSpec pinned = job("j3", "team", 4);
  pinned.pods[0].node_selector[kNodePoolLabel] = "od";  // contradicts spot's labels
  k.submit_at(3, pinned);
  k.run();
  EXPECT_EQ(k.admitted, (std::vector<std::string>{"j0@team:spot", "j1@team:spot", "j2@team:on-demand", "j3@team:on-demand"}));
  for (const auto& b : k.h.binds) {
    const std::string pool = k.h.cluster.pool(k.h.cluster.pool_of(b.node)).name;
    EXPECT_EQ(pool, b.job == "j0" || b.job == "j1" ? "spot" : "od") << b.job;
  }
}

TEST(KueueAdmission, FairSharingAdmitsTheLowestShareFirst) {
  Config c;
  const int f = c.flavor("default");
  const int co = c.cohort("shared");
  c.queue("lender", co, {{f, 16, {}, {}}});
  c.queue("a", co, {{f, 0, {}, {}}});
  c.queue("b", co, {{f, 0, {}, {}}});
  Kueue k(nodes(4), c.c);
  k.submit_at(0, job("a0", "a", 8, 1000));
  k.submit_at(10, job("a1", "a", 8));
  k.submit_at(10, job("b1", "b", 8));
  k.run();
  EXPECT_EQ(k.started("a1"), 10);  // classical order: FIFO
  EXPECT_EQ(k.started("b1"), 110);
}

TEST(KueueAdmission, FairSharingAdmitsTheLowestShareFirstWithFairSharingOn) {
  Config c;
  c.c.fair_sharing = true;
  const int f = c.flavor("default");
  const int co = c.cohort("shared");
  c.queue("lender", co, {{f, 16, {}, {}}});
  c.queue("a", co, {{f, 0, {}, {}}});
  c.queue("b", co, {{f, 0, {}, {}}});
  Kueue k(nodes(4), c.c);
  k.submit_at(0, job("a0", "a", 8, 1000));
  k.submit_at(10, job("a1", "a", 8));
  k.submit_at(10, job("b1", "b", 8));
  k.run();
  EXPECT_EQ(k.started("b1"), 10);  // b's share after admission (500) is below a's (1000)
  EXPECT_EQ(k.started("a1"), 110);
}

TEST(KueueAdmission, UnknownLocalQueueStaysPendingAndDefaultQueueIsNotManaged) {
  Config c;
  const int f = c.flavor("default");
  c.queue("team", -1, {{f, 8, {}, {}}});
  Kueue k(nodes(1), c.c);
  k.submit_at(0, job("lost", "nope", 1));
  k.submit_at(0, job("plain", "default", 1));
  k.run();
  EXPECT_EQ(k.started("lost"), -1);
  EXPECT_EQ(k.pending.at("lost"), "LocalQueue nope doesn't exist");
  EXPECT_EQ(k.started("plain"), 0);
  EXPECT_TRUE(k.admitted.empty());
}

// Update only for an intended change of admission order or outcome (and say why in the commit).
// 13066711484223190093: a workload admitted in a reclaim chain (w8 at t = 659, right after it
// preempted w56) is no longer evicted at that same instant; w18 reclaims w38 instead.
constexpr std::uint64_t kPinnedFingerprint = 13066711484223190093ULL;

TEST(KueueAdmission, RunsAreDeterministic) {
  // A mixed load: three queues in a cohort with reclaim and priorities; its admission and
  // preemption log is pinned, so that any change in order or outcome shows.
  Config c;
  const int f = c.flavor("default");
  const int co = c.cohort("org");
  for (const char* q : {"x", "y", "z"}) {
    auto& cq = c.queue(q, co, {{f, 8, 4, {}}});
    cq.reclaim_within_cohort = PreemptionPolicy::LowerPriority;
    cq.within_cluster_queue = PreemptionPolicy::LowerOrNewerEqualPriority;
  }
  Kueue k(nodes(3), c.c);
  std::uint64_t x = 12345;
  auto next = [&] { return x = x * 6364136223846793005ULL + 1442695040888963407ULL, x >> 33; };
  for (int i = 0; i < 60; ++i) {
    const char* q = i % 3 == 0 ? "x" : i % 3 == 1 ? "y" : "z";
    k.submit_at(static_cast<double>(next() % 500), job("w" + std::to_string(i), q, 1 + static_cast<int>(next() % 4),
                                                        50 + static_cast<double>(next() % 200), static_cast<std::int32_t>(next() % 3)));
  }
  k.run();
  EXPECT_EQ(k.h.completed.size(), 60u);
  std::uint64_t fnv = 1469598103934665603ULL;  // FNV-1a: the same on every platform
  for (unsigned char ch : k.log) fnv = (fnv ^ ch) * 1099511628211ULL;
  EXPECT_FALSE(k.preempted.empty());
  EXPECT_EQ(fnv, kPinnedFingerprint) << k.log;
}

}  // namespace
}  // namespace kubetwin::models::queueing
