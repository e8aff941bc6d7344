#pragma once
// A CUDA version ("12.4"): what a GPU driver provides and what a workload needs
// (models/cluster/gpu_driver.hpp).

#include <charconv>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace kubetwin::models {

struct CudaVersion {
  int major = 0;
  int minor = 0;
  auto operator<=>(const CudaVersion&) const = default;
  std::string text() const { return std::to_string(major) + "." + std::to_string(minor); }
  /// "12.4" -> {12, 4}; nullopt if not <major>.<minor> in digits.
  static std::optional<CudaVersion> parse(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size() || text.size() > 12) return std::nullopt;
    CudaVersion v;
    const char* mid = text.data() + dot;
    const char* end = text.data() + text.size();
    auto [p1, e1] = std::from_chars(text.data(), mid, v.major);
    auto [p2, e2] = std::from_chars(mid + 1, end, v.minor);
    if (e1 != std::errc() || p1 != mid || e2 != std::errc() || p2 != end) return std::nullopt;
    return v;
  }
};

}  // namespace kubetwin::models
