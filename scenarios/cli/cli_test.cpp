// System tests: drive the real kubetwin binary and check exit codes, messages, result files and
// determinism, as a user (or a script) would see them.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "scenarios/testing/cli_support.hpp"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kExitBadInput = 2;
constexpr const char* kErrorPrefix = "kubetwin: error: ";
const std::vector<std::string> kResultFiles = {"events.jsonl", "series.csv", "summary.json",
                                               "timeline.json", "topology.json"};

fs::path examples_dir() { return fs::path(KUBETWIN_SOURCE_DIR) / "scenarios" / "examples"; }
std::string example(const std::string& name) { return (examples_dir() / name).string(); }

// --- running the binary ------------------------------------------------------------------------

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

using kubetwin::scenarios::testing::read_file;
using kubetwin::scenarios::testing::shell_quote;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Every entry of `dir`, hidden ones included, sorted; empty if `dir` does not exist.
std::vector<std::string> entries_of(const fs::path& dir) {
  std::vector<std::string> names;
  if (!fs::exists(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : " ") + i;
  return out;
}

/// Each test works in a fresh folder of its own (the current directory of the commands it runs),
/// removed afterwards.
class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "-" + info->name();
    std::replace(name.begin(), name.end(), '/', '-');
    dir_ = fs::temp_directory_path() / ("kubetwin-cli-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    dir_ = fs::canonical(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  /// Runs "kubetwin ARGS" in the test's folder; ARGS is a shell command-line fragment.
  CommandResult kubetwin(const std::string& args) const {
    const fs::path out = dir_ / ".stdout";
    const fs::path err = dir_ / ".stderr";
    const std::string command = "cd " + shell_quote(dir_.string()) + " && " +
                                shell_quote(KUBETWIN_BINARY) + " " + args + " >" +
                                shell_quote(out.string()) + " 2>" + shell_quote(err.string());
    const int status = std::system(command.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    fs::remove(out);
    fs::remove(err);
    return r;
  }

  fs::path path(const std::string& name) const { return dir_ / name; }
  void write(const std::string& name, const std::string& text) const {
    write_file(dir_ / name, text);
  }
  json summary(const std::string& out_dir) const {
    return json::parse(read_file(dir_ / out_dir / "summary.json"));
  }

  fs::path dir_;
};

// --- builders ------------------------------------------------------------------------------------

/// One trace record: `replicas` pods of `gpus` GPUs each, running for `duration`.
json record(const std::string& id, double submit_time, int gpus = 1, int replicas = 1,
            const std::string& duration = "1h") {
  return {{"jobId", id},
          {"submitTime", submit_time},
          {"duration", duration},
          {"pods",
           json::array(
               {{{"name", "worker"},
                 {"replicas", replicas},
                 {"requests", {{"cpu", "4"}, {"memory", "32Gi"}, {"nvidia.com/gpu", gpus}}}}})}};
}

std::string trace_text(const std::vector<json>& records) {
  std::string text;
  for (const auto& r : records) text += r.dump() + "\n";
  return text;
}

/// A scenario of `nodes` H100 nodes (8 GPUs each) running `workload`.
json scenario(const json& workload, int nodes = 4) {
  return {{"name", "cli"},
          {"seed", 1},
          {"platform",
           {{"nodePools",
             json::array({{{"name", "gpu"},
                           {"count", nodes},
                           {"capacity", {{"cpu", "112"}, {"memory", "2Ti"}, {"nvidia.com/gpu", 8}}},
                           {"gpuModel", "H100-SXM-80GB"}}})}}},
          {"workload", workload}};
}

json with(json doc, const std::function<void(json&)>& edit) {
  edit(doc);
  return doc;
}

/// A five-record trace whose third line spells "duration" wrong.
std::string trace_with_typo_on_line_3() {
  std::vector<json> records;
  for (int i = 1; i <= 5; ++i) records.push_back(record("j" + std::to_string(i), i * 10.0));
  records[2].erase("duration");
  records[2]["durration"] = "1h";
  return trace_text(records);
}

void expect_job_counts_add_up(const json& s) {
  const auto& jobs = s.at("jobs");
  EXPECT_EQ(jobs.at("submitted").get<std::int64_t>(),
            jobs.at("completed").get<std::int64_t>() + jobs.at("failed").get<std::int64_t>() +
                jobs.at("running").get<std::int64_t>() + jobs.at("pending").get<std::int64_t>())
      << jobs.dump();
}

// --- help and usage ------------------------------------------------------------------------------

class CliHelp : public Cli, public ::testing::WithParamInterface<std::string> {};

TEST_P(CliHelp, ExitsZeroAndPrintsUsage) {
  const auto r = kubetwin(GetParam());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Cli, CliHelp,
                         ::testing::Values("--help", "run --help", "validate --help",
                                           "generate --help"),
                         [](const auto& test_info) {
                           std::string n = test_info.param.substr(0, test_info.param.find(' '));
                           return n == "--help" ? std::string("Top") : n;
                         });

TEST_F(Cli, NoVerbExitsTwoWithOneLineOnStderr) {
  const auto r = kubetwin("");
  EXPECT_EQ(r.exit_code, kExitBadInput);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 1u) << r.err;
  EXPECT_EQ(lines[0].rfind(kErrorPrefix, 0), 0u) << lines[0];
}

// --- a run of the built-in default
// ----------------------------------------------------------------

class CliDefaultRun : public Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    result_ = kubetwin("run --out D");
    ASSERT_EQ(result_.exit_code, 0) << result_.err;
  }
  CommandResult result_;
};

TEST_F(CliDefaultRun, WritesExactlyTheFourResultFiles) {
  EXPECT_EQ(entries_of(path("D")), kResultFiles) << joined(entries_of(path("D")));
}

TEST_F(CliDefaultRun, SummaryHasCountsStatisticsAndUtilization) {
  const json s = summary("D");
  EXPECT_EQ(s.at("scenario"), "default");
  EXPECT_EQ(s.at("seed"), 42);
  EXPECT_GT(s.at("simulatedSeconds").get<double>(), 0);
  EXPECT_GE(s.at("wallSeconds").get<double>(), 0);
  EXPECT_GT(s.at("eventsProcessed").get<std::int64_t>(), 0);
  EXPECT_EQ(s.at("jobs").at("submitted"), 20000);
  expect_job_counts_add_up(s);
  for (const char* stat : {"jct", "queueingDelay"}) {
    for (const char* field : {"mean", "p50", "p90", "p99"}) {
      ASSERT_TRUE(s.at(stat).contains(field)) << stat << "." << field;
      EXPECT_TRUE(s.at(stat).at(field).is_number()) << stat << "." << field;
    }
  }
  const double util = s.at("gpuUtilization").get<double>();
  EXPECT_GE(util, 0.0);
  EXPECT_LE(util, 1.0);
}

