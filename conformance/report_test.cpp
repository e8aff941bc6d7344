// report.json / report.md / junit.xml shapes, from a hand-made report.

#include "conformance/report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kubetwin::conformance {
namespace {

Report sample() {
  return {"p", "a profile", "1.36",
          {{"gang_scheduling", "schedulingOrchestration", "0053", "MUST", Status::Pass, "0 partial <gangs> & \"ok\""},
           {"cluster_autoscaling", "schedulingOrchestration", "0055", "MUST", Status::Fail, "never scaled | up"},
           {"pod_autoscaling", "schedulingOrchestration", "0057", "MUST", Status::NotApplicable, "no HPA"},
           {"ai_inference", "networking", "", "MUST", Status::Untested, "untested: needs a Gateway model"}},
          {{"training", "mix", Status::Pass, "all <done>"}, {"mlops", "pipes", Status::Fail, "step early"}}};
}

TEST(Report, JsonHasTheGuiFields) {
  const auto doc = nlohmann::json::parse(report_json(sample()));
  EXPECT_EQ(doc["profile"], "p");
  EXPECT_EQ(doc["version"], "1.36");
  ASSERT_EQ(doc["requirements"].size(), 4u);
  const std::vector<std::string> statuses = {"pass", "fail", "n/a", "untested"};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& r = doc["requirements"][i];
    for (const char* key : {"id", "level", "status", "evidence", "category", "kar"}) EXPECT_TRUE(r[key].is_string()) << key;
    EXPECT_EQ(r["status"], statuses[i]);
  }
  EXPECT_EQ(doc["summary"]["untested"], 1);
  EXPECT_EQ(doc["summary"]["fail"], 1);
  ASSERT_EQ(doc["workloads"].size(), 2u);
  EXPECT_EQ(doc["workloads"][1]["family"], "mlops");
  EXPECT_EQ(doc["workloads"][1]["status"], "fail");
  EXPECT_EQ(doc["workloadSummary"]["pass"], 1);
}

TEST(Report, WorkloadFamiliesAreTheirOwnTableAndTestsuite) {
  const std::string md = report_markdown(sample());
  EXPECT_NE(md.find("## Workload families"), std::string::npos) << md;
  EXPECT_NE(md.find("| Large-scale training and fine-tuning | `mix` | **pass** | all <done> |"), std::string::npos) << md;
  EXPECT_NE(md.find("| MLOps pipelines | `pipes` | **fail** | step early |"), std::string::npos) << md;
  const std::string x = report_junit(sample());
  EXPECT_NE(x.find("<testsuite name=\"kubetwin-ai-workloads-1.36-p\" tests=\"2\" failures=\"1\""), std::string::npos) << x;
  EXPECT_NE(x.find("<testcase classname=\"ai-workloads.mlops\" name=\"pipes\">\n      <failure message=\"step early\"/>"),
            std::string::npos) << x;
}

TEST(Report, JunitHasOneTestcasePerRequirement) {
  const std::string x = report_junit(sample());
  EXPECT_NE(x.find("tests=\"4\" failures=\"1\" skipped=\"2\""), std::string::npos) << x;
  EXPECT_NE(x.find("<failure message=\"never scaled | up\"/>"), std::string::npos);
  EXPECT_NE(x.find("<skipped message=\"untested: untested: needs a Gateway model\"/>"), std::string::npos);
  EXPECT_NE(x.find("<skipped message=\"n/a: no HPA\"/>"), std::string::npos);
  EXPECT_NE(x.find("0 partial &lt;gangs&gt; &amp; &quot;ok&quot;"), std::string::npos);
  std::size_t cases = 0;
  const std::string requirement_case = "<testcase classname=\"ai-conformance.";
  for (std::size_t at = x.find(requirement_case); at != std::string::npos; at = x.find(requirement_case, at + 1)) ++cases;
  EXPECT_EQ(cases, 4u);
}

TEST(Report, MarkdownIsATable) {
  const std::string md = report_markdown(sample());
  EXPECT_NE(md.find("1 pass, 1 fail, 1 n/a, 1 untested"), std::string::npos) << md;
  EXPECT_NE(md.find("| `cluster_autoscaling` | schedulingOrchestration | MUST | **fail** | never scaled \\| up |"), std::string::npos) << md;
}

}  // namespace
}  // namespace kubetwin::conformance
