#include "scenarios/scenario_loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/cluster/resources.hpp"
#include "models/k8s/control_plane_timing.hpp"
#include "models/workload/trace_format.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::scenarios {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kSource = "test.json";

fs::path examples_dir() { return fs::path(KUBETWIN_SOURCE_DIR) / "scenarios" / "examples"; }

// --- builders -------------------------------------------------------------------------------

/// A node pool of `count` nodes with 64 cores, 512Gi and `gpus` GPUs of `model` each.
json pool(const std::string& name, int count, int gpus = 8,
          const std::string& model = "H100-SXM-80GB") {
  json p = {{"name", name}, {"count", count}, {"capacity", {{"cpu", "64"}, {"memory", "512Gi"}}}};
  if (gpus > 0) {
    p["capacity"][models::kGpuResource] = gpus;
    p["gpuModel"] = model;
  }
  return p;
}

/// One inline job record of `gpus` GPUs that runs for an hour.
json job(const std::string& id, double submit_time, int gpus = 1) {
  return {{"jobId", id},
          {"submitTime", submit_time},
          {"duration", "1h"},
          {"pods",
           json::array({{{"requests",
                          {{"cpu", "4"}, {"memory", "32Gi"}, {models::kGpuResource, gpus}}}}})}};
}

/// A small valid scenario: one H100 pool, the default scheduler and a synthetic workload.
json scenario() {
  return {
      {"name", "unit"},
      {"seed", 3},
      {"platform", {{"nodePools", json::array({pool("gpu", 4)})}}},
      {"scheduler",
       {{"queueingStrategy", "BestEffortFIFO"},
        {"profiles",
         json::array({{{"schedulerName", "default-scheduler"},
                       {"pluginConfig",
                        json::array({{{"name", "NodeResourcesFit"},
                                      {"args", {{"scoringStrategy", {{"type", "MostAllocated"}}}}}}})}}})}}},
      {"workload", {{"synthetic", {{"jobs", 10}, {"load", 0.5}}}}}};
}

/// `doc` after `edit`.
json with(json doc, const std::function<void(json&)>& edit) {
  edit(doc);
  return doc;
}

/// Loads `doc`; returns the InputError's lines, or an empty list if it loaded.
std::vector<std::string> errors_of(const json& doc, const fs::path& base = "/base") {
  try {
    load_scenario(doc, kSource, base);
  } catch (const sim::InputError& e) {
    return e.lines();
  }
  return {};
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

/// The InputError message of apply_override, or "" if it succeeded.
std::string override_error(json& doc, const std::string& assignment) {
  try {
    apply_override(doc, assignment);
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str());
}

// --- examples and the built-in default -------------------------------------------------------

TEST(ScenarioLoader, EveryExampleFileLoads) {
  int examples = 0;
  for (const auto& entry : fs::directory_iterator(examples_dir())) {
    if (entry.path().extension() != ".json") continue;
    ++examples;
    SCOPED_TRACE(entry.path().string());
    const json doc = read_scenario_file(entry.path());
    EXPECT_NO_THROW(load_scenario(doc, entry.path().string(), entry.path().parent_path()));
  }
  EXPECT_GE(examples, 1);
}

TEST(ScenarioLoader, BuiltInDefaultEqualsDefaultExampleAndLoads) {
  const json builtin = default_scenario_document();
  EXPECT_EQ(builtin, read_json(examples_dir() / "default.json"));
  const Scenario sc = load_scenario(builtin, "(default)", ".");
  EXPECT_EQ(sc.name, "default");
  EXPECT_EQ(sc.seed, 42u);
  ASSERT_EQ(sc.node_pools.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<models::SyntheticWorkloadSpec>(sc.workload));
}

TEST(ScenarioLoader, ValidScenarioBuildsTypedFields) {
  const Scenario sc = load_scenario(scenario(), kSource, "/base");
  EXPECT_EQ(sc.name, "unit");
  EXPECT_EQ(sc.seed, 3u);
  ASSERT_EQ(sc.node_pools.size(), 1u);
  const auto& p = sc.node_pools[0];
  EXPECT_EQ(p.name, "gpu");
  EXPECT_EQ(p.count, 4);
  EXPECT_EQ(p.capacity.cpu_milli, 64000);
  EXPECT_EQ(p.capacity.memory_bytes, std::int64_t{512} << 30);
  EXPECT_EQ(p.capacity.gpus, 8);
  EXPECT_EQ(p.gpu_model, "H100-SXM-80GB");
  // The well-known labels (pool, GPU product) are the Cluster's to add; the loader keeps the file's.
  EXPECT_FALSE(p.labels.contains(models::kNodePoolLabel));
  EXPECT_EQ(sc.scheduler.profiles.at(0).scoring, models::ScoringStrategy::MostAllocated);
  const auto* spec = std::get_if<models::SyntheticWorkloadSpec>(&sc.workload);
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->jobs, 10);
  EXPECT_DOUBLE_EQ(spec->load, 0.5);
}

TEST(ScenarioLoader, ReadsStrictFifoSimulationAndOutputSettings) {
  const Scenario sc =
      load_scenario(with(scenario(),
                         [](json& d) {
                           d["scheduler"]["queueingStrategy"] = "StrictFIFO";
                           d["scheduler"]["queueingHints"] = false;
                           d["simulation"] = {{"until", "6h"}};
                           d["output"] = {{"sampleInterval", "2m"}, {"timeline", false}};
                           d["performance"] = {{"mfu", 0.5}};
                         }),
                    kSource, "/base");
  EXPECT_EQ(sc.scheduler.queueing, models::QueueingStrategy::StrictFIFO);
  EXPECT_FALSE(sc.scheduler.queueing_hints);
  EXPECT_DOUBLE_EQ(sc.until, 6 * 3600.0);
  EXPECT_DOUBLE_EQ(sc.sample_interval, 120.0);
  EXPECT_FALSE(sc.timeline);
  EXPECT_DOUBLE_EQ(sc.mfu, 0.5);
}

// --- unknown keys ------------------------------------------------------------------------------

struct UnknownKeyCase {
  std::string name;
  std::function<void(json&)> edit;
  std::string pointer;  ///< where the unknown key is reported
};
void PrintTo(const UnknownKeyCase& c, std::ostream* os) { *os << c.name; }

class UnknownKey : public ::testing::TestWithParam<UnknownKeyCase> {};

TEST_P(UnknownKey, IsAnErrorNamingItsPointer) {
  const auto lines = errors_of(with(scenario(), GetParam().edit));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": " + GetParam().pointer + ": is not a known field");
}

INSTANTIATE_TEST_SUITE_P(
    ScenarioLoader, UnknownKey,
    ::testing::Values(
        UnknownKeyCase{"Root", [](json& d) { d["nmae"] = "x"; }, "/nmae"},
        UnknownKeyCase{"NodePool", [](json& d) { d["platform"]["nodePools"][0]["replicas"] = 2; },
                       "/platform/nodePools/0/replicas"},
        UnknownKeyCase{"Platform", [](json& d) { d["platform"]["zones"] = 2; }, "/platform/zones"},
        UnknownKeyCase{"Capacity",
                       [](json& d) { d["platform"]["nodePools"][0]["capacity"]["gpu"] = 8; },
                       "/platform/nodePools/0/capacity/gpu"},
        UnknownKeyCase{"Scheduler", [](json& d) { d["scheduler"]["profile"] = "x"; },
                       "/scheduler/profile"},
        UnknownKeyCase{"ScoringStrategy",
                       [](json& d) { d["scheduler"]["profiles"][0]["pluginConfig"][0]["args"]["scoringStrategy"]["shape"] = 1; },
                       "/scheduler/profiles/0/pluginConfig/0/args/scoringStrategy/shape"},
        UnknownKeyCase{"Synthetic", [](json& d) { d["workload"]["synthetic"]["job"] = 1; },
                       "/workload/synthetic/job"},
        UnknownKeyCase{"InlineJobRecord",
                       [](json& d) {
                         d["workload"] = {
                             {"jobs",
                              json::array({with(job("a", 0), [](json& j) { j["gpu"] = 1; })})}};
                       },
                       "/workload/jobs/0/gpu"},
        UnknownKeyCase{"Simulation",
                       [](json& d) {
                         d["simulation"] = {{"untill", "1h"}};
                       },
                       "/simulation/untill"}),
    [](const auto& test_info) { return test_info.param.name; });

// --- invalid values ----------------------------------------------------------------------------

struct InvalidCase {
  std::string name;
  std::function<void(json&)> edit;
  std::string pointer;  ///< the pointer the single error line names
  std::string message;  ///< a part of its message
};
void PrintTo(const InvalidCase& c, std::ostream* os) { *os << c.name; }

