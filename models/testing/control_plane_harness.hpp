#pragma once
// A control plane under test: one engine, one cluster, one ControlPlane with every signal
// recorded, and builders for GPU pools and jobs. SimGrid allows one engine per process, so a test
// builds one Harness (ctest runs each TEST in its own process).

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/hardware/gpu_catalog.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/testing/builders.hpp"

namespace kubetwin::models::testing {

inline constexpr const char* kA100 = "A100-SXM-80GB";
inline constexpr const char* kB200 = "B200-SXM-180GB";
inline constexpr double kMfu = 0.5;

// --- builders -------------------------------------------------------------------------------

/// Nodes with 8 GPUs and CPU and memory to spare (256 cores, 2Ti), so only GPUs ever run short.
inline NodePoolSpec gpu_pool(std::string name, int count, const char* model = kH100,
                      std::vector<Taint> taints = {}) {
  NodePoolSpec p = testing::pool(std::move(name), count, {256000, 2048 * kGi, 8}, {}, std::move(taints));
  p.gpu_model = model;
  return p;
}

/// A job of identical pods, each with `gpus` GPUs (8 cores and 64Gi per GPU), running 100 s.
class JobBuilder {
 public:
  JobBuilder(std::string id, int gpus_per_pod, int replicas = 1) {
    spec_.id = std::move(id);
    spec_.duration = 100;
    add_group("worker", gpus_per_pod, replicas);
  }
  JobBuilder& add_group(std::string name, int gpus_per_pod, int replicas) {
    PodGroupSpec g;
    g.name = std::move(name);
    g.replicas = replicas;
    g.requests = {8000 * gpus_per_pod, 64 * kGi * gpus_per_pod, gpus_per_pod};
    spec_.pods.push_back(std::move(g));
    return *this;
  }
  /// All pods placed together or not at all.
  JobBuilder& gang() {
    spec_.min_member = spec_.total_pods();
    return *this;
  }
  JobBuilder& duration(double seconds) {
    spec_.duration = seconds;
    spec_.work.reset();
    return *this;
  }
  JobBuilder& work(double flop) {
    spec_.duration.reset();
    spec_.work = flop;
    return *this;
  }
  JobBuilder& priority(std::int32_t p) {
    spec_.priority = p;
    return *this;
  }
  JobBuilder& select(const std::string& key, const std::string& value) {
    for (auto& g : spec_.pods) g.node_selector[key] = value;
    return *this;
  }
  JobBuilder& tolerate(const std::string& key) {
    Toleration t;
    t.key = key;
    t.op = Toleration::Operator::Exists;
    for (auto& g : spec_.pods) g.tolerations.push_back(t);
    return *this;
  }
  JobBuilder& scheduler(std::string profile) {
    spec_.scheduler_name = std::move(profile);
    return *this;
  }
  JobBuilder& gates(std::vector<std::string> gates) {
    spec_.scheduling_gates = std::move(gates);
    return *this;
  }
  /// Every pod runs `name`, an image of `bytes`.
  JobBuilder& image(std::string name, std::int64_t bytes) {
    for (auto& g : spec_.pods) {
      g.image = name;
      g.image_bytes = bytes;
    }
    return *this;
  }
  JobBuilder& schedule_timeout(double seconds) {
    spec_.schedule_timeout = seconds;
    return *this;
  }
  /// Run by the Job controller with this parallelism and completions (backoffLimit 6 unless set).
  JobBuilder& batch(int parallelism, int completions) {
    batch_spec().parallelism = parallelism;
    batch_spec().completions = completions;
    return *this;
  }
  JobBuilder& indexed() {
    batch_spec().indexed = true;
    return *this;
  }
  JobBuilder& backoff_limit(int n) {
    batch_spec().backoff_limit = n;
    return *this;
  }
  JobBuilder& active_deadline(double seconds) {
    batch_spec().active_deadline = seconds;
    return *this;
  }
  JobBuilder& rule(PodFailurePolicyRule r) {
    batch_spec().pod_failure_policy.push_back(std::move(r));
    return *this;
  }
  /// The job's k-th pod start fails `after` seconds in, with `exit_code`.
  JobBuilder& fail_at(double after, int exit_code = 1) {
    batch_spec();
    spec_.failures.fail_at.push_back({after, exit_code});
    return *this;
  }
  JobBuilder& failure_probability(double p) {
    batch_spec();
    spec_.failures.probability = p;
    return *this;
  }
  operator JobSpec() const { return spec_; }  // NOLINT: builders convert implicitly

