// Each case passes on an intact profile and fails on a deliberately broken one (the breakage
// lives where it belongs: a profile without Coscheduling at Permit, the DRA allocator fault
// ignoreRequestSelectors, the autoscalers off). Each simulation runs in a child process.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "conformance/case.hpp"
#include "conformance/report.hpp"

namespace kubetwin::conformance {
namespace {

namespace fs = std::filesystem;

class Cases : public ::testing::Test {
 protected:
  void SetUp() override {
    work_ = fs::temp_directory_path() / ("kubetwin-conformance-test-" + std::to_string(::getpid()));
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  CaseResult run(const std::string& requirement, const std::string& profile) const {
    const Profile p = load_profile(profile);
    const Case* c = find_case(requirement);
    EXPECT_NE(c, nullptr) << requirement;
    return c->run(CaseContext(p, work_ / (requirement + "-" + p.name)));
  }
  static std::string broken(const std::string& name) {
    return (fs::path(KUBETWIN_SOURCE_DIR) / "conformance/profiles/broken" / (name + ".json")).string();
  }
  fs::path work_;
};

TEST_F(Cases, GangSchedulingPassesWithCoscheduling) {
  const auto r = run("gang_scheduling", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("5/5 completed, 0 instants with a partially bound gang"), std::string::npos) << r.evidence;
}

TEST_F(Cases, GangSchedulingFailsWithoutPermit) {
  const auto r = run("gang_scheduling", broken("no-gang-permit"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("first: gang-"), std::string::npos) << r.evidence;
}

TEST_F(Cases, GangSchedulingFailsOnStockKubeScheduler) {
  const auto r = run("gang_scheduling", "default");
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
}

TEST_F(Cases, DraSupportPasses) {
  const auto r = run("dra_support", "coscheduling");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find(", 0 not satisfying the selector; 6/6 pods completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, DraSupportFailsWhenTheAllocatorIgnoresSelectors) {
  const auto r = run("dra_support", broken("dra-ignores-selectors"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("(80Gi)"), std::string::npos) << r.evidence;
}

TEST_F(Cases, ClusterAutoscalingPasses) {
  const auto r = run("cluster_autoscaling", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
}

TEST_F(Cases, ClusterAutoscalingFailsWithTheAutoscalerOff) {
  const auto r = run("cluster_autoscaling", broken("no-autoscalers"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: the GPU pool never scaled up"), std::string::npos) << r.evidence;
}

TEST_F(Cases, PodAutoscalingPasses) {
  const auto r = run("pod_autoscaling", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
}

TEST_F(Cases, PodAutoscalingFailsWithTheHpaOff) {
  const auto r = run("pod_autoscaling", broken("no-autoscalers"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: replicas never rose above 2"), std::string::npos) << r.evidence;
}

TEST_F(Cases, GpuSharingPasses) {
  const auto r = run("gpu_sharing", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("10/10 completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, SuiteReportsUntestedRequirementsWithTheMissingModel) {
  const Report r = run_suite(load_profile("coscheduling"), "1.36", work_);
  ASSERT_EQ(r.requirements.size(), 14u);
  for (const auto& q : r.requirements) {
    if (find_case(q.id) == nullptr) {
      EXPECT_EQ(q.status, Status::Untested) << q.id;
      EXPECT_EQ(q.evidence.rfind("untested: no kubetwin case yet; needs", 0) == 0 ||
                    q.evidence.find("not written yet") != std::string::npos ||
                    q.evidence.find("will use") != std::string::npos,
                true)
          << q.evidence;
    } else {
      EXPECT_EQ(q.status, Status::Pass) << q.id << ": " << q.evidence;
    }
  }
  // Deterministic: the same report, byte for byte.
  EXPECT_EQ(report_json(r), report_json(run_suite(load_profile("coscheduling"), "1.36", work_ / "again")));
}

TEST_F(Cases, AConditionalMustDeclaredNotApplicableIsNaWithItsNoteAndDoesNotRun) {
  Profile p = load_profile("default");
  p.not_applicable["cluster_autoscaling"] = "on-premises cluster of fixed size";
  // The autoscaler stays on: the declaration, not the platform's switches, decides n/a.
  const Report r = run_suite(p, "1.36", work_);
  const auto it = std::find_if(r.requirements.begin(), r.requirements.end(),
                               [](const auto& q) { return q.id == "cluster_autoscaling"; });
  ASSERT_NE(it, r.requirements.end());
  EXPECT_EQ(it->status, Status::NotApplicable);
  EXPECT_EQ(it->evidence, "declared n/a by the profile: on-premises cluster of fixed size (the requirement applies if "
                          "the platform provides a cluster autoscaler); the case did not run");
  EXPECT_FALSE(fs::exists(work_ / "cluster_autoscaling")) << "the case ran";
  EXPECT_EQ(r.count(Status::NotApplicable), 1);
}

TEST_F(Cases, DriverRuntimeManagementPasses) {
  const auto r = run("driver_runtime_management", "default");
  EXPECT_EQ(r.status, Status::Pass) << r.evidence;
  EXPECT_NE(r.evidence.find("1 drift(s) detected, 1 resolved, longest 30 s"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find(", 0 where the installed CUDA was older"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("14/14 pods completed"), std::string::npos) << r.evidence;
}

TEST_F(Cases, DriverRuntimeManagementFailsWhenFeatureDiscoveryNeverRelabels) {
  const auto r = run("driver_runtime_management", broken("no-feature-discovery"));
  EXPECT_EQ(r.status, Status::Fail) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: pool legacy's drift since 1230 s was never resolved"), std::string::npos) << r.evidence;
  EXPECT_NE(r.evidence.find("FAIL: no CUDA 12.4 pod ran on the upgraded pool"), std::string::npos) << r.evidence;
}

}  // namespace
}  // namespace kubetwin::conformance