class InvalidValue : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidValue, IsOneErrorNamingItsPointer) {
  const auto lines = errors_of(with(scenario(), GetParam().edit));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  const std::string prefix = std::string(kSource) + ": " + GetParam().pointer + ": ";
  EXPECT_EQ(lines[0].rfind(prefix, 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(GetParam().message), std::string::npos) << lines[0];
}

INSTANTIATE_TEST_SUITE_P(
    ScenarioLoader, InvalidValue,
    ::testing::Values(
        InvalidCase{"ZeroPoolCount", [](json& d) { d["platform"]["nodePools"][0]["count"] = 0; },
                    "/platform/nodePools/0/count", "at least 1"},
        InvalidCase{"NegativePoolCount",
                    [](json& d) { d["platform"]["nodePools"][0]["count"] = -3; },
                    "/platform/nodePools/0/count", "at least 1"},
        InvalidCase{"ZeroCpu",
                    [](json& d) { d["platform"]["nodePools"][0]["capacity"]["cpu"] = "0"; },
                    "/platform/nodePools/0/capacity/cpu", "greater than zero"},
        InvalidCase{"NegativeMemory",
                    [](json& d) { d["platform"]["nodePools"][0]["capacity"]["memory"] = "-1Gi"; },
                    "/platform/nodePools/0/capacity/memory", "must be at least"},
        InvalidCase{"NegativeMemoryNumber",
                    [](json& d) { d["platform"]["nodePools"][0]["capacity"]["memory"] = -5; },
                    "/platform/nodePools/0/capacity/memory", "at least"},
        InvalidCase{"UnknownGpuModelListsKnownModels",
                    [](json& d) { d["platform"]["nodePools"][0]["gpuModel"] = "X100"; },
                    "/platform/nodePools/0/gpuModel",
                    "unknown GPU model \"X100\" (known: A100-SXM-80GB, H100-SXM-80GB"},
        InvalidCase{"GpusWithoutGpuModel",
                    [](json& d) { d["platform"]["nodePools"][0].erase("gpuModel"); },
                    "/platform/nodePools/0/gpuModel", "is required when the pool has GPUs"},
        InvalidCase{
            "GpuModelWithoutGpus",
            [](json& d) { d["platform"]["nodePools"][0]["capacity"].erase(models::kGpuResource); },
            "/platform/nodePools/0/gpuModel", "no nvidia.com/gpu"},
        InvalidCase{"DuplicatePoolName",
                    [](json& d) { d["platform"]["nodePools"].push_back(pool("gpu", 2)); },
                    "/platform/nodePools/1/name", "duplicate node pool name \"gpu\""},
        InvalidCase{"UppercasePoolName",
                    [](json& d) { d["platform"]["nodePools"][0]["name"] = "GPU"; },
                    "/platform/nodePools/0/name", "DNS label"},
        InvalidCase{"PoolNameWithUnderscore",
                    [](json& d) { d["platform"]["nodePools"][0]["name"] = "gpu_a"; },
                    "/platform/nodePools/0/name", "DNS label"},
        InvalidCase{"PoolNameEndingInDash",
                    [](json& d) { d["platform"]["nodePools"][0]["name"] = "gpu-"; },
                    "/platform/nodePools/0/name", "DNS label"},
        InvalidCase{"NoNodePools", [](json& d) { d["platform"]["nodePools"] = json::array(); },
                    "/platform/nodePools", "at least one node pool"},
        InvalidCase{"MissingName", [](json& d) { d.erase("name"); }, "/name", "is required"},
        InvalidCase{"WorkloadWithNoKind", [](json& d) { d["workload"] = json::object(); },
                    "/workload", "exactly one of"},
        InvalidCase{"WorkloadWithTraceAndSynthetic",
                    [](json& d) { d["workload"]["trace"] = "t.jsonl"; }, "/workload",
                    "exactly one of"},
        InvalidCase{"WorkloadWithJobsAndTrace",
                    [](json& d) {
                      d["workload"] = {{"trace", "t.jsonl"}, {"jobs", json::array({job("a", 0)})}};
                    },
                    "/workload", "exactly one of"},
        InvalidCase{"InlineJobsUnsorted",
                    [](json& d) {
                      d["workload"] = {{"jobs", json::array({job("a", 10), job("b", 5)})}};
                    },
                    "/workload/jobs/1/submitTime", "sorted"},
        InvalidCase{"InlineJobsDuplicateId",
                    [](json& d) {
                      d["workload"] = {{"jobs", json::array({job("a", 0), job("a", 5)})}};
                    },
                    "/workload/jobs/1/jobId", "duplicate job id \"a\""},
        InvalidCase{"InlineJobDependsOnALaterJob",
                    [](json& d) {
                      json a = job("a", 0);
                      a["dependsOn"] = {"b"};
                      d["workload"] = {{"jobs", json::array({a, job("b", 5)})}};
                    },
                    "/workload/jobs/0/dependsOn/0", "\"b\" is not the jobId of an earlier job"},
        InvalidCase{"UnknownQueueingStrategy",
                    [](json& d) { d["scheduler"]["queueingStrategy"] = "Fifo"; },
                    "/scheduler/queueingStrategy", "BestEffortFIFO, StrictFIFO"},
        InvalidCase{"UnknownScoringType",
                    [](json& d) { d["scheduler"]["profiles"][0]["pluginConfig"][0]["args"]["scoringStrategy"]["type"] = "Balanced"; },
                    "/scheduler/profiles/0/pluginConfig/0/args/scoringStrategy/type", "LeastAllocated"},
        InvalidCase{"SyntheticLoadAndInterarrival",
                    [](json& d) { d["workload"]["synthetic"]["meanInterarrival"] = "10s"; },
                    "/workload/synthetic", "not both"},
        InvalidCase{"SyntheticUnknownGpuModel",
                    [](json& d) { d["workload"]["synthetic"]["gpuModel"] = "X100"; },
                    "/workload/synthetic/gpuModel", "unknown GPU model"},
        InvalidCase{"GatewayHeaderRegexThatDoesNotCompile",
                    [](json& d) {
                      d["gateway"]["httpRoutes"] = json::parse(R"([{"name": "r", "parentRefs": [{"name": "gw"}],
                        "rules": [{"matches": [{"headers": [{"type": "RegularExpression", "name": "x-model", "value": "llama-("}]}]}]}])");
                    },
                    "/gateway/httpRoutes/0/rules/0/matches/0/headers/0/value", "not a valid regular expression"},
        InvalidCase{"GatewayPoolNamingAnUnknownEndpointPicker",
                    [](json& d) {
                      d["gateway"]["inferencePools"] = json::parse(R"([{"name": "p", "selector": {"matchLabels": {"app": "x"}},
                        "targetPorts": [{"number": 8000}], "endpointPickerRef": {"name": "nope"}}])");
                    },
                    "/gateway/inferencePools/0/endpointPickerRef/name", "no endpoint picker \"nope\""},
        InvalidCase{"GatewayTrafficWithoutRate",
                    [](json& d) { d["gateway"]["traffic"] = json::parse(R"([{"duration": "1m"}])"); },
                    "/gateway/traffic/0/requestsPerSecond", "is required"},
        InvalidCase{"GatewayUnknownBackendKind",
                    [](json& d) {
                      d["gateway"]["httpRoutes"] = json::parse(R"([{"name": "r", "parentRefs": [{"name": "gw"}],
                        "rules": [{"backendRefs": [{"name": "b", "kind": "Pod"}]}]}])");
                    },
                    "/gateway/httpRoutes/0/rules/0/backendRefs/0/kind", "Service"},
        InvalidCase{"ServingOnAPodWithoutGpus",
                    [](json& d) {
                      d["simulation"] = {{"until", "1h"}};
                      d["deployments"] = json::parse(R"([{"name": "llm", "template": {"name": "s", "requests": {"cpu": "1", "memory": "1Gi"}},
                        "load": {"points": [{"time": 0, "requestsPerSecond": 1}]}, "serving": {"model": "llama-3-8b"}}])");
                    },
                    "/deployments/0/serving", "requests whole GPUs"},
        InvalidCase{"ServingWithATensorParallelismTheModelCannotSplit",
                    [](json& d) {
                      d["simulation"] = {{"until", "1h"}};
                      d["deployments"] = json::parse(R"([{"name": "llm", "template": {"name": "s", "requests": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": 1}},
                        "load": {"points": [{"time": 0, "requestsPerSecond": 1}]}, "serving": {"model": "llama-3-8b", "tp": 64}}])");
                    },
                    "/deployments/0/serving", "heads (32) are not divisible by --tp 64"},
        InvalidCase{"BadUntil",
                    [](json& d) {
                      d["simulation"] = {{"until", "soon"}};
                    },
                    "/simulation/until", "not a duration"}),
    [](const auto& test_info) { return test_info.param.name; });

TEST(ScenarioLoader, NonObjectDocumentIsReportedAtRoot) {
  const auto lines = errors_of(json::array());
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": (root): must be an object, not an array");
}

TEST(ScenarioLoader, ReportsAllProblemsAtOnceOneLineEach) {
  const json doc = with(scenario(), [](json& d) {
    d["extra"] = true;
    d["platform"]["nodePools"][0]["count"] = 0;
    d["platform"]["nodePools"][0]["capacity"]["cpu"] = "0";
    d["platform"]["nodePools"].push_back(pool("b", 1, 8, "X100"));
    d["scheduler"]["queueingStrategy"] = "Fifo";
    d["workload"]["synthetic"]["bogus"] = 1;
  });
  const auto lines = errors_of(doc);
  ASSERT_EQ(lines.size(), 6u) << joined(lines);
  const std::vector<std::string> pointers = {"/extra",
                                             "/platform/nodePools/0/count",
                                             "/platform/nodePools/0/capacity/cpu",
                                             "/platform/nodePools/1/gpuModel",
                                             "/scheduler/queueingStrategy",
                                             "/workload/synthetic/bogus"};
  for (const auto& ptr : pointers) {
    const std::string prefix = std::string(kSource) + ": " + ptr + ": ";
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                            [&](const std::string& l) { return l.rfind(prefix, 0) == 0; }))
        << "no line for " << ptr << " in\n"
        << joined(lines);
  }
  for (const auto& l : lines) {
    EXPECT_EQ(l.find('\n'), std::string::npos) << l;
    EXPECT_EQ(l.rfind(std::string(kSource) + ": /", 0), 0u) << l;
  }
}

// Scenario::seed is unsigned 64-bit and --seed accepts the whole range, so files must too.
// Seeds are 0..2^63-1 everywhere (scenario files and --seed); larger ones are reported, not wrapped.
TEST(ScenarioLoader, SeedAboveTheSignedRangeIsReportedNotWrapped) {
  const std::uint64_t seed = 18446744073709551615ull;
  const auto lines = errors_of(with(scenario(), [&](json& d) { d["seed"] = seed; }));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": /seed: must be at most 9223372036854775807, got 18446744073709551615");
}

TEST(ScenarioLoader, LargestSignedSeedIsAccepted) {
  const std::uint64_t seed = 9223372036854775807ull;
  EXPECT_EQ(load_scenario(with(scenario(), [&](json& d) { d["seed"] = seed; }), kSource, "/base").seed, seed);
}

TEST(ScenarioLoader, NegativeSeedIsAnError) {
  const auto lines = errors_of(with(scenario(), [](json& d) { d["seed"] = -1; }));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0].rfind(std::string(kSource) + ": /seed: ", 0), 0u) << lines[0];
}

// A synthetic workload that cannot be generated for the cluster is bad input found by the loader
// (so that validate rejects it), named by its pointer; today it only fails once the run starts.
TEST(ScenarioLoader, SyntheticGpuModelAbsentFromTheClusterIsAnError) {
  const auto lines = errors_of(
      with(scenario(), [](json& d) { d["workload"]["synthetic"]["gpuModel"] = "A100-SXM-80GB"; }));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0].rfind(std::string(kSource) + ": /workload/synthetic/gpuModel: ", 0), 0u)
      << lines[0];
}

TEST(ScenarioLoader, SyntheticWorkloadOnACpuOnlyClusterIsAnError) {
  const auto lines = errors_of(with(
      scenario(), [](json& d) { d["platform"]["nodePools"] = json::array({pool("cpu", 2, 0)}); }));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0].rfind(std::string(kSource) + ": /workload/synthetic", 0), 0u) << lines[0];
}

// --- workloads ---------------------------------------------------------------------------------

TEST(ScenarioLoader, RelativeTracePathIsResolvedAgainstBaseDir) {
  const json doc = with(scenario(), [](json& d) { d["workload"] = {{"trace", "traces/t.jsonl"}}; });
  const Scenario sc = load_scenario(doc, kSource, "/data/study");
  const auto* trace = std::get_if<TraceWorkload>(&sc.workload);
  ASSERT_NE(trace, nullptr);
  EXPECT_EQ(trace->path, fs::path("/data/study/traces/t.jsonl"));
}