TEST_F(CliDefaultRun, EventsAreJsonLinesInTimeOrderWithATypeEach) {
  const auto lines = lines_of(read_file(path("D/events.jsonl")));
  ASSERT_FALSE(lines.empty());
  double last = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json e = json::parse(lines[i], nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << "line " << i + 1 << ": " << lines[i];
    ASSERT_TRUE(e.contains("t") && e["t"].is_number()) << "line " << i + 1 << ": " << lines[i];
    ASSERT_TRUE(e.contains("type") && e["type"].is_string())
        << "line " << i + 1 << ": " << lines[i];
    ASSERT_GE(e["t"].get<double>(), last) << "line " << i + 1 << ": " << lines[i];
    last = e["t"].get<double>();
  }
}

TEST_F(CliDefaultRun, TimelineIsTraceEventJsonWithSlices) {
  const json tl = json::parse(read_file(path("D/timeline.json")));
  ASSERT_TRUE(tl.contains("traceEvents") && tl["traceEvents"].is_array());
  std::size_t slices = 0;
  for (const auto& e : tl["traceEvents"]) {
    if (e.value("ph", "") != "X") continue;
    ++slices;
    ASSERT_TRUE(e.contains("ts") && e.contains("dur")) << e.dump();
    EXPECT_GE(e["dur"].get<double>(), 0) << e.dump();
  }
  EXPECT_GT(slices, 0u);
}

TEST_F(CliDefaultRun, SeriesNeverAllocatesMoreThanTheClusterHas) {
  const auto cluster_gpus = summary("D").at("cluster").at("gpus").get<std::int64_t>();
  const auto lines = lines_of(read_file(path("D/series.csv")));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "time_s,allocated_gpus,pending_pods,running_jobs");
  double last_time = -1;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    double time = 0;
    long long allocated = 0, pending = 0, running = 0;
    ASSERT_EQ(
        std::sscanf(lines[i].c_str(), "%lf,%lld,%lld,%lld", &time, &allocated, &pending, &running),
        4)
        << lines[i];
    EXPECT_GE(time, last_time) << lines[i];
    EXPECT_GE(allocated, 0) << lines[i];
    EXPECT_LE(allocated, cluster_gpus) << lines[i];
    last_time = time;
  }
}

TEST_F(CliDefaultRun, PrintsAHumanSummary) {
  EXPECT_NE(result_.out.find("JCT"), std::string::npos) << result_.out;
  EXPECT_NE(result_.out.find("GPU util"), std::string::npos) << result_.out;
  EXPECT_NE(result_.out.find("20000 submitted"), std::string::npos) << result_.out;
}

// --- determinism ---------------------------------------------------------------------------------

struct DeterminismCase {
  std::string name;
  std::string args;  ///< scenario and flags, without --out
};
void PrintTo(const DeterminismCase& c, std::ostream* os) { *os << c.name; }

class CliDeterminism : public Cli, public ::testing::WithParamInterface<DeterminismCase> {};

TEST_P(CliDeterminism, SameScenarioAndSeedGiveIdenticalFiles) {
  ASSERT_EQ(kubetwin("run " + GetParam().args + " --quiet --out a").exit_code, 0);
  ASSERT_EQ(kubetwin("run " + GetParam().args + " --quiet --out b").exit_code, 0);
  for (const char* file : {"events.jsonl", "series.csv", "timeline.json"}) {
    const std::string a = read_file(path("a") / file);
    EXPECT_FALSE(a.empty()) << file;
    EXPECT_TRUE(a == read_file(path("b") / file)) << file << " differs between two runs";
  }
  if (fs::exists(path("a") / "gateway.jsonl")) {  // the gateway's arrivals, splits and picks are seeded too
    const std::string a = read_file(path("a") / "gateway.jsonl");
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(a == read_file(path("b") / "gateway.jsonl")) << "gateway.jsonl differs between two runs";
  }
  if (fs::exists(path("a") / "audit.jsonl")) {  // the API server's faults are seeded too
    const std::string a = read_file(path("a") / "audit.jsonl");
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(a == read_file(path("b") / "audit.jsonl")) << "audit.jsonl differs between two runs";
  }
  json sa = summary("a"), sb = summary("b");
  sa.erase("wallSeconds");
  sb.erase("wallSeconds");
  EXPECT_EQ(sa, sb);
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliDeterminism,
    ::testing::Values(DeterminismCase{"TraceReplay", shell_quote(example("trace-replay.json"))},
                      DeterminismCase{"SyntheticDefault", "--set /workload/synthetic/jobs=3000"},
                      DeterminismCase{"JobFailuresAndNodeFault", shell_quote(example("job-failures.json"))},
                      DeterminismCase{"InferenceHpa", shell_quote(example("inference-hpa.json"))},
                      DeterminismCase{"ApiServerFaults", shell_quote(example("api-faults.json"))},
                      DeterminismCase{"InferenceGateway", shell_quote(example("inference-gateway.json"))}),
    [](const auto& test_info) { return test_info.param.name; });

TEST_F(Cli, DifferentSeedChangesTheSyntheticRun) {
  ASSERT_EQ(kubetwin("run --set /workload/synthetic/jobs=3000 --quiet --out a").exit_code, 0);
  ASSERT_EQ(kubetwin("run --set /workload/synthetic/jobs=3000 --seed 43 --quiet --out b").exit_code,
            0);
  EXPECT_FALSE(read_file(path("a/events.jsonl")) == read_file(path("b/events.jsonl")));
  EXPECT_EQ(summary("b").at("seed"), 43);
}

TEST_F(Cli, QueueingHintsDoNotChangeAContendedRun) {
  const auto gen =
      kubetwin("generate --nodes 50 --gpus-per-node 8 --jobs 4000 --load 2.5 --seed 5 --out G");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  // Without control-plane time: with it, the attempts hints skip would cost scheduler time, so
  // the runs differ in timing (as upstream's do); the decisions are what must not change.
  const std::string no_time =
      " --set '/controlPlane={\"apiLatency\":0,\"watchLatency\":0,\"bindQps\":0,\"containerStart\":0,"
      "\"imagePullBandwidth\":0,\"schedulerCycle\":{\"base\":0,\"perFilteredNode\":0,"
      "\"perScoredNode\":0,\"pluginCosts\":false}}'";
  ASSERT_EQ(kubetwin("run G/scenario.json --set /scheduler/queueingHints=true" + no_time + " --quiet --out on")
                .exit_code,
            0);
  ASSERT_EQ(kubetwin("run G/scenario.json --set /scheduler/queueingHints=false" + no_time + " --quiet --out off")
                .exit_code,
            0);
  EXPECT_TRUE(read_file(path("on/events.jsonl")) == read_file(path("off/events.jsonl")));
  EXPECT_GT(summary("on").at("queueingDelay").at("mean").get<double>(), 0);
  EXPECT_EQ(summary("on").at("jobs").at("submitted"), 4000);
}

