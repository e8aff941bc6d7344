#include "models/metrics/exposition_parser.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "sim/input_error.hpp"

namespace kubetwin::models {

namespace {

constexpr std::string_view kTypes[] = {"counter", "gauge", "histogram", "gaugehistogram", "stateset", "info", "summary", "unknown"};

bool is_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool is_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// An OpenMetrics number: a decimal float (optional sign, exponent), +Inf, -Inf or NaN.
std::optional<double> parse_number(std::string_view s) {
  if (s == "+Inf" || s == "Inf") return HUGE_VAL;
  if (s == "-Inf") return -HUGE_VAL;
  if (s == "NaN") return std::nan("");
  if (s.empty()) return std::nullopt;
  std::string_view digits = s;
  if (digits.front() == '+' || digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty() || !((digits.front() >= '0' && digits.front() <= '9') || digits.front() == '.')) return std::nullopt;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data() + (s.front() == '+' ? 1 : 0), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Which part of a family a sample name is: "" for the family's own name, else the suffix.
std::optional<std::string_view> suffix_in(const ParsedFamily& f, std::string_view sample) {
  if (!sample.starts_with(f.name)) return std::nullopt;
  const std::string_view rest = sample.substr(f.name.size());
  auto allowed = [&](std::initializer_list<std::string_view> list) -> std::optional<std::string_view> {
    for (std::string_view a : list) {
      if (rest == a) return rest;
    }
    return std::nullopt;
  };
  if (f.type == "counter") return allowed({"_total", "_created"});
  if (f.type == "histogram" || f.type == "gaugehistogram") return allowed({"_bucket", "_count", "_sum", "_created", "_gcount", "_gsum"});
  if (f.type == "summary") return allowed({"", "_count", "_sum", "_created"});
  if (f.type == "info") return allowed({"_info"});
  return allowed({""});
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  ParsedExposition run() {
    std::size_t pos = 0;
    bool eof = false;
    while (pos < text_.size()) {
      ++line_;
      const std::size_t nl = text_.find('\n', pos);
      if (nl == std::string_view::npos) fail("the last line does not end with a line feed");
      const std::string_view l = text_.substr(pos, nl - pos);
      pos = nl + 1;
      if (eof) fail("content after \"# EOF\"");
      if (l == "# EOF") {
        eof = true;
        continue;
      }
      if (l.empty()) fail("empty line");
      if (l.front() == '#') metadata(l);
      else sample(l);
    }
    if (!eof) fail("no \"# EOF\" at the end");
    finish_histogram_point();
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw sim::InputError(source_ + ":" + std::to_string(line_) + ": " + why);
  }

  ParsedFamily& family_named(std::string_view name, bool from_metadata) {
    if (!out_.families.empty() && out_.families.back().name == name) {
      if (from_metadata && !out_.families.back().samples.empty()) fail("metadata for \"" + std::string(name) + "\" after its samples");
      return out_.families.back();
    }
    if (!seen_.insert(std::string(name)).second) fail("metric family \"" + std::string(name) + "\" appears twice (interleaved)");
    finish_histogram_point();
    out_.families.push_back(ParsedFamily{std::string(name), "unknown", {}, {}, {}});
    metadata_seen_.clear();
    return out_.families.back();
  }

  void metadata(std::string_view l) {
    // "# HELP name text", "# TYPE name type", "# UNIT name unit"
    if (l.size() < 7 || l.substr(0, 2) != "# ") fail("comment lines must be # HELP, # TYPE, # UNIT or # EOF");
    const std::string_view kind = l.substr(2, 4);
    if (kind != "HELP" && kind != "TYPE" && kind != "UNIT") fail("comment lines must be # HELP, # TYPE, # UNIT or # EOF");
    if (l[6] != ' ') fail("expected a space after # " + std::string(kind));
    std::string_view rest = l.substr(7);
    const std::size_t sp = rest.find(' ');
    const std::string_view name = rest.substr(0, sp);
    if (!is_metric_name(name)) fail("bad metric name \"" + std::string(name) + "\"");
    const std::string_view value = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
    ParsedFamily& f = family_named(name, true);
    if (!metadata_seen_.insert(std::string(kind)).second) fail("second # " + std::string(kind) + " for \"" + f.name + "\"");
    if (kind == "TYPE") {
      bool known = false;
      for (std::string_view t : kTypes) known = known || value == t;
      if (!known) fail("unknown metric type \"" + std::string(value) + "\"");
      f.type = value;
    } else if (kind == "HELP") {
      f.help = unescape(value);
    } else {
      f.unit = value;
      if (!name.ends_with("_" + f.unit)) fail("metric name \"" + f.name + "\" must end with its unit \"" + f.unit + "\"");
    }
  }

  std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '\\') {
        out += s[i];
        continue;
      }
      if (++i == s.size()) fail("a backslash at the end of a string");
      if (s[i] == '\\') out += '\\';
      else if (s[i] == '"') out += '"';
      else if (s[i] == 'n') out += '\n';
      else fail(std::string("bad escape \\") + s[i]);
    }
    return out;
  }