TEST(ScenarioLoader, AbsoluteTracePathIsKept) {
  const json doc = with(scenario(), [](json& d) {
    d["workload"] = {{"trace", "/elsewhere/t.jsonl"}};
  });
  const Scenario sc = load_scenario(doc, kSource, "/data/study");
  const auto* trace = std::get_if<TraceWorkload>(&sc.workload);
  ASSERT_NE(trace, nullptr);
  EXPECT_EQ(trace->path, fs::path("/elsewhere/t.jsonl"));
}

TEST(ScenarioLoader, InlineJobsAreReadInOrder) {
  const json doc = with(scenario(), [](json& d) {
    d["workload"] = {{"jobs", json::array({job("a", 0, 2), job("b", 0), job("c", 30, 8)})}};
  });
  const Scenario sc = load_scenario(doc, kSource, "/base");
  const auto* jobs = std::get_if<InlineWorkload>(&sc.workload);
  ASSERT_NE(jobs, nullptr);
  ASSERT_EQ(jobs->jobs.size(), 3u);
  EXPECT_EQ(jobs->jobs[0].id, "a");
  EXPECT_EQ(jobs->jobs[2].id, "c");
  EXPECT_DOUBLE_EQ(jobs->jobs[2].submit_time, 30);
  EXPECT_EQ(jobs->jobs[2].total_requests().gpus, 8);
}

TEST(ScenarioLoader, InlineJobErrorsNameTheRecordPointer) {
  const json doc = with(scenario(), [](json& d) {
    d["workload"] = {
        {"jobs", json::array({job("a", 0), with(job("b", 1), [](json& j) {
                                j["pods"][0]["nodeSelector"] = {{models::kGpuProductLabel, "X100"}};
                              })})}};
  });
  const auto lines = errors_of(doc);
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0].rfind(std::string(kSource) +
                               ": /workload/jobs/1/pods/0/nodeSelector/nvidia.com~1gpu.product: ",
                           0),
            0u)
      << lines[0];
}

// --- apply_override ----------------------------------------------------------------------------

TEST(ScenarioLoaderApplyOverride, SetsNumbers) {
  json doc = scenario();
  apply_override(doc, "/platform/nodePools/0/count=64");
  EXPECT_EQ(doc["platform"]["nodePools"][0]["count"], json(64));
  apply_override(doc, "/workload/synthetic/load=0.25");
  EXPECT_EQ(doc["workload"]["synthetic"]["load"], json(0.25));
}

TEST(ScenarioLoaderApplyOverride, NonJsonValueBecomesString) {
  json doc = scenario();
  apply_override(doc, "/platform/nodePools/0/capacity/memory=1Ti");
  EXPECT_EQ(doc["platform"]["nodePools"][0]["capacity"]["memory"], json("1Ti"));
  apply_override(doc, "/name=study-1");
  EXPECT_EQ(doc["name"], json("study-1"));
}

TEST(ScenarioLoaderApplyOverride, JsonStringBooleanAndNullValuesAreParsed) {
  json doc = scenario();
  apply_override(doc, "/name=\"quoted\"");
  EXPECT_EQ(doc["name"], json("quoted"));
  apply_override(doc, "/scheduler/queueingHints=false");
  EXPECT_EQ(doc["scheduler"]["queueingHints"], json(false));
  apply_override(doc, "/description=null");
  EXPECT_TRUE(doc["description"].is_null());
}

TEST(ScenarioLoaderApplyOverride, ValueMayContainEqualsSign) {
  json doc = scenario();
  apply_override(doc, "/description=a=b");
  EXPECT_EQ(doc["description"], json("a=b"));
}

TEST(ScenarioLoaderApplyOverride, SetsNestedObjectValues) {
  json doc = scenario();
  apply_override(doc, R"(/simulation={"until":"2d"})");
  EXPECT_EQ(doc["simulation"], json({{"until", "2d"}}));
  EXPECT_DOUBLE_EQ(load_scenario(doc, kSource, "/base").until, 2 * 86400.0);
}

TEST(ScenarioLoaderApplyOverride, ReplacesArrayElementByIndex) {
  json doc = scenario();
  apply_override(doc, "/platform/nodePools/0=" + pool("other", 2, 4, "A100-SXM-80GB").dump());
  ASSERT_EQ(doc["platform"]["nodePools"].size(), 1u);
  EXPECT_EQ(doc["platform"]["nodePools"][0]["name"], json("other"));
}

TEST(ScenarioLoaderApplyOverride, DashAppendsToArray) {
  json doc = scenario();
  apply_override(doc, "/platform/nodePools/-=" + pool("cpu", 2, 0).dump());
  ASSERT_EQ(doc["platform"]["nodePools"].size(), 2u);
  const Scenario sc = load_scenario(doc, kSource, "/base");
  ASSERT_EQ(sc.node_pools.size(), 2u);
  EXPECT_EQ(sc.node_pools[1].name, "cpu");
  EXPECT_EQ(sc.node_pools[1].capacity.gpus, 0);
}

TEST(ScenarioLoaderApplyOverride, IndexEqualToSizeAppends) {
  json doc = scenario();
  apply_override(doc, "/platform/nodePools/1=" + pool("more", 1).dump());
  EXPECT_EQ(doc["platform"]["nodePools"].size(), 2u);
}

struct BadOverrideCase {
  std::string name;
  std::string assignment;
  std::string message;  ///< a part of the message after the flag
};
void PrintTo(const BadOverrideCase& c, std::ostream* os) { *os << c.name; }

class BadOverride : public ::testing::TestWithParam<BadOverrideCase> {};

TEST_P(BadOverride, ThrowsInputErrorNamingTheFlagAndLeavesDocumentUnchanged) {
  json doc = scenario();
  const json before = doc;
  const std::string message = override_error(doc, GetParam().assignment);
  ASSERT_FALSE(message.empty()) << "accepted " << GetParam().assignment;
  EXPECT_EQ(message.rfind("--set " + GetParam().assignment + ": ", 0), 0u) << message;
  EXPECT_NE(message.find(GetParam().message), std::string::npos) << message;
  EXPECT_EQ(doc, before);
}

INSTANTIATE_TEST_SUITE_P(
    ScenarioLoader, BadOverride,
    ::testing::Values(BadOverrideCase{"NoEquals", "/platform/nodePools/0/count", "POINTER=VALUE"},
                      BadOverrideCase{"NoLeadingSlash", "platform=1", "POINTER=VALUE"},
                      BadOverrideCase{"EmptyPointer", "=1", "POINTER=VALUE"},
                      BadOverrideCase{"MissingParent", "/nope/x=1", "/nope does not exist"},
                      BadOverrideCase{"MissingNestedParent", "/scheduler/nope/x=1",
                                      "/scheduler/nope does not exist"},
                      BadOverrideCase{"BadEscape", "/platform/a~2b=1", "escape"},
                      BadOverrideCase{"IndexPastEnd", "/platform/nodePools/5=1", "past the end"},
                      BadOverrideCase{"NonNumericIndex", "/platform/nodePools/first=1",
                                      "not an array index"},
                      BadOverrideCase{"ParentIsScalar", "/name/x=1", "not an object or array"}),
    [](const auto& test_info) { return test_info.param.name; });

}  // namespace
// --- scheduler profiles (KubeSchedulerConfiguration shape) ---------------------------------------

std::vector<std::string> names(const std::vector<models::WeightedPlugin>& plugins) {
  std::vector<std::string> out;
  for (const auto& p : plugins) out.push_back(p.name);
  return out;
}

TEST(ScenarioLoaderProfile, DefaultsAreUpstreamsDefaultProfileOfImplementedPlugins) {
  using models::ExtensionPoint;
  const auto sc = load_scenario(with(scenario(), [](json& d) { d["scheduler"].erase("profiles"); }), kSource, "/base");
  ASSERT_EQ(sc.scheduler.profiles.size(), 1u);
  const auto& p = sc.scheduler.profiles[0];
  EXPECT_EQ(p.scheduler_name, "default-scheduler");
  EXPECT_EQ(names(p.at(ExtensionPoint::QueueSort)), (std::vector<std::string>{"PrioritySort"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::PreEnqueue)), (std::vector<std::string>{"SchedulingGates"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::PreFilter)),
            (std::vector<std::string>{"PodTopologySpread", "InterPodAffinity", "DynamicResources"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::Filter)), (std::vector<std::string>{"TaintToleration", "NodeAffinity", "NodeResourcesFit",
                                                                          "PodTopologySpread", "InterPodAffinity", "DynamicResources"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::Reserve)), (std::vector<std::string>{"DynamicResources", "Coscheduling"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::PreBind)), (std::vector<std::string>{"DynamicResources"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::PostFilter)), (std::vector<std::string>{"DefaultPreemption", "Coscheduling"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::Permit)), (std::vector<std::string>{"Coscheduling"}));
  EXPECT_EQ(names(p.at(ExtensionPoint::Bind)), (std::vector<std::string>{"DefaultBinder"}));
  const auto& score = p.at(ExtensionPoint::Score);
  EXPECT_EQ(names(score), (std::vector<std::string>{"TaintToleration", "NodeResourcesFit", "PodTopologySpread",
                                                    "InterPodAffinity", "NodeResourcesBalancedAllocation"}));
  EXPECT_EQ(score[0].weight, 3);
  EXPECT_EQ(score[2].weight, 2);
  EXPECT_EQ(p.scoring, models::ScoringStrategy::LeastAllocated);
}

TEST(ScenarioLoaderProfile, DisabledAndEnabledMergeWithTheDefaultsAsUpstreamDoes) {
  using models::ExtensionPoint;
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["plugins"] = {
        {"score", {{"disabled", json::array({{{"name", "NodeResourcesBalancedAllocation"}}})},
                   {"enabled", json::array({{{"name", "NodeResourcesFit"}, {"weight", 5}}})}}},
        {"filter", {{"disabled", json::array({{{"name", "*"}}})},
                    {"enabled", json::array({{{"name", "NodeResourcesFit"}}})}}},
        {"permit", {{"disabled", json::array({{{"name", "Coscheduling"}}})}}}};
  }), kSource, "/base");
  const auto& p = sc.scheduler.profiles[0];
  EXPECT_EQ(names(p.at(ExtensionPoint::Filter)), (std::vector<std::string>{"NodeResourcesFit"}));
  EXPECT_TRUE(p.at(ExtensionPoint::Permit).empty());
  const auto& score = p.at(ExtensionPoint::Score);
  EXPECT_EQ(names(score), (std::vector<std::string>{"TaintToleration", "NodeResourcesFit", "PodTopologySpread", "InterPodAffinity"}));
  EXPECT_EQ(score[1].weight, 5);
}