TEST_F(Cli, ControllerExamplesReportFailuresEvictionsAndRescales) {
  ASSERT_EQ(kubetwin("run " + shell_quote(example("job-failures.json")) + " --quiet --out jf").exit_code, 0);
  const json jf = summary("jf");
  EXPECT_EQ(jf["failureReasons"]["PodFailurePolicy"], 1);
  EXPECT_EQ(jf["failureReasons"]["DeadlineExceeded"], 1);
  EXPECT_EQ(jf["jobs"]["submitted"], 7) << "six jobs and one JobSet";
  EXPECT_EQ(jf["controllers"]["jobSets"], 1);
  EXPECT_EQ(jf["nodeFaults"]["notReady"], 1);
  EXPECT_GE(jf["controllers"]["podFailures"].get<int>(), 4);
  const std::string events = read_file(path("jf/events.jsonl"));
  for (const char* type : {"\"PodFailed\"", "\"PodRecreated\"", "\"NodeNotReady\"", "\"Evicted\"", "\"NodeReady\"",
                           "\"JobSetRestarted\"", "\"JobSetCompleted\""}) {
    EXPECT_NE(events.find(type), std::string::npos) << type;
  }
  EXPECT_NE(events.find("\"t\":940,\"type\":\"NodeNotReady\",\"node\":\"h100-1\""), std::string::npos)
      << "15 min + the 40 s grace period";

  ASSERT_EQ(kubetwin("run " + shell_quote(example("inference-hpa.json")) + " --quiet --out hpa").exit_code, 0);
  const json hpa = summary("hpa");
  EXPECT_GT(hpa["deployments"][0]["rescales"].get<int>(), 10);
  const std::string hpa_events = read_file(path("hpa/events.jsonl"));
  EXPECT_NE(hpa_events.find("\"SuccessfulRescale\""), std::string::npos);
  EXPECT_NE(hpa_events.find("\"TriggeredScaleUp\""), std::string::npos) << "pending replicas make the autoscaler add nodes";
  EXPECT_FALSE(summary("hpa").contains("nodeFaults"));
}

TEST_F(Cli, RunsWithoutControllersHaveNoControllerSections) {
  ASSERT_EQ(kubetwin("run " + shell_quote(example("trace-replay.json")) + " --quiet --out plain").exit_code, 0);
  const json s = summary("plain");
  EXPECT_FALSE(s.contains("controllers"));
  EXPECT_FALSE(s.contains("nodeFaults"));
  EXPECT_FALSE(s.contains("deployments"));
}

// --- bad input -----------------------------------------------------------------------------------

struct BadInputCase {
  std::string name;
  std::vector<std::pair<std::string, std::string>> files;  ///< written into the test folder first
  std::string args;                                        ///< the command line after "kubetwin"
  std::string where;  ///< what the first error line says right after "kubetwin: error: "; {dir} is
                      ///< the folder
  std::string out_dir = "out";
};
void PrintTo(const BadInputCase& c, std::ostream* os) { *os << c.name; }

class CliBadInput : public Cli, public ::testing::WithParamInterface<BadInputCase> {};

TEST_P(CliBadInput, ExitsTwoNamingWhereAndWritesNothing) {
  const auto& c = GetParam();
  for (const auto& [name, text] : c.files) write(name, text);
  const auto r = kubetwin(c.args);
  EXPECT_EQ(r.exit_code, kExitBadInput) << r.err;
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  std::string where = c.where;
  if (const auto at = where.find("{dir}"); at != std::string::npos)
    where.replace(at, 5, dir_.string());
  EXPECT_EQ(lines[0].rfind(kErrorPrefix + where, 0), 0u)
      << lines[0] << "\nexpected to start with " << kErrorPrefix << where;
  EXPECT_TRUE(entries_of(path(c.out_dir)).empty()) << joined(entries_of(path(c.out_dir)));
}

const std::string kGoodTrace = trace_text({record("a", 0), record("b", 10)});

