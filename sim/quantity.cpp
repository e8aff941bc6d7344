#include "sim/quantity.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <span>

namespace kubetwin::sim {
namespace {

struct Unit {
  std::string_view suffix;
  double factor;  // multiply the number by this to get SI base units
};

// Byte suffixes follow Kubernetes quantities (decimal k/M/G..., binary Ki/Mi/Gi...), with an
// optional trailing "B" as hardware datasheets write them ("80GB", "80GiB").
constexpr std::array kByteUnits{
    Unit{"", 1},          Unit{"B", 1},         Unit{"k", 1e3},         Unit{"K", 1e3},
    Unit{"kB", 1e3},      Unit{"KB", 1e3},      Unit{"M", 1e6},         Unit{"MB", 1e6},
    Unit{"G", 1e9},       Unit{"GB", 1e9},      Unit{"T", 1e12},        Unit{"TB", 1e12},
    Unit{"P", 1e15},      Unit{"PB", 1e15},     Unit{"E", 1e18},        Unit{"EB", 1e18},
    Unit{"Ki", 1024.0},   Unit{"KiB", 1024.0},  Unit{"Mi", 1048576.0},  Unit{"MiB", 1048576.0},
    Unit{"Gi", 0x1p30},   Unit{"GiB", 0x1p30},  Unit{"Ti", 0x1p40},     Unit{"TiB", 0x1p40},
    Unit{"Pi", 0x1p50},   Unit{"PiB", 0x1p50},  Unit{"Ei", 0x1p60},     Unit{"EiB", 0x1p60},
};

constexpr std::array kTimeUnits{
    Unit{"", 1},        Unit{"ns", 1e-9},  Unit{"us", 1e-6},   Unit{"\u00b5s", 1e-6},
    Unit{"ms", 1e-3},   Unit{"s", 1},      Unit{"m", 60},      Unit{"min", 60},
    Unit{"h", 3600},    Unit{"d", 86400},  Unit{"w", 604800},
};

// Lower-case "b" is bits, upper-case "B" is bytes, as in SimGrid platform files.
constexpr std::array kBandwidthUnits{
    Unit{"", 1},              Unit{"Bps", 1},          Unit{"B/s", 1},
    Unit{"bps", 0.125},       Unit{"b/s", 0.125},      Unit{"kbps", 125},
    Unit{"Kbps", 125},        Unit{"kb/s", 125},       Unit{"Mbps", 1.25e5},
    Unit{"Mb/s", 1.25e5},     Unit{"Gbps", 1.25e8},    Unit{"Gb/s", 1.25e8},
    Unit{"Tbps", 1.25e11},    Unit{"Tb/s", 1.25e11},   Unit{"kBps", 1e3},
    Unit{"KBps", 1e3},        Unit{"kB/s", 1e3},       Unit{"KB/s", 1e3},
    Unit{"MBps", 1e6},        Unit{"MB/s", 1e6},       Unit{"GBps", 1e9},
    Unit{"GB/s", 1e9},        Unit{"TBps", 1e12},      Unit{"TB/s", 1e12},
    Unit{"KiBps", 1024.0},    Unit{"KiB/s", 1024.0},   Unit{"MiBps", 1048576.0},
    Unit{"MiB/s", 1048576.0}, Unit{"GiBps", 0x1p30},   Unit{"GiB/s", 0x1p30},
};

// FLOP units are matched without regard to case ("TFLOPS", "Tflops", "tflop/s").
constexpr std::array kFlopUnits{
    Unit{"", 1},       Unit{"flop", 1},      Unit{"kflop", 1e3}, Unit{"mflop", 1e6},
    Unit{"gflop", 1e9}, Unit{"tflop", 1e12}, Unit{"pflop", 1e15}, Unit{"eflop", 1e18},
};
constexpr std::array kFlopRateUnits{
    Unit{"", 1},           Unit{"flops", 1},       Unit{"flop/s", 1},     Unit{"kflops", 1e3},
    Unit{"kflop/s", 1e3},  Unit{"mflops", 1e6},    Unit{"mflop/s", 1e6},  Unit{"gflops", 1e9},
    Unit{"gflop/s", 1e9},  Unit{"tflops", 1e12},   Unit{"tflop/s", 1e12}, Unit{"pflops", 1e15},
    Unit{"pflop/s", 1e15}, Unit{"eflops", 1e18},   Unit{"eflop/s", 1e18},
};

struct DimensionInfo {
  std::span<const Unit> units;
  bool case_insensitive;
  std::string_view name;
  std::string_view accepted;
};

DimensionInfo info(Dimension dim) {
  switch (dim) {
    case Dimension::Time:
      return {kTimeUnits, false, "duration", "ns, us, ms, s, m, min, h, d, w (bare number = s)"};
    case Dimension::Bytes:
      return {kByteUnits, false, "byte size",
              "k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, optionally followed by B"};
    case Dimension::Bandwidth:
      return {kBandwidthUnits, false, "bandwidth",
              "bps, kbps, Mbps, Gbps, Tbps (bits) or Bps, kBps, MBps, GBps, TBps, GB/s (bytes)"};
    case Dimension::Flops:
      return {kFlopUnits, true, "FLOP count", "flop, kflop, Mflop, Gflop, Tflop, Pflop, Eflop"};
    case Dimension::FlopRate:
      return {kFlopRateUnits, true, "FLOP rate",
              "flops, Gflops, TFLOPS, PFLOPS, EFLOPS (or .../s)"};
  }
  return {kTimeUnits, false, "quantity", ""};
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "2.5ms" into 2.5 and "ms"; throws if there is no leading number.
std::pair<double, std::string_view> split_number(std::string_view text, std::string_view what) {
  std::string_view s = trim(text);
  double value = 0;
  // from_chars does not accept a leading '+'.
  std::string_view digits = (!s.empty() && s.front() == '+') ? s.substr(1) : s;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || !std::isfinite(value)) {
    throw QuantityError("\"" + std::string(text) + "\" is not a " + std::string(what) +
                        " (expected a number followed by a unit)");
  }
  return {value, trim(std::string_view(ptr, digits.data() + digits.size() - ptr))};
}

}  // namespace

double parse_quantity(std::string_view text, Dimension dim) {
  const DimensionInfo d = info(dim);
  auto [value, suffix] = split_number(text, d.name);
  for (const Unit& u : d.units) {
    if (d.case_insensitive ? equal_ignoring_case(u.suffix, suffix) : u.suffix == suffix) {
      return value * u.factor;
    }
  }
  throw QuantityError("\"" + std::string(text) + "\" has unknown " + std::string(d.name) +
                      " unit \"" + std::string(suffix) + "\" (accepted: " +
                      std::string(d.accepted) + ")");
}

std::string_view accepted_units(Dimension dim) { return info(dim).accepted; }

std::int64_t parse_cpu_millis(std::string_view text) {
  auto [value, suffix] = split_number(text, "CPU quantity");
  double millis = 0;
  if (suffix.empty()) {
    millis = value * 1000.0;
  } else if (suffix == "m") {
    millis = value;
  } else {
    throw QuantityError("\"" + std::string(text) + "\" is not a CPU quantity (use \"8\", \"2.5\" or \"500m\")");
  }
  return static_cast<std::int64_t>(std::llround(millis));
}

std::int64_t parse_count(std::string_view text) {
  std::string_view s = trim(text);
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value < 0) {
    throw QuantityError("\"" + std::string(text) + "\" is not a non-negative whole number");
  }
  return value;
}

std::string format_duration(double seconds) {
  char buf[64];
  if (!std::isfinite(seconds)) return "inf";
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.3gs", seconds);
    return buf;
  }
  const auto total = static_cast<std::int64_t>(seconds);
  const std::int64_t d = total / 86400, h = total % 86400 / 3600, m = total % 3600 / 60,
                     s = total % 60;
  if (d > 0) {
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", static_cast<long long>(d), static_cast<long long>(h));
  } else if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(h), static_cast<long long>(m));
  } else {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(m), static_cast<long long>(s));
  }
  return buf;
}

}  // namespace kubetwin::sim