  void sample(std::string_view l) {
    ParsedSample s;
    s.line = line_;
    std::size_t i = 0;
    while (i < l.size() && l[i] != '{' && l[i] != ' ') ++i;
    s.name = l.substr(0, i);
    if (!is_metric_name(s.name)) fail("bad metric name \"" + s.name + "\"");
    if (i < l.size() && l[i] == '{') i = labels(l, i + 1, s);
    if (i >= l.size() || l[i] != ' ') fail("expected a space before the value");
    std::string_view rest = l.substr(i + 1);
    const std::size_t sp = rest.find(' ');
    const auto value = parse_number(rest.substr(0, sp));
    if (!value) fail("bad value \"" + std::string(rest.substr(0, sp)) + "\"");
    s.value = *value;
    if (sp != std::string_view::npos) {
      const std::string_view ts = rest.substr(sp + 1);
      const auto t = parse_number(ts);
      if (!t || !std::isfinite(*t)) fail("bad timestamp \"" + std::string(ts) + "\"");
      s.timestamp = *t;
    }
    ParsedFamily* f = nullptr;
    if (!out_.families.empty() && suffix_in(out_.families.back(), s.name)) f = &out_.families.back();
    if (f == nullptr) {
      // A sample without metadata starts an untyped family of its own name.
      if (!out_.families.empty() && s.name.starts_with(out_.families.back().name + "_") &&
          out_.families.back().type != "unknown") {
        fail("\"" + s.name + "\" does not fit the " + out_.families.back().type + " family \"" + out_.families.back().name + "\"");
      }
      f = &family_named(s.name, false);
      if (!suffix_in(*f, s.name)) fail("\"" + s.name + "\" does not fit the " + f->type + " family \"" + f->name + "\"");
    }
    const std::string_view suffix = *suffix_in(*f, s.name);
    if (f->type == "counter" && (std::isnan(s.value) || s.value < 0)) fail("counter \"" + s.name + "\" is negative or NaN");
    check_order(s);
    if (f->type == "histogram") histogram(*f, suffix, s);
    f->samples.push_back(std::move(s));
  }

  std::size_t labels(std::string_view l, std::size_t i, ParsedSample& s) {
    std::set<std::string> names;
    if (i < l.size() && l[i] == '}') return i + 1;
    while (true) {
      const std::size_t eq = l.find('=', i);
      if (eq == std::string_view::npos) fail("unterminated label set");
      const std::string name(l.substr(i, eq - i));
      if (!is_label_name(name)) fail("bad label name \"" + name + "\"");
      if (!names.insert(name).second) fail("label \"" + name + "\" given twice");
      if (eq + 1 >= l.size() || l[eq + 1] != '"') fail("label value of \"" + name + "\" must be quoted");
      std::size_t j = eq + 2;
      while (j < l.size() && l[j] != '"') j += l[j] == '\\' ? 2 : 1;
      if (j >= l.size()) fail("unterminated label value of \"" + name + "\"");
      s.labels.emplace_back(name, unescape(l.substr(eq + 2, j - eq - 2)));
      i = j + 1;
      if (i < l.size() && l[i] == '}') return i + 1;
      if (i >= l.size() || l[i] != ',') fail("expected ',' or '}' after a label");
      ++i;
      if (i < l.size() && l[i] == '}') fail("a comma before '}'");
    }
  }

