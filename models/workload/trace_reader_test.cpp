#include "models/workload/trace_reader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/cluster/node_pool.hpp"
#include "models/workload/trace_format.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

constexpr std::int64_t kGi = std::int64_t{1} << 30;
using json = nlohmann::json;

// --- builders -------------------------------------------------------------------------------

/// One pod group in the trace format: `replicas` pods of `gpus` GPUs with 8 cores and 64Gi each.
json pod_group(const std::string& name, int replicas, int gpus) {
  return {{"name", name},
          {"replicas", replicas},
          {"requests", {{"cpu", "8"}, {"memory", "64Gi"}, {kGpuResource, gpus}}}};
}

/// A valid one-group record that runs for an hour; tests edit it.
json record(const std::string& id, double submit_time) {
  return {{"jobId", id},
          {"submitTime", submit_time},
          {"duration", "1h"},
          {"pods", json::array({pod_group("worker", 1, 1)})}};
}

json with(json r, const std::function<void(json&)>& edit) {
  edit(r);
  return r;
}

/// A trace file in the test's temporary folder, removed afterwards.
class TraceFile {
 public:
  explicit TraceFile(const std::vector<std::string>& lines, const std::string& eol = "\n") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            (std::string(info->name()) + "-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter_++) + ".jsonl");
    std::ofstream out(path_, std::ios::binary);
    for (const auto& l : lines) out << l << eol;
  }
  ~TraceFile() { std::filesystem::remove(path_); }
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

std::vector<std::string> lines_of(const std::vector<json>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.dump());
  return out;
}

/// Reads the whole trace; returns the InputError message, or "" if every record was accepted.
std::string read_error(const TraceFile& file) {
  try {
    TraceReader reader(file.path(), GpuCatalog::builtin());
    while (reader.next()) {
    }
  } catch (const sim::InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<JobSpec> read_all(const TraceFile& file) {
  TraceReader reader(file.path(), GpuCatalog::builtin());
  std::vector<JobSpec> jobs;
  while (auto j = reader.next()) jobs.push_back(std::move(*j));
  return jobs;
}

// --- reading valid records ------------------------------------------------------------------

TEST(TraceReader, ReadsEveryFieldOfAValidRecord) {
  json full = record("train-1", 12.5);
  full["duration"] = "2h";
  full["queue"] = "research";
  full["priority"] = 5;
  full["minMember"] = 2;
  full["pods"] = json::array(
      {{{"name", "worker"},
        {"replicas", 2},
        {"requests", {{"cpu", "500m"}, {"memory", "64Gi"}, {kGpuResource, 8}}},
        {"nodeSelector", {{kGpuProductLabel, "H100-SXM-80GB"}, {"zone", "a"}}},
        {"tolerations",
         json::array(
             {{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}},
              {{"key", "team"}, {"operator", "Equal"}, {"value", "a"}, {"tolerationSeconds", 60}},
              {{"operator", "Exists"}}})}}});
  json by_work = record("train-2", 20);
  by_work.erase("duration");
  by_work["work"] = "3e18flop";

  const TraceFile file(lines_of({full, by_work}));
  const auto jobs = read_all(file);
  ASSERT_EQ(jobs.size(), 2u);

  const JobSpec& a = jobs[0];
  EXPECT_EQ(a.id, "train-1");
  EXPECT_EQ(a.submit_time, 12.5);
  EXPECT_EQ(a.queue, "research");
  EXPECT_EQ(a.priority, 5);
  EXPECT_EQ(a.min_member, 2);
  ASSERT_TRUE(a.duration.has_value());
  EXPECT_EQ(*a.duration, 7200.0);
  EXPECT_FALSE(a.work.has_value());
  ASSERT_EQ(a.pods.size(), 1u);
  const PodGroupSpec& g = a.pods[0];
  EXPECT_EQ(g.name, "worker");
  EXPECT_EQ(g.replicas, 2);
  EXPECT_EQ(g.requests, (Resources{500, 64 * kGi, 8}));
  EXPECT_EQ(g.node_selector, (std::map<std::string, std::string>{
                                 {kGpuProductLabel, "H100-SXM-80GB"}, {"zone", "a"}}));
  ASSERT_EQ(g.tolerations.size(), 3u);
  EXPECT_EQ(g.tolerations[0].key, "nvidia.com/gpu");
  EXPECT_EQ(g.tolerations[0].op, Toleration::Operator::Exists);
  EXPECT_FALSE(g.tolerations[0].any_effect);
  EXPECT_EQ(g.tolerations[0].effect, TaintEffect::NoSchedule);
  EXPECT_EQ(g.tolerations[1].key, "team");
  EXPECT_EQ(g.tolerations[1].op, Toleration::Operator::Equal);
  EXPECT_EQ(g.tolerations[1].value, "a");
  EXPECT_TRUE(g.tolerations[1].any_effect);
  EXPECT_TRUE(g.tolerations[2].key.empty());
  EXPECT_EQ(g.tolerations[2].op, Toleration::Operator::Exists);
  EXPECT_EQ(a.total_pods(), 2);
  EXPECT_EQ(a.total_requests(), (Resources{1000, 128 * kGi, 16}));

  const JobSpec& b = jobs[1];
  EXPECT_EQ(b.id, "train-2");
  EXPECT_FALSE(b.duration.has_value());
  ASSERT_TRUE(b.work.has_value());
  EXPECT_DOUBLE_EQ(*b.work, 3e18);
}

TEST(TraceReader, FillsDefaultsForOptionalFields) {
  json two_groups = record("b", 1);
  two_groups["pods"] =
      json::array({{{"requests", {{"cpu", 2}}}}, {{"requests", {{"memory", "1Gi"}}}}});
  const TraceFile file(lines_of({record("a", 0), two_groups}));
  const auto jobs = read_all(file);
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].queue, "default");
  EXPECT_EQ(jobs[0].priority, 0);
  EXPECT_EQ(jobs[0].min_member, 0);
  ASSERT_EQ(jobs[1].pods.size(), 2u);
  EXPECT_EQ(jobs[1].pods[0].name, "group0");
  EXPECT_EQ(jobs[1].pods[1].name, "group1");
  EXPECT_EQ(jobs[1].pods[0].replicas, 1);
  EXPECT_EQ(jobs[1].pods[0].requests, (Resources{2000, 0, 0}));  // a bare number of cores
  EXPECT_EQ(jobs[1].pods[1].requests, (Resources{0, kGi, 0}));

  json unnamed = record("c", 2);
  unnamed["pods"][0].erase("name");
  const TraceFile single(lines_of({unnamed}));
  EXPECT_EQ(read_all(single).at(0).pods.at(0).name, "pod");
}