TEST(ScenarioLoaderProfile, SeveralProfilesAreReadByName) {
  using models::ExtensionPoint;
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"] = json::array(
        {{{"schedulerName", "default-scheduler"}},
         {{"schedulerName", "gang-free"},
          {"percentageOfNodesToScore", 100},
          {"plugins", {{"permit", {{"disabled", json::array({{{"name", "*"}}})}}}}}}});
  }), kSource, "/base");
  ASSERT_EQ(sc.scheduler.profiles.size(), 2u);
  EXPECT_EQ(sc.scheduler.profiles[1].scheduler_name, "gang-free");
  EXPECT_EQ(sc.scheduler.profiles[1].percentage_of_nodes_to_score, 100);
  EXPECT_TRUE(sc.scheduler.profiles[1].at(ExtensionPoint::Permit).empty());
  EXPECT_FALSE(sc.scheduler.profiles[0].at(ExtensionPoint::Permit).empty());
}

TEST(ScenarioLoaderProfile, ProfileMistakesAreReportedWithPointers) {
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"] = json::array(
        {{{"schedulerName", "a"}},
         {{"schedulerName", "a"}},
         {{"schedulerName", "b"}, {"plugins", {{"queueSort", {{"disabled", json::array({{{"name", "*"}}})}}}}}},
         {{"schedulerName", "c"}, {"plugins", {{"filter", {{"enabled", json::array({{{"name", "DefaultBinder"}}})}}}}}}});
  }));
  ASSERT_EQ(lines.size(), 3u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": /scheduler/profiles/1/schedulerName: \"a\" names an earlier profile too");
  EXPECT_EQ(lines[1], std::string(kSource) + ": /scheduler/profiles/2/plugins/queueSort: a profile needs exactly one queueSort plugin");
  EXPECT_EQ(lines[2].rfind(std::string(kSource) + ": /scheduler/profiles/3/plugins/filter/enabled/0/name: unknown filter plugin \"DefaultBinder\"", 0), 0u) << lines[2];
}

TEST(ScenarioLoaderProfile, PluginConfigSetsScoringArgs) {
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "NodeResourcesFit"},
          {"args", {{"scoringStrategy",
                     {{"type", "RequestedToCapacityRatio"},
                      {"resources", json::array({{{"name", "nvidia.com/gpu"}, {"weight", 2}}})},
                      {"requestedToCapacityRatio", {{"shape", json::array({{{"utilization", 0}, {"score", 0}},
                                                                           {{"utilization", 100}, {"score", 10}}})}}}}}}}},
         {{"name", "NodeResourcesBalancedAllocation"},
          {"args", {{"resources", json::array({{{"name", "cpu"}, {"weight", 1}}, {{"name", "nvidia.com/gpu"}, {"weight", 1}}})}}}}});
  }), kSource, "/base");
  const auto& p = sc.scheduler.profiles.at(0);
  EXPECT_EQ(p.scoring, models::ScoringStrategy::RequestedToCapacityRatio);
  ASSERT_EQ(p.scoring_resources.size(), 1u);
  EXPECT_EQ(p.scoring_resources[0].weight, 2);
  ASSERT_EQ(p.requested_to_capacity_shape.size(), 2u);
  EXPECT_EQ(p.requested_to_capacity_shape[1].score, 10);
  ASSERT_EQ(p.balanced_resources.size(), 2u);
  EXPECT_EQ(p.balanced_resources[1].name, "nvidia.com/gpu");
}

TEST(ScenarioLoaderProfile, PluginConfigSetsFgdCoschedulingAndInterPodAffinityArgs) {
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "FGD"},
          {"args", {{"typicalPods", json::array({{{"cpu", "4"}, {"nvidia.com/gpu", 0.5}, {"weight", 3}},
                                                 {{"cpu", "8"}, {"nvidia.com/gpu", 2}, {"gpuModel", "H100-SXM-80GB"}, {"weight", 1}}})}}}},
         {{"name", "Coscheduling"}, {"args", {{"permitWaitingTimeSeconds", 90}}}},
         {{"name", "InterPodAffinity"}, {"args", {{"hardPodAffinityWeight", 5}}}}});
  }), kSource, "/base");
  const auto& p = sc.scheduler.profiles.at(0);
  ASSERT_EQ(p.fgd_typical_pods.size(), 2u);
  EXPECT_EQ(p.fgd_typical_pods[0].cpu_milli, 4000);
  EXPECT_EQ(p.fgd_typical_pods[0].gpus, 1);
  EXPECT_EQ(p.fgd_typical_pods[0].gpu_milli, 500);
  EXPECT_EQ(p.fgd_typical_pods[1].gpus, 2);
  EXPECT_EQ(p.fgd_typical_pods[1].gpu_milli, 1000);
  EXPECT_EQ(p.fgd_typical_pods[1].gpu_model, "H100-SXM-80GB");
  EXPECT_EQ(p.fgd_typical_pods[1].weight, 1);
  EXPECT_EQ(p.permit_waiting_time_seconds, 90);
  EXPECT_EQ(p.hard_pod_affinity_weight, 5);

  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "FGD"}, {"args", {{"typicalPods", json::array({{{"cpu", "4"}, {"nvidia.com/gpu", 1.5}, {"weight", 1}},
                                                                  {{"cpu", "4"}}})}}}}});
  }));
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": /scheduler/profiles/0/pluginConfig/0/args/typicalPods/0/nvidia.com~1gpu: must be whole GPUs or a share of one GPU in thousandths");
  EXPECT_EQ(lines[1], std::string(kSource) + ": /scheduler/profiles/0/pluginConfig/0/args/typicalPods/1/weight: is required");
}

TEST(ScenarioLoaderProfile, PluginConfigSetsTopologyAwareLevels) {
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "TopologyAware"},
          {"args", {{"levels", json::array({"example.com/rack", "kubernetes.io/hostname"})}}}}});
  }), kSource, "/base");
  const auto& p = sc.scheduler.profiles.at(0);
  EXPECT_EQ(p.topology_levels, (std::vector<std::string>{"example.com/rack", "kubernetes.io/hostname"}));
  EXPECT_EQ(p.topology_default_preferred, "kubernetes.io/hostname") << "the narrowest level";
  EXPECT_FALSE(p.enabled(models::ExtensionPoint::Filter, "TopologyAware")) << "not in the default profile";

  const auto none = load_scenario(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "TopologyAware"}, {"args", {{"defaultPreferredLevel", ""}}}}});
  }), kSource, "/base");
  EXPECT_EQ(none.scheduler.profiles.at(0).topology_default_preferred, "");
  EXPECT_EQ(none.scheduler.profiles.at(0).topology_levels.size(), 4u);
}

TEST(ScenarioLoaderProfile, TopologyAwareArgsMistakesAreReportedWithPointers) {
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "TopologyAware"},
          {"args", {{"levels", json::array({"a/block", "", "a/block", "kubernetes.io/hostname", "a/gpu"})},
                    {"defaultPreferredLevel", "a/rack"},
                    {"domainChoice", "BestFit"}}}}});
  }));
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  const std::string at = std::string(kSource) + ": /scheduler/profiles/0/pluginConfig/0/args/";
  EXPECT_EQ(lines[0], at + "levels/1: must be a node label key (a non-empty string)");
  EXPECT_EQ(lines[1], at + "levels/2: \"a/block\" is listed twice");
  EXPECT_EQ(lines[2], at + "levels/4: comes after kubernetes.io/hostname, which must be the narrowest level");
  EXPECT_EQ(lines[3], at + "defaultPreferredLevel: \"a/rack\" is not one of the levels (a/block, kubernetes.io/hostname, or \"\" for none)");
  EXPECT_EQ(lines[4].rfind(at + "domainChoice: ", 0), 0u) << lines[4];

  const auto empty = errors_of(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array({{{"name", "TopologyAware"}, {"args", {{"levels", json::array()}}}}});
  }));
  ASSERT_EQ(empty.size(), 1u) << joined(empty);
  EXPECT_EQ(empty[0], std::string(kSource) + ": /scheduler/profiles/0/pluginConfig/0/args/levels: must list at least one level");
}

TEST(ScenarioLoader, AutoscaledPoolsAndAutoscalerSettingsAreReadAndChecked) {
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["platform"]["nodePools"][0]["count"] = 0;
    d["platform"]["nodePools"][0]["autoscaling"] = {{"minCount", 0}, {"maxCount", 6}};
    d["autoscaler"] = {{"provisioningDelay", "90s"}, {"expander", "least-waste"}};
  }), kSource, "/base");
  ASSERT_TRUE(sc.node_pools[0].autoscaling.has_value());
  EXPECT_EQ(sc.node_pools[0].autoscaling->max_count, 6);
  EXPECT_EQ(sc.node_pools[0].count, 0);
  EXPECT_EQ(sc.autoscaler.provisioning_delay, 90);
  EXPECT_EQ(sc.autoscaler.expander, models::Expander::LeastWaste);
  EXPECT_EQ(sc.autoscaler.scan_interval, 10);  // upstream default kept

  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["platform"]["nodePools"][0]["count"] = 4;
    d["platform"]["nodePools"][0]["autoscaling"] = {{"minCount", 2}, {"maxCount", 3}};
    d["autoscaler"] = {{"expander", "cheapest"}};
  }));
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": /platform/nodePools/0/autoscaling/maxCount: must be at least the pool's count");
  EXPECT_EQ(lines[1].rfind(std::string(kSource) + ": /autoscaler/expander: ", 0), 0u) << lines[1];
}

TEST(ScenarioLoaderProfile, UnknownPluginsAndBadShapesAreReportedWithPointers) {
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["scheduler"]["profiles"][0]["plugins"] = {{"score", {{"enabled", json::array({{{"name", "Tetris"}}})}}}};
    d["scheduler"]["profiles"][0]["pluginConfig"] = json::array(
        {{{"name", "NodeResourcesFit"},
          {"args", {{"scoringStrategy", {{"requestedToCapacityRatio", {{"shape", json::array({{{"utilization", 50}, {"score", 1}},
                                                                                             {{"utilization", 40}, {"score", 2}}})}}}}}}}}});
  }));
  ASSERT_EQ(lines.size(), 2u) << joined(lines);
  EXPECT_EQ(lines[0].rfind(std::string(kSource) + ": /scheduler/profiles/0/plugins/score/enabled/0/name: unknown score plugin \"Tetris\"", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], std::string(kSource) + ": /scheduler/profiles/0/pluginConfig/0/args/scoringStrategy/requestedToCapacityRatio/shape/1/utilization: must increase from point to point");
}