  // The identity of a series: sample name and labels (le included, it is part of a bucket's).
  static std::string series_key(const ParsedSample& s) {
    std::string key = s.name;
    for (const auto& [n, v] : s.labels) key += '\x1f' + n + '\x1e' + v;
    return key;
  }

  void check_order(const ParsedSample& s) {
    if (!s.timestamp) return;
    auto [it, added] = last_time_.try_emplace(series_key(s), *s.timestamp);
    if (!added) {
      if (*s.timestamp <= it->second) fail("timestamps of \"" + s.name + "\" do not increase");
      it->second = *s.timestamp;
    }
  }

  // Histogram points: the _bucket lines of one label set and timestamp, ascending le, ending with
  // +Inf, then _count equal to the +Inf bucket.
  void histogram(const ParsedFamily& f, std::string_view suffix, const ParsedSample& s) {
    std::string labels_without_le;
    std::string_view le;
    for (const auto& [n, v] : s.labels) {
      if (n == "le") le = v;
      else labels_without_le += n + "=" + v + ",";
    }
    const std::string point = f.name + "{" + labels_without_le + "}@" + (s.timestamp ? std::to_string(*s.timestamp) : "");
    if (suffix == "_bucket") {
      if (le.empty()) fail("histogram bucket \"" + s.name + "\" without le");
      const auto bound = parse_number(le);
      if (!bound || std::isnan(*bound)) fail("bad le \"" + std::string(le) + "\"");
      if (hist_point_ != point) {
        finish_histogram_point();
        hist_point_ = point;
      } else {
        if (*bound <= hist_le_) fail("histogram buckets not in ascending le order");
        if (s.value < hist_count_) fail("histogram bucket counts decrease");
      }
      hist_le_ = *bound;
      hist_count_ = s.value;
      hist_open_ = true;
    } else if (suffix == "_count") {
      if (hist_point_ != point || !hist_open_) fail("\"" + s.name + "\" without its buckets before it");
      if (!std::isinf(hist_le_)) fail("histogram without a +Inf bucket");
      if (s.value != hist_count_) fail("\"" + s.name + "\" differs from its +Inf bucket");
      hist_open_ = false;
      hist_point_.clear();
    } else if (suffix != "_sum" && suffix != "_created") {
      fail("\"" + s.name + "\" does not fit a histogram");
    } else {
      finish_histogram_point();
    }
  }

  void finish_histogram_point() {
    if (hist_open_ && !std::isinf(hist_le_)) fail("histogram without a +Inf bucket");
    hist_open_ = false;
    hist_point_.clear();
  }

  std::string_view text_;
  const std::string& source_;
  int line_ = 0;
  ParsedExposition out_;
  std::set<std::string> seen_;            // family names met so far
  std::set<std::string> metadata_seen_;   // HELP/TYPE/UNIT of the current family
  std::map<std::string, double> last_time_;
  std::string hist_point_;
  double hist_le_ = 0, hist_count_ = 0;
  bool hist_open_ = false;
};

}  // namespace

std::string_view ParsedSample::label(std::string_view key) const {
  for (const auto& [n, v] : labels) {
    if (n == key) return v;
  }
  return {};
}

const ParsedFamily* ParsedExposition::find(std::string_view name) const {
  for (const auto& f : families) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

ParsedExposition parse_openmetrics(std::string_view text, const std::string& source) {
  return Parser(text, source).run();
}

}  // namespace kubetwin::models
