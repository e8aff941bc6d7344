#include "conformance/profile.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "conformance/catalog.hpp"
#include "scenarios/scenario_loader.hpp"
#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::conformance {

extern const char* const kProfileDefaultJson;       // generated from profiles/default.json
extern const char* const kProfileCoschedulingJson;  // profiles/coscheduling.json
extern const char* const kProfileKueueJson;         // profiles/kueue.json
extern const char* const kProfileHierarchicalJson;  // profiles/hierarchical.json

namespace {

namespace fs = std::filesystem;

struct Builtin {
  const char* name;
  const char* const* text;
};
constexpr Builtin kBuiltins[] = {{"default", &kProfileDefaultJson},
                                 {"coscheduling", &kProfileCoschedulingJson},
                                 {"kueue", &kProfileKueueJson},
                                 {"hierarchical", &kProfileHierarchicalJson}};

// The scenario keys a profile may set: the platform's control plane, never the cluster or workload.
const char* const kScenarioKeys[] = {"scheduler", "queueing", "autoscaler", "controllers", "controlPlane", "dra",
                                     "containerRuntime", "observability", "gateway",
                                     "gpuFeatureDiscovery"};

// A one-node scenario the profile is merged into, so that the scenario loader checks the profile's
// keys with its own rules and pointers.
nlohmann::json probe_scenario() {
  return nlohmann::json::parse(R"({
    "name": "profile-check",
    "platform": {"nodePools": [{"name": "n", "count": 1,
      "capacity": {"cpu": "8", "memory": "64Gi", "nvidia.com/gpu": 1}, "gpuModel": "H100-SXM-80GB"}]},
    "workload": {"jobs": [{"jobId": "probe", "submitTime": 0, "duration": 1,
      "pods": [{"name": "p", "requests": {"cpu": "1", "memory": "1Gi"}}]}]},
    "simulation": {"until": "1h"}
  })");
}

}  // namespace

nlohmann::json Profile::apply(nlohmann::json doc) const {
  doc.merge_patch(scenario);
  if (!queue.empty() && doc.contains("workload") && doc["workload"].contains("jobs")) {
    for (auto& job : doc["workload"]["jobs"]) job["queue"] = queue;
  }
  return doc;
}

std::vector<std::string> builtin_profile_names() {
  std::vector<std::string> names;
  for (const auto& b : kBuiltins) names.emplace_back(b.name);
  return names;
}

Profile parse_profile(const nlohmann::json& doc, const std::string& source) {
  std::vector<sim::JsonIssue> issues;
  Profile p;
  p.source = source;
  sim::StrictObject root(doc, "", issues);
  if (root.valid()) {
    p.name = root.string("name", sim::Required::Yes).value_or("");
    p.description = root.string("description").value_or("");
    p.queue = root.string("queue").value_or("");
    if (const nlohmann::json* na = root.raw("notApplicable"); na != nullptr && !na->is_object()) {
      issues.push_back({"/notApplicable", "must be an object: requirement id -> note"});
    } else if (na != nullptr) {
      // Only a conditional MUST may be N/A, and only with a note (the checklist's rule); a
      // requirement the platform simply lacks is a fail, never n/a.
      for (const auto& [id, note] : na->items()) {
        const RequirementSpec* spec = Catalog::builtin().find(id);
        const std::string ptr = "/notApplicable/" + id;
        if (spec == nullptr) issues.push_back({ptr, "unknown requirement \"" + id + "\" (see kubetwin conformance --list)"});
        else if (spec->condition.empty())
          issues.push_back({ptr, "\"" + id + "\" is not a conditional requirement: only requirements that apply if the "
                                 "platform provides something may be n/a"});
        else if (!note.is_string() || note.get<std::string>().empty())
          issues.push_back({ptr, "must be a non-empty note saying why the condition (" + spec->condition + ") does not hold"});
        else p.not_applicable[id] = note.get<std::string>();
      }
    }
    for (const char* key : kScenarioKeys) {
      if (const auto* v = root.raw(key)) p.scenario[key] = *v;
    }
    root.finish();
  }
  auto fail = [&](const std::vector<sim::JsonIssue>& list) {
    std::vector<std::string> lines;
    for (const auto& is : list) lines.push_back(source + ": " + (is.pointer.empty() ? "(root)" : is.pointer) + ": " + is.message);
    throw sim::InputError(std::move(lines));
  };
  if (!issues.empty()) fail(issues);
  // The scenario loader names the same pointers as in the profile (the keys sit at the same paths).
  scenarios::load_scenario(p.apply(probe_scenario()), source, fs::current_path());
  return p;
}

Profile load_profile(const std::string& name_or_file) {
  for (const auto& b : kBuiltins) {
    if (name_or_file == b.name) {
      const std::string source = std::string("built-in profile ") + b.name;
      return parse_profile(sim::parse_json_document(*b.text, source), source);
    }
  }
  if (!fs::is_regular_file(name_or_file)) {
    std::string known;
    for (const auto& b : kBuiltins) known += (known.empty() ? "" : ", ") + std::string(b.name);
    throw sim::InputError("--profile: \"" + name_or_file + "\" is neither a built-in profile (" + known +
                          ") nor a profile file");
  }
  std::ifstream in(name_or_file, std::ios::binary);
  if (!in) throw sim::InputError(name_or_file + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_profile(sim::parse_json_document(text.str(), name_or_file), name_or_file);
}

}  // namespace kubetwin::conformance
