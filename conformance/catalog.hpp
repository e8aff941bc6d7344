#pragma once
// The AI Conformance requirement catalog (conformance/requirements.json, compiled in): every
// requirement with its category, KAR and level per Kubernetes version.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::conformance {

struct RequirementSpec {
  std::string id;
  std::string category;  ///< the checklist's YAML key: accelerators, networking, ...
  std::string kar;       ///< KAR number ("0053"), empty where there is none
  std::string description;
  /// For a conditional MUST ("if the platform provides X"): X. Only such a requirement may be
  /// declared n/a by a profile. Empty: unconditional.
  std::string condition;
  std::map<std::string, std::string> levels;  ///< version -> "MUST" | "SHOULD"; absent: not in that checklist
};

class Catalog {
 public:
  /// The built-in catalog. Throws std::logic_error if the compiled-in file is malformed.
  static const Catalog& builtin();
  /// Parses a catalog document; problems throw sim::InputError naming `source` and the JSON pointer.
  static Catalog parse(std::string_view text, const std::string& source);

  const std::vector<std::string>& versions() const { return versions_; }
  /// The newest version: what --version defaults to.
  const std::string& latest() const { return versions_.back(); }
  bool has_version(std::string_view v) const;
  /// Requirements of `version` in catalog order, with their level there.
  std::vector<std::pair<const RequirementSpec*, std::string>> for_version(std::string_view version) const;
  const std::vector<RequirementSpec>& requirements() const { return requirements_; }
  /// The requirement `id`, or nullptr.
  const RequirementSpec* find(std::string_view id) const;

 private:
  std::vector<std::string> versions_;
  std::vector<RequirementSpec> requirements_;
};

}  // namespace kubetwin::conformance
