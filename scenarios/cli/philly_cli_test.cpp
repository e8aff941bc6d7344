// System tests of `kubetwin experiment philly`: result files and fields, --policy all,
// determinism, and bad input (a malformed trace or VC row, an unknown policy) exiting with code 2
// and the file:line, with nothing written.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "scenarios/testing/cli_support.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kExitBadInput = 2;

using kubetwin::scenarios::testing::read_file;
using kubetwin::scenarios::testing::shell_quote;

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// A hand-built trace: VC a (1 server) gets two whole-server jobs 10 s apart, VC b (2 servers) one
// 16-GPU job; the rows are out of time order, as in the public extract.
constexpr const char* kTrace =
    "timestamp,duration,num_gpus,gpu_time,cluster\n"
    "2017-10-01 00:00:10,50.0,8,400.0,a\n"
    "2017-10-01 00:00:00,100.0,8,800.0,a\n"
    "2017-10-01 00:00:00,30.0,16,480.0,b\n"
    "2017-09-01 00:00:00,30.0,1,30.0,a\n";
constexpr const char* kVcs = "vc,node num\na,1\nb,2\n";

class PhillyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("kubetwin-philly-cli-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    write("trace.csv", kTrace);
    write("vcs.csv", kVcs);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  CommandResult kubetwin(const std::string& args) const {
    const fs::path out = dir_ / ".stdout", err = dir_ / ".stderr";
    const std::string command = "cd " + shell_quote(dir_.string()) + " && " +
                                shell_quote(KUBETWIN_BINARY) + " " + args + " >" +
                                shell_quote(out.string()) + " 2>" + shell_quote(err.string());
    const int status = std::system(command.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }
  json summary(const std::string& file) const { return json::parse(read_file(dir_ / file)); }

  fs::path dir_;
};

TEST_F(PhillyCli, HelpListsTheFlags) {
  const auto r = kubetwin("experiment philly --help");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* flag :
       {"--trace", "--vcs", "--policy", "--out", "--compress", "--las-thresholds"}) {
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  }
}

TEST_F(PhillyCli, WritesSummaryWithOverallAndPerVcAverages) {
  const auto r =
      kubetwin("experiment philly --trace trace.csv --vcs vcs.csv --policy FIFO --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("philly FIFO: 3 jobs"), std::string::npos) << r.out;
  const json s = summary("out/summary.json");
  // a: 0..100 and 100..150 (JCT 100 and 140, waits 0 and 90); b: 30.
  EXPECT_EQ(s.at("jobs").get<int>(), 3);
  EXPECT_DOUBLE_EQ(s.at("avgJct").get<double>(), (100.0 + 140.0 + 30.0) / 3);
  EXPECT_DOUBLE_EQ(s.at("avgQueueingDelay").get<double>(), 30.0);
  EXPECT_DOUBLE_EQ(s.at("perVc").at("a").at("avgJct").get<double>(), 120.0);
  EXPECT_DOUBLE_EQ(s.at("perVc").at("a").at("avgQueueingDelay").get<double>(), 45.0);
  EXPECT_EQ(s.at("perVc").at("a").at("jobs").get<int>(), 2);
  EXPECT_DOUBLE_EQ(s.at("perVc").at("b").at("avgJct").get<double>(), 30.0);
  EXPECT_EQ(s.at("excluded").at("outsideWindow").get<int>(), 1);
  EXPECT_EQ(s.at("cluster").at("gpus").get<int>(), 24);
  EXPECT_EQ(s.at("policy"), "FIFO");
}

TEST_F(PhillyCli, PolicyAllWritesEverySummaryAndTheTable) {
  const auto r = kubetwin(
      "experiment philly --trace trace.csv --vcs vcs.csv --policy all --out out --jobs-csv");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* p : {"FIFO", "SJF", "SRTF", "LAS"}) {
    EXPECT_EQ(summary(std::string("out/summary-") + p + ".json").at("policy"), p);
    EXPECT_TRUE(fs::exists(dir_ / "out" / (std::string("jobs-") + p + ".csv"))) << p;
  }
  // SRTF: the 50-s job arrives when the first has 90 s left and preempts it.
  EXPECT_EQ(summary("out/summary-SRTF.json").at("preemptions").get<int>(), 1);
  const std::string table = read_file(dir_ / "out" / "table.md");
  EXPECT_NE(table.find("| VC | GPUs | jobs | FIFO | SJF | SRTF | LAS |"), std::string::npos)
      << table;
  EXPECT_NE(table.find("| a | 8 | 2 | 120 |"), std::string::npos) << table;
}

TEST_F(PhillyCli, SameInputsGiveTheSameBytes) {
  for (const char* out : {"one", "two"}) {
    const auto r = kubetwin(
        std::string("experiment philly --trace trace.csv --vcs vcs.csv --policy LAS --out ") + out +
        " --jobs-csv");
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  json a = summary("one/summary.json"), b = summary("two/summary.json");
  a.erase("wallSeconds");
  b.erase("wallSeconds");
  EXPECT_EQ(a.dump(), b.dump());
  EXPECT_EQ(read_file(dir_ / "one" / "jobs.csv"), read_file(dir_ / "two" / "jobs.csv"));
}

struct BadCase {
  const char* name;
  std::string args;
  std::string error;  ///< the whole stderr line after "kubetwin: error: "
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class PhillyCliBadInput : public PhillyCli, public ::testing::WithParamInterface<BadCase> {};

TEST_P(PhillyCliBadInput, ExitsTwoNamingTheProblemAndWritesNothing) {
  write("bad-trace.csv", std::string(kTrace) + "2017-10-01 00:00:00,10.0,two,20.0,a\n");
  write("bad-vcs.csv", "vc,node num\na,1\nb,-2\n");
  const auto r = kubetwin("experiment philly " + GetParam().args + " --out out");
  EXPECT_EQ(r.exit_code, kExitBadInput) << r.err;
  EXPECT_EQ(r.err, "kubetwin: error: " + GetParam().error + "\n");
  EXPECT_FALSE(fs::exists(dir_ / "out" / "summary.json"));
}

INSTANTIATE_TEST_SUITE_P(
    PhillyCli, PhillyCliBadInput,
    ::testing::Values(
        BadCase{"TraceRow", "--trace bad-trace.csv --vcs vcs.csv --policy FIFO",
                "bad-trace.csv:6: num_gpus: not a whole number: \"two\""},
        BadCase{"VcRow", "--trace trace.csv --vcs bad-vcs.csv --policy SJF",
                "bad-vcs.csv:3: node num: must be 1..1000000, got -2"},
        BadCase{"Policy", "--trace trace.csv --vcs vcs.csv --policy QSSF",
                "--policy: unknown policy \"QSSF\" (known: FIFO, SJF, SRTF, LAS)"},
        BadCase{"Window", "--trace trace.csv --vcs vcs.csv --policy FIFO --window-start 2017-10-01",
                "--window-start: expected YYYY-MM-DD HH:MM:SS, got \"2017-10-01\""},
        BadCase{"Compress", "--trace trace.csv --vcs vcs.csv --policy SRTF --compress 0.5",
                "--compress: must be a number >= 1, got 0.500000"},
        BadCase{"Thresholds", "--trace trace.csv --vcs vcs.csv --policy LAS --las-thresholds 100,x",
                "--las-thresholds: not a number: \"x\" (expected e.g. 3250,7200)"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

}  // namespace
