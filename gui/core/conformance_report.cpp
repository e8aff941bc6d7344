#include "gui/core/conformance_report.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::gui {

namespace {
constexpr const char* kWorkloadLevel = "workload";
}

int ConformanceReport::count(RequirementStatus s) const {
  return static_cast<int>(std::count_if(requirements.begin(), requirements.end(),
                                        [&](const Requirement& r) { return r.status == s && r.level != kWorkloadLevel; }));
}

int ConformanceReport::count_workloads(RequirementStatus s) const {
  return static_cast<int>(std::count_if(requirements.begin(), requirements.end(),
                                        [&](const Requirement& r) { return r.status == s && r.level == kWorkloadLevel; }));
}

bool ConformanceReport::has_workloads() const {
  return std::any_of(requirements.begin(), requirements.end(), [](const Requirement& r) { return r.level == kWorkloadLevel; });
}

const char* status_name(RequirementStatus s) {
  switch (s) {
    case RequirementStatus::Pass: return "pass";
    case RequirementStatus::Fail: return "fail";
    case RequirementStatus::NotApplicable: return "n/a";
    case RequirementStatus::Untested: return "untested";
  }
  return "n/a";
}

ConformanceReport ConformanceReport::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw sim::InputError(file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  const nlohmann::json doc = sim::parse_json_document(text.str(), file.string());
  auto string_at = [&](const nlohmann::json& obj, const std::string& key, const std::string& pointer) {
    if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) {
      throw sim::InputError(file.string() + ": " + pointer + "/" + key + ": missing or not a string");
    }
    return obj[key].get<std::string>();
  };
  ConformanceReport report;
  report.profile = string_at(doc, "profile", "");
  report.version = string_at(doc, "version", "");
  if (!doc.contains("requirements") || !doc["requirements"].is_array()) {
    throw sim::InputError(file.string() + ": /requirements: missing or not an array");
  }
  auto status_at = [&](const nlohmann::json& r, const std::string& ptr) {
    const std::string status = string_at(r, "status", ptr);
    if (status == "pass") return RequirementStatus::Pass;
    if (status == "fail") return RequirementStatus::Fail;
    if (status == "n/a") return RequirementStatus::NotApplicable;
    if (status == "untested") return RequirementStatus::Untested;
    throw sim::InputError(file.string() + ": " + ptr + "/status: \"" + status + "\" is not pass, fail, n/a or untested");
  };
  for (std::size_t i = 0; i < doc["requirements"].size(); ++i) {
    const auto& r = doc["requirements"][i];
    const std::string ptr = "/requirements/" + std::to_string(i);
    report.requirements.push_back({string_at(r, "id", ptr), string_at(r, "level", ptr), status_at(r, ptr), string_at(r, "evidence", ptr)});
  }
  // The workload families' scenarios follow as rows "family/name" of level "workload".
  if (doc.contains("workloads")) {
    if (!doc["workloads"].is_array()) throw sim::InputError(file.string() + ": /workloads: not an array");
    for (std::size_t i = 0; i < doc["workloads"].size(); ++i) {
      const auto& w = doc["workloads"][i];
      const std::string ptr = "/workloads/" + std::to_string(i);
      report.requirements.push_back({string_at(w, "family", ptr) + "/" + string_at(w, "name", ptr), kWorkloadLevel,
                                     status_at(w, ptr), string_at(w, "evidence", ptr)});
    }
  }
  return report;
}

}  // namespace kubetwin::gui