 private:
  BatchJobSpec& batch_spec() {
    if (!spec_.batch) {
      spec_.batch.emplace();
      spec_.batch->parallelism = spec_.batch->completions = spec_.total_pods();
    }
    return *spec_.batch;
  }
  JobSpec spec_;
};

/// One engine, one cluster and one control plane, with every signal recorded.
class Harness {
 public:
  explicit Harness(std::vector<NodePoolSpec> pools, SchedulerConfig config = {},
                   const PluginRegistry& registry = PluginRegistry::builtin(), ControlPlaneTiming timing = {})
      : cluster(std::move(pools)), cp(engine, cluster, config, runtime, streams, registry, timing) {
    cp.pod_running.connect([this](const JobState& j, std::size_t pod, ControlPlane::ImagePull how) {
      running.push_back({j.spec.id, pod, j.pod_nodes.at(pod), engine.now(), how});
    });
    cp.job_submitted.connect([this](const JobState& j) { submitted[j.spec.id] = engine.now(); });
    cp.pod_bound.connect([this](const JobState& j, std::size_t pod) {
      binds.push_back({j.spec.id, pod, j.pod_nodes.at(pod), engine.now()});
    });
    cp.job_unschedulable.connect([this](const JobState& j, std::string_view message) {
      unschedulable.emplace_back(j.spec.id, std::string(message));
    });
    cp.job_started.connect([this](const JobState& j) {
      started[j.spec.id] = engine.now();
      start_order.push_back(j.spec.id);
      EXPECT_EQ(j.start_time, engine.now());
      for (std::size_t p = 0; p < j.pod_nodes.size(); ++p)
        EXPECT_NE(j.pod_nodes[p], kUnbound) << j.pod_name(p);
    });
    cp.job_completed.connect([this](const JobState& j) {
      completed[j.spec.id] = engine.now();
      EXPECT_EQ(j.end_time, engine.now());
    });
    cp.job_failed.connect(
        [this](const JobState& j, std::string_view reason, std::string_view message) {
          failed[j.spec.id] = {std::string(reason), std::string(message)};
          failed_at[j.spec.id] = engine.now();
        });
  }

  void submit_at(double t, JobSpec job) {
    engine.schedule_at(t, [this, job] { cp.submit(job); });
  }
  void at(double t, std::function<void()> probe) { engine.schedule_at(t, std::move(probe)); }

  std::vector<double> bind_times(const std::string& job) const {
    std::vector<double> out;
    for (const auto& b : binds) {
      if (b.job == job) out.push_back(b.t);
    }
    return out;
  }
  double jct(const std::string& job) const { return completed.at(job) - submitted.at(job); }

  struct Bind {
    std::string job;
    std::size_t pod;
    NodeIndex node;
    double t;
  };

  struct Running {
    std::string job;
    std::size_t pod;
    NodeIndex node;
    double t;
    ControlPlane::ImagePull how;
  };

  sim::Engine engine;
  Cluster cluster;
  JobRuntimeModel runtime{GpuCatalog::builtin(), kMfu};
  sim::RandomStreams streams{1};
  ControlPlane cp;

  std::vector<Bind> binds;
  std::vector<Running> running;
  std::map<std::string, double> submitted, started, completed, failed_at;
  std::map<std::string, std::pair<std::string, std::string>> failed;  // reason, message
  std::vector<std::pair<std::string, std::string>> unschedulable;     // job, message
  std::vector<std::string> start_order;
};

inline SchedulerConfig queueing(QueueingStrategy q) {
  SchedulerConfig c;
  c.queueing = q;
  return c;
}

}  // namespace kubetwin::models::testing
