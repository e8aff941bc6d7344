#include "conformance/catalog.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "sim/input_error.hpp"
#include "sim/strict_json.hpp"

namespace kubetwin::conformance {

extern const char* const kRequirementsJson;  // generated from requirements.json

const Catalog& Catalog::builtin() {
  static const Catalog catalog = [] {
    try {
      return parse(kRequirementsJson, "conformance/requirements.json");
    } catch (const sim::InputError& e) {
      throw std::logic_error(e.what());
    }
  }();
  return catalog;
}

Catalog Catalog::parse(std::string_view text, const std::string& source) {
  using sim::Required;
  const nlohmann::json doc = sim::parse_json_document(text, source);
  std::vector<sim::JsonIssue> issues;
  Catalog c;
  sim::StrictObject root(doc, "", issues);
  root.string("source");
  if (const auto* versions = root.array("versions", Required::Yes)) {
    for (std::size_t i = 0; i < versions->size(); ++i) {
      if (!(*versions)[i].is_string()) issues.push_back({"/versions/" + std::to_string(i), "must be a string"});
      else c.versions_.push_back((*versions)[i].get<std::string>());
    }
    if (c.versions_.empty()) root.issue("versions", "must list at least one version");
  }
  std::set<std::string> ids;
  if (const auto* list = root.array("requirements", Required::Yes)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      sim::StrictObject r((*list)[i], "/requirements/" + std::to_string(i), issues);
      if (!r.valid()) continue;
      RequirementSpec spec;
      spec.id = r.string("id", Required::Yes).value_or("");
      if (!spec.id.empty() && !ids.insert(spec.id).second) r.issue("id", "\"" + spec.id + "\" is listed twice");
      spec.category = r.string("category", Required::Yes).value_or("");
      spec.kar = r.string("kar", Required::Yes).value_or("");
      spec.description = r.string("description", Required::Yes).value_or("");
      spec.condition = r.string("condition").value_or("");
      if (auto levels = r.object("levels", Required::Yes)) {
        for (const auto& v : c.versions_) {
          if (auto level = levels->enumeration(v, {"MUST", "SHOULD"})) spec.levels[v] = *level;
        }
        levels->finish();  // a version not in /versions is an unknown key
      }
      r.finish();
      c.requirements_.push_back(std::move(spec));
    }
  }
  root.finish();
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const auto& is : issues) lines.push_back(source + ": " + (is.pointer.empty() ? "(root)" : is.pointer) + ": " + is.message);
    throw sim::InputError(std::move(lines));
  }
  return c;
}

const RequirementSpec* Catalog::find(std::string_view id) const {
  for (const auto& r : requirements_) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

bool Catalog::has_version(std::string_view v) const {
  return std::find(versions_.begin(), versions_.end(), v) != versions_.end();
}

std::vector<std::pair<const RequirementSpec*, std::string>> Catalog::for_version(std::string_view version) const {
  std::vector<std::pair<const RequirementSpec*, std::string>> out;
  for (const auto& r : requirements_) {
    if (auto it = r.levels.find(std::string(version)); it != r.levels.end()) out.emplace_back(&r, it->second);
  }
  return out;
}

}  // namespace kubetwin::conformance