INSTANTIATE_TEST_SUITE_P(
    Cli, CliBadInput,
    ::testing::Values(
        BadInputCase{
            "MalformedJsonNamesFileAndLine",
            {{"bad.json", "{\n  \"name\": \"x\",\n  \"seed\": ,\n  \"platform\": {}\n}\n"}},
            "run bad.json --out out",
            "bad.json:3: "},
        BadInputCase{
            "UnknownKeyNamesPointer",
            {{"s.json", with(scenario({{"trace", "t.jsonl"}}),
                             [](json& d) { d["platform"]["nodePools"][0]["replicas"] = 3; })
                            .dump(2)},
             {"t.jsonl", kGoodTrace}},
            "run s.json --out out",
            "s.json: /platform/nodePools/0/replicas: is not a known field"},
        BadInputCase{
            "NegativeNodeCount",
            {{"s.json", scenario({{"trace", "t.jsonl"}}, -2).dump()}, {"t.jsonl", kGoodTrace}},
            "run s.json --out out",
            "s.json: /platform/nodePools/0/count: "},
        BadInputCase{"ZeroCpu",
                     {{"s.json",
                       with(scenario({{"trace", "t.jsonl"}}),
                            [](json& d) { d["platform"]["nodePools"][0]["capacity"]["cpu"] = "0"; })
                           .dump()},
                      {"t.jsonl", kGoodTrace}},
                     "run s.json --out out",
                     "s.json: /platform/nodePools/0/capacity/cpu: "},
        BadInputCase{
            "UnknownGpuModel",
            {{"s.json", with(scenario({{"trace", "t.jsonl"}}),
                             [](json& d) { d["platform"]["nodePools"][0]["gpuModel"] = "X100"; })
                            .dump()},
             {"t.jsonl", kGoodTrace}},
            "run s.json --out out",
            "s.json: /platform/nodePools/0/gpuModel: unknown GPU model \"X100\""},
        BadInputCase{"TraceBadLineInTheMiddle",
                     {{"s.json", scenario({{"trace", "mid.jsonl"}}).dump()},
                      {"mid.jsonl", trace_with_typo_on_line_3()}},
                     "run s.json --out out",
                     "mid.jsonl:3: "},
        BadInputCase{
            "TraceFlagBadLineInTheMiddle",
            {{"mid.jsonl", trace_with_typo_on_line_3()}},
            "run " + shell_quote(example("trace-replay.json")) + " --trace mid.jsonl --out out",
            "{dir}/mid.jsonl:3: "},
        BadInputCase{"TraceUnsorted",
                     {{"s.json", scenario({{"trace", "t.jsonl"}}).dump()},
                      {"t.jsonl", trace_text({record("a", 0), record("b", 20), record("c", 10),
                                              record("d", 30)})}},
                     "run s.json --out out",
                     "t.jsonl:3: /submitTime: "},
        BadInputCase{"TraceDuplicateJobId",
                     {{"s.json", scenario({{"trace", "t.jsonl"}}).dump()},
                      {"t.jsonl", trace_text({record("a", 0), record("b", 1), record("c", 2),
                                              record("a", 3)})}},
                     "run s.json --out out",
                     "t.jsonl:4: /jobId: duplicate job id \"a\""},
        BadInputCase{
            "TraceUnknownGpuModelInNodeSelector",
            {{"s.json", scenario({{"trace", "t.jsonl"}}).dump()},
             {"t.jsonl",
              trace_text(
                  {record("a", 0),
                   with(record("b", 1),
                        [](json& r) {
                          r["pods"][0]["nodeSelector"] = {{"nvidia.com/gpu.product", "X100"}};
                        })})}},
            "run s.json --out out",
            "t.jsonl:2: /pods/0/nodeSelector/nvidia.com~1gpu.product: unknown GPU model \"X100\""},
        BadInputCase{"TraceBadBackoffLimit",
                     {{"s.json", scenario({{"trace", "t.jsonl"}}).dump()},
                      {"t.jsonl", trace_text({record("a", 0), with(record("b", 1), [](json& r) { r["backoffLimit"] = -1; })})}},
                     "run s.json --out out",
                     "t.jsonl:2: /backoffLimit: "},
        BadInputCase{"FaultOnAnUnknownNode",
                     {{"s.json", with(scenario({{"trace", "t.jsonl"}}),
                                      [](json& d) { d["faults"] = json::array({{{"node", "nope-0"}, {"at", "1m"}}}); })
                                     .dump()},
                      {"t.jsonl", kGoodTrace}},
                     "run s.json --out out",
                     "s.json: /faults/0/node: no node \"nope-0\""},
        // A synthetic workload pinned to a GPU model the cluster lacks cannot be generated; the
        // message must say where in the scenario the problem is.
        BadInputCase{"SyntheticGpuModelNotInTheCluster",
                     {},
                     "run --set /workload/synthetic/gpuModel=B200-SXM-180GB --out out",
                     "(built-in default scenario): /workload/synthetic/gpuModel: "},
        BadInputCase{"NegativeSeed",
                     {},
                     "run " + shell_quote(example("trace-replay.json")) + " --seed -1 --out out",
                     ""},
        BadInputCase{"UnknownFlag", {}, "run --bogus --out out", ""},
        BadInputCase{"SeedNotANumber", {}, "run --seed abc --out out", ""},
        BadInputCase{"SetWithoutEquals", {}, "run --set /platform --out out", "--set /platform: "},
        BadInputCase{"SetMissingParent",
                     {},
                     "run --set /nope/x=1 --out out",
                     "--set /nope/x=1: /nope does not exist"},
        BadInputCase{"MissingScenarioFile", {}, "run missing.json --out out", ""},
        BadInputCase{"GenerateZeroNodes",
                     {},
                     "generate --nodes 0 --gpus-per-node 8 --jobs 10 --out out",
                     "--nodes"},
        BadInputCase{"GenerateUnknownGpuModel",
                     {},
                     "generate --nodes 2 --gpus-per-node 8 --jobs 10 --gpu-model X100 --out out",
                     "--gpu-model: unknown GPU model \"X100\""}),
    [](const auto& test_info) { return test_info.param.name; });

// Messages from the flag parser: exit 2 and a line that names the offending flag or file.
struct FlagErrorCase {
  std::string name;
  std::string args;
  std::string mentions;
};
void PrintTo(const FlagErrorCase& c, std::ostream* os) { *os << c.name; }

class CliFlagError : public Cli, public ::testing::WithParamInterface<FlagErrorCase> {};

TEST_P(CliFlagError, NamesTheOffendingFlagOrFile) {
  const auto r = kubetwin(GetParam().args);
  EXPECT_EQ(r.exit_code, kExitBadInput);
  const auto lines = lines_of(r.err);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0].rfind(kErrorPrefix, 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(GetParam().mentions), std::string::npos) << lines[0];
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliFlagError,
    ::testing::Values(FlagErrorCase{"UnknownFlag", "run --bogus", "--bogus"},
                      FlagErrorCase{"SeedNotANumber", "run --seed abc", "--seed"},
                      FlagErrorCase{"MissingScenarioFile", "run missing.json", "missing.json"},
                      FlagErrorCase{"ValidateWithoutScenario", "validate", "scenario"}),
    [](const auto& test_info) { return test_info.param.name; });

TEST_F(Cli, ScenarioErrorsAreAllReportedOneLineEach) {
  write("s.json", with(scenario({{"synthetic", {{"jobs", 10}}}}), [](json& d) {
                    d["extra"] = 1;
                    d["platform"]["nodePools"][0]["count"] = 0;
                    d["platform"]["nodePools"][0]["gpuModel"] = "X100";
                  }).dump());
  const auto r = kubetwin("validate s.json");
  EXPECT_EQ(r.exit_code, kExitBadInput);
  const auto lines = lines_of(r.err);
  ASSERT_EQ(lines.size(), 3u) << r.err;
  for (const auto& l : lines)
    EXPECT_EQ(l.rfind(std::string(kErrorPrefix) + "s.json: /", 0), 0u) << l;
}

TEST_F(Cli, FailedRunLeavesEarlierResultsUnchanged) {
  write("s.json", scenario({{"trace", "t.jsonl"}}).dump());
  write("t.jsonl", kGoodTrace);
  write("bad.jsonl", trace_with_typo_on_line_3());
  ASSERT_EQ(kubetwin("run s.json --quiet --out out").exit_code, 0);
  std::map<std::string, std::string> before;
  for (const auto& name : entries_of(path("out"))) before[name] = read_file(path("out") / name);
  ASSERT_EQ(before.size(), kResultFiles.size());

  const auto r = kubetwin("run s.json --trace bad.jsonl --quiet --out out");
  EXPECT_EQ(r.exit_code, kExitBadInput) << r.err;
  EXPECT_EQ(entries_of(path("out")), kResultFiles) << joined(entries_of(path("out")));
  for (const auto& [name, text] : before)
    EXPECT_TRUE(read_file(path("out") / name) == text) << name << " changed";
}

// --- runs with reported failures, flags and horizons
// ------------------------------------------------

