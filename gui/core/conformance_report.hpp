#pragma once
// A conformance report (conformance/'s report.json): which AI Conformance requirements a profile
// passes. Qt-free; the GUI's conformance view shows it as a table.
//
//   {"profile": "...", "version": "...",
//    "requirements": [{"id": "...", "level": "MUST", "status": "pass|fail|n/a|untested", "evidence": "..."}],
//    "workloads": [{"family": "...", "name": "...", "status": "...", "evidence": "..."}]}  (optional)

#include <filesystem>
#include <string>
#include <vector>

namespace kubetwin::gui {

/// Untested: kubetwin has no case for the requirement yet (never counted as pass or n/a).
enum class RequirementStatus { Pass, Fail, NotApplicable, Untested };

struct Requirement {
  std::string id;
  std::string level;
  RequirementStatus status = RequirementStatus::NotApplicable;
  std::string evidence;
};

struct ConformanceReport {
  std::string profile;
  std::string version;
  std::vector<Requirement> requirements;  ///< then the workload scenarios, id "family/name", level "workload"

  int count(RequirementStatus s) const;  ///< requirements (not workload rows) with status `s`
  int count_workloads(RequirementStatus s) const;
  bool has_workloads() const;
  /// Reads report.json; bad input throws sim::InputError naming the file and JSON pointer.
  static ConformanceReport load(const std::filesystem::path& file);
};

/// "pass", "fail", "n/a" or "untested".
const char* status_name(RequirementStatus s);

}  // namespace kubetwin::gui
