// Kueue-style admission load (validation/benchmarks/kueue_admission.sh): C ClusterQueues in
// cohorts of K, W workloads spread over them with mixed sizes, priorities and run times, on a
// cluster sized to the total quota; every workload is admitted, scheduled, run and completed.
//
//   kueue_admission_bench [--queues 1000] [--cohort-size 10] [--workloads 50000] [--seed 1]
//                         [--preemption] [--fair-sharing] [--strict]
//
// Prints one JSON line: wall seconds, simulated seconds, admission cycles, admissions,
// preemptions and a fingerprint of the admission log (equal for equal arguments).

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "models/hardware/gpu_catalog.hpp"
#include "models/k8s/control_plane.hpp"
#include "models/perf/job_runtime_model.hpp"
#include "models/queueing/kueue_admission.hpp"
#include "sim/engine.hpp"
#include "sim/random.hpp"

using namespace kubetwin;
using namespace kubetwin::models;
using namespace kubetwin::models::queueing;

int main(int argc, char** argv) {
  int queues = 1000, cohort_size = 10, workloads = 50000;
  std::uint64_t seed = 1;
  bool preemption = false, fair = false, strict = false;
  for (int i = 1; i < argc; ++i) {
    auto value = [&] { return i + 1 < argc ? std::atol(argv[++i]) : 0L; };
    if (!std::strcmp(argv[i], "--queues")) queues = static_cast<int>(value());
    else if (!std::strcmp(argv[i], "--cohort-size")) cohort_size = static_cast<int>(value());
    else if (!std::strcmp(argv[i], "--workloads")) workloads = static_cast<int>(value());
    else if (!std::strcmp(argv[i], "--seed")) seed = static_cast<std::uint64_t>(value());
    else if (!std::strcmp(argv[i], "--preemption")) preemption = true;
    else if (!std::strcmp(argv[i], "--fair-sharing")) fair = true;
    else if (!std::strcmp(argv[i], "--strict")) strict = true;
    else {
      std::fprintf(stderr, "usage: %s [--queues N] [--cohort-size K] [--workloads W] [--seed S] [--preemption] [--fair-sharing] [--strict]\n", argv[0]);
      return 2;
    }
  }
  if (queues < 1 || cohort_size < 1 || workloads < 1) {
    std::fprintf(stderr, "kueue_admission_bench: counts must be at least 1\n");
    return 2;
  }
  const auto wall0 = std::chrono::steady_clock::now();

  QueueingConfig config;
  config.fair_sharing = fair;
  config.flavors.push_back({"default", {}, {}, {}});
  for (int c = 0; c < (queues + cohort_size - 1) / cohort_size; ++c) config.cohorts.push_back({"cohort-" + std::to_string(c), -1, {}, 1.0});
  for (int q = 0; q < queues; ++q) {
    ClusterQueueSpec cq;
    cq.name = "cq-" + std::to_string(q);
    cq.cohort = q / cohort_size;
    cq.queueing_strategy = strict ? QueueingStrategy::StrictFIFO : QueueingStrategy::BestEffortFIFO;
    if (preemption) {
      cq.within_cluster_queue = PreemptionPolicy::LowerPriority;
      cq.reclaim_within_cohort = PreemptionPolicy::Any;
    }
    ResourceGroup g;
    g.covered = {static_cast<int>(QuotaResource::Gpu)};
    FlavorQuotas fq;
    fq.flavor = 0;
    fq.resources[static_cast<std::size_t>(QuotaResource::Gpu)] = ResourceQuota{8000, {}, {}};
    g.flavors.push_back(fq);
    cq.resource_groups.push_back(g);
    config.cluster_queues.push_back(std::move(cq));
    config.local_queues.push_back({"lq-" + std::to_string(q), q});
  }

  sim::Engine engine;
  NodePoolSpec pool;
  pool.name = "gpu";
  pool.count = queues;  // 8 GPUs per node: the cluster holds exactly the total quota
  pool.capacity = {256000, 2048LL << 30, 8};
  pool.gpu_model = "H100-SXM-80GB";
  Cluster cluster({pool});
  JobRuntimeModel runtime(GpuCatalog::builtin(), 0.4);
  sim::RandomStreams streams(seed);
  ControlPlane cp(engine, cluster, SchedulerConfig{}, runtime, streams);
  KueueAdmission kueue(engine, cp, config);

  const bool trace = std::getenv("KUEUE_BENCH_TRACE") != nullptr;  // debugging aid: every admission and preemption
  std::uint64_t fingerprint = 1469598103934665603ULL, admissions = 0, preemptions = 0;
  auto mix = [&](std::uint64_t v) { fingerprint = (fingerprint ^ v) * 1099511628211ULL; };
  kueue.admitted.connect([&](const JobState& j, std::string_view, std::string_view) {
    ++admissions;
    if (trace) std::fprintf(stderr, "%.3f admit %s\n", engine.now(), j.spec.id.c_str());
    mix(j.seq);
    mix(static_cast<std::uint64_t>(engine.now() * 1000));
  });
  kueue.preempted.connect([&](const JobState& v, std::string_view, std::string_view reason, const JobState& by) {
    ++preemptions;
    mix(~v.seq);
    if (trace) std::fprintf(stderr, "%.3f preempt %s by %s (%.*s)\n", engine.now(), v.spec.id.c_str(), by.spec.id.c_str(),
                            static_cast<int>(reason.size()), reason.data());
  });
  std::size_t completed = 0;
  cp.job_completed.connect([&](const JobState&) { ++completed; });

  // Arrivals over 30 minutes: about twice what the quota can run, so queues build up.
  auto& rng = streams.stream("bench.workload");
  auto unit = [&rng] { return rng.uniform01(); };
  const int sizes[] = {1, 1, 1, 2, 2, 4, 8};
  for (int w = 0; w < workloads; ++w) {
    JobSpec spec;
    spec.id = "wl-" + std::to_string(w);
    spec.submit_time = 1800 * unit();
    spec.queue = "lq-" + std::to_string(w % queues);
    spec.priority = unit() < 0.2 ? 100 : 0;
    spec.duration = 60 + 540 * unit();
    PodGroupSpec g;
    g.name = "worker";
    const int gpus = sizes[static_cast<std::size_t>(unit() * 7) % 7];
    g.requests = {8000LL * gpus, (64LL << 30) * gpus, gpus};
    spec.pods.push_back(g);
    engine.schedule_at(spec.submit_time, [&kueue, spec] { kueue.submit(spec); });
  }
  engine.run();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  std::printf("{\"queues\": %d, \"cohortSize\": %d, \"workloads\": %d, \"completed\": %zu, \"wallSeconds\": %.3f, "
              "\"simulatedSeconds\": %.1f, \"cycles\": %llu, \"admissions\": %llu, \"preemptions\": %llu, \"fingerprint\": \"%016llx\"}\n",
              queues, cohort_size, workloads, completed, wall, engine.now(), static_cast<unsigned long long>(kueue.cycles()),
              static_cast<unsigned long long>(admissions), static_cast<unsigned long long>(preemptions),
              static_cast<unsigned long long>(fingerprint));
  return completed == static_cast<std::size_t>(workloads) ? 0 : 1;
}
