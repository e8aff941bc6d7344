#pragma once
// The typed values a DRA device carries: resource.k8s.io quantities (capacity) and attribute
// values (int, bool, string, semantic version), with the parsing and ordering CEL needs.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace kubetwin::models::dra {

/// A resource.k8s.io Quantity ("80Gi", "40G", "500m", "1e3"), kept exactly in milli-units, which
/// covers values up to about 9.2e15 (8 Pi); parse_device_quantity refuses larger ones.
struct DeviceQuantity {
  std::int64_t milli = 0;
  auto operator<=>(const DeviceQuantity&) const = default;
};

/// The quantity written in `text`, or nothing if it is not one (or is too large). Fractions
/// below a milli-unit round up, as Kubernetes' MilliValue does.
std::optional<DeviceQuantity> parse_device_quantity(std::string_view text);

/// A semantic version (semver 2.0): MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD].
struct SemVer {
  std::int64_t major = 0, minor = 0, patch = 0;
  std::string pre_release;  ///< dot-separated identifiers; build metadata is dropped
  /// Semver precedence: numbers, then a pre-release sorts before its release.
  std::strong_ordering operator<=>(const SemVer& o) const;
  bool operator==(const SemVer& o) const { return (*this <=> o) == std::strong_ordering::equal; }
};

/// The version written in `text`, or nothing if it is not a valid semantic version.
std::optional<SemVer> parse_semver(std::string_view text);

/// A device attribute's value: exactly one of int, bool, string, version (DeviceAttribute).
using AttributeValue = std::variant<std::int64_t, bool, std::string, SemVer>;

/// Splits a qualified name into domain and identifier; a name without a domain
/// ("model") belongs to the driver's domain, as upstream's CEL environment maps it.
inline std::pair<std::string_view, std::string_view> split_qualified_name(std::string_view name,
                                                                           std::string_view driver) {
  const auto slash = name.find('/');
  if (slash == std::string_view::npos) return {driver, name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

}  // namespace kubetwin::models::dra