TEST(ScenarioLoader, ControlPlaneTimingDefaultsToCalibratedAndFieldsReplaceThem) {
  const auto defaults = load_scenario(scenario(), kSource, "/base");
  const auto calibrated = models::ControlPlaneTiming::calibrated();
  EXPECT_EQ(defaults.control_plane.cycle_base, calibrated.cycle_base);
  EXPECT_EQ(defaults.control_plane.bind_qps, calibrated.bind_qps);
  EXPECT_EQ(defaults.control_plane.image_pull_bandwidth, calibrated.image_pull_bandwidth);

  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["controlPlane"] = {{"apiLatency", "5ms"},
                         {"watchLatency", "100ms"},
                         {"bindQps", 50},
                         {"bindBurst", 100},
                         {"schedulerCycle", {{"base", "1ms"}, {"perFilteredNode", "2us"}, {"pluginCosts", false}}},
                         {"imagePullBandwidth", "800Mbps"},
                         {"containerStart", "2s"},
                         {"terminationGrace", "30s"}};
  }), kSource, "/base");
  const auto& t = sc.control_plane;
  EXPECT_DOUBLE_EQ(t.api_latency, 0.005);
  EXPECT_DOUBLE_EQ(t.watch_latency, 0.1);
  EXPECT_DOUBLE_EQ(t.bind_qps, 50);
  EXPECT_EQ(t.bind_burst, 100);
  EXPECT_DOUBLE_EQ(t.cycle_base, 0.001);
  EXPECT_DOUBLE_EQ(t.cycle_per_filtered_node, 2e-6);
  EXPECT_DOUBLE_EQ(t.cycle_per_scored_node, calibrated.cycle_per_scored_node);  // not given: kept
  EXPECT_FALSE(t.plugin_filter_costs);
  EXPECT_DOUBLE_EQ(t.image_pull_bandwidth, 100e6);  // 800 Mb/s in bytes per second
  EXPECT_DOUBLE_EQ(t.container_start, 2);
  EXPECT_DOUBLE_EQ(t.termination_grace, 30);
  EXPECT_DOUBLE_EQ(t.readiness, calibrated.readiness);
}

TEST(ScenarioLoader, ControlPlaneMistakesAreReportedWithPointers) {
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["controlPlane"] = {{"apiLatency", "fast"},
                         {"bindBurst", 0},
                         {"schedulerCycle", {{"perPod", "1ms"}}},
                         {"imagePullBandwidth", "5s"},
                         {"gracePeriod", "30s"}};
  }));
  ASSERT_EQ(lines.size(), 5u) << joined(lines);
  const auto has = [&](const std::string& pointer) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.rfind(std::string(kSource) + ": " + pointer + ": ", 0) == 0;
    });
  };
  EXPECT_TRUE(has("/controlPlane/apiLatency")) << joined(lines);
  EXPECT_TRUE(has("/controlPlane/bindBurst")) << joined(lines);
  EXPECT_TRUE(has("/controlPlane/schedulerCycle/perPod")) << joined(lines);
  EXPECT_TRUE(has("/controlPlane/imagePullBandwidth")) << joined(lines);
  EXPECT_TRUE(has("/controlPlane/gracePeriod")) << joined(lines);
}

TEST(ScenarioLoader, ApiServerIsOffUnlessGivenAndTakesItsDefaultsFromTheControlPlane) {
  EXPECT_FALSE(load_scenario(scenario(), kSource, "/base").api_server.has_value());
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["controlPlane"] = {{"apiLatency", "5ms"}};
    d["apiServer"] = {
        {"readLatency", "2ms"},
        {"history", 7},
        {"audit", true},
        {"defaultClient", {{"qps", 1}}},
        {"clients", {{"job-controller", {{"qps", 100}, {"burst", 200}}}}},
        {"faults",
         {{"errors", {{"create", {{"rate", 0.2}}}, {"list", {{"rate", 0.5}, {"code", 429}}}}},
          {"outages", json::array({{{"from", "1m"}, {"to", "2m"}}})},
          {"conflictRate", 0.1},
          {"restarts", json::array({{{"controller", "job-controller"}, {"at", "5m"}}})}}}};
  }), kSource, "/base");
  ASSERT_TRUE(sc.api_server.has_value());
  const models::ApiServerConfig& a = *sc.api_server;
  EXPECT_DOUBLE_EQ(a.write_latency, 0.005);  // /controlPlane/apiLatency
  EXPECT_DOUBLE_EQ(a.read_latency, 0.002);
  EXPECT_DOUBLE_EQ(a.watch_latency, models::ControlPlaneTiming::calibrated().watch_latency);
  EXPECT_EQ(a.history, 7u);
  EXPECT_TRUE(a.audit);
  EXPECT_DOUBLE_EQ(a.default_client.qps, 1);
  EXPECT_EQ(a.default_client.burst, 10);
  EXPECT_DOUBLE_EQ(a.clients.at("job-controller").qps, 100);
  EXPECT_EQ(a.clients.at("job-controller").burst, 200);
  EXPECT_DOUBLE_EQ(a.faults.errors[static_cast<int>(models::ApiVerb::Create)].rate, 0.2);
  EXPECT_EQ(a.faults.errors[static_cast<int>(models::ApiVerb::Create)].code, 500);
  EXPECT_EQ(a.faults.errors[static_cast<int>(models::ApiVerb::List)].code, 429);
  ASSERT_EQ(a.faults.outages.size(), 1u);
  EXPECT_DOUBLE_EQ(a.faults.outages[0].from, 60);
  EXPECT_DOUBLE_EQ(a.faults.outages[0].to, 120);
  EXPECT_DOUBLE_EQ(a.faults.conflict_rate, 0.1);
  ASSERT_EQ(a.faults.restarts.size(), 1u);
  EXPECT_DOUBLE_EQ(a.faults.restarts[0].at, 300);
  EXPECT_DOUBLE_EQ(a.faults.restarts[0].downtime, 10);
}

TEST(ScenarioLoader, ApiServerMistakesAreReportedWithPointers) {
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["apiServer"] = {{"latency", "5ms"},
                      {"history", 0},
                      {"clients", {{"job-controller", {{"qps", -1}}}}},
                      {"faults",
                       {{"errors", {{"create", {{"rate", -0.1}}}, {"update", {{"rate", 0.1}, {"code", 404}}}, {"bind", {}}}},
                        {"outages", json::array({{{"from", "2m"}, {"to", "1m"}}})},
                        {"conflictRate", 1.5},
                        {"restarts", json::array({{{"controller", "scheduler"}, {"at", "1m"}}})}}}};
  }));
  const auto has = [&](const std::string& pointer) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.rfind(std::string(kSource) + ": " + pointer + ": ", 0) == 0;
    });
  };
  ASSERT_EQ(lines.size(), 9u) << joined(lines);
  EXPECT_TRUE(has("/apiServer/latency")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/history")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/clients/job-controller/qps")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/faults/errors/create/rate")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/faults/errors/update/code")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/faults/errors/bind")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/faults/outages/0/to")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/faults/conflictRate")) << joined(lines);
  EXPECT_TRUE(has("/apiServer/faults/restarts/0/controller")) << joined(lines);
}

TEST(ScenarioLoader, TrainJobsAreReadAsWrittenWithTheirWebhookAndTheOperatorSwitch) {
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["apiServer"] = json::object();
    d["controllers"] = {{"operatorRelistOnRestart", false}};
    d["trainJobs"] = {{"establishDelay", "1s"},
                      {"runtimes", {"torch-distributed"}},
                      {"webhook", {{"latency", "20ms"}, {"timeout", "3s"}, {"failurePolicy", "Ignore"}, {"timeoutRate", 0.25},
                                   {"down", json::array({{{"from", "1m"}, {"to", "2m"}}})}}},
                      {"jobs", json::array({{{"name", "late"}, {"submitTime", "30s"}, {"numNodes", 2}, {"runtimeRef", "torch-distributed"},
                                             {"duration", "1m"}, {"podTemplate", {{"requests", {{"cpu", "4"}, {"nvidia.com/gpu", 1}}}}}},
                                            {{"name", "Bad_Name"}, {"numNodes", -1}, {"runtimeRef", "nope"}, {"duration", "1m"},
                                             {"podTemplate", {{"requests", {{"cpu", "4"}}}}}}})}};
  }), kSource, "/base");
  ASSERT_TRUE(sc.train_jobs.has_value());
  const models::TrainJobsConfig& t = *sc.train_jobs;
  EXPECT_DOUBLE_EQ(t.establish_delay, 1);
  EXPECT_EQ(t.runtimes, std::vector<std::string>{"torch-distributed"});
  EXPECT_EQ(sc.train_job_operator.runtimes, t.runtimes);
  EXPECT_FALSE(sc.train_job_operator.relist_on_restart);
  EXPECT_FALSE(t.webhook.fail_closed);
  EXPECT_DOUBLE_EQ(t.webhook.timeout, 3);
  EXPECT_DOUBLE_EQ(t.webhook.timeout_rate, 0.25);
  ASSERT_EQ(t.webhook.down.size(), 1u);
  EXPECT_DOUBLE_EQ(t.webhook.down[0].to, 120);
  ASSERT_EQ(t.jobs.size(), 2u);
  EXPECT_EQ(t.jobs[0].name, "Bad_Name");  // sorted by submission time; invalid values kept for the webhook
  EXPECT_EQ(t.jobs[0].num_nodes, -1);
  EXPECT_EQ(t.jobs[1].name, "late");
  EXPECT_DOUBLE_EQ(*t.jobs[1].node->duration, 60);
  EXPECT_EQ(t.jobs[1].node->pods.at(0).requests.gpus, 1);
}

TEST(ScenarioLoader, TrainJobMistakesAreReportedWithPointers) {
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["trainJobs"] = {{"webhook", {{"failurePolicy", "Sometimes"}, {"down", json::array({{{"from", "2m"}, {"to", "1m"}}})}}},
                      {"jobs", json::array({{{"name", "a"}, {"runtimeRef", "torch-distributed"}, {"duration", "1m"},
                                             {"podTemplate", {{"requests", {{"cpu", "4"}}}}}, {"gpus", 1}}})}};
  }));
  const auto has = [&](const std::string& pointer) {
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
      return l.rfind(std::string(kSource) + ": " + pointer + ": ", 0) == 0;
    });
  };
  EXPECT_TRUE(has("/trainJobs/webhook/failurePolicy")) << joined(lines);
  EXPECT_TRUE(has("/trainJobs/webhook/down/0/to")) << joined(lines);
  EXPECT_TRUE(has("/trainJobs/jobs/0/numNodes")) << joined(lines);  // required
  EXPECT_TRUE(has("/trainJobs/jobs/0/gpus")) << joined(lines);      // unknown key
  EXPECT_TRUE(has("/trainJobs")) << joined(lines);                  // needs /apiServer
}

TEST(ScenarioLoader, SyntheticPrioritiesAreReadAndChecked) {
  const auto sc = load_scenario(with(scenario(), [](json& d) {
    d["workload"]["synthetic"]["priority"] = {{"values", {0, 1000}}, {"weights", {4, 1}}};
  }), kSource, "/base");
  const auto& spec = std::get<models::SyntheticWorkloadSpec>(sc.workload);
  EXPECT_EQ(spec.priorities, (std::vector<std::int32_t>{0, 1000}));
  EXPECT_EQ(spec.priority_weights, (std::vector<double>{4, 1}));
  const auto lines = errors_of(with(scenario(), [](json& d) {
    d["workload"]["synthetic"]["priority"] = {{"values", {0, "high"}}, {"weights", {4, 1}}};
  }));
  ASSERT_EQ(lines.size(), 1u) << joined(lines);
  EXPECT_EQ(lines[0], std::string(kSource) + ": /workload/synthetic/priority/values/1: must be a whole number from -2000000000 to 2000000000");
}