TEST(TraceReader, SkipsBlankLinesButCountsThemInLineNumbers) {
  const TraceFile file({record("a", 0).dump(), "", "   \t", record("b", 1).dump(), ""});
  TraceReader reader(file.path(), GpuCatalog::builtin());
  ASSERT_TRUE(reader.next().has_value());
  EXPECT_EQ(reader.line(), 1);
  const auto b = reader.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->id, "b");
  EXPECT_EQ(reader.line(), 4);
  EXPECT_FALSE(reader.next().has_value());

  const TraceFile bad({record("a", 0).dump(), "", "{"});
  EXPECT_EQ(read_error(bad).rfind(bad.path() + ":3: not valid JSON", 0), 0u) << read_error(bad);
}

TEST(TraceReader, AcceptsWindowsLineEndings) {
  const TraceFile file(lines_of({record("a", 0), record("b", 1)}), "\r\n");
  EXPECT_EQ(read_all(file).size(), 2u);
}

TEST(TraceReader, EmptyFileHasNoJobs) {
  const TraceFile file({});
  EXPECT_TRUE(read_all(file).empty());
}

TEST(TraceReader, EqualSubmitTimesAreInOrder) {
  const TraceFile file(lines_of({record("a", 5), record("b", 5), record("c", 5)}));
  EXPECT_EQ(read_all(file).size(), 3u);
}

TEST(TraceReader, StreamsRecordsAndReportsABadLineOnlyWhenItIsReached) {
  const TraceFile file({record("a", 0).dump(), record("b", 1).dump(), "not json"});
  TraceReader reader(file.path(), GpuCatalog::builtin());
  EXPECT_EQ(reader.next()->id, "a");
  EXPECT_EQ(reader.next()->id, "b");
  EXPECT_THROW(reader.next(), sim::InputError);
}

TEST(TraceReader, MissingFileIsAnInputError) {
  const std::string path =
      ::testing::TempDir() + "/no-such-trace-" + std::to_string(::getpid()) + ".jsonl";
  try {
    TraceReader reader(path, GpuCatalog::builtin());
    FAIL() << "expected sim::InputError";
  } catch (const sim::InputError& e) {
    EXPECT_EQ(std::string(e.what()), path + ": cannot open trace file");
  }
}

TEST(TraceReader, ReadsPodLabelsSpreadConstraintsAndAffinityInKubernetesFieldNames) {
  json r = record("web", 0);
  r["pods"][0]["labels"] = {{"app", "web"}};
  r["pods"][0]["topologySpreadConstraints"] = json::array(
      {{{"maxSkew", 1},
        {"topologyKey", "topology.kubernetes.io/zone"},
        {"whenUnsatisfiable", "DoNotSchedule"},
        {"minDomains", 3},
        {"nodeTaintsPolicy", "Honor"},
        {"labelSelector",
         {{"matchLabels", {{"app", "web"}}},
          {"matchExpressions", json::array({{{"key", "tier"}, {"operator", "In"}, {"values", {"1", "2"}}}})}}}},
       {{"maxSkew", 2}, {"topologyKey", kHostnameLabel}, {"whenUnsatisfiable", "ScheduleAnyway"}}});
  r["pods"][0]["affinity"] = {
      {"podAffinity",
       {{"requiredDuringSchedulingIgnoredDuringExecution",
         json::array({{{"labelSelector", {{"matchLabels", {{"app", "db"}}}}}, {"topologyKey", "rack"}}})}}},
      {"podAntiAffinity",
       {{"preferredDuringSchedulingIgnoredDuringExecution",
         json::array({{{"weight", 80},
                       {"podAffinityTerm",
                        {{"labelSelector", {{"matchExpressions", json::array({{{"key", "app"}, {"operator", "Exists"}}})}}},
                         {"topologyKey", kHostnameLabel}}}}})}}}};
  const TraceFile file(lines_of({r}));
  const auto jobs = read_all(file);
  ASSERT_EQ(jobs.size(), 1u);
  const PodGroupSpec& g = jobs[0].pods[0];
  EXPECT_EQ(g.labels, (std::map<std::string, std::string>{{"app", "web"}}));

  ASSERT_EQ(g.topology_spread_constraints.size(), 2u);
  const TopologySpreadConstraint& hard = g.topology_spread_constraints[0];
  EXPECT_EQ(hard.max_skew, 1);
  EXPECT_EQ(hard.topology_key, "topology.kubernetes.io/zone");
  EXPECT_EQ(hard.when_unsatisfiable, UnsatisfiableConstraintAction::DoNotSchedule);
  EXPECT_EQ(hard.min_domains, 3);
  EXPECT_EQ(hard.node_affinity_policy, NodeInclusionPolicy::Honor);  // upstream default
  EXPECT_EQ(hard.node_taints_policy, NodeInclusionPolicy::Honor);
  ASSERT_TRUE(hard.label_selector.has_value());
  EXPECT_TRUE(hard.matches({{"app", "web"}, {"tier", "2"}}));
  EXPECT_FALSE(hard.matches({{"app", "web"}, {"tier", "3"}}));
  EXPECT_FALSE(hard.matches({{"app", "web"}}));
  const TopologySpreadConstraint& soft = g.topology_spread_constraints[1];
  EXPECT_EQ(soft.when_unsatisfiable, UnsatisfiableConstraintAction::ScheduleAnyway);
  EXPECT_FALSE(soft.min_domains.has_value());
  EXPECT_EQ(soft.node_taints_policy, NodeInclusionPolicy::Ignore);  // upstream default
  EXPECT_FALSE(soft.label_selector.has_value());                    // and so it matches no pod
  EXPECT_FALSE(soft.matches({{"app", "web"}}));

  ASSERT_EQ(g.affinity.pod_affinity.required.size(), 1u);
  EXPECT_EQ(g.affinity.pod_affinity.required[0].topology_key, "rack");
  EXPECT_TRUE(g.affinity.pod_affinity.required[0].matches({{"app", "db"}}));
  EXPECT_TRUE(g.affinity.pod_affinity.preferred.empty());
  EXPECT_TRUE(g.affinity.pod_anti_affinity.required.empty());
  ASSERT_EQ(g.affinity.pod_anti_affinity.preferred.size(), 1u);
  EXPECT_EQ(g.affinity.pod_anti_affinity.preferred[0].weight, 80);
  EXPECT_EQ(g.affinity.pod_anti_affinity.preferred[0].term.topology_key, kHostnameLabel);
  EXPECT_TRUE(g.affinity.pod_anti_affinity.preferred[0].term.matches({{"app", "x"}}));
  EXPECT_FALSE(g.affinity.pod_anti_affinity.preferred[0].term.matches({{"team", "x"}}));
}

