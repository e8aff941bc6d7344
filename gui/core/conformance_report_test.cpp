#include "gui/core/conformance_report.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "sim/input_error.hpp"

namespace kubetwin::gui {
namespace {

namespace fs = std::filesystem;

TEST(ConformanceReport, ReadsTheFixture) {
  const auto r = ConformanceReport::load(fs::path(KUBETWIN_SOURCE_DIR) / "gui/testdata/conformance-report.json");
  EXPECT_EQ(r.profile, "default-scheduler");
  EXPECT_EQ(r.version, "v1.33");
  ASSERT_EQ(r.requirements.size(), 5u);
  EXPECT_EQ(r.count(RequirementStatus::Pass), 3);
  EXPECT_EQ(r.count(RequirementStatus::Fail), 1);
  EXPECT_EQ(r.count(RequirementStatus::NotApplicable), 1);
  EXPECT_EQ(r.requirements[3].id, "gpu_sharing_observability");
  EXPECT_STREQ(status_name(r.requirements[4].status), "n/a");
}

TEST(ConformanceReport, BadStatusNamesItsPointer) {
  const fs::path file = fs::temp_directory_path() / "kubetwin-gui-bad-report.json";
  std::ofstream(file) << R"({"profile": "p", "version": "1", "requirements": [{"id": "x", "level": "MUST", "status": "maybe", "evidence": ""}]})";
  try {
    (void)ConformanceReport::load(file);
    FAIL();
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()), file.string() + ": /requirements/0/status: \"maybe\" is not pass, fail, n/a or untested");
  }
  std::ofstream(file) << R"({"profile": "p", "version": "1"})";
  EXPECT_THROW((void)ConformanceReport::load(file), sim::InputError);
}

}  // namespace
}  // namespace kubetwin::gui

namespace kubetwin::gui {
namespace {
namespace fs = std::filesystem;

TEST(ConformanceReport, ReadsUntested) {
  const fs::path file = fs::temp_directory_path() / "kubetwin-conformance-untested.json";
  std::ofstream(file) << R"({"profile": "p", "version": "1.36", "requirements": [{"id": "ai_inference", "level": "MUST", "status": "untested", "evidence": "no Gateway model"}]})";
  const auto r = ConformanceReport::load(file);
  ASSERT_EQ(r.requirements.size(), 1u);
  EXPECT_EQ(r.requirements[0].status, RequirementStatus::Untested);
  EXPECT_EQ(r.count(RequirementStatus::Untested), 1);
  EXPECT_STREQ(status_name(r.requirements[0].status), "untested");
}

}  // namespace
}  // namespace kubetwin::gui

namespace kubetwin::gui {
namespace {
namespace fs = std::filesystem;

TEST(ConformanceReport, WorkloadScenariosBecomeRowsAfterTheRequirements) {
  const fs::path file = fs::temp_directory_path() / "kubetwin-conformance-workloads.json";
  std::ofstream(file) << R"({"profile": "p", "version": "1.36",
    "requirements": [{"id": "gang_scheduling", "level": "MUST", "status": "pass", "evidence": "ok"}],
    "workloads": [{"family": "mlops", "name": "pipelines", "status": "fail", "evidence": "step early"}]})";
  const auto r = ConformanceReport::load(file);
  ASSERT_EQ(r.requirements.size(), 2u);
  EXPECT_EQ(r.requirements[1].id, "mlops/pipelines");
  EXPECT_EQ(r.requirements[1].level, "workload");
  EXPECT_EQ(r.requirements[1].status, RequirementStatus::Fail);
  EXPECT_EQ(r.count(RequirementStatus::Fail), 0);  // requirements only
  EXPECT_EQ(r.count_workloads(RequirementStatus::Fail), 1);
  EXPECT_TRUE(r.has_workloads());
  std::ofstream(file) << R"({"profile": "p", "version": "1.36", "requirements": [],
    "workloads": [{"family": "mlops", "status": "pass", "evidence": ""}]})";
  try {
    (void)ConformanceReport::load(file);
    FAIL();
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()), file.string() + ": /workloads/0/name: missing or not a string");
  }
}

}  // namespace
}  // namespace kubetwin::gui
