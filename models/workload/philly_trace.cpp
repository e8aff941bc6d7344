#include "models/workload/philly_trace.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>

#include "sim/input_error.hpp"

namespace kubetwin::models {
namespace {

constexpr std::string_view kJobHeader = "timestamp,duration,num_gpus,gpu_time,cluster";
constexpr std::string_view kVcHeader = "vc,node num";

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = line.find(',', start);
    out.push_back(
        line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// Calls `row(fields, where)` for each non-empty data line of a CSV whose header must be `header`.
template <class Row>
void read_csv(const std::string& path, std::string_view header, std::size_t columns, Row row) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sim::InputError(path + ": cannot open file");
  std::string line;
  if (!std::getline(in, line))
    throw sim::InputError(path + ":1: empty file, expected the header \"" + std::string(header) +
                          "\"");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line != header) {
    throw sim::InputError(path + ":1: unexpected header \"" + line + "\" (expected " +
                          std::string(header) + ")");
  }
  std::int64_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;  // the public extract ends with a blank line
    const auto fields = split(line);
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (fields.size() != columns) {
      throw sim::InputError(where + "expected " + std::to_string(columns) + " fields, got " +
                            std::to_string(fields.size()));
    }
    row(fields, where, number);
  }
}

std::int64_t whole(std::string_view text, std::string_view column, std::int64_t min,
                   std::int64_t max, const std::string& where) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    throw sim::InputError(where + std::string(column) + ": not a whole number: \"" +
                          std::string(text) + "\"");
  }
  if (v < min || v > max) {
    throw sim::InputError(where + std::string(column) + ": must be " + std::to_string(min) + ".." +
                          std::to_string(max) + ", got " + std::to_string(v));
  }
  return v;
}

double number(std::string_view text, std::string_view column, const std::string& where) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    throw sim::InputError(where + std::string(column) + ": not a number: \"" + std::string(text) +
                          "\"");
  }
  return v;
}

// Days from 1970-01-01 to the given proleptic Gregorian date (years counted from March, so the
// leap day is the last day of its year).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = y / 400;  // years are >= 1970 here
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool digits(std::string_view text, std::size_t pos, std::size_t n, int& out) {
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

bool parse_philly_timestamp(std::string_view t, std::int64_t& seconds) {
  // YYYY-MM-DD HH:MM:SS
  if (t.size() != 19 || t[4] != '-' || t[7] != '-' || t[10] != ' ' || t[13] != ':' || t[16] != ':')
    return false;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (!digits(t, 0, 4, y) || !digits(t, 5, 2, mo) || !digits(t, 8, 2, d) || !digits(t, 11, 2, h) ||
      !digits(t, 14, 2, mi) || !digits(t, 17, 2, s)) {
    return false;
  }
  if (y < 1970 || mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 59) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d < 1 || d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
  seconds = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  return true;
}

std::string format_philly_timestamp(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::vector<PhillyJobRecord> read_philly_jobs(const std::string& path) {
  std::vector<PhillyJobRecord> jobs;
  read_csv(path, kJobHeader, 5, [&](const auto& f, const std::string& where, std::int64_t line) {
    PhillyJobRecord j;
    j.line = line;
    if (!parse_philly_timestamp(f[0], j.submit_s)) {
      throw sim::InputError(where + "timestamp: expected YYYY-MM-DD HH:MM:SS, got \"" +
                            std::string(f[0]) + "\"");
    }
    j.duration_s = number(f[1], "duration", where);
    if (j.duration_s <= 0)
      throw sim::InputError(where + "duration: must be positive, got " + std::string(f[1]));
    j.gpus = static_cast<int>(whole(f[2], "num_gpus", 0, 1'000'000, where));
    // gpu_time is redundant (duration x num_gpus); a mismatch means shifted or corrupted columns.
    const double gpu_time = number(f[3], "gpu_time", where);
    const double expected = j.duration_s * j.gpus;
    if (std::abs(gpu_time - expected) > 1e-6 * std::max(1.0, expected)) {
      throw sim::InputError(where + "gpu_time: must equal duration x num_gpus (" +
                            std::string(f[1]) + " x " + std::string(f[2]) + "), got " +
                            std::string(f[3]));
    }
    j.vc = std::string(f[4]);
    if (j.vc.empty()) throw sim::InputError(where + "cluster: empty virtual-cluster id");
    jobs.push_back(std::move(j));
  });
  return jobs;
}

std::vector<PhillyVcRecord> read_philly_vcs(const std::string& path) {
  std::vector<PhillyVcRecord> vcs;
  std::set<std::string, std::less<>> names;
  read_csv(path, kVcHeader, 2, [&](const auto& f, const std::string& where, std::int64_t) {
    PhillyVcRecord v;
    v.name = std::string(f[0]);
    if (v.name.empty()) throw sim::InputError(where + "vc: empty virtual-cluster id");
    if (!names.insert(v.name).second)
      throw sim::InputError(where + "vc: duplicate virtual cluster \"" + v.name + "\"");
    v.servers = static_cast<int>(whole(f[1], "node num", 1, 1'000'000, where));
    vcs.push_back(std::move(v));
  });
  if (vcs.empty()) throw sim::InputError(path + ": no virtual clusters");
  return vcs;
}

}  // namespace kubetwin::models
