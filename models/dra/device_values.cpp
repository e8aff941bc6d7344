#include "models/dra/device_values.hpp"

#include <charconv>
#include <limits>

namespace kubetwin::models::dra {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool checked_mul(std::uint64_t& v, std::uint64_t k) { return !__builtin_mul_overflow(v, k, &v); }

}  // namespace

std::optional<DeviceQuantity> parse_device_quantity(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::uint64_t mantissa = 0;
  int fraction_digits = 0;
  bool any_digit = false, in_fraction = false;
  for (; i < text.size() && (is_digit(text[i]) || (text[i] == '.' && !in_fraction)); ++i) {
    if (text[i] == '.') {
      in_fraction = true;
      continue;
    }
    any_digit = true;
    if (!checked_mul(mantissa, 10)) return std::nullopt;
    mantissa += static_cast<std::uint64_t>(text[i] - '0');
    if (in_fraction) ++fraction_digits;
  }
  if (!any_digit) return std::nullopt;
  const std::string_view suffix = text.substr(i);
  int exp10 = 0;
  int binary_steps = 0;  // powers of 1024
  if (!suffix.empty() && (suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
    int e = 0;
    const char* first = suffix.data() + 1;
    if (*first == '+') ++first;
    const auto [end, ec] = std::from_chars(first, suffix.data() + suffix.size(), e);
    if (ec != std::errc() || end != suffix.data() + suffix.size() || e > 40 || e < -40) return std::nullopt;
    exp10 = e;
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    constexpr std::string_view kBinary = "KMGTPE";
    const auto k = kBinary.find(suffix[0]);
    if (k == std::string_view::npos) return std::nullopt;
    binary_steps = static_cast<int>(k) + 1;
  } else if (suffix.size() <= 1) {
    switch (suffix.empty() ? '\0' : suffix[0]) {
      case '\0': break;
      case 'n': exp10 = -9; break;
      case 'u': exp10 = -6; break;
      case 'm': exp10 = -3; break;
      case 'k': exp10 = 3; break;
      case 'M': exp10 = 6; break;
      case 'G': exp10 = 9; break;
      case 'T': exp10 = 12; break;
      case 'P': exp10 = 15; break;
      case 'E': exp10 = 18; break;
      default: return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  std::uint64_t v = mantissa;
  for (int s = 0; s < binary_steps; ++s) {
    if (!checked_mul(v, 1024)) return std::nullopt;
  }
  int scale = exp10 + 3 - fraction_digits;  // to milli-units
  for (; scale > 0; --scale) {
    if (v != 0 && !checked_mul(v, 10)) return std::nullopt;
  }
  bool remainder = false;
  for (; scale < 0 && v != 0; ++scale) {
    remainder = remainder || v % 10 != 0;
    v /= 10;
  }
  if (remainder) ++v;  // round up, as MilliValue does
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  const auto milli = static_cast<std::int64_t>(v);
  return DeviceQuantity{negative ? -milli : milli};
}

std::strong_ordering SemVer::operator<=>(const SemVer& o) const {
  if (auto c = major <=> o.major; c != 0) return c;
  if (auto c = minor <=> o.minor; c != 0) return c;
  if (auto c = patch <=> o.patch; c != 0) return c;
  if (pre_release.empty() || o.pre_release.empty()) return pre_release.empty() <=> o.pre_release.empty();  // a pre-release sorts first
  // Identifier by identifier: numeric ones compare as numbers and sort before alphanumeric ones.
  std::string_view a = pre_release, b = o.pre_release;
  while (!a.empty() && !b.empty()) {
    const std::string_view x = a.substr(0, a.find('.')), y = b.substr(0, b.find('.'));
    a.remove_prefix(std::min(a.size(), x.size() + 1));
    b.remove_prefix(std::min(b.size(), y.size() + 1));
    const bool xn = !x.empty() && x.find_first_not_of("0123456789") == std::string_view::npos;
    const bool yn = !y.empty() && y.find_first_not_of("0123456789") == std::string_view::npos;
    if (xn && yn) {
      if (auto c = x.size() <=> y.size(); c != 0) return c;  // no leading zeros: longer is larger
    } else if (xn != yn) {
      return xn ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    if (auto c = x.compare(y) <=> 0; c != 0) return c;
  }
  return !a.empty() <=> !b.empty();
}

std::optional<SemVer> parse_semver(std::string_view text) {
  SemVer v;
  std::int64_t* parts[] = {&v.major, &v.minor, &v.patch};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    if (p == end || !is_digit(*p) || (*p == '0' && p + 1 < end && is_digit(p[1]))) return std::nullopt;
    const auto [next, ec] = std::from_chars(p, end, *parts[k]);
    if (ec != std::errc()) return std::nullopt;
    p = next;
  }
  auto valid_identifiers = [](std::string_view s) {
    if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
    for (char c : s) {
      if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.')) return false;
    }
    return true;
  };
  std::string_view rest(p, static_cast<std::size_t>(end - p));
  const auto plus = rest.find('+');
  const std::string_view build = plus == std::string_view::npos ? std::string_view{} : rest.substr(plus + 1);
  rest = rest.substr(0, plus);
  if (plus != std::string_view::npos && !valid_identifiers(build)) return std::nullopt;
  if (!rest.empty()) {
    if (rest.front() != '-' || !valid_identifiers(rest.substr(1))) return std::nullopt;
    v.pre_release = std::string(rest.substr(1));
  }
  return v;
}

}  // namespace kubetwin::models::dra