// --- controllers: batch Job fields, faults, deployments ---------------------------------------

namespace {

json batch_job(const std::function<void(json&)>& edit) {
  return with(job("j", 0), edit);
}
void set_jobs(json& d, json one) { d["workload"] = {{"jobs", json::array({std::move(one)})}}; }

json deployment() {
  return {{"name", "llm"},
          {"replicas", 2},
          {"template", {{"name", "server"}, {"requests", {{"cpu", "4"}, {"memory", "16Gi"}, {"nvidia.com/gpu", 1}}}}},
          {"load", {{"points", json::array({{{"time", 0}, {"requestsPerSecond", 10}}, {{"time", "1h"}, {"requestsPerSecond", 50}}})}}},
          {"autoscaling", {{"minReplicas", 1}, {"maxReplicas", 8}, {"targetRequestsPerSecondPerReplica", 10}}}};
}
void set_deployment(json& d, const std::function<void(json&)>& edit) {
  d["deployments"] = json::array({with(deployment(), edit)});
  d["simulation"] = {{"until", "2h"}};
}

}  // namespace

TEST(ScenarioLoader, ReadsBatchFieldsFaultsAndDeployments) {
  const Scenario sc = load_scenario(
      with(scenario(),
           [](json& d) {
             set_jobs(d, batch_job([](json& j) {
                        j["completions"] = 6;
                        j["parallelism"] = 2;
                        j["completionMode"] = "Indexed";
                        j["backoffLimit"] = 1;
                        j["activeDeadlineSeconds"] = 600;
                        j["podFailurePolicy"] = {{"rules", json::array({{{"action", "Ignore"}, {"onPodConditions", json::array({{{"type", "DisruptionTarget"}}})}},
                                                                        {{"action", "FailJob"}, {"onExitCodes", {{"operator", "NotIn"}, {"values", {0, 1}}}}}})}};
                        j["failures"] = {{"podFailureProbability", 0.25}, {"failAt", json::array({{{"after", "5m"}, {"exitCode", 3}}})}};
                      }));
             d["faults"] = json::array({{{"node", "gpu-2"}, {"at", "10m"}, {"duration", "5m"}, {"condition", "Unknown"}}});
             d["controllers"] = {{"nodeMonitorGracePeriod", "50s"}, {"hpaTolerance", 0.2}};
             set_deployment(d, [](json&) {});
           }),
      kSource, "/base");
  const auto& jobs = std::get<InlineWorkload>(sc.workload).jobs;
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(jobs[0].batch.has_value());
  const models::BatchJobSpec& b = *jobs[0].batch;
  EXPECT_EQ(b.completions, 6);
  EXPECT_EQ(b.parallelism, 2);
  EXPECT_TRUE(b.indexed);
  EXPECT_EQ(b.backoff_limit, 1);
  EXPECT_EQ(b.active_deadline, 600.0);
  ASSERT_EQ(b.pod_failure_policy.size(), 2u);
  EXPECT_TRUE(b.pod_failure_policy[0].on_disruption);
  EXPECT_EQ(b.pod_failure_policy[1].action, models::PodFailurePolicyRule::Action::FailJob);
  EXPECT_TRUE(b.pod_failure_policy[1].exit_codes_not_in);
  EXPECT_EQ(jobs[0].failures.probability, 0.25);
  ASSERT_EQ(jobs[0].failures.fail_at.size(), 1u);
  EXPECT_EQ(jobs[0].failures.fail_at[0].after, 300.0);
  EXPECT_EQ(jobs[0].failures.fail_at[0].exit_code, 3);
  ASSERT_EQ(sc.faults.size(), 1u);
  EXPECT_EQ(sc.faults[0].node, 2u);
  EXPECT_TRUE(sc.faults[0].unreachable);
  EXPECT_EQ(sc.faults[0].duration, 300.0);
  EXPECT_EQ(sc.node_lifecycle.node_monitor_grace_period, 50.0);
  EXPECT_EQ(sc.node_lifecycle.default_toleration_seconds, 300.0);
  EXPECT_EQ(sc.hpa.tolerance, 0.2);
  ASSERT_EQ(sc.deployments.size(), 1u);
  EXPECT_EQ(sc.deployments[0].deployment.load.points.size(), 2u);
  ASSERT_TRUE(sc.deployments[0].hpa.has_value());
  EXPECT_EQ(sc.deployments[0].hpa->scale_down.stabilization_window, 300.0) << "upstream default";
  EXPECT_EQ(sc.deployments[0].hpa->scale_up.policies.size(), 2u);
}

json disaggregated(const std::function<void(json&)>& edit) {
  return with(scenario(), [&](json& d) {
    json role = {{"replicas", 2}, {"template", {{"name", "server"}, {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {"nvidia.com/gpu", 2}}}}}};
    d["fabric"] = {{"topology", "fatTree"}};
    d["simulation"] = {{"until", "1h"}};
    d["disaggregatedServing"] = json::array({{{"name", "llm"}, {"model", "llama-3-8b"}, {"prefill", role}, {"decode", role},
                                              {"requests", {{"start", "1m"}, {"rate", 2}, {"count", 10},
                                                            {"inputTokens", {{"min", 128}, {"max", 256}}}, {"outputTokens", 16}}}}});
    edit(d);
  });
}

TEST(ScenarioLoader, ReadsDisaggregatedServingAsTwoDeploymentsAndARequestStream) {
  const Scenario sc = load_scenario(disaggregated([](json&) {}), kSource, "/base");
  ASSERT_EQ(sc.disaggregated_serving.size(), 1u);
  const auto& s = sc.disaggregated_serving[0];
  EXPECT_EQ(s.model.name, "llama-3-8b");
  EXPECT_EQ(s.prefill_deployment, "llm-prefill");
  EXPECT_EQ(s.decode_deployment, "llm-decode");
  EXPECT_EQ(s.start, 60.0);
  EXPECT_EQ(s.requests.requests, 10);
  EXPECT_EQ(s.requests.input.min, 128);
  EXPECT_EQ(s.requests.input.max, 256);
  EXPECT_EQ(s.requests.output.min, 16);
  ASSERT_EQ(sc.deployments.size(), 2u);
  EXPECT_EQ(sc.deployments[1].deployment.name, "llm-decode");
  EXPECT_EQ(sc.deployments[1].deployment.replicas, 2);
  EXPECT_EQ(sc.deployments[1].deployment.pod.pods[0].labels.at("llm-d.ai/role"), "decode");
  EXPECT_EQ(sc.deployments[0].deployment.pod.pods[0].labels.at("kubetwin.io/serving"), "llm");
}

TEST(ScenarioLoader, ReportsBadDisaggregatedServingWithPointers) {
  const std::vector<std::pair<std::function<void(json&)>, std::string>> cases = {
      {[](json& d) { d.erase("fabric"); }, "test.json: /disaggregatedServing: needs /fabric"},
      {[](json& d) { d["disaggregatedServing"][0]["model"] = "gpt-5"; }, "test.json: /disaggregatedServing/0/model: unknown model \"gpt-5\""},
      {[](json& d) { d["disaggregatedServing"][0]["decode"]["template"]["requests"]["nvidia.com/gpu"] = 4; },
       "test.json: /disaggregatedServing/0/decode: must request as many GPUs as prefill (2)"},
      {[](json& d) { d["disaggregatedServing"][0]["prefill"]["template"]["requests"]["nvidia.com/gpu"] = 0; },
       "test.json: /disaggregatedServing/0/prefill/template: must request at least one whole nvidia.com/gpu"},
      {[](json& d) { d["disaggregatedServing"][0]["requests"]["inputTokens"] = {{"min", 9}, {"max", 3}}; },
       "test.json: /disaggregatedServing/0/requests/inputTokens/max: must be at least min"},
      {[](json& d) { d["deployments"] = json::array({with(deployment(), [](json& x) { x["name"] = "llm-prefill"; })}); },
       "test.json: /disaggregatedServing/0/name: Deployment \"llm-prefill\" already exists"},
      {[](json& d) { d.erase("simulation"); }, "test.json: /simulation/until: is required"},
  };
  for (const auto& [edit, message] : cases) {
    SCOPED_TRACE(message);
    const auto errors = errors_of(disaggregated(edit));
    EXPECT_NE(joined(errors).find(message), std::string::npos) << joined(errors);
  }
}

json job_set() {
  json worker = job("ignored", 0);
  worker.erase("jobId");
  worker.erase("submitTime");
  return {{"name", "rl"},
          {"submitTime", "5m"},
          {"failurePolicy", {{"maxRestarts", 2}}},
          {"startupPolicy", {{"startupPolicyOrder", "InOrder"}}},
          {"replicatedJobs", json::array({{{"name", "driver"}, {"template", worker}},
                                          {{"name", "workers"}, {"replicas", 3}, {"template", worker}}})}};
}

TEST(ScenarioLoader, ReadsJobSets) {
  const Scenario sc = load_scenario(with(scenario(), [](json& d) { d["jobSets"] = json::array({job_set()}); }), kSource, "/base");
  ASSERT_EQ(sc.job_sets.size(), 1u);
  const auto& js = sc.job_sets[0];
  EXPECT_EQ(js.submit_time, 300.0);
  EXPECT_EQ(js.spec.max_restarts, 2);
  EXPECT_TRUE(js.spec.in_order_startup);
  ASSERT_EQ(js.spec.replicated_jobs.size(), 2u);
  EXPECT_EQ(js.spec.replicated_jobs[1].replicas, 3);
  EXPECT_EQ(js.spec.replicated_jobs[1].job.id, "rl-workers");
}

