#pragma once
// Typed physical quantities parsed from strings with units ("400Gbps", "2.5ms", "80Gi",
// "989TFLOPS"). Every quantity stores its value in SI base units (seconds, bytes, bytes per
// second, FLOP, FLOP per second) so arithmetic never needs a unit conversion.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kubetwin::sim {

/// Thrown when a string is not a valid quantity of the requested dimension.
class QuantityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Dimension { Time, Bytes, Bandwidth, Flops, FlopRate };

/// Parses `text` as a quantity of `dim` and returns its value in SI base units.
/// A bare number is taken in base units (seconds, bytes, B/s, FLOP, FLOP/s).
double parse_quantity(std::string_view text, Dimension dim);

/// The units accepted for a dimension, for error messages and docs.
std::string_view accepted_units(Dimension dim);

/// A value of one physical dimension, in SI base units.
template <Dimension D>
class Quantity {
 public:
  constexpr Quantity() = default;
  constexpr explicit Quantity(double si) : si_(si) {}
  static Quantity parse(std::string_view text) { return Quantity(parse_quantity(text, D)); }

  constexpr double si() const { return si_; }
  constexpr auto operator<=>(const Quantity&) const = default;
  constexpr Quantity operator+(Quantity o) const { return Quantity(si_ + o.si_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(si_ - o.si_); }
  constexpr Quantity operator*(double k) const { return Quantity(si_ * k); }
  constexpr double operator/(Quantity o) const { return si_ / o.si_; }

 private:
  double si_ = 0.0;
};

using Duration = Quantity<Dimension::Time>;         ///< seconds
using Bytes = Quantity<Dimension::Bytes>;           ///< bytes
using Bandwidth = Quantity<Dimension::Bandwidth>;   ///< bytes per second
using Flops = Quantity<Dimension::Flops>;           ///< floating-point operations
using FlopRate = Quantity<Dimension::FlopRate>;     ///< floating-point operations per second

/// Parses a Kubernetes CPU quantity ("8", "2.5", "500m") into millicores.
std::int64_t parse_cpu_millis(std::string_view text);

/// Parses a count that must be a non-negative integer written as a plain number ("8").
std::int64_t parse_count(std::string_view text);

/// Formats seconds for people: "42s", "3m 20s", "5h 02m", "3d 04h".
std::string format_duration(double seconds);

}  // namespace kubetwin::sim
