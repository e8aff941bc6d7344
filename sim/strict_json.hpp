#pragma once
// Strict reading of JSON documents: every problem is recorded with its JSON pointer, unknown keys
// are problems too, and reading goes on after a problem so that all of them are reported at once.
//
//   std::vector<JsonIssue> issues;
//   StrictObject pool(doc, "/platform/nodePools/0", issues);
//   auto count = pool.integer("count", Required::Yes, /*min=*/1);
//   pool.finish();  // reports keys nobody asked for

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/quantity.hpp"

namespace kubetwin::sim {

/// Parses a whole JSON document; malformed text throws InputError("<source>: not valid JSON: ...").
nlohmann::json parse_json_document(std::string_view text, const std::string& source);

struct JsonIssue {
  std::string pointer;  ///< RFC 6901 pointer, "" for the document itself
  std::string message;
};

enum class Required { No, Yes };

/// Escapes one reference token for a JSON pointer ("nvidia.com/gpu" -> "nvidia.com~1gpu").
std::string json_pointer_token(std::string_view key);

class StrictObject {
 public:
  /// Reads `value` found at `pointer`; a non-object records an issue and yields nothing.
  StrictObject(const nlohmann::json& value, std::string pointer, std::vector<JsonIssue>& issues);

  bool valid() const { return object_ != nullptr; }
  bool has(std::string_view key) const;
  const std::string& pointer() const { return pointer_; }
  std::string pointer_of(std::string_view key) const { return pointer_ + "/" + json_pointer_token(key); }

  /// The raw value at `key` (marked as read), or null if absent.
  const nlohmann::json* raw(std::string_view key, Required required = Required::No);
  std::optional<std::string> string(std::string_view key, Required required = Required::No);
  std::optional<bool> boolean(std::string_view key, Required required = Required::No);
  std::optional<double> number(std::string_view key, Required required = Required::No,
                               std::optional<double> min = {}, std::optional<double> max = {});
  std::optional<std::int64_t> integer(std::string_view key, Required required = Required::No,
                                      std::optional<std::int64_t> min = {},
                                      std::optional<std::int64_t> max = {});
  /// A quantity written as a string with a unit, or a bare number in base units; must be >= min.
  std::optional<double> quantity(std::string_view key, Dimension dim, Required required = Required::No,
                                 double min = 0.0);
  /// A Kubernetes CPU quantity ("8", "500m", or a number of cores), in millicores.
  std::optional<std::int64_t> cpu_millis(std::string_view key, Required required = Required::No);
  /// One of `allowed`.
  std::optional<std::string> enumeration(std::string_view key, const std::vector<std::string>& allowed,
                                         Required required = Required::No);
  /// A nested object (check valid() on the result).
  std::optional<StrictObject> object(std::string_view key, Required required = Required::No);
  /// An array; returns null (after recording an issue) if present but not an array.
  const nlohmann::json* array(std::string_view key, Required required = Required::No);
  /// A map of string to string (labels, nodeSelector).
  std::map<std::string, std::string> string_map(std::string_view key);

  /// Records an issue at `key` (or at the object itself for an empty key).
  void issue(std::string_view key, std::string message);
  /// Records every key that was never read as unknown.
  void finish();

 private:
  const nlohmann::json* object_ = nullptr;
  std::string pointer_;
  std::vector<JsonIssue>* issues_;
  std::set<std::string, std::less<>> read_;
};

/// Describes the JSON type of a value for messages ("a string", "an array").
std::string json_type_name(const nlohmann::json& value);

}  // namespace kubetwin::sim