TEST(ScenarioLoader, AJobWithoutBatchFieldsStaysAPlainJob) {
  const Scenario sc = load_scenario(with(scenario(), [](json& d) { set_jobs(d, job("a", 0)); }), kSource, "/base");
  EXPECT_FALSE(std::get<InlineWorkload>(sc.workload).jobs[0].batch.has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Controllers, InvalidValue,
    ::testing::Values(
        InvalidCase{"ZeroCompletions", [](json& d) { set_jobs(d, batch_job([](json& j) { j["completions"] = 0; })); },
                    "/workload/jobs/0/completions", "at least 1"},
        InvalidCase{"NegativeBackoffLimit", [](json& d) { set_jobs(d, batch_job([](json& j) { j["backoffLimit"] = -1; })); },
                    "/workload/jobs/0/backoffLimit", "at least 0"},
        InvalidCase{"UnknownCompletionMode",
                    [](json& d) { set_jobs(d, batch_job([](json& j) { j["completionMode"] = "Ordered"; j["completions"] = 2; })); },
                    "/workload/jobs/0/completionMode", "Indexed"},
        InvalidCase{"IndexedWithoutCompletions",
                    [](json& d) { set_jobs(d, batch_job([](json& j) { j["completionMode"] = "Indexed"; })); },
                    "/workload/jobs/0/completionMode", "needs completions"},
        InvalidCase{"GangWithOtherParallelism",
                    [](json& d) {
                      set_jobs(d, batch_job([](json& j) {
                                 j["pods"][0]["replicas"] = 2;
                                 j["minMember"] = 2;
                                 j["parallelism"] = 1;
                               }));
                    },
                    "/workload/jobs/0/parallelism", "gang"},
        InvalidCase{"BatchJobWithTwoPodGroups",
                    [](json& d) {
                      set_jobs(d, batch_job([](json& j) {
                                 j["pods"].push_back(j["pods"][0]);
                                 j["pods"][1]["name"] = "other";
                                 j["backoffLimit"] = 2;
                               }));
                    },
                    "/workload/jobs/0/pods", "use a JobSet"},
        InvalidCase{"UnknownPolicyAction",
                    [](json& d) {
                      set_jobs(d, batch_job([](json& j) {
                                 j["podFailurePolicy"] = {{"rules", json::array({{{"action", "FailIndex"}, {"onExitCodes", {{"operator", "In"}, {"values", {1}}}}}})}};
                               }));
                    },
                    "/workload/jobs/0/podFailurePolicy/rules/0/action", "FailJob"},
        InvalidCase{"RuleWithBothMatchers",
                    [](json& d) {
                      set_jobs(d, batch_job([](json& j) {
                                 j["podFailurePolicy"] = {{"rules", json::array({{{"action", "Ignore"},
                                                                                   {"onExitCodes", {{"operator", "In"}, {"values", {1}}}},
                                                                                   {"onPodConditions", json::array({{{"type", "DisruptionTarget"}}})}}})}};
                               }));
                    },
                    "/workload/jobs/0/podFailurePolicy/rules/0", "exactly one of"},
        InvalidCase{"ExitCodeOutOfRange",
                    [](json& d) {
                      set_jobs(d, batch_job([](json& j) {
                                 j["podFailurePolicy"] = {{"rules", json::array({{{"action", "Count"}, {"onExitCodes", {{"operator", "In"}, {"values", {300}}}}}})}};
                               }));
                    },
                    "/workload/jobs/0/podFailurePolicy/rules/0/onExitCodes/values/0", "0 to 255"},
        InvalidCase{"FailureProbabilityAboveOne",
                    [](json& d) { set_jobs(d, batch_job([](json& j) { j["failures"] = {{"podFailureProbability", 1.5}}; })); },
                    "/workload/jobs/0/failures/podFailureProbability", "at most 1"},
        InvalidCase{"FailAtWithoutAfter",
                    [](json& d) { set_jobs(d, batch_job([](json& j) { j["failures"] = {{"failAt", json::array({{{"exitCode", 2}}})}}; })); },
                    "/workload/jobs/0/failures/failAt/0/after", "is required"},
        InvalidCase{"FaultOnUnknownNode",
                    [](json& d) { d["faults"] = json::array({{{"node", "gpu-9"}, {"at", 0}}}); },
                    "/faults/0/node", "no node \"gpu-9\""},
        InvalidCase{"FaultWithZeroDuration",
                    [](json& d) { d["faults"] = json::array({{{"node", "gpu-0"}, {"at", 0}, {"duration", 0}}}); },
                    "/faults/0/duration", "at least"},
        InvalidCase{"FaultWithUnknownCondition",
                    [](json& d) { d["faults"] = json::array({{{"node", "gpu-0"}, {"at", 0}, {"condition", "Down"}}}); },
                    "/faults/0/condition", "NotReady"},
        InvalidCase{"DeploymentWithoutHorizon", [](json& d) { d["deployments"] = json::array({deployment()}); },
                    "/simulation/until", "deployments"},
        InvalidCase{"DeploymentBadName", [](json& d) { set_deployment(d, [](json& x) { x["name"] = "LLM"; }); },
                    "/deployments/0/name", "DNS label"},
        InvalidCase{"DeploymentTemplateWithoutRequests",
                    [](json& d) { set_deployment(d, [](json& x) { x["template"].erase("requests"); }); },
                    "/deployments/0/template/requests", "is required"},
        InvalidCase{"LoadPointsOutOfOrder",
                    [](json& d) {
                      set_deployment(d, [](json& x) { x["load"]["points"][1]["time"] = 0; });
                    },
                    "/deployments/0/load/points/1/time", "increasing"},
        InvalidCase{"NegativeLoad",
                    [](json& d) { set_deployment(d, [](json& x) { x["load"]["points"][0]["requestsPerSecond"] = -1; }); },
                    "/deployments/0/load/points/0/requestsPerSecond", "at least 0"},
        InvalidCase{"MaxReplicasBelowMin",
                    [](json& d) { set_deployment(d, [](json& x) { x["autoscaling"]["minReplicas"] = 9; }); },
                    "/deployments/0/autoscaling/maxReplicas", "at least minReplicas"},
        InvalidCase{"ZeroTarget",
                    [](json& d) { set_deployment(d, [](json& x) { x["autoscaling"]["targetRequestsPerSecondPerReplica"] = 0; }); },
                    "/deployments/0/autoscaling/targetRequestsPerSecondPerReplica", "at least"},
        InvalidCase{"PolicyWithUnknownType",
                    [](json& d) {
                      set_deployment(d, [](json& x) {
                        x["autoscaling"]["behavior"] = {{"scaleUp", {{"policies", json::array({{{"type", "Nodes"}, {"value", 1}, {"periodSeconds", 15}}})}}}};
                      });
                    },
                    "/deployments/0/autoscaling/behavior/scaleUp/policies/0/type", "Pods"},
        InvalidCase{"ObservabilityWithoutHorizon", [](json& d) { d["observability"] = json::object(); },
                    "/simulation/until", "/observability"},
        InvalidCase{"PodMonitorIntervalNotAMultiple",
                    [](json& d) {
                      d["simulation"] = {{"until", "1h"}};
                      d["observability"] = {{"scrapeInterval", "30s"},
                                            {"podMonitors", json::array({{{"name", "m"}, {"selector", {{"matchLabels", {{"app", "x"}}}}}, {"interval", "45s"}}})}};
                    },
                    "/observability/podMonitors/0/interval", "whole multiple"},
        InvalidCase{"PodMonitorWithoutSelector",
                    [](json& d) {
                      d["simulation"] = {{"until", "1h"}};
                      d["observability"] = {{"podMonitors", json::array({{{"name", "m"}}})}};
                    },
                    "/observability/podMonitors/0/selector", "is required"},
        InvalidCase{"CreatedAtWithAutoscaling",
                    [](json& d) { set_deployment(d, [](json& x) { x["createdAt"] = "10m"; }); },
                    "/deployments/0/createdAt", "from the start"},
        InvalidCase{"ServerFirstTokenAfterTheEnd",
                    [](json& d) { set_deployment(d, [](json& x) { x["server"] = {{"requestLatency", "1s"}, {"timeToFirstToken", "2s"}}; }); },
                    "/deployments/0/server/timeToFirstToken", "must not exceed"},
        InvalidCase{"JobSetTemplateWithJobId",
                    [](json& d) {
                      json js = job_set();
                      js["replicatedJobs"][0]["template"]["jobId"] = "x";
                      d["jobSets"] = json::array({js});
                    },
                    "/jobSets/0/replicatedJobs/0/template/jobId", "set by the JobSet"},
        InvalidCase{"JobSetTemplateWithoutRequests",
                    [](json& d) {
                      json js = job_set();
                      js["replicatedJobs"][1]["template"]["pods"][0].erase("requests");
                      d["jobSets"] = json::array({js});
                    },
                    "/jobSets/0/replicatedJobs/1/template/pods/0/requests", "is required"},
        InvalidCase{"JobSetDuplicateRole",
                    [](json& d) {
                      json js = job_set();
                      js["replicatedJobs"][1]["name"] = "driver";
                      d["jobSets"] = json::array({js});
                    },
                    "/jobSets/0/replicatedJobs/1/name", "duplicate replicated job name"},
        InvalidCase{"JobSetNegativeMaxRestarts",
                    [](json& d) {
                      json js = job_set();
                      js["failurePolicy"]["maxRestarts"] = -1;
                      d["jobSets"] = json::array({js});
                    },
                    "/jobSets/0/failurePolicy/maxRestarts", "at least 0"},
        InvalidCase{"UnknownControllersField",
                    [](json& d) { d["controllers"] = {{"podEvictionTimeout", "5m"}}; },
                    "/controllers/podEvictionTimeout", "not a known field"}),
    [](const auto& test_info) { return test_info.param.name; });

}  // namespace kubetwin::scenarios

// --- /fabric and perf profiles --------------------------------------------------------------

namespace kubetwin::scenarios {
namespace {

json perf_job(const std::string& id, const json& perf, int pods = 2) {
  json j = job(id, 0, 8);
  j.erase("duration");
  j["pods"][0]["replicas"] = pods;
  j["perf"] = perf;
  return j;
}

TEST(ScenarioLoader, FabricInlineTakesTheClusterShape) {
  const Scenario sc = load_scenario(with(scenario(), [](json& d) {
    d["fabric"] = {{"topology", "fatTree"}, {"nodesPerLeaf", 2}, {"oversubscription", "2:1"}};
  }), kSource, "/base");
  ASSERT_TRUE(sc.fabric.has_value());
  EXPECT_EQ(sc.fabric->nodes, 4);
  EXPECT_EQ(sc.fabric->gpus_per_node, 8);
  EXPECT_EQ(sc.fabric->kind, models::FabricKind::FatTree);
  EXPECT_DOUBLE_EQ(sc.fabric->oversubscription, 2.0);
  EXPECT_FALSE(load_scenario(scenario(), kSource, "/base").fabric.has_value());
}

TEST(ScenarioLoader, FabricMismatchesAreReportedWithTheirPointers) {
  auto errors = errors_of(with(scenario(), [](json& d) { d["fabric"] = {{"topology", "railOptimized"}, {"nodes", 5}}; }));
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_EQ(errors[0], "test.json: /fabric/nodes: the fabric has 5 servers but the cluster has 4 node slots (every pool's nodes, autoscaled ones included)");
  errors = errors_of(with(scenario(), [](json& d) { d["fabric"] = {{"topology", "railOptimized"}, {"gpusPerNode", 4}}; }));
  ASSERT_EQ(errors.size(), 1u) << joined(errors);
  EXPECT_NE(errors[0].find("test.json: /fabric/gpusPerNode: the fabric has 4 GPUs per server but node pool \"gpu\" has 8"),
            std::string::npos);
  errors = errors_of(with(scenario(), [](json& d) { d["fabric"] = {{"topology", "ring"}, {"spines", 2}}; }));
  ASSERT_EQ(errors.size(), 2u) << joined(errors);
  EXPECT_NE(joined(errors).find("/fabric/topology"), std::string::npos);
  EXPECT_NE(joined(errors).find("/fabric/spines: is not a known field"), std::string::npos);
  errors = errors_of(with(scenario(), [](json& d) { d["fabric"] = {{"file", "missing.json"}}; }));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "test.json: /fabric/file: /base/missing.json: cannot open fabric file");
}

TEST(ScenarioLoader, FabricFromAFile) {
  const fs::path dir = fs::temp_directory_path() / "kubetwin-fabric-file-test";
  fs::create_directories(dir);
  std::ofstream(dir / "f.json") << R"({"topology": "railOptimized", "nodes": 4, "oversubscription": "2:1"})";
  const Scenario sc = load_scenario(with(scenario(), [](json& d) { d["fabric"] = {{"file", "f.json"}}; }), kSource, dir);
  ASSERT_TRUE(sc.fabric.has_value());
  EXPECT_EQ(sc.fabric->nodes, 4);
  std::ofstream(dir / "f.json") << R"({"topology": "railOptimized", "nodes": 3})";
  const auto errors = errors_of(with(scenario(), [](json& d) { d["fabric"] = {{"file", "f.json"}}; }), dir);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("test.json: /fabric/file: the fabric has 3 servers"), std::string::npos);
  fs::remove_all(dir);
}

