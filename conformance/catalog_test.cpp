// The requirement catalog against the reference's version matrix, and profile loading.

#include "conformance/catalog.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "conformance/profile.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::conformance {
namespace {

namespace fs = std::filesystem;

std::pair<int, int> must_should(const std::string& version) {
  int must = 0, should = 0;
  for (const auto& [spec, level] : Catalog::builtin().for_version(version)) (level == "MUST" ? must : should)++;
  return {must, should};
}

// ../shared/reference/ai-conformance.md section 2, "Totals (MUST / SHOULD)".
TEST(Catalog, CountsPerVersionMatchTheMatrix) {
  EXPECT_EQ(must_should("1.33"), std::make_pair(8, 1));
  EXPECT_EQ(must_should("1.34"), std::make_pair(9, 0));
  EXPECT_EQ(must_should("1.35"), std::make_pair(9, 3));
  EXPECT_EQ(must_should("1.36"), std::make_pair(8, 6));
  EXPECT_EQ(Catalog::builtin().latest(), "1.36");
  EXPECT_EQ(Catalog::builtin().requirements().size(), 15u);
}

TEST(Catalog, DraSupportIsMustIn134And135AndGoneIn136) {
  const auto& reqs = Catalog::builtin().requirements();
  const auto dra = std::find_if(reqs.begin(), reqs.end(), [](const auto& r) { return r.id == "dra_support"; });
  ASSERT_NE(dra, reqs.end());
  EXPECT_EQ(dra->levels.at("1.33"), "SHOULD");
  EXPECT_EQ(dra->levels.at("1.34"), "MUST");
  EXPECT_EQ(dra->levels.at("1.35"), "MUST");
  EXPECT_EQ(dra->levels.count("1.36"), 0u);
  EXPECT_EQ(dra->kar, "0051");
  EXPECT_EQ(dra->category, "accelerators");
}

TEST(Catalog, BadLevelNamesItsPointer) {
  try {
    Catalog::parse(R"({"versions": ["1.36"], "requirements": [{"id": "x", "category": "c", "kar": "", "description": "d",
                        "levels": {"1.36": "MAY", "1.99": "MUST"}}]})", "my.json");
    FAIL() << "expected InputError";
  } catch (const sim::InputError& e) {
    ASSERT_EQ(e.lines().size(), 2u);
    EXPECT_NE(e.lines()[0].find("my.json: /requirements/0/levels/1.36"), std::string::npos) << e.lines()[0];
    EXPECT_NE(e.lines()[1].find("my.json: /requirements/0/levels/1.99"), std::string::npos) << e.lines()[1];
  }
}

TEST(Profiles, BuiltinsLoad) {
  for (const auto& name : builtin_profile_names()) {
    const Profile p = load_profile(name);
    EXPECT_EQ(p.name, name);
    EXPECT_TRUE(p.scenario.contains("scheduler")) << name;
  }
  EXPECT_EQ(load_profile("kueue").queue, "conformance");
  EXPECT_EQ(load_profile("hierarchical").queue, "conformance");
}

TEST(Profiles, ApplyMergesAndSetsTheQueue) {
  const Profile p = load_profile("kueue");
  const nlohmann::json doc = p.apply(nlohmann::json::parse(
      R"({"name": "c", "autoscaler": {"scanInterval": "10s"}, "workload": {"jobs": [{"jobId": "a"}, {"jobId": "b"}]}})"));
  EXPECT_EQ(doc["workload"]["jobs"][1]["queue"], "conformance");
  EXPECT_EQ(doc["autoscaler"]["scanInterval"], "10s");
  EXPECT_TRUE(doc["queueing"].contains("clusterQueues"));
}

TEST(Profiles, UnknownNameSaysWhatExists) {
  try {
    load_profile("no-such-profile");
    FAIL();
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "--profile: \"no-such-profile\" is neither a built-in profile (default, coscheduling, kueue, hierarchical) nor a profile file");
  }
}

TEST(Profiles, BadFileNamesFileAndPointer) {
  const fs::path file = fs::temp_directory_path() / ("kubetwin-bad-profile-" + std::to_string(::getpid()) + ".json");
  auto first_line = [&](const std::string& text) {
    std::ofstream(file) << text;
    try {
      load_profile(file.string());
    } catch (const sim::InputError& e) {
      return e.lines().front();
    }
    return std::string("no error");
  };
  EXPECT_EQ(first_line(R"({"name": "x", "platform": {}})"), file.string() + ": /platform: is not a known field");
  EXPECT_EQ(first_line(R"({"name": "x", "scheduler": {"queueingStrategy": "Random"}})").rfind(file.string() + ": /scheduler/queueingStrategy", 0), 0u);
  EXPECT_EQ(first_line(R"({"name": "x", "scheduler": {"profiles": [{"plugins": {"permit": {"enabled": [{"name": "Nope"}]}}}]}})")
                .rfind(file.string() + ": /scheduler/profiles/0/plugins/permit/enabled/0", 0), 0u);
  EXPECT_EQ(first_line("{\"name\": ").rfind(file.string() + ": not valid JSON", 0), 0u);
  // n/a only for a conditional MUST, and only with a note.
  EXPECT_EQ(first_line(R"({"name": "x", "notApplicable": {"gang_scheduling": "we do not support gangs"}})"),
            file.string() + ": /notApplicable/gang_scheduling: \"gang_scheduling\" is not a conditional requirement: only "
                            "requirements that apply if the platform provides something may be n/a");
  EXPECT_EQ(first_line(R"({"name": "x", "notApplicable": {"autoscaling": "fixed size"}})"),
            file.string() + ": /notApplicable/autoscaling: unknown requirement \"autoscaling\" (see kubetwin conformance --list)");
  EXPECT_EQ(first_line(R"({"name": "x", "notApplicable": {"cluster_autoscaling": ""}})"),
            file.string() + ": /notApplicable/cluster_autoscaling: must be a non-empty note saying why the condition "
                            "(the platform provides a cluster autoscaler) does not hold");
  EXPECT_EQ(first_line(R"({"name": "x", "notApplicable": ["cluster_autoscaling"]})"),
            file.string() + ": /notApplicable: must be an object: requirement id -> note");
  fs::remove(file);
}

TEST(Catalog, OnlyTheAutoscalingMustsAreConditional) {
  std::vector<std::string> conditional;
  for (const auto& r : Catalog::builtin().requirements()) {
    if (!r.condition.empty()) conditional.push_back(r.id);
  }
  EXPECT_EQ(conditional, (std::vector<std::string>{"cluster_autoscaling", "pod_autoscaling"}));
}

}  // namespace
}  // namespace kubetwin::conformance