TEST(LabelSelector, MatchesLikeKubernetesTable) {
  using Op = LabelSelectorRequirement::Operator;
  struct Case {
    const char* what;
    LabelSelector selector;
    std::map<std::string, std::string> labels;
    bool expected;
  };
  const std::vector<Case> table{
      {"empty selector matches everything", {}, {}, true},
      {"matchLabels", {{{"app", "web"}}, {}}, {{"app", "web"}, {"x", "y"}}, true},
      {"matchLabels wrong value", {{{"app", "web"}}, {}}, {{"app", "db"}}, false},
      {"matchLabels missing key", {{{"app", "web"}}, {}}, {}, false},
      {"In", {{}, {{"app", Op::In, {"web", "db"}}}}, {{"app", "db"}}, true},
      {"In without the key", {{}, {{"app", Op::In, {"web"}}}}, {}, false},
      {"NotIn", {{}, {{"app", Op::NotIn, {"web"}}}}, {{"app", "db"}}, true},
      {"NotIn listed", {{}, {{"app", Op::NotIn, {"web"}}}}, {{"app", "web"}}, false},
      {"NotIn without the key matches", {{}, {{"app", Op::NotIn, {"web"}}}}, {}, true},
      {"Exists", {{}, {{"app", Op::Exists, {}}}}, {{"app", ""}}, true},
      {"Exists without the key", {{}, {{"app", Op::Exists, {}}}}, {}, false},
      {"DoesNotExist", {{}, {{"app", Op::DoesNotExist, {}}}}, {}, true},
      {"DoesNotExist with the key", {{}, {{"app", Op::DoesNotExist, {}}}}, {{"app", "web"}}, false},
      {"all must hold", {{{"app", "web"}}, {{"tier", Op::In, {"1"}}}}, {{"app", "web"}, {"tier", "2"}}, false},
  };
  for (const Case& c : table) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(c.selector.matches(c.labels), c.expected);
  }
  EXPECT_FALSE(selector_matches(std::nullopt, {}));  // no selector matches no pod
}

// --- rejecting bad records ------------------------------------------------------------------

