#include "models/k8s/job_dependencies.hpp"

#include "sim/random.hpp"

namespace kubetwin::models {

JobDependencies::Ready JobDependencies::readiness(const JobSpec& job, std::string_view& failed_dependency) const {
  Ready r = Ready::Yes;
  for (const auto& dep : job.depends_on) {
    const std::uint64_t h = sim::fnv1a64(dep);
    if (failed_.contains(h)) {
      failed_dependency = dep;
      return Ready::Never;
    }
    if (!succeeded_.contains(h)) r = Ready::No;
  }
  return r;
}

void JobDependencies::skip(const JobSpec& job, std::string_view dependency) {
  failed_.insert(sim::fnv1a64(job.id));  // a skipped step never succeeds: its dependents skip too
  ++skipped_;
  job_skipped.emit(job, dependency);
}

void JobDependencies::arrive(JobSpec job) {
  if (job.depends_on.empty()) {
    submit_(std::move(job));
    return;
  }
  used_ = true;
  std::string_view failed;
  switch (readiness(job, failed)) {
    case Ready::Yes: submit_(std::move(job)); break;
    case Ready::Never: skip(job, failed); break;
    case Ready::No: held_.push_back(std::move(job)); break;
  }
}

void JobDependencies::finished(std::string_view id, bool succeeded) {
  (succeeded ? succeeded_ : failed_).insert(sim::fnv1a64(id));
  if (!held_.empty()) settle();
}

// Releases every held job whose dependencies all succeeded and skips every one with a failed
// dependency, repeating while a skip can cascade. Held order is kept, so ties stay deterministic.
void JobDependencies::settle() {
  for (bool changed = true; changed;) {
    changed = false;
    std::vector<JobSpec> still;
    std::vector<JobSpec> ready;
    for (auto& job : held_) {
      std::string_view failed;
      switch (readiness(job, failed)) {
        case Ready::Yes: ready.push_back(std::move(job)); break;
        case Ready::Never: {
          const std::string dep(failed);
          skip(job, dep);
          changed = true;
          break;
        }
        case Ready::No: still.push_back(std::move(job)); break;
      }
    }
    held_ = std::move(still);
    for (auto& job : ready) {
      job.submit_time = engine_.now();  // created when its dependencies are done, as Argo creates the step's pod
      ++released_;
      submit_(std::move(job));
    }
  }
}

}  // namespace kubetwin::models
