// robust_controller: a Kubeflow-TrainJob-like operator installed with its CRD and validating
// webhook (models/k8s/train_job_operator.hpp) while the API server answers 500s and 429s, forces
// conflicts, has an outage, the webhook is down for a while and the operator restarts three times.
// Pass iff the CRD is established, every invalid TrainJob is rejected by the webhook and none is
// stored, every valid one reaches Succeeded within the stated time, each of its pods was created
// exactly once (audit.jsonl: no duplicate, none missing) and no stored TrainJob is left
// unreconciled. Decided from events.jsonl, audit.jsonl and summary.json.

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "conformance/cases/case_support.hpp"

namespace kubetwin::conformance::cases {

namespace {

constexpr double kSucceedWithin = 600;  // seconds from submission to Succeeded
constexpr int kRestarts = 3;

struct Submitted {
  std::string name;
  double at;
  int nodes;
  const char* runtime = "torch-distributed";
};

// Valid TrainJobs: some arrive while the operator is down (20-35 s, 70-90 s, 130-135 s), during the
// API outage (40-55 s) and while the webhook is down (95-110 s).
const std::vector<Submitted> kValid = {
    {"llama-sft", 5, 2}, {"bert-ft", 12, 1}, {"vit-pretrain", 22, 4}, {"gpt-small", 28, 2},
    {"t5-ft", 38, 3},    {"resnet", 45, 1},  {"mixtral-lora", 60, 2}, {"whisper-ft", 75, 3},
    {"clip", 85, 1},     {"mamba", 100, 2},  {"llama-dpo", 115, 4},   {"bert-distill", 132, 2}};
// Invalid ones: no nodes, an unknown runtime, a name that is no DNS label, negative nodes.
const std::vector<Submitted> kInvalid = {{"zero-nodes", 10, 0},
                                         {"unknown-runtime", 30, 2, "pytorch-v0"},
                                         {"Bad_Name", 50, 1},
                                         {"negative-nodes", 102, -1}};

nlohmann::json train_job(const Submitted& s, int i) {
  return {{"name", s.name},
          {"submitTime", s.at},
          {"numNodes", s.nodes},
          {"runtimeRef", s.runtime},
          {"duration", std::to_string(60 + 30 * (i % 4)) + "s"},
          {"podTemplate",
           {{"requests", {{"cpu", "16"}, {"memory", "128Gi"}, {"nvidia.com/gpu", 1 + i % 2}}}}}};
}

nlohmann::json scenario() {
  nlohmann::json jobs = nlohmann::json::array();
  int i = 0;
  for (const auto& s : kValid) jobs.push_back(train_job(s, i++));
  for (const auto& s : kInvalid) jobs.push_back(train_job(s, i++));
  const nlohmann::json restarts = {
      {{"controller", "trainjob-controller"}, {"at", "20s"}, {"downtime", "15s"}},
      {{"controller", "trainjob-controller"}, {"at", "70s"}, {"downtime", "20s"}},
      {{"controller", "trainjob-controller"}, {"at", "130s"}, {"downtime", "5s"}}};
  return {{"name", "robust-controller"},
          {"seed", 7},
          {"platform",
           {{"nodePools",
             {{{"name", "gpu"},
               {"count", 4},
               {"capacity", {{"cpu", "128"}, {"memory", "1Ti"}, {"nvidia.com/gpu", 8}}},
               {"gpuModel", "H100-SXM-80GB"}}}}}},
          {"apiServer",
           {{"audit", true},
            {"faults",
             {{"errors",
               {{"create", {{"rate", 0.2}}},
                {"update", {{"rate", 0.15}, {"code", 429}}},
                {"list", {{"rate", 0.1}}},
                {"get", {{"rate", 0.1}}},
                {"watch", {{"rate", 0.05}}}}},
              {"conflictRate", 0.1},
              {"outages", {{{"from", "40s"}, {"to", "55s"}}}},
              {"restarts", restarts}}}}},
          {"trainJobs",
           {{"webhook",
             {{"latency", "20ms"},
              {"timeout", "5s"},
              {"failurePolicy", "Fail"},
              {"timeoutRate", 0.1},
              {"down", {{{"from", "95s"}, {"to", "110s"}}}}}},
            {"jobs", jobs}}},
          {"workload", {{"jobs", nlohmann::json::array()}}},
          {"simulation", {{"until", "2h"}}},
          {"output", {{"timeline", false}}}};
}

}  // namespace

CaseResult robust_controller(const CaseContext& ctx) {
  const SimulationResult sim = ctx.simulate(scenario());
  std::vector<std::string> fails;
  auto fail = [&fails](const std::string& s) { fails.push_back("FAIL: " + s); };

  double established_at = -1;
  for (const nlohmann::json* e : sim.of_type("CustomResourceDefinitionEstablished")) {
    if ((*e)["kind"] == "TrainJob" && established_at < 0) established_at = (*e)["t"].get<double>();
  }
  std::map<std::string, int> rejected_code;
  std::set<std::string> stored;
  std::map<std::string, double> succeeded_at;
  std::map<std::string, std::string> terminal;
  double first_stored = -1;
  for (const nlohmann::json* e : sim.of_type("TrainJobRejected"))
    rejected_code[(*e)["trainJob"]] = (*e)["code"].get<int>();
  for (const nlohmann::json* e : sim.of_type("TrainJobStored")) {
    stored.insert((*e)["trainJob"].get<std::string>());
    if (first_stored < 0) first_stored = (*e)["t"].get<double>();
  }
  for (const nlohmann::json* e : sim.of_type("TrainJobCondition")) {
    const std::string type = (*e)["condition"], name = (*e)["trainJob"];
    if (type == "Succeeded") succeeded_at[name] = (*e)["t"].get<double>();
    if (type == "Succeeded" || type == "Failed") terminal[name] = type;
  }
  // Pod creates the operator's requests got through (201), and those that met AlreadyExists.
  std::map<std::string, int> pod_creates;
  int already_existed = 0;
  std::istringstream audit(sim.read_output("audit.jsonl"));
  for (std::string line; std::getline(audit, line);) {
    const nlohmann::json a = nlohmann::json::parse(line);
    if (a["verb"] != "create" || a["kind"] != "Pod" || a["client"] != "trainjob-controller")
      continue;
    if (a["code"] == 201) ++pod_creates[a["name"].get<std::string>()];
    if (a["code"] == 409) ++already_existed;
  }

  if (established_at < 0) fail("the TrainJob CRD was never established");
  if (first_stored >= 0 && established_at >= 0 && first_stored < established_at)
    fail("a TrainJob was stored before its CRD was established");
  int rejected = 0;
  for (const auto& s : kInvalid) {
    auto it = rejected_code.find(s.name);
    if (it != rejected_code.end() && it->second == 403 && !stored.count(s.name)) ++rejected;
    if (stored.count(s.name))
      fail("invalid TrainJob " + s.name + " was stored");
    else if (it == rejected_code.end())
      fail("invalid TrainJob " + s.name + " was never answered by the webhook");
  }
  int on_time = 0, expected_pods = 0, duplicates = 0, missing = 0;
  double slowest = 0;
  std::set<std::string> expected_names;
  std::vector<std::string> unreconciled, late;
  for (const auto& s : kValid) {
    for (int n = 0; n < s.nodes; ++n) expected_names.insert(s.name + "-node-" + std::to_string(n));
    expected_pods += s.nodes;
    auto it = succeeded_at.find(s.name);
    if (it == succeeded_at.end()) {
      unreconciled.push_back(s.name);
      continue;
    }
    slowest = std::max(slowest, it->second - s.at);
    if (it->second - s.at <= kSucceedWithin)
      ++on_time;
    else
      late.push_back(s.name);
  }
  std::string first_duplicate, first_missing;
  for (const std::string& name : expected_names) {
    auto it = pod_creates.find(name);
    if (it == pod_creates.end()) {
      ++missing;
      if (first_missing.empty()) first_missing = name;
    } else if (it->second > 1) {
      duplicates += it->second - 1;
      if (first_duplicate.empty()) first_duplicate = name;
    }
  }
  for (const auto& [name, n] : pod_creates) {
    if (!expected_names.count(name)) {
      duplicates += n;  // a child no valid TrainJob asked for
      if (first_duplicate.empty()) first_duplicate = name;
    }
  }
  for (const std::string& name : stored) {
    if (!terminal.count(name) &&
        std::find(unreconciled.begin(), unreconciled.end(), name) == unreconciled.end()) {
      unreconciled.push_back(name);
    }
  }
  if (!late.empty())
    fail(std::to_string(late.size()) + " valid TrainJobs reached Succeeded later than " +
         seconds_text(kSucceedWithin) + " (first: " + late[0] + ")");
  if (!unreconciled.empty()) {
    std::string names;
    for (const auto& n : unreconciled) names += (names.empty() ? "" : ", ") + n;
    fail(std::to_string(unreconciled.size()) +
         " TrainJobs never reconciled to Succeeded: " + names);
  }
  if (duplicates > 0)
    fail(std::to_string(duplicates) +
         " duplicate or unexpected pod creates (first: " + first_duplicate + ")");
  if (missing > 0)
    fail(std::to_string(missing) + " pods never created (first: " + first_missing + ")");

  // The faults must have happened, or the case proved nothing.
  const nlohmann::json& api = sim.summary["apiServer"];
  const nlohmann::json& tj = sim.summary["trainJobs"];
  const nlohmann::json& errors = api["errors"];
  auto errs = [&errors](const char* code) { return errors.value(code, 0); };
  const int restarts = tj["operatorRestarts"].get<int>();
  const int failed_closed = tj["webhook"]["failedClosed"].get<int>();
  if (restarts < kRestarts)
    fail("only " + std::to_string(restarts) + " operator restarts happened");
  if (errs("500") == 0 || errs("503") == 0 || failed_closed == 0)
    fail("the injected API errors, outage or webhook outage did not happen");

  std::ostringstream ev;
  ev << "CRD trainjobs.trainer.kubeflow.org established at t=" << established_at << " s; "
     << kValid.size() << " valid and " << kInvalid.size() << " invalid TrainJobs submitted through "
     << api["requests"].get<int>() << " API requests (errors: 500x" << errs("500") << ", 429x"
     << errs("429") << ", 503x" << errs("503") << ", 409x" << errs("409")
     << "), a 15 s API outage, " << tj["statusConflicts"].get<int>()
     << " status conflicts re-read, a 15 s webhook outage (" << failed_closed
     << " creates failed closed and were retried, " << tj["webhook"]["timeouts"].get<int>()
     << " webhook timeouts) and " << restarts << " operator restarts: " << rejected << "/"
     << kInvalid.size() << " invalid rejected by the webhook (403), " << stored.size()
     << " TrainJobs stored; " << on_time << "/" << kValid.size() << " valid Succeeded within "
     << seconds_text(kSucceedWithin) << " (slowest " << seconds_text(slowest) << "); "
     << expected_pods << " pods expected, " << pod_creates.size() << " created, " << duplicates
     << " duplicates, " << missing << " missing (" << already_existed
     << " repeated creates met AlreadyExists); " << unreconciled.size()
     << " TrainJobs left unreconciled.";
  for (const auto& f : fails) ev << ' ' << f << '.';
  return {fails.empty() ? Status::Pass : Status::Fail, ev.str()};
}

}  // namespace kubetwin::conformance::cases
