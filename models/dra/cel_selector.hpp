#pragma once
// A device selector written in CEL, the subset DRA selectors use (docs/dra.md): the variable
// `device` with `device.driver`, `device.attributes["domain"].name` and
// `device.capacity["domain"].name`; literals (int, string, bool, lists); == != < <= > >=, `in`,
// && || ! ?: and integer + - * / %; has(); quantity("40Gi") and semver("1.2.3") with compareTo,
// isGreaterThan, isLessThan; string startsWith/endsWith/contains; size().
//
// Parsed once into a flat tree (CelSelector::parse), evaluated per device without allocating.
// Evaluation follows CEL: a missing attribute is a runtime error ("no such key"), an unknown
// domain an empty map, && and || absorb an error when the other side decides the result.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "models/dra/device_values.hpp"

namespace kubetwin::models::dra {

struct Device;

/// A parse failure: where in the expression (0-based character offset) and why.
struct CelParseError {
  std::size_t position = 0;
  std::string message;
  /// "column 12: undeclared reference to 'dev'" (1-based column, as CEL reports it).
  std::string describe() const;
};

/// Outcome of one evaluation: matches or not, or a runtime error (static text).
struct CelResult {
  bool matches = false;
  const char* error = nullptr;  ///< non-null for a runtime error; then matches is false
  bool ok() const { return error == nullptr; }
};

class CelSelector {
 public:
  /// Parses `expression`; the error names the offending position.
  static std::variant<CelSelector, CelParseError> parse(std::string_view expression);

  /// Evaluates the selector for a device published by `driver`.
  CelResult evaluate(const Device& device, std::string_view driver) const;

  const std::string& expression() const;

  struct Program;  // the parsed tree (cel_selector.cpp)

 private:
  explicit CelSelector(std::shared_ptr<const Program> program) : program_(std::move(program)) {}
  std::shared_ptr<const Program> program_;  // shared: claims and classes copy selectors freely
};

}  // namespace kubetwin::models::dra