TEST(TraceReader, RejectsBadRecordsNamingPathLineAndJsonPointer) {
  // Line 1 is always a good record "a" at t=10; the case supplies line 2. Messages start with
  // "<path>:2: " followed by the JSON pointer of the problem (none for the record as a whole).
  struct Case {
    const char* what;
    std::string line2;
    std::string expected;  // after "<path>:2: "
    bool prefix_only = false;
  };
  const json good = record("b", 20);
  const std::vector<Case> table{
      {"unknown field", with(good, [](json& r) { r["colour"] = "red"; }).dump(),
       "/colour: is not a known field"},
      {"unknown request", with(good, [](json& r) { r["pods"][0]["requests"]["gpu"] = 1; }).dump(),
       "/pods/0/requests/gpu: is not a known field"},
      {"unknown pod field", with(good, [](json& r) { r["pods"][0]["imagePullPolicy"] = "x"; }).dump(),
       "/pods/0/imagePullPolicy: is not a known field"},
      {"image without size", with(good, [](json& r) { r["pods"][0]["image"] = {{"name", "x"}}; }).dump(),
       "/pods/0/image/size: is required"},
      {"empty topology", with(good, [](json& r) { r["pods"][0]["topology"] = json::object(); }).dump(),
       "/pods/0/topology: must give \"required\" or \"preferred\" (a node label key)"},
      {"empty topology level",
       with(good, [](json& r) { r["pods"][0]["topology"] = {{"required", ""}}; }).dump(),
       "/pods/0/topology/required: must name a node label key"},
      {"topology level not a string",
       with(good, [](json& r) { r["pods"][0]["topology"] = {{"preferred", 3}}; }).dump(),
       "/pods/0/topology/preferred: ", true},
      {"unknown topology field",
       with(good, [](json& r) { r["pods"][0]["topology"] = {{"preferred", "a"}, {"mode", "BestFit"}}; }).dump(),
       "/pods/0/topology/mode: is not a known field"},
      {"missing jobId", with(good, [](json& r) { r.erase("jobId"); }).dump(),
       "/jobId: is required"},
      {"empty jobId", with(good, [](json& r) { r["jobId"] = ""; }).dump(),
       "/jobId: must not be empty"},
      {"missing submitTime", with(good, [](json& r) { r.erase("submitTime"); }).dump(),
       "/submitTime: is required"},
      {"both duration and work", with(good, [](json& r) { r["work"] = "1e15flop"; }).dump(),
       "must give exactly one of \"duration\" (seconds), \"work\" (FLOP) or \"perf\" (a training profile)"},
      {"neither duration nor work", with(good, [](json& r) { r.erase("duration"); }).dump(),
       "must give exactly one of \"duration\" (seconds), \"work\" (FLOP) or \"perf\" (a training profile)"},
      {"duration in the wrong unit",
       with(good, [](json& r) { r["duration"] = "2 parsecs"; }).dump(), "/duration: ", true},
      {"negative duration", with(good, [](json& r) { r["duration"] = -5; }).dump(),
       "/duration: must be at least", true},
      {"submitted before the previous record", record("b", 5).dump(),
       "/submitTime: records must be sorted by submit time (5.0 comes after 10.0)"},
      {"duplicate jobId", record("a", 20).dump(), "/jobId: duplicate job id \"a\""},
      {"dependency on a job not read yet", with(good, [](json& r) { r["dependsOn"] = {"later"}; }).dump(),
       "/dependsOn/0: \"later\" is not the jobId of an earlier record"},
      {"dependency on itself", with(good, [](json& r) { r["dependsOn"] = {"b"}; }).dump(),
       "/dependsOn/0: a job cannot depend on itself"},
      {"dependency listed twice", with(good, [](json& r) { r["dependsOn"] = {"a", "a"}; }).dump(),
       "/dependsOn/1: \"a\" is listed twice"},
      {"dependency not a string", with(good, [](json& r) { r["dependsOn"] = {1}; }).dump(),
       "/dependsOn/0: must be the jobId of an earlier job"},
      {"unknown GPU model in the node selector",
       with(good,
            [](json& r) {
              r["pods"][0]["nodeSelector"] = {{kGpuProductLabel, "H100"}};
            })
           .dump(),
       "/pods/0/nodeSelector/nvidia.com~1gpu.product: unknown GPU model \"H100\" (known: "
       "A100-SXM-80GB, "
       "H100-SXM-80GB, H200-SXM-141GB, B200-SXM-180GB)"},
      {"node selector value not a string",
       with(good,
            [](json& r) {
              r["pods"][0]["nodeSelector"] = {{"zone", 1}};
            })
           .dump(),
       "/pods/0/nodeSelector/zone: must be a string, not a number"},
      {"invalid JSON", "{\"jobId\": \"b\",", "not valid JSON: ", true},
      {"not an object", "[1, 2]", "must be an object, not an array"},
      {"minMember larger than the pod count",
       with(good,
            [](json& r) {
              r["minMember"] = 3;
              r["pods"] = json::array({pod_group("w", 2, 8)});
            })
           .dump(),
       "/minMember: is 3 but the job has only 2 pods"},
      {"minMember zero", with(good, [](json& r) { r["minMember"] = 0; }).dump(),
       "/minMember: must be at least 1, got 0"},
      {"replicas zero", with(good, [](json& r) { r["pods"][0]["replicas"] = 0; }).dump(),
       "/pods/0/replicas: must be at least 1, got 0"},
      {"GPUs neither whole nor a share of one",
       with(good, [](json& r) { r["pods"][0]["requests"][kGpuResource] = 1.5; }).dump(),
       "/pods/0/requests/nvidia.com~1gpu: must be whole GPUs or a share of one GPU in thousandths", true},
      {"GPU share finer than a thousandth",
       with(good, [](json& r) { r["pods"][0]["requests"][kGpuResource] = 0.0005; }).dump(),
       "/pods/0/requests/nvidia.com~1gpu: must be whole GPUs or a share of one GPU in thousandths", true},
      {"empty scheduling gate", with(good, [](json& r) { r["schedulingGates"] = json::array({{{"name", ""}}}); }).dump(),
       "/schedulingGates/0/name: must not be empty"},
      {"schedule timeout zero", with(good, [](json& r) { r["scheduleTimeoutSeconds"] = 0; }).dump(),
       "/scheduleTimeoutSeconds: must be at least 1, got 0"},
      {"no pod groups", with(good, [](json& r) { r["pods"] = json::array(); }).dump(),
       "/pods: must list at least one pod group"},
      {"pod without requests", with(good, [](json& r) { r["pods"][0].erase("requests"); }).dump(),
       "/pods/0/requests: is required"},
      {"work without GPUs",
       with(good,
            [](json& r) {
              r.erase("duration");
              r["work"] = "1e18flop";
              r["pods"][0]["requests"].erase(kGpuResource);
            })
           .dump(),
       "/work: needs GPUs to run on: request nvidia.com/gpu or give a duration instead"},
      {"toleration with neither key nor Exists",
       with(good,
            [](json& r) {
              r["pods"][0]["tolerations"] = json::array({{{"value", "x"}}});
            })
           .dump(),
       "/pods/0/tolerations/0/operator: must be Exists when key is empty"},
      {"unknown toleration effect",
       with(good,
            [](json& r) {
              r["pods"][0]["tolerations"] = json::array({{{"key", "k"}, {"effect", "Never"}}});
            })
           .dump(),
       "/pods/0/tolerations/0/effect: must be one of NoSchedule, PreferNoSchedule, NoExecute, got "
       "\"Never\""},
      {"labels value not a string", with(good, [](json& r) { r["pods"][0]["labels"] = {{"app", 1}}; }).dump(),
       "/pods/0/labels/app: must be a string, not a number"},
      {"spread constraint without maxSkew",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] =
                  json::array({{{"topologyKey", "zone"}, {"whenUnsatisfiable", "DoNotSchedule"}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/maxSkew: is required"},
      {"spread constraint maxSkew 0",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] =
                  json::array({{{"maxSkew", 0}, {"topologyKey", "zone"}, {"whenUnsatisfiable", "DoNotSchedule"}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/maxSkew: must be at least 1, got 0"},
      {"spread constraint with an empty topologyKey",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] =
                  json::array({{{"maxSkew", 1}, {"topologyKey", ""}, {"whenUnsatisfiable", "DoNotSchedule"}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/topologyKey: must not be empty"},
      {"unknown whenUnsatisfiable",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] =
                  json::array({{{"maxSkew", 1}, {"topologyKey", "zone"}, {"whenUnsatisfiable", "Never"}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/whenUnsatisfiable: must be one of DoNotSchedule, ScheduleAnyway, got "
       "\"Never\""},
      {"minDomains with ScheduleAnyway",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] = json::array(
                  {{{"maxSkew", 1}, {"topologyKey", "zone"}, {"whenUnsatisfiable", "ScheduleAnyway"}, {"minDomains", 2}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/minDomains: can only be set with whenUnsatisfiable DoNotSchedule"},
      {"unknown field in a spread constraint (matchLabelKeys is not modelled)",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] = json::array({{{"maxSkew", 1},
                                                                        {"topologyKey", "zone"},
                                                                        {"whenUnsatisfiable", "DoNotSchedule"},
                                                                        {"matchLabelKeys", json::array({"app"})}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/matchLabelKeys: is not a known field"},
      {"In without values",
       with(good,
            [](json& r) {
              r["pods"][0]["topologySpreadConstraints"] = json::array(
                  {{{"maxSkew", 1},
                    {"topologyKey", "zone"},
                    {"whenUnsatisfiable", "DoNotSchedule"},
                    {"labelSelector", {{"matchExpressions", json::array({{{"key", "app"}, {"operator", "In"}}})}}}}});
            })
           .dump(),
       "/pods/0/topologySpreadConstraints/0/labelSelector/matchExpressions/0/values: must list at least one value "
       "for operator In"},
      {"Exists with values",
       with(good,
            [](json& r) {
              r["pods"][0]["affinity"] = {
                  {"podAffinity",
                   {{"requiredDuringSchedulingIgnoredDuringExecution",
                     json::array({{{"topologyKey", "zone"},
                                   {"labelSelector",
                                    {{"matchExpressions",
                                      json::array({{{"key", "app"}, {"operator", "Exists"}, {"values", {"x"}}}})}}}}})}}}};
            })
           .dump(),
       "/pods/0/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/labelSelector/matchExpressions/0/"
       "values: must be empty for operator Exists"},
      {"affinity term without topologyKey",
       with(good,
            [](json& r) {
              r["pods"][0]["affinity"] = {
                  {"podAntiAffinity",
                   {{"requiredDuringSchedulingIgnoredDuringExecution",
                     json::array({{{"labelSelector", {{"matchLabels", {{"app", "x"}}}}}}})}}}};
            })
           .dump(),
       "/pods/0/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/topologyKey: is required"},
      {"preferred weight above 100",
       with(good,
            [](json& r) {
              r["pods"][0]["affinity"] = {
                  {"podAffinity",
                   {{"preferredDuringSchedulingIgnoredDuringExecution",
                     json::array({{{"weight", 101}, {"podAffinityTerm", {{"topologyKey", "zone"}}}}})}}}};
            })
           .dump(),
       "/pods/0/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/weight: must be at most 100, "
       "got 101"},
      {"preferred term without podAffinityTerm",
       with(good,
            [](json& r) {
              r["pods"][0]["affinity"] = {
                  {"podAffinity", {{"preferredDuringSchedulingIgnoredDuringExecution", json::array({{{"weight", 1}}})}}}};
            })
           .dump(),
       "/pods/0/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/0/podAffinityTerm: is required"},
      {"nodeAffinity is not modelled (use nodeSelector)",
       with(good, [](json& r) { r["pods"][0]["affinity"] = {{"nodeAffinity", json::object()}}; }).dump(),
       "/pods/0/affinity/nodeAffinity: is not a known field"},
      {"namespaces are not modelled (one namespace)",
       with(good,
            [](json& r) {
              r["pods"][0]["affinity"] = {
                  {"podAffinity",
                   {{"requiredDuringSchedulingIgnoredDuringExecution",
                     json::array({{{"topologyKey", "zone"}, {"namespaces", json::array({"default"})}}})}}}};
            })
           .dump(),
       "/pods/0/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/0/namespaces: is not a known field"},
      {"several problems on one line",
       with(good,
            [](json& r) {
              r.erase("jobId");
              r["colour"] = "red";
            })
           .dump(),
       // An unknown field (usually a typo) is reported first.
       "/colour: is not a known field (and 1 more problems on this line)"},
  };
  for (const auto& c : table) {
    SCOPED_TRACE(c.what);
    const TraceFile file({record("a", 10).dump(), c.line2});
    const std::string error = read_error(file);
    const std::string where = file.path() + ":2: ";
    if (c.prefix_only) {
      EXPECT_EQ(error.rfind(where + c.expected, 0), 0u) << error;
    } else {
      EXPECT_EQ(error, where + c.expected);
    }
  }
}

// --- the record writer ----------------------------------------------------------------------

JobSpec read_back(const json& r, std::vector<sim::JsonIssue>& issues) {
  // Through text, as a trace file would carry it.
  return read_job_record(json::parse(r.dump()), "", GpuCatalog::builtin(), issues);
}

void expect_same_job(const JobSpec& a, const JobSpec& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.submit_time, b.submit_time);
  EXPECT_EQ(a.queue, b.queue);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.min_member, b.min_member);
  EXPECT_EQ(a.duration, b.duration);
  EXPECT_EQ(a.work, b.work);
  ASSERT_EQ(a.pods.size(), b.pods.size());
  for (std::size_t i = 0; i < a.pods.size(); ++i) {
    SCOPED_TRACE("pod group " + std::to_string(i));
    const PodGroupSpec &x = a.pods[i], &y = b.pods[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.replicas, y.replicas);
    EXPECT_EQ(x.requests, y.requests);
    EXPECT_EQ(x.node_selector, y.node_selector);
    EXPECT_EQ(x.labels, y.labels);
    EXPECT_TRUE(x.topology_spread_constraints == y.topology_spread_constraints);
    EXPECT_TRUE(x.affinity == y.affinity);
    ASSERT_EQ(x.tolerations.size(), y.tolerations.size());
    for (std::size_t t = 0; t < x.tolerations.size(); ++t) {
      EXPECT_EQ(x.tolerations[t].key, y.tolerations[t].key);
      EXPECT_EQ(x.tolerations[t].op, y.tolerations[t].op);
      EXPECT_EQ(x.tolerations[t].value, y.tolerations[t].value);
      EXPECT_EQ(x.tolerations[t].any_effect, y.tolerations[t].any_effect);
      if (!x.tolerations[t].any_effect) {
        EXPECT_EQ(x.tolerations[t].effect, y.tolerations[t].effect);
      }
    }
  }
}

PodGroupSpec group(std::string name, int replicas, Resources requests) {
  PodGroupSpec g;
  g.name = std::move(name);
  g.replicas = replicas;
  g.requests = requests;
  return g;
}

TEST(TraceFormat, JobRecordRoundTripsThroughReadJobRecord) {
  std::vector<JobSpec> table;
  {
    JobSpec j;  // a plain single-GPU job
    j.id = "plain";
    j.submit_time = 0;
    j.duration = 3600;
    j.pods = {group("pod", 1, {8000, 64 * kGi, 1})};
    table.push_back(j);
  }
  {
    JobSpec j;  // everything set, odd quantities
    j.id = "full";
    j.submit_time = 1234.5678;
    j.queue = "research";
    j.priority = -7;
    j.min_member = 3;
    j.work = 3.25e18;
    PodGroupSpec launcher = group("launcher", 1, {500, 1'000'000'001, 0});
    launcher.node_selector = {{"zone", "b"}};
    PodGroupSpec workers = group("worker", 4, {96000, 1024 * kGi, 8});
    workers.node_selector = {{kGpuProductLabel, "B200-SXM-180GB"}};
    Toleration any;
    any.op = Toleration::Operator::Exists;
    Toleration gpu;
    gpu.key = "nvidia.com/gpu";
    gpu.op = Toleration::Operator::Exists;
    gpu.any_effect = false;
    gpu.effect = TaintEffect::NoExecute;
    Toleration team;
    team.key = "team";
    team.value = "infra";
    team.any_effect = false;
    team.effect = TaintEffect::PreferNoSchedule;
    workers.tolerations = {any, gpu, team};
    j.pods = {launcher, workers};
    table.push_back(j);
  }
  {
    JobSpec j;  // labels, topology spread constraints and pod (anti-)affinity
    j.id = "placement";
    j.submit_time = 7;
    j.duration = 60;
    PodGroupSpec g = group("worker", 3, {1000, kGi, 1});
    g.labels = {{"app", "train"}, {"team", "a"}};
    LabelSelector sel;
    sel.match_labels = {{"app", "train"}};
    sel.match_expressions = {{"team", LabelSelectorRequirement::Operator::In, {"a", "b"}},
                             {"canary", LabelSelectorRequirement::Operator::DoesNotExist, {}}};
    TopologySpreadConstraint hard;
    hard.max_skew = 2;
    hard.topology_key = "topology.kubernetes.io/zone";
    hard.label_selector = sel;
    hard.min_domains = 3;
    hard.node_affinity_policy = NodeInclusionPolicy::Ignore;
    hard.node_taints_policy = NodeInclusionPolicy::Honor;
    TopologySpreadConstraint soft;
    soft.topology_key = kHostnameLabel;
    soft.when_unsatisfiable = UnsatisfiableConstraintAction::ScheduleAnyway;
    soft.label_selector = LabelSelector{};  // empty: matches every pod
    TopologySpreadConstraint no_selector;      // matches no pod
    no_selector.topology_key = "rack";
    g.topology_spread_constraints = {hard, soft, no_selector};
    g.affinity.pod_affinity.required = {{sel, "rack"}};
    g.affinity.pod_affinity.preferred = {{50, {std::nullopt, kHostnameLabel}}};
    LabelSelector not_db;
    not_db.match_expressions = {{"app", LabelSelectorRequirement::Operator::NotIn, {"db"}},
                                {"gpu", LabelSelectorRequirement::Operator::Exists, {}}};
    g.affinity.pod_anti_affinity.required = {{not_db, kHostnameLabel}};
    g.affinity.pod_anti_affinity.preferred = {{1, {sel, "zone"}}, {100, {not_db, "rack"}}};
    j.pods = {g};
    table.push_back(j);
  }
  {
    JobSpec j;  // a CPU-only job with no requests at all and a fractional duration
    j.id = "cpu";
    j.submit_time = 1e6;
    j.duration = 0.25;
    j.pods = {group("main", 2, {0, 0, 0})};
    table.push_back(j);
  }
  for (const JobSpec& job : table) {
    SCOPED_TRACE(job.id);
    std::vector<sim::JsonIssue> issues;
    const JobSpec back = read_back(job_record(job), issues);
    for (const auto& is : issues) ADD_FAILURE() << is.pointer << ": " << is.message;
    expect_same_job(back, job);
    EXPECT_EQ(job_record(back), job_record(job));
  }
}

TEST(TraceFormat, ReadsBatchJobFieldsAndFailuresAndWritesThemBack) {
  json r = record("sweep", 0);
  r["completions"] = 8;
  r["parallelism"] = 2;
  r["completionMode"] = "Indexed";
  r["backoffLimit"] = 3;
  r["activeDeadlineSeconds"] = 3600;
  r["podFailurePolicy"] = {{"rules", json::array({{{"action", "Ignore"}, {"onPodConditions", json::array({{{"type", "DisruptionTarget"}}})}},
                                                  {{"action", "FailJob"}, {"onExitCodes", {{"operator", "In"}, {"values", {42}}}}}})}};
  r["failures"] = {{"podFailureProbability", 0.1}, {"exitCode", 3}, {"failAt", json::array({{{"after", "90s"}}})}};
  std::vector<sim::JsonIssue> issues;
  const JobSpec job = read_job_record(r, "", GpuCatalog::builtin(), issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  ASSERT_TRUE(job.batch.has_value());
  EXPECT_EQ(job.batch->completions, 8);
  EXPECT_EQ(job.failures.fail_at[0].after, 90);
  EXPECT_EQ(job.failures.fail_at[0].exit_code, 3) << "failAt entries take the failures' exit code";
  std::vector<sim::JsonIssue> again;
  const JobSpec back = read_back(job_record(job), again);
  ASSERT_TRUE(again.empty()) << again[0].pointer << ": " << again[0].message;
  EXPECT_EQ(job_record(back), job_record(job));
  ASSERT_EQ(back.batch->pod_failure_policy.size(), 2u);
  EXPECT_EQ(back.batch->pod_failure_policy[1].exit_codes, std::vector<int>{42});
  EXPECT_EQ(back.batch->active_deadline, 3600.0);
  EXPECT_TRUE(back.batch->indexed);
}

TEST(TraceFormat, ReadsTheCudaVersionAPodNeedsAndWritesItBack) {
  json r = record("cuda", 0);
  r["pods"][0]["requiresCuda"] = "12.4";
  std::vector<sim::JsonIssue> issues;
  const JobSpec job = read_job_record(r, "", GpuCatalog::builtin(), issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  EXPECT_EQ(job.pods[0].requires_cuda, (CudaVersion{12, 4}));
  EXPECT_EQ(job_record(job)["pods"][0]["requiresCuda"], "12.4");
  r["pods"][0]["requiresCuda"] = "12.4.1";
  std::vector<sim::JsonIssue> bad;
  read_job_record(r, "", GpuCatalog::builtin(), bad);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].pointer, "/pods/0/requiresCuda");
}

TEST(TraceFormat, ReadsGpuSharesProfilesGatesAndGangTimeoutsAndWritesThemBack) {
  json r = record("shared", 0);
  r["pods"][0]["requests"][kGpuResource] = 0.25;
  r["schedulerName"] = "fgd";
  r["schedulingGates"] = json::array({{{"name", "kueue.x-k8s.io/admission"}}});
  r["scheduleTimeoutSeconds"] = 90;
  std::vector<sim::JsonIssue> issues;
  const JobSpec job = read_job_record(r, "", GpuCatalog::builtin(), issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  EXPECT_EQ(job.pods[0].requests.gpus, 0);
  EXPECT_EQ(job.pods[0].requests.gpu_milli, 250);
  EXPECT_EQ(job.scheduler_name, "fgd");
  EXPECT_EQ(job.scheduling_gates, (std::vector<std::string>{"kueue.x-k8s.io/admission"}));
  EXPECT_EQ(job.schedule_timeout, std::optional<double>(90));
  const json back = job_record(job);
  EXPECT_EQ(back["pods"][0]["requests"][kGpuResource], json(0.25));
  std::vector<sim::JsonIssue> again;
  const JobSpec reread = read_job_record(back, "", GpuCatalog::builtin(), again);
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(reread.pods[0].requests, job.pods[0].requests);
  EXPECT_EQ(reread.scheduler_name, "fgd");
  EXPECT_EQ(reread.scheduling_gates, job.scheduling_gates);
  EXPECT_EQ(reread.schedule_timeout, job.schedule_timeout);
}

TEST(TraceFormat, ReadsPodGroupTopologyAndWritesItBack) {
  json r = record("tas", 0);
  r["pods"][0]["topology"] = {{"required", "topology.kubetwin.io/block"},
                              {"preferred", "topology.kubetwin.io/nvlink-domain"}};
  std::vector<sim::JsonIssue> issues;
  const JobSpec job = read_job_record(r, "", GpuCatalog::builtin(), issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  EXPECT_EQ(job.pods[0].topology.required, "topology.kubetwin.io/block");
  EXPECT_EQ(job.pods[0].topology.preferred, "topology.kubetwin.io/nvlink-domain");
  EXPECT_EQ(job_record(job)["pods"][0]["topology"], r["pods"][0]["topology"]);

  json only = record("pref", 0);
  only["pods"][0]["topology"] = {{"preferred", "topology.kubetwin.io/leaf"}};
  const JobSpec pref = read_job_record(only, "", GpuCatalog::builtin(), issues);
  EXPECT_TRUE(issues.empty());
  EXPECT_EQ(pref.pods[0].topology.required, "");
  EXPECT_EQ(job_record(pref)["pods"][0]["topology"], only["pods"][0]["topology"]);
  EXPECT_FALSE(job_record(read_job_record(record("plain", 0), "", GpuCatalog::builtin(), issues))["pods"][0].contains("topology"));
}

TEST(TraceFormat, ReadJobRecordReportsIssuesUnderTheGivenPointer) {
  std::vector<sim::JsonIssue> issues;
  json r = record("a", 0);
  r["colour"] = "red";
  read_job_record(r, "/jobs/3", GpuCatalog::builtin(), issues);
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].pointer, "/jobs/3/colour");
  EXPECT_EQ(issues[0].message, "is not a known field");
}

TEST(TraceFormat, ReadsContainersAndWritesThemBack) {
  json r = record("ctr", 0);
  r["pods"][0]["requests"][kGpuResource] = 2;
  r["pods"][0]["resourceClaims"] = json::array({{{"name", "gpu"}, {"resourceClaimTemplateName", "single-accelerator"}}});
  r["pods"][0]["containers"] = json::array(
      {{{"name", "trainer"}, {"resources", {{"requests", {{kGpuResource, 2}}}, {"claims", json::array({{{"name", "gpu"}}})}}}},
       {{"name", "sidecar"}, {"deviceAccessAttempts", json::array({"all", "nvidia3"})}}});
  std::vector<sim::JsonIssue> issues;
  const JobSpec job = read_job_record(r, "", GpuCatalog::builtin(), issues);
  ASSERT_TRUE(issues.empty()) << issues[0].pointer << ": " << issues[0].message;
  const auto& c = job.pods[0].containers;
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].gpus, 2);
  EXPECT_EQ(c[0].claims, std::vector<std::string>{"gpu"});
  EXPECT_EQ(c[1].gpus, 0);
  EXPECT_EQ(c[1].device_access_attempts, (std::vector<std::string>{"all", "nvidia3"}));
  EXPECT_EQ(job_record(job)["pods"][0]["containers"], r["pods"][0]["containers"]);
  // Limits alone give the request, as for any extended resource.
  r["pods"][0]["containers"][0]["resources"] = {{"limits", {{kGpuResource, 2}}}};
  EXPECT_EQ(read_job_record(r, "", GpuCatalog::builtin(), issues).pods[0].containers[0].gpus, 2);
  EXPECT_TRUE(issues.empty());
}

TEST(TraceFormat, RejectsContainersThatDoNotMatchThePod) {
  struct Case {
    std::function<void(json&)> edit;
    std::string pointer, message;
  };
  auto two_containers = [](json& pod) {
    pod["resourceClaims"] = json::array({{{"name", "gpu"}, {"resourceClaimName", "shared"}}});
    pod["containers"] = json::array({{{"name", "a"}, {"resources", {{"requests", {{kGpuResource, 1}}}}}}, {{"name", "b"}}});
  };
  const std::vector<Case> table{
      {[&](json& p) { two_containers(p); p["containers"][1]["name"] = "a"; }, "/pods/0/containers/1/name",
       "duplicate container name \"a\""},
      {[&](json& p) { two_containers(p); p["requests"][kGpuResource] = 2; }, "/pods/0/containers",
       "the containers' nvidia.com/gpu add up to 1000 milli-GPU, the pod's requests to 2000"},
      {[&](json& p) { two_containers(p); p["containers"][1]["resources"] = {{"claims", json::array({{{"name", "nope"}}})}}; },
       "/pods/0/containers/1/resources/claims/0/name", "names no entry of the pod's resourceClaims"},
      {[&](json& p) { two_containers(p); p["containers"][0]["resources"]["limits"] = {{kGpuResource, 2}}; },
       "/pods/0/containers/0/resources/limits", "nvidia.com/gpu must equal the request"},
      {[&](json& p) { two_containers(p); p["containers"][0]["resources"]["requests"]["cpu"] = "1"; },
       "/pods/0/containers/0/resources/requests/cpu", "is not a known field"},
      {[&](json& p) { two_containers(p); p["containers"][1]["deviceAccessAttempts"] = json::array({""}); },
       "/pods/0/containers/1/deviceAccessAttempts/0", "must name a device or be \"all\""},
      {[&](json& p) { p["containers"] = json::array(); }, "/pods/0/containers", "must list at least one container"},
      {[&](json& p) {
         two_containers(p);
         p["requests"][kGpuResource] = 0.5;
         p["containers"][0]["resources"]["requests"][kGpuResource] = 1;
       },
       "/pods/0/containers/0/resources",
       "nvidia.com/gpu must be a share of a GPU when the pod asks for a share, whole GPUs otherwise"},
  };
  for (const auto& c : table) {
    json r = record("bad", 0);
    r["pods"][0]["requests"][kGpuResource] = 1;
    c.edit(r["pods"][0]);
    std::vector<sim::JsonIssue> issues;
    read_job_record(r, "", GpuCatalog::builtin(), issues);
    bool found = false;
    for (const auto& is : issues) found = found || (is.pointer == c.pointer && is.message == c.message);
    EXPECT_TRUE(found) << c.pointer << ": " << c.message << "\n got: " << (issues.empty() ? "nothing" : issues[0].pointer + ": " + issues[0].message);
  }
}

}  // namespace
}  // namespace kubetwin::models