TEST_F(Cli, JobWiderThanTheClusterIsReportedAsFailed) {
  write("s.json", scenario({{"jobs", json::array({record("fits", 0, 8, 2),
                                                  with(record("too-wide", 60, 8, 9),
                                                       [](json& r) { r["minMember"] = 9; }),
                                                  record("after", 120, 8, 1)})}},
                           /*nodes=*/4)
                      .dump());
  const auto r = kubetwin("run s.json --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = summary("out");
  EXPECT_EQ(s.at("jobs").at("submitted"), 3);
  EXPECT_EQ(s.at("jobs").at("completed"), 2);
  EXPECT_EQ(s.at("jobs").at("failed"), 1);
  EXPECT_EQ(s.at("failureReasons").value("ExceedsClusterCapacity", 0), 1) << s.dump();
  expect_job_counts_add_up(s);
  bool failed_event = false;
  for (const auto& line : lines_of(read_file(path("out/events.jsonl")))) {
    const json e = json::parse(line);
    if (e.at("type") == "JobFailed") {
      EXPECT_EQ(e.at("job"), "too-wide");
      EXPECT_EQ(e.value("reason", ""), "ExceedsClusterCapacity");
      failed_event = true;
    }
  }
  EXPECT_TRUE(failed_event);
}

TEST_F(Cli, TraceFlagReplacesTheScenarioWorkload) {
  write("two.jsonl", kGoodTrace);
  const auto r = kubetwin("run " + shell_quote(example("trace-replay.json")) +
                          " --trace two.jsonl --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary("out").at("jobs").at("submitted"), 2);
  EXPECT_EQ(summary("out").at("jobs").at("completed"), 2);
}

TEST_F(Cli, SetChangesThePlatform) {
  const std::string scenario_file = shell_quote(example("trace-replay.json"));
  ASSERT_EQ(kubetwin("run " + scenario_file + " --quiet --out before").exit_code, 0);
  const auto r =
      kubetwin("run " + scenario_file + " --set /platform/nodePools/0/count=2 --quiet --out after");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary("after").at("cluster").at("nodes").get<int>(),
            summary("before").at("cluster").at("nodes").get<int>() - 2);
}

TEST_F(Cli, GeneratedStudyValidatesAndRuns) {
  const auto gen = kubetwin("generate --nodes 10 --gpus-per-node 4 --jobs 200 --out G");
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  EXPECT_EQ(entries_of(path("G")), (std::vector<std::string>{"scenario.json", "trace.jsonl"}));
  EXPECT_EQ(lines_of(read_file(path("G/trace.jsonl"))).size(), 200u);
  const auto v = kubetwin("validate G/scenario.json");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("valid scenario"), std::string::npos) << v.out;
  const auto r = kubetwin("run G/scenario.json --quiet --out G/results");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = summary("G/results");
  EXPECT_EQ(s.at("jobs").at("submitted"), 200);
  EXPECT_EQ(s.at("cluster").at("nodes"), 10);
  EXPECT_EQ(s.at("cluster").at("gpus"), 40);
  expect_job_counts_add_up(s);
}

