#pragma once
// Runs a profile's cases for one version and writes the report: report.json (the GUI's
// conformance view reads it), report.md for people, junit.xml for CI.

#include <filesystem>
#include <string>
#include <vector>

#include "conformance/case.hpp"

namespace kubetwin::conformance {

struct RequirementResult {
  std::string id, category, kar, level;
  Status status = Status::Untested;
  std::string evidence;
};

/// One workload-family scenario's outcome.
struct WorkloadResult {
  std::string family, name;
  Status status = Status::Untested;
  std::string evidence;
};

struct Report {
  std::string profile;
  std::string profile_description;
  std::string version;
  std::vector<RequirementResult> requirements;
  std::vector<WorkloadResult> workloads;  ///< in family order
  int count(Status s) const;  ///< requirements with status `s`
  int count_workloads(Status s) const;
};

/// Runs every case of `version` against `profile` (simulations under `work_dir`), then the workload
/// families' scenarios. Requirements without a case are `untested`, with the model they still need
/// as evidence.
Report run_suite(const Profile& profile, const std::string& version, const std::filesystem::path& work_dir);

std::string report_json(const Report& r);
std::string report_markdown(const Report& r);
std::string report_junit(const Report& r);

/// Writes report.json, report.md and junit.xml into `dir`, all or nothing.
void write_report(const Report& r, const std::filesystem::path& dir);

}  // namespace kubetwin::conformance
