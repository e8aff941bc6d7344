#include "models/k8s/job_dependencies.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

// The outcomes of the dependencies are fed by hand at chosen instants; the expected submissions
// and skips follow from Argo's DAG rules (all dependencies succeeded -> submit; one failed -> skip,
// transitively).

namespace kubetwin::models {
namespace {

JobSpec job(std::string id, double submit, std::vector<std::string> deps = {}) {
  JobSpec j;
  j.id = std::move(id);
  j.submit_time = submit;
  j.depends_on = std::move(deps);
  return j;
}

struct Pipeline {
  sim::Engine engine;
  std::vector<std::pair<std::string, double>> submitted;  // id, submit time it was given
  std::vector<std::pair<std::string, std::string>> skipped;
  JobDependencies deps{engine, [this](JobSpec j) { submitted.emplace_back(j.id, j.submit_time); }};
  Pipeline() {
    deps.job_skipped.connect([this](const JobSpec& j, std::string_view dep) { skipped.emplace_back(j.id, std::string(dep)); });
  }
  void at(double t, std::function<void()> f) { engine.schedule_at(t, std::move(f)); }
};

TEST(JobDependencies, AStepIsSubmittedWhenItsLastDependencySucceeds) {
  Pipeline p;
  p.at(0, [&] { p.deps.arrive(job("prep", 0)); });
  p.at(1, [&] { p.deps.arrive(job("train", 1, {"prep"})); });
  p.at(2, [&] { p.deps.arrive(job("eval", 2, {"prep", "train"})); });
  p.at(50, [&] { p.deps.finished("prep", true); });
  p.at(300, [&] { p.deps.finished("train", true); });
  p.engine.run(1000);
  using V = std::vector<std::pair<std::string, double>>;
  EXPECT_EQ(p.submitted, (V{{"prep", 0}, {"train", 50}, {"eval", 300}}));
  EXPECT_TRUE(p.skipped.empty());
  EXPECT_EQ(p.deps.released(), 2u);
  EXPECT_EQ(p.deps.held(), 0u);
}

TEST(JobDependencies, AFailedStepSkipsEverythingDownstreamButNotItsSiblings) {
  Pipeline p;
  p.at(0, [&] {
    p.deps.arrive(job("prep", 0));
    p.deps.arrive(job("train", 0, {"prep"}));
    p.deps.arrive(job("eval", 0, {"train"}));
    p.deps.arrive(job("report", 0, {"eval"}));
    p.deps.arrive(job("lint", 0, {"prep"}));
  });
  p.at(10, [&] { p.deps.finished("prep", true); });
  p.at(20, [&] { p.deps.finished("train", false); });
  p.at(30, [&] { p.deps.arrive(job("late", 30, {"eval"})); });  // arrives after its dependency was skipped
  p.engine.run(1000);
  using V = std::vector<std::pair<std::string, double>>;
  using S = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(p.submitted, (V{{"prep", 0}, {"train", 10}, {"lint", 10}}));
  EXPECT_EQ(p.skipped, (S{{"eval", "train"}, {"report", "eval"}, {"late", "eval"}}));
  EXPECT_EQ(p.deps.skipped(), 3u);
  EXPECT_EQ(p.deps.held(), 0u);
}

TEST(JobDependencies, AStepWhoseDependencyAlreadySucceededGoesStraightThrough) {
  Pipeline p;
  p.at(0, [&] { p.deps.arrive(job("a", 0)); });
  p.at(5, [&] { p.deps.finished("a", true); });
  p.at(9, [&] { p.deps.arrive(job("b", 9, {"a"})); });
  p.at(9, [&] { p.deps.arrive(job("c", 9, {"never-finishes"})); });
  p.engine.run(100);
  using V = std::vector<std::pair<std::string, double>>;
  EXPECT_EQ(p.submitted, (V{{"a", 0}, {"b", 9}}));
  EXPECT_EQ(p.deps.held(), 1u);  // c waits: the runner reports it as pending at the horizon
  EXPECT_TRUE(p.deps.used());
}

}  // namespace
}  // namespace kubetwin::models
