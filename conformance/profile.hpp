#pragma once
// A conformance profile: the scheduler configuration (and queueing, autoscaler, controller
// settings) a platform runs, as scenario keys that every case merges over its own scenario.
// Built-in profiles are conformance/profiles/*.json, compiled in; a user's file works the same.

#include <nlohmann/json.hpp>
#include <map>
#include <string>
#include <vector>

namespace kubetwin::conformance {

struct Profile {
  std::string name;
  std::string description;
  std::string source;  ///< "built-in profile default" or the file
  std::string queue;   ///< LocalQueue (leaf queue) the cases' jobs are submitted to; empty: none
  /// Conditional requirements the platform declares not applicable, with the note the checklist
  /// requires for N/A (e.g. "on-premises cluster of fixed size"): requirement id -> note.
  std::map<std::string, std::string> not_applicable;
  nlohmann::json scenario = nlohmann::json::object();  ///< scheduler, queueing, autoscaler, controllers, controlPlane, dra, containerRuntime, observability, gateway

  /// `doc` with the profile's scenario keys merged over it (RFC 7386 merge patch: objects merge,
  /// everything else is replaced) and, with a queue, every job of /workload/jobs submitted to it.
  nlohmann::json apply(nlohmann::json doc) const;
};

/// The built-in profile names, in --list order.
std::vector<std::string> builtin_profile_names();

/// A built-in profile by name, or else a profile file. Bad input (unknown name that is not a
/// file, malformed file, unknown keys, a scheduler configuration the loader rejects) throws
/// sim::InputError naming the file and the JSON pointer.
Profile load_profile(const std::string& name_or_file);

/// Parses a profile document read from `source` (a file name or "built-in profile NAME").
Profile parse_profile(const nlohmann::json& doc, const std::string& source);

}  // namespace kubetwin::conformance