TEST_F(Cli, UntilStopsTheRunAtTheHorizon) {
  const auto r = kubetwin("run " + shell_quote(example("strict-fifo.json")) +
                          " --set /simulation/until=6h --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = summary("out");
  EXPECT_DOUBLE_EQ(s.at("simulatedSeconds").get<double>(), 21600.0);
  EXPECT_TRUE(s.at("horizonReached").get<bool>());
  expect_job_counts_add_up(s);
  EXPECT_LT(s.at("jobs").at("submitted").get<int>(), 10000);
  const auto series = lines_of(read_file(path("out/series.csv")));
  ASSERT_GE(series.size(), 2u);
  EXPECT_EQ(series.back().rfind("21600,", 0), 0u) << series.back();
}

TEST_F(Cli, RunWithoutTimelineWritesTheOtherFourFiles) {
  const auto r = kubetwin("run " + shell_quote(example("trace-replay.json")) +
                          " --set /output/timeline=false --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(entries_of(path("out")),
            (std::vector<std::string>{"events.jsonl", "series.csv", "summary.json", "topology.json"}));
  EXPECT_EQ(r.out.find("timeline.json"), std::string::npos) << r.out;
}

// The output folder holds one run's results: a run without a timeline must not leave (and
// advertise) the timeline.json of an earlier run in the same folder.
TEST_F(Cli, RunWithoutTimelineLeavesNoStaleTimelineFromAnEarlierRun) {
  const std::string scenario_file = shell_quote(example("trace-replay.json"));
  ASSERT_EQ(kubetwin("run " + scenario_file + " --quiet --out out").exit_code, 0);
  const auto r =
      kubetwin("run " + scenario_file + " --seed 9 --set /output/timeline=false --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(entries_of(path("out")),
            (std::vector<std::string>{"events.jsonl", "series.csv", "summary.json", "topology.json"}))
      << joined(entries_of(path("out")));
  EXPECT_EQ(r.out.find("timeline.json"), std::string::npos) << r.out;
}

TEST_F(Cli, ValidateRejectsASyntheticWorkloadTheClusterCannotRun) {
  const auto r = kubetwin("validate " + shell_quote(example("default.json")) +
                          " --set /workload/synthetic/gpuModel=B200-SXM-180GB");
  EXPECT_EQ(r.exit_code, kExitBadInput) << r.out;
  EXPECT_EQ(
      r.err.rfind(kErrorPrefix + example("default.json") + ": /workload/synthetic/gpuModel: ", 0),
      0u)
      << r.err;
}

// Whatever seed generate accepts, the scenario it writes must validate (the seed is unsigned
// 64-bit everywhere else).
TEST_F(Cli, GenerateNeverWritesAScenarioThatValidateRejects) {
  const auto gen =
      kubetwin("generate --nodes 2 --gpus-per-node 8 --jobs 5 --seed 9223372036854775808 --out G");
  if (gen.exit_code == kExitBadInput) return;  // refusing the seed up front is fine too
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  const auto v = kubetwin("validate G/scenario.json");
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

TEST_F(Cli, QuietRunPrintsNothing) {
  const auto r =
      kubetwin("run " + shell_quote(example("trace-replay.json")) + " --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

// Fingerprint tests: the event log of a fixed scenario and seed, pinned. A change here means the
// simulation's behaviour changed; if that was intended, put the new fingerprint in and say why in
// the commit message.
// Issue 4's API server: under write errors, an outage and two controller restarts every Job of
// api-faults.json completes with exactly `completions` pods, each Pod created once.
TEST_F(Cli, ApiFaultsExampleLosesAndDuplicatesNoPodAndAuditsEveryRequest) {
  const auto r = kubetwin("run " + shell_quote(example("api-faults.json")) + " --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = summary("out");
  EXPECT_EQ(s["jobs"]["completed"], 3);
  EXPECT_EQ(s["jobs"]["failed"], 0);
  EXPECT_EQ(s["apiServer"]["controllerRestarts"], 2);
  EXPECT_GT(s["apiServer"]["errors"]["500"].get<int>(), 0);
  EXPECT_GT(s["apiServer"]["errors"]["503"].get<int>(), 0);
  std::map<std::string, int> created;  // Pod name -> successful creates
  int requests = 0;
  for (const auto& line : lines_of(read_file(path("out/audit.jsonl")))) {
    const json a = json::parse(line);
    ++requests;
    EXPECT_LE(a["submitted"].get<double>(), a["replied"].get<double>());
    if (a["kind"] == "Pod" && a["verb"] == "create" && a["code"] == 201) ++created[a["name"].get<std::string>()];
  }
  EXPECT_EQ(requests, s["apiServer"]["requests"].get<int>());
  for (const auto& [pod, n] : created) EXPECT_EQ(n, 1) << pod;
  // sweep: 20 completions and no injected pod failure, so exactly 20 pods.
  int sweep = 0;
  for (const auto& [pod, n] : created) sweep += pod.rfind("sweep-", 0) == 0;
  EXPECT_EQ(sweep, 20);
  EXPECT_EQ(s["apiServer"]["podsCreated"].get<int>(), static_cast<int>(created.size()));
}

TEST_F(Cli, RunsWithoutApiServerWriteNoAuditLogAndBadApiServerInputExits2) {
  ASSERT_EQ(kubetwin("run " + shell_quote(example("job-failures.json")) + " --quiet --out out").exit_code, 0);
  EXPECT_FALSE(fs::exists(path("out/audit.jsonl")));
  EXPECT_FALSE(summary("out").contains("apiServer"));
  const auto r = kubetwin("run " + shell_quote(example("api-faults.json")) +
                          " --set '/apiServer/faults/outages/0/from=\"30m\"' --quiet --out bad");
  EXPECT_EQ(r.exit_code, kExitBadInput);
  EXPECT_NE(r.err.find("/apiServer/faults/outages/0/to: must not be before from"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(path("bad/summary.json")));
}

TEST_F(Cli, TrainJobOperatorExampleRejectsInvalidRunsValidOnesAndCreatesEachPodOnce) {
  const auto r = kubetwin("run " + shell_quote(example("trainjob-operator.json")) + " --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json s = summary("out");
  EXPECT_EQ(s["trainJobs"]["crdsEstablished"], 1);
  EXPECT_EQ(s["trainJobs"]["submitted"], 7);
  EXPECT_EQ(s["trainJobs"]["stored"], 5);
  EXPECT_EQ(s["trainJobs"]["rejected"], 2);
  EXPECT_EQ(s["trainJobs"]["succeeded"], 5);
  EXPECT_EQ(s["trainJobs"]["operatorRestarts"], 2);
  EXPECT_GT(s["trainJobs"]["webhook"]["failedClosed"].get<int>(), 0);
  std::map<std::string, int> rejected, created;
  for (const auto& line : lines_of(read_file(path("out/events.jsonl")))) {
    const json e = json::parse(line);
    if (e["type"] == "TrainJobRejected") rejected[e["trainJob"].get<std::string>()] = e["code"].get<int>();
  }
  EXPECT_EQ(rejected, (std::map<std::string, int>{{"unknown-runtime", 403}, {"zero-nodes", 403}}));
  for (const auto& line : lines_of(read_file(path("out/audit.jsonl")))) {
    const json a = json::parse(line);
    if (a["kind"] == "Pod" && a["verb"] == "create" && a["code"] == 201) ++created[a["name"].get<std::string>()];
    if (a["kind"] == "TrainJob" && a["verb"] == "create" && a["code"] == 201) {
      EXPECT_TRUE(a["name"] != "zero-nodes" && a["name"] != "unknown-runtime") << line;
    }
  }
  EXPECT_EQ(created.size(), 9u);  // 2 + 1 + 2 + 1 + 3 nodes
  for (const auto& [pod, n] : created) EXPECT_EQ(n, 1) << pod;
  // Byte-identical on a second run.
  ASSERT_EQ(kubetwin("run " + shell_quote(example("trainjob-operator.json")) + " --quiet --out again").exit_code, 0);
  EXPECT_EQ(read_file(path("out/events.jsonl")), read_file(path("again/events.jsonl")));
  EXPECT_EQ(read_file(path("out/audit.jsonl")), read_file(path("again/audit.jsonl")));
  // Bad input names its pointer and exits 2.
  const auto bad = kubetwin("run " + shell_quote(example("trainjob-operator.json")) +
                            " --set '/trainJobs/webhook/failurePolicy=\"Sometimes\"' --quiet --out bad");
  EXPECT_EQ(bad.exit_code, kExitBadInput);
  EXPECT_NE(bad.err.find("/trainJobs/webhook/failurePolicy"), std::string::npos) << bad.err;
  const auto orphan = kubetwin("run " + shell_quote(example("api-faults.json")) +
                               " --set '/apiServer/faults/restarts/0/controller=\"trainjob-controller\"' --quiet --out bad");
  EXPECT_EQ(orphan.exit_code, kExitBadInput);
  EXPECT_NE(orphan.err.find("/apiServer/faults/restarts/0/controller: \"trainjob-controller\" runs only with /trainJobs"),
            std::string::npos)
      << orphan.err;
  EXPECT_FALSE(fs::exists(path("bad/summary.json")));
}

TEST_F(Cli, FingerprintsOfTheExampleRunsArePinned) {
  struct Pinned {
    std::string args;
    std::string fingerprint;
  };
  const std::vector<Pinned> pinned{
      {"run " + shell_quote(example("trace-replay.json")), "6446a40c05dc631b"},
      {"run", "f69675f35a4f1c81"},  // the built-in default scenario
      {"run " + shell_quote(example("gpu-sharing.json")), "875b815d654b85bb"},
      {"run " + shell_quote(example("fabric-training.json")), "abbad208930c6458"},
  };
  for (const auto& p : pinned) {
    const auto r = kubetwin(p.args + " --quiet --out out");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(summary("out")["eventLog"]["fingerprint"], p.fingerprint) << p.args;
  }
}

TEST_F(Cli, GatewayExampleRoutesEveryRequestByItsRulesAndServesIt) {
  const auto r = kubetwin("run " + shell_quote(example("inference-gateway.json")) + " --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json g = summary("out")["gateway"];
  EXPECT_GT(g["requests"].get<int>(), 1000);
  EXPECT_EQ(g["completed"], g["requests"]);
  EXPECT_EQ(g["routes"][0]["conditions"][0]["reason"], "Accepted");
  int lines = 0, chat_to_pool = 0, chat = 0, seventy = 0, seventy_ok = 0;
  for (const auto& line : lines_of(read_file(path("out/gateway.jsonl")))) {
    const json q = json::parse(line);
    ++lines;
    const std::string model = q["headers"].value("x-model", "");
    if (q["path"] == "/v1/chat/completions" && model == "llama-3-8b") {
      ++chat;
      chat_to_pool += q["backend"] == "InferencePool/chat-pool" ? 1 : 0;
    }
    if (model == "llama-3-70b") {
      ++seventy;
      seventy_ok += q["backend"] == "Service/llm-70b" ? 1 : 0;
    }
  }
  EXPECT_EQ(lines, g["requests"].get<int>());
  EXPECT_GT(chat, 0);
  EXPECT_EQ(chat_to_pool, chat);
  EXPECT_GT(seventy, 0);
  EXPECT_EQ(seventy_ok, seventy);
  // A node fault: the pods evicted from it lose the requests they were serving (aborted, 503), the
  // replacements serve the rest; every request is accounted for.
  const auto fault = kubetwin("run " + shell_quote(example("inference-gateway.json")) +
                              " --set '/faults=[{\"node\": \"h100-1\", \"at\": \"3m\", \"duration\": \"1h\"}]'" +
                              " --set '/controllers={\"defaultTolerationSeconds\": \"30s\"}' --quiet --out fault");
  ASSERT_EQ(fault.exit_code, 0) << fault.err;
  const json f = summary("fault")["gateway"];
  EXPECT_GT(f["outcomes"].value("aborted", 0), 0) << f.dump();
  int accounted = 0;
  for (const auto& [outcome, n] : f["outcomes"].items()) accounted += n.get<int>();
  EXPECT_EQ(accounted, f["requests"].get<int>());
  // A bad regular expression is bad input at its pointer, and nothing is written.
  const auto bad = kubetwin("run " + shell_quote(example("inference-gateway.json")) +
                            " --set '/gateway/httpRoutes/0/rules/0/matches/0/headers/0/value=\"llama-(\"' --quiet --out bad");
  EXPECT_EQ(bad.exit_code, kExitBadInput);
  EXPECT_NE(bad.err.find("/gateway/httpRoutes/0/rules/0/matches/0/headers/0/value: not a valid regular expression"), std::string::npos)
      << bad.err;
  EXPECT_FALSE(fs::exists(path("bad/summary.json")));
}

TEST_F(Cli, FabricScenarioTimesJobsOnTheirRoutesAndRecordsContention) {
  const auto r = kubetwin("run " + shell_quote(example("fabric-training.json")) + " --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(summary("out")["runtimeModel"], "step-time-on-routed-fabric");
  int rate_changes = 0, started_with_step = 0;
  for (const auto& line : lines_of(read_file(path("out/events.jsonl")))) {
    const json e = json::parse(line);
    if (e["type"] == "RateChanged") ++rate_changes;
    if (e["type"] == "JobStarted" && e.contains("stepSeconds") && e["stepSeconds"].get<double>() > 0) ++started_with_step;
  }
  EXPECT_GT(rate_changes, 0);  // co-tenants on shared uplinks slow each other
  EXPECT_GT(started_with_step, 0);
  // With a fabric the folder also holds the fabric and its links' modelled load over time.
  std::vector<std::string> files = kResultFiles;
  files.insert(files.begin() + 1, {"fabric-usage.jsonl", "fabric.json"});  // in name order, after events.jsonl
  EXPECT_EQ(entries_of(path("out")), files) << joined(entries_of(path("out")));
  const json fabric = json::parse(read_file(path("out/fabric.json")));
  EXPECT_EQ(fabric["kind"], "fatTree");
  EXPECT_EQ(fabric["blocks"].size(), 2u);  // 32 servers, 16 per spine block
  EXPECT_EQ(fabric["leaves"].size(), 8u);  // 4 servers per leaf
  EXPECT_EQ(fabric["servers"].size(), 32u);
  EXPECT_EQ(fabric["servers"][5]["leaves"], json::array({1}));
  // 2:1 oversubscribed: a leaf's uplinks carry half its 4 servers x 8 NICs x 400 Gb/s, times the 0.9 achieved.
  EXPECT_DOUBLE_EQ(fabric["leaves"][0]["spineBytesPerSecond"].get<double>(), 4 * 8 * 50e9 / 2 * 0.9);
  // Every start has its end (all jobs complete), loads never exceed the capacity they share.
  int starts = 0, ends = 0;
  const std::size_t leaves = fabric["leaves"].size();
  for (const auto& line : lines_of(read_file(path("out/fabric-usage.jsonl")))) {
    const json u = json::parse(line);
    (u["change"] == "start" ? starts : ends) += 1;
    ASSERT_EQ(u["resources"].size(), u["load"].size());
    for (std::size_t i = 0; i < u["resources"].size(); ++i) {
      const auto res = u["resources"][i].get<std::size_t>();
      const double capacity = res < 2 * leaves ? fabric["leaves"][res / 2]["spineBytesPerSecond"].get<double>()
                                               : fabric["blocks"][(res - 2 * leaves) / 2]["coreBytesPerSecond"].get<double>();
      EXPECT_LE(u["load"][i][0].get<double>(), capacity * (1 + 1e-9)) << line;
      EXPECT_LE(u["load"][i][0].get<double>(), u["load"][i][1].get<double>() * (1 + 1e-9)) << line;
    }
  }
  EXPECT_GT(starts, 0);
  EXPECT_EQ(starts, ends);
}

// Issue 5's comparison: on fabric-training's 2:1 fat-tree, the TopologyAware profile keeps gangs
// under fewer leaves than the topology-blind default profile, so they pay the oversubscribed
// uplinks less often and slow each other less (numbers in docs/placement-runtime.md).
TEST_F(Cli, TopologyAwareProfileShortensJobsOnTheOversubscribedFabric) {
  const std::string aware_profile =
      R"({"profiles":[{"schedulerName":"default-scheduler","plugins":{)"
      R"("preFilter":{"enabled":[{"name":"TopologyAware"}]},"filter":{"enabled":[{"name":"TopologyAware"}]},)"
      R"("preScore":{"enabled":[{"name":"TopologyAware"}]},"score":{"enabled":[{"name":"TopologyAware","weight":2}]}}}]})";
  const auto blind = kubetwin("run " + shell_quote(example("fabric-training.json")) + " --quiet --out blind");
  ASSERT_EQ(blind.exit_code, 0) << blind.err;
  const auto aware = kubetwin("run " + shell_quote(example("fabric-training.json")) + " --set " +
                              shell_quote("/scheduler=" + aware_profile) + " --quiet --out aware");
  ASSERT_EQ(aware.exit_code, 0) << aware.err;
  const json b = summary("blind"), a = summary("aware");
  ASSERT_EQ(a["jobs"]["completed"], b["jobs"]["completed"]);
  EXPECT_LT(a["jct"]["mean"].get<double>(), b["jct"]["mean"].get<double>());
  EXPECT_LT(a["fabric"]["rateChanges"].get<int>(), b["fabric"]["rateChanges"].get<int>());
}

TEST_F(Cli, PluginVerdictsRecordEveryRejectingPluginPerNode) {
  const auto r = kubetwin("run " + shell_quote(example("trace-replay.json")) +
                          " --set /output/pluginVerdicts=true --quiet --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, int> rejected_nodes;  // job -> FilterRejected lines
  std::map<std::string, std::string> failed;  // job -> FailedScheduling message
  for (const auto& line : lines_of(read_file(path("out/events.jsonl")))) {
    const json e = json::parse(line);
    if (e["type"] == "FilterRejected") {
      ++rejected_nodes[e["job"]];
      EXPECT_FALSE(e["plugin"].get<std::string>().empty());
      EXPECT_FALSE(e["reasons"].empty());
    } else if (e["type"] == "FailedScheduling") {
      failed[e["job"]] = e["message"];
    }
  }
  ASSERT_FALSE(failed.empty());
  for (const auto& [job, message] : failed) {
    // "F/8 nodes are available: ..." -> 8 - F nodes rejected the pod, one line each.
    if (message.rfind("gang of", 0) == 0) continue;
    const int feasible = std::stoi(message.substr(0, message.find('/')));
    EXPECT_EQ(rejected_nodes[job], 8 - feasible) << job << ": " << message;
  }
  // Off by default: the same run without the option has no FilterRejected line.
  ASSERT_EQ(kubetwin("run " + shell_quote(example("trace-replay.json")) + " --quiet --out plain").exit_code, 0);
  EXPECT_EQ(read_file(path("plain/events.jsonl")).find("FilterRejected"), std::string::npos);
}

// --- kubetwin experiment fgd ---------------------------------------------------------------------

// A tiny openb-shaped trace folder: two 2-GPU nodes, a few pods.
void write_tiny_openb(const fs::path& dir, const std::string& pods_name = "default") {
  fs::create_directories(dir);
  write_file(dir / "openb_node_list_gpu_node.csv",
             "sn,cpu_milli,memory_mib,gpu,model\nn0,32000,131072,2,T4\nn1,32000,131072,2,G2\n");
  write_file(dir / ("openb_pod_list_" + pods_name + ".csv"),
             "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
             "p0,4000,8192,1,500,,LS,Running,0,10,0\n"
             "p1,4000,8192,1,1000,,LS,Running,1,10,1\n"
             "p2,2000,4096,0,0,,BE,Running,2,10,2\n"
             "p3,4000,8192,2,1000,T4,LS,Running,3,10,3\n");
}

TEST_F(Cli, FgdRunWritesTheCurveAndSummary) {
  write_tiny_openb(path("t"));
  const auto r = kubetwin("experiment fgd --nodes t/openb_node_list_gpu_node.csv --pods t/openb_pod_list_default.csv "
                          "--policy FGD --seed 42 --out out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = lines_of(read_file(path("out/curve.csv")));
  ASSERT_EQ(rows.size(), 132u);  // header + arrived 0..130
  EXPECT_EQ(rows[0], "arrived_pct,alloc_pct,frag_ratio_pct,frag_amount_pct");
  EXPECT_EQ(rows[101].rfind("100,", 0), 0u);
  const json s = summary("out");
  for (const char* key : {"allocPctAt100", "allocPctAt130", "wallSeconds"}) EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_LE(s["allocPctAt130"].get<double>(), 100.0);
}

TEST_F(Cli, FgdUnknownPolicyAndMalformedRowsAreBadInput) {
  write_tiny_openb(path("t"));
  auto r = kubetwin("experiment fgd --nodes t/openb_node_list_gpu_node.csv --pods t/openb_pod_list_default.csv "
                    "--policy Tetris --out out");
  EXPECT_EQ(r.exit_code, kExitBadInput);
  EXPECT_EQ(r.err.rfind(std::string(kErrorPrefix) + "--policy: unknown policy \"Tetris\"", 0), 0u) << r.err;
  EXPECT_FALSE(fs::exists(path("out/curve.csv")));

  write_file(path("t/openb_pod_list_default.csv"),
             "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"
             "p0,4000,8192,1,500,,LS,Running,0,10,0\n"
             "p1,4000,lots,1,1000,,LS,Running,1,10,1\n");
  r = kubetwin("experiment fgd --nodes t/openb_node_list_gpu_node.csv --pods t/openb_pod_list_default.csv "
               "--policy FGD --out out");
  EXPECT_EQ(r.exit_code, kExitBadInput);
  EXPECT_EQ(r.err.rfind(std::string(kErrorPrefix) + "t/openb_pod_list_default.csv:3: memory_mib: ", 0), 0u) << r.err;
  EXPECT_FALSE(fs::exists(path("out/curve.csv")));
}

TEST_F(Cli, FgdGridResumesAndMergesDeterministically) {
  write_tiny_openb(path("t"), "default");
  write_tiny_openb(path("t"), "cpu050");
  const std::string grid = "experiment fgd --grid --traces t --trace-names default,cpu050 --policies FGD,Random "
                           "--seeds 1-3 --quiet --out g";
  ASSERT_EQ(kubetwin(grid).exit_code, 0);
  const std::string first = read_file(path("g/grid.csv"));
  EXPECT_EQ(lines_of(first).size(), 1u + 2 * 2 * 3 * 131);
  EXPECT_EQ(entries_of(path("g/runs")).size(), 12u);
  EXPECT_TRUE(fs::exists(path("g/plot-default.svg")));
  EXPECT_NE(read_file(path("g/table.md")).find("| default | "), std::string::npos);

  // Resume: a deleted run is redone, the others are reused, and the merged result is the same.
  fs::remove(path("g/runs/cpu050.Random.2.csv"));
  fs::remove(path("g/grid.csv"));
  ASSERT_EQ(kubetwin(grid).exit_code, 0);
  EXPECT_EQ(read_file(path("g/grid.csv")), first);

  const auto bad = kubetwin("experiment fgd --grid --traces t --trace-names nope --seeds 1 --quiet --out g2");
  EXPECT_EQ(bad.exit_code, kExitBadInput);
  EXPECT_NE(bad.err.find("openb_pod_list_nope.csv: cannot open file"), std::string::npos) << bad.err;
}

}  // namespace