TEST(ScenarioLoader, PerfProfilesAreReadStrictly) {
  const json simple = {{"computeSecondsPerStep", "250ms"}, {"commBytesPerStep", "2Gi"}, {"collective", "allGather"},
                       {"overlap", 0.5}, {"iterations", 100}};
  const json train = {{"model", "llama-3-8b"}, {"tp", 8}, {"globalBatch", 64}, {"seq", 4096}, {"iterations", 10}};
  const Scenario sc = load_scenario(with(scenario(), [&](json& d) {
    d["workload"] = {{"jobs", json::array({perf_job("s", simple), perf_job("t", train)})}};
  }), kSource, "/base");
  const auto& jobs = std::get<InlineWorkload>(sc.workload).jobs;
  ASSERT_EQ(jobs.size(), 2u);
  const auto& s = std::get<models::SimplePerf>(jobs[0].perf->shape);
  EXPECT_DOUBLE_EQ(s.compute_seconds, 0.25);
  EXPECT_DOUBLE_EQ(s.comm_bytes, 2.0 * (1 << 30));
  EXPECT_EQ(s.collective, models::StepCollective::AllGather);
  EXPECT_EQ(jobs[0].perf->iterations, 100);
  const auto& t = std::get<models::TrainingPerf>(jobs[1].perf->shape);
  EXPECT_EQ(t.model.name, "llama-3-8b");
  EXPECT_EQ(t.tp, 8);
  // Round trip through the trace format.
  EXPECT_EQ(models::job_record(jobs[1])["perf"]["model"], "llama-3-8b");

  auto errors_with = [&](const json& perf, int pods = 2) {
    return joined(errors_of(with(scenario(), [&](json& d) { d["workload"] = {{"jobs", json::array({perf_job("x", perf, pods)})}}; })));
  };
  EXPECT_NE(errors_with(with(train, [](json& p) { p["model"] = "gpt-9"; })).find("/workload/jobs/0/perf/model: unknown model \"gpt-9\""),
            std::string::npos);
  EXPECT_NE(errors_with(with(train, [](json& p) { p["tp"] = 3; })).find("/workload/jobs/0/perf/tp: tp x pp = 3 must divide the job's 16 GPUs"),
            std::string::npos);
  EXPECT_NE(errors_with(with(train, [](json& p) { p["globalBatch"] = 3; })).find("/workload/jobs/0/perf/globalBatch"),
            std::string::npos);
  EXPECT_NE(errors_with(with(simple, [](json& p) { p.erase("iterations"); p["overlap"] = 2; })).find("/workload/jobs/0/perf/iterations"),
            std::string::npos);
  EXPECT_NE(errors_with(with(simple, [](json& p) { p["overlap"] = 2; })).find("/workload/jobs/0/perf/overlap"), std::string::npos);
  EXPECT_NE(errors_with(with(simple, [](json& p) { p["model"] = "llama-3-8b"; })).find("exactly one of \"model\""),
            std::string::npos);
  EXPECT_NE(errors_with(with(train, [](json& p) { p["model"] = {{"layers", 2}, {"hidden", 64}}; })).find("/workload/jobs/0/perf/model/heads"),
            std::string::npos);
  const std::string both = joined(errors_of(with(scenario(), [&](json& d) {
    json j = perf_job("x", simple);
    j["duration"] = "1h";
    d["workload"] = {{"jobs", json::array({j})}};
  })));
  EXPECT_NE(both.find("/workload/jobs/0: must give exactly one of \"duration\" (seconds), \"work\" (FLOP) or \"perf\""),
            std::string::npos);
}

TEST(ScenarioLoader, GpuDriversUpgradesAndFeatureDiscoveryAreRead) {
  json doc = scenario();
  doc["platform"]["nodePools"][0]["driver"] = {{"version", "535.104.05"}, {"containerToolkitVersion", "1.14.6"}};
  doc["driverUpgrades"] = json::array({{{"pool", "gpu"}, {"at", "20m"}, {"version", "550.54.15"}}});
  doc["gpuFeatureDiscovery"] = {{"sleepInterval", "30s"}};
  doc["workload"] = {{"jobs", json::array({with(job("a", 0), [](json& j) { j["pods"][0]["requiresCuda"] = "12.4"; })})}};
  const Scenario sc = load_scenario(doc, kSource, "/base");
  ASSERT_EQ(sc.gpu_drivers.pools.size(), 1u);
  EXPECT_EQ(sc.gpu_drivers.pools[0], (models::DriverVersions{"535.104.05", {12, 2}, "1.14.6"}));
  ASSERT_EQ(sc.gpu_drivers.upgrades.size(), 1u);
  EXPECT_EQ(sc.gpu_drivers.upgrades[0].at, 1200);
  EXPECT_EQ(sc.gpu_drivers.upgrades[0].to, (models::DriverVersions{"550.54.15", {12, 4}, ""}));  // toolkit: kept at run time
  EXPECT_EQ(sc.gpu_drivers.discovery.sleep_interval, 30);
  EXPECT_FALSE(sc.gpu_drivers.discovery.oneshot);
  const auto& jobs = std::get<InlineWorkload>(sc.workload).jobs;
  EXPECT_EQ(jobs.at(0).pods.at(0).requires_cuda, (models::CudaVersion{12, 4}));
  EXPECT_FALSE(load_scenario(scenario(), kSource, "/base").gpu_drivers.any());
}

TEST(ScenarioLoader, BadGpuDriverInputNamesItsPointer) {
  const auto one = [](const std::function<void(json&)>& edit) {
    const auto lines = errors_of(with(scenario(), edit));
    return lines.size() == 1 ? lines[0] : joined(lines);
  };
  EXPECT_EQ(one([](json& d) { d["driverUpgrades"] = json::array({{{"pool", "gpu"}, {"at", 60}, {"version", "550.54.15"}}}); }),
            std::string(kSource) + ": /driverUpgrades/0/pool: node pool \"gpu\" has no driver (/platform/nodePools/0/driver)");
  EXPECT_EQ(one([](json& d) {
              d["platform"]["nodePools"][0]["driver"] = {{"version", "550.54.15"}};
              d["driverUpgrades"] = json::array({{{"pool", "cpu"}, {"at", 60}, {"version", "550.54.15"}}});
            }),
            std::string(kSource) + ": /driverUpgrades/0/pool: no node pool \"cpu\"");
  EXPECT_EQ(one([](json& d) { d["platform"]["nodePools"][0]["driver"] = {{"version", "550.54.15"}, {"cudaVersion", "12.6"}}; }),
            std::string(kSource) + ": /platform/nodePools/0/driver/cudaVersion: CUDA 12.6 needs a newer driver than 550.54.15 "
                                   "(which supports up to 12.4)");
  EXPECT_EQ(one([](json& d) { d["gpuFeatureDiscovery"] = {{"sleepInterval", "0s"}}; }).rfind(
                std::string(kSource) + ": /gpuFeatureDiscovery/sleepInterval: ", 0),
            0u);
  EXPECT_EQ(one([](json& d) {
              d["workload"] = {{"jobs", json::array({with(job("a", 0), [](json& j) { j["pods"][0]["requiresCuda"] = "12"; })})}};
            }),
            std::string(kSource) + ": /workload/jobs/0/pods/0/requiresCuda: must be a CUDA version <major>.<minor>, such as "
                                   "\"12.4\", got \"12\"");
}

}  // namespace

TEST(ScenarioLoader, ReadsObservabilityAndServingSettings) {
  const Scenario sc = load_scenario(
      with(scenario(),
           [](json& d) {
             set_deployment(d, [](json& x) {
               x.erase("autoscaling");
               x["createdAt"] = "10m";
               x["server"] = {{"modelName", "m"}, {"maxNumSeqs", 64}, {"requestLatency", "1s"}, {"timeToFirstToken", "50ms"}};
             });
             d["observability"] = {{"scrapeInterval", "15s"}, {"startTimestamp", 1767225600},
                                   {"dcgmExporter", {{"faults", {{"staleValues", true}}}}},
                                   {"serviceDiscovery", {{"delay", "2s"}}},
                                   {"podMonitors", json::array({{{"name", "vllm"}, {"selector", {{"matchLabels", {{"app", "vllm"}}}}}, {"interval", "30s"}}})}};
           }),
      kSource, "/base");
  EXPECT_EQ(sc.deployments[0].deployment.created_at, 600.0);
  EXPECT_EQ(sc.deployments[0].server.max_num_seqs, 64);
  EXPECT_EQ(sc.deployments[0].server.capacity(), 64.0);
  EXPECT_EQ(sc.deployments[0].server.time_to_first_token, 0.05);
  ASSERT_TRUE(sc.observability.has_value());
  const models::ObservabilityConfig& o = *sc.observability;
  EXPECT_EQ(o.scrape_interval, 15.0);
  EXPECT_EQ(o.start_timestamp, 1767225600.0);
  EXPECT_TRUE(o.dcgm_exporter);
  EXPECT_TRUE(o.dcgm_stale);
  EXPECT_TRUE(o.service_discovery);
  EXPECT_EQ(o.discovery_delay, 2.0);
  ASSERT_EQ(o.pod_monitors.size(), 1u);
  EXPECT_EQ(o.pod_monitors[0].selector.match_labels.at("app"), "vllm");
  EXPECT_EQ(o.pod_monitors[0].interval, 30.0);
}

}  // namespace kubetwin::scenarios
