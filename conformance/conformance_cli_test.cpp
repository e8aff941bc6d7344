// System tests of `kubetwin conformance`: --list, the three report files, determinism, and bad
// input (unknown profile or version, a bad profile file) exiting 2 with one line and nothing written.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "scenarios/testing/cli_support.hpp"

namespace {

namespace fs = std::filesystem;
using kubetwin::scenarios::testing::read_file;
using kubetwin::scenarios::testing::shell_quote;

constexpr int kExitBadInput = 2;

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

class ConformanceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("kubetwin-conformance-cli-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  CommandResult kubetwin(const std::string& args) const {
    const fs::path out = dir_ / ".stdout", err = dir_ / ".stderr";
    const std::string command = "cd " + shell_quote(dir_.string()) + " && " + shell_quote(KUBETWIN_BINARY) + " " + args +
                                " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
    const int status = std::system(command.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }
  fs::path dir_;
};

TEST_F(ConformanceCli, ListNamesProfilesAndRequirementsWithLevels) {
  const auto r = kubetwin("conformance --list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"default ", "coscheduling ", "kueue ", "hierarchical "}) EXPECT_NE(r.out.find(name), std::string::npos) << name;
  EXPECT_NE(r.out.find("requirements of AI Conformance 1.36:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gang_scheduling              MUST"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("disaggregated_inference      SHOULD"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("dra_support"), std::string::npos) << "dra_support is not in 1.36";
  const auto v134 = kubetwin("conformance --list --version 1.34");
  EXPECT_NE(v134.out.find("dra_support                  MUST"), std::string::npos) << v134.out;
  EXPECT_EQ(v134.out.find("gpu_sharing"), std::string::npos) << v134.out;
}

TEST_F(ConformanceCli, WritesTheThreeReportsDeterministically) {
  const auto r = kubetwin("conformance --profile coscheduling --version 1.35 --out a");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("AI Conformance 1.35, profile coscheduling: 12 pass, 0 fail, 0 n/a, 0 untested; workload families: 3 pass, 0 fail"), std::string::npos) << r.out;
  const auto doc = nlohmann::json::parse(read_file(dir_ / "a/report.json"));
  EXPECT_EQ(doc["profile"], "coscheduling");
  EXPECT_EQ(doc["version"], "1.35");
  ASSERT_EQ(doc["requirements"].size(), 12u);
  EXPECT_EQ(doc["requirements"][0]["id"], "dra_support");
  EXPECT_EQ(doc["requirements"][0]["status"], "pass");
  const std::string junit = read_file(dir_ / "a/junit.xml");
  EXPECT_NE(junit.find("tests=\"12\" failures=\"0\" skipped=\"0\""), std::string::npos) << junit;
  EXPECT_NE(read_file(dir_ / "a/report.md").find("| `gang_scheduling` | schedulingOrchestration | MUST | **pass** |"), std::string::npos);
  ASSERT_EQ(kubetwin("conformance --profile coscheduling --version 1.35 --out b").exit_code, 0);
  for (const char* f : {"report.json", "report.md", "junit.xml"}) {
    EXPECT_EQ(read_file(dir_ / "a" / f), read_file(dir_ / "b" / f)) << f;
  }
}

TEST_F(ConformanceCli, AProfileFileWorksLikeABuiltin) {
  std::ofstream(dir_ / "mine.json") << R"({"name": "mine", "scheduler": {"profiles": [{"schedulerName": "default-scheduler",
    "plugins": {"permit": {"disabled": [{"name": "Coscheduling"}]}}}]}})";
  const auto r = kubetwin("conformance --profile mine.json --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(read_file(dir_ / "out/report.json"));
  EXPECT_EQ(doc["profile"], "mine");
  for (const auto& q : doc["requirements"]) {
    if (q["id"] == "gang_scheduling") {
      EXPECT_EQ(q["status"], "fail") << q["evidence"];
    }
  }
}

TEST_F(ConformanceCli, BadInputExitsTwoWithOneLineAndWritesNothing) {
  std::ofstream(dir_ / "bad.json") << R"({"name": "bad", "scheduler": {"profiles": [{"plugins": {"permit": {"enabled": [{"name": "Nope"}]}}}]}})";
  const std::pair<std::string, std::string> cases[] = {
      {"conformance --profile nope --out out", "kubetwin: error: --profile: \"nope\" is neither a built-in profile"},
      {"conformance --profile default --version 1.99 --out out", "kubetwin: error: --version: unknown AI Conformance version \"1.99\" (known: 1.33, 1.34, 1.35, 1.36)"},
      {"conformance --profile bad.json --out out", "kubetwin: error: bad.json: /scheduler/profiles/0/plugins/permit/enabled/0"},
      {"conformance --profile default", "kubetwin: error: --out is required"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = kubetwin(args);
    EXPECT_EQ(r.exit_code, kExitBadInput) << args;
    EXPECT_EQ(r.err.rfind(message, 0), 0u) << args << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(dir_ / "out")) << args;
  }
}

}  // namespace
