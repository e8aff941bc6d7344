#pragma once
// A conformance case: the scenario that exercises one requirement's mechanism and the check that
// decides pass, fail or n/a from what the simulation did (events and summary), with the evidence.
// One file per case under conformance/cases/, listed once in cases/registry.cpp.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "conformance/profile.hpp"

namespace kubetwin::conformance {

/// `untested`: kubetwin has no case for the requirement yet. Never counted as pass or n/a.
enum class Status { Pass, Fail, NotApplicable, Untested };
const char* status_name(Status s);  ///< "pass", "fail", "n/a", "untested"

struct CaseResult {
  Status status = Status::Untested;
  std::string evidence;  ///< the numbers and events that decided it, in one paragraph
};

/// What one simulation of a case produced.
struct SimulationResult {
  nlohmann::json summary;              ///< summary.json
  std::vector<nlohmann::json> events;  ///< events.jsonl, in order
  std::filesystem::path out_dir;       ///< the run folder, for the other output files a case reads
  /// Events of `type`, in order.
  std::vector<const nlohmann::json*> of_type(std::string_view type) const;
  /// The text of output file `name` in the run folder; throws std::runtime_error naming it if absent.
  std::string read_output(const std::string& name) const;
};

class CaseContext {
 public:
  CaseContext(const Profile& profile, std::filesystem::path work_dir) : profile_(profile), work_dir_(std::move(work_dir)) {}
  const Profile& profile() const { return profile_; }
  /// Merges the profile into `scenario` and runs it in virtual time (in a child process: SimGrid
  /// allows one engine per process). A scenario the profile makes invalid throws sim::InputError.
  SimulationResult simulate(const nlohmann::json& scenario) const;

 private:
  const Profile& profile_;
  std::filesystem::path work_dir_;
};

struct Case {
  const char* requirement;  ///< the catalog id it decides
  const char* summary;      ///< one line for --list and the docs
  CaseResult (*run)(const CaseContext&);
};

/// A scenario of one of the program's three workload families, run against the profile in the same
/// report as the cases: realistic work of that family, decided by what users of it expect.
struct WorkloadScenario {
  const char* family;   ///< "training", "inference" or "mlops"
  const char* name;     ///< unique, a DNS label
  const char* summary;  ///< one line for --list and the docs
  CaseResult (*run)(const CaseContext&);
};

/// The three families, in report order: {"training", "Large-scale training and fine-tuning"}, ...
const std::vector<std::pair<std::string, std::string>>& workload_families();
/// Every workload scenario, grouped by family in family order (conformance/workloads/registry.cpp).
const std::vector<WorkloadScenario>& workload_scenarios();

/// Every case, in catalog order of their requirements.
const std::vector<Case>& registered_cases();
/// The case for `requirement`, or nullptr.
const Case* find_case(std::string_view requirement);
/// For a requirement without a case: what kubetwin model it still needs (the untested evidence).
std::string missing_model(std::string_view requirement);

}  // namespace kubetwin::conformance
