#pragma once
// Step dependencies between jobs, with Argo Workflows' DAG semantics (the MLOps pipelines of Kubeflow
// Pipelines run on it): a job listing `dependsOn` is held until every job it names has succeeded,
// then submitted at that instant; if one of them fails, the job is skipped, and so is everything
// downstream of it. Jobs without dependencies pass straight through.

#include <cstdint>
#include <functional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "models/workload/job_spec.hpp"
#include "sim/engine.hpp"
#include "sim/signal.hpp"

namespace kubetwin::models {

class JobDependencies {
 public:
  using Submit = std::function<void(JobSpec)>;
  JobDependencies(sim::Engine& engine, Submit submit) : engine_(engine), submit_(std::move(submit)) {}

  /// A job at its submit time: submitted now, held for its dependencies, or skipped.
  void arrive(JobSpec job);
  /// A job finished (succeeded or failed for good); releases or skips the jobs waiting on it.
  void finished(std::string_view id, bool succeeded);

  std::size_t held() const { return held_.size(); }
  std::uint64_t skipped() const { return skipped_; }
  std::uint64_t released() const { return released_; }
  /// True once a job with dependencies has arrived: the summary then reports the counts.
  bool used() const { return used_; }

  /// A held or arriving job will never run: `dependency` (a job it names, or one upstream of it)
  /// failed or was skipped.
  sim::Signal<const JobSpec&, std::string_view /*dependency*/> job_skipped;

 private:
  enum class Ready { Yes, No, Never };
  Ready readiness(const JobSpec& job, std::string_view& failed_dependency) const;
  void skip(const JobSpec& job, std::string_view dependency);
  void settle();

  sim::Engine& engine_;
  Submit submit_;
  // Finished job ids as 64-bit hashes: a dependency may name any earlier job of a streamed trace.
  std::unordered_set<std::uint64_t> succeeded_, failed_;
  std::vector<JobSpec> held_;  // in arrival order, which is also the order they are released in
  std::uint64_t skipped_ = 0, released_ = 0;
  bool used_ = false;
};

}  // namespace kubetwin::models
