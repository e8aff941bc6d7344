#include "models/metrics/exposition_writer.hpp"

#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace kubetwin::models {

namespace {

// OpenMetrics escaped-string: backslash, double quote and line feed.
void append_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
}

std::string render_labels(const MetricLabels& labels) {
  std::string out;
  for (const auto& [name, value] : labels) {
    if (!out.empty()) out += ',';
    out += name;
    out += "=\"";
    append_escaped(out, value);
    out += '"';
  }
  return out;
}

void append_sample(std::string& out, std::string_view name, std::string_view labels, std::string_view extra_label,
                   double value, std::string_view timestamp) {
  out += name;
  if (!labels.empty() || !extra_label.empty()) {
    out += '{';
    out += labels;
    if (!labels.empty() && !extra_label.empty()) out += ',';
    out += extra_label;
    out += '}';
  }
  out += ' ';
  out += metric_number(value);
  out += ' ';
  out += timestamp;
  out += '\n';
}

}  // namespace

const char* metric_type_name(MetricType t) {
  switch (t) {
    case MetricType::Gauge: return "gauge";
    case MetricType::Counter: return "counter";
    case MetricType::Histogram: return "histogram";
  }
  return "unknown";
}

std::string metric_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";  // never "-0"
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  assert(ec == std::errc());
  return std::string(buf, end);
}

ExpositionWriter::FamilyId ExpositionWriter::family(std::string name, MetricType type, std::string help,
                                                    std::vector<double> buckets) {
  families_.push_back(Family{std::move(name), std::move(help), type, std::move(buckets), {}, {}});
  return families_.size() - 1;
}

ExpositionWriter::Series& ExpositionWriter::series(FamilyId family, const MetricLabels& labels, double t) {
  Family& f = families_[family];
  std::string key = render_labels(labels);
  auto [it, added] = f.index.try_emplace(key, f.series.size());
  if (added) f.series.push_back(Series{std::move(key), {}, {}});
  Series& s = f.series[it->second];
  assert(s.times.empty() || t > s.times.back());
  s.times.push_back(t);
  ++points_;
  return s;
}

void ExpositionWriter::record(FamilyId family, const MetricLabels& labels, double t, double value) {
  assert(families_[family].type != MetricType::Histogram);
  series(family, labels, t).values.push_back(value);
}

void ExpositionWriter::record_histogram(FamilyId family, const MetricLabels& labels, double t,
                                        std::span<const double> cumulative, double sum) {
  assert(families_[family].type == MetricType::Histogram && cumulative.size() == families_[family].buckets.size() + 1);
  Series& s = series(family, labels, t);
  s.values.insert(s.values.end(), cumulative.begin(), cumulative.end());
  s.values.push_back(sum);
}

void ExpositionWriter::write(std::ostream& out, double origin) const {
  std::string text;
  char ts[40];
  for (const Family& f : families_) {
    if (f.series.empty()) continue;  // a family with no sample is not exposed
    text += "# HELP " + f.name + ' ';
    append_escaped(text, f.help);
    text += "\n# TYPE " + f.name + ' ' + metric_type_name(f.type) + '\n';
    const std::string total = f.name + "_total", bucket = f.name + "_bucket", count = f.name + "_count",
                      sum = f.name + "_sum";
    std::vector<std::string> le;
    for (double b : f.buckets) le.push_back("le=\"" + metric_number(b) + '"');
    le.push_back("le=\"+Inf\"");
    for (const Series& s : f.series) {
      const std::size_t width = f.type == MetricType::Histogram ? f.buckets.size() + 2 : 1;
      for (std::size_t p = 0; p < s.times.size(); ++p) {
        std::snprintf(ts, sizeof ts, "%.3f", origin + s.times[p]);
        const double* v = s.values.data() + p * width;
        switch (f.type) {
          case MetricType::Gauge: append_sample(text, f.name, s.labels, {}, v[0], ts); break;
          case MetricType::Counter: append_sample(text, total, s.labels, {}, v[0], ts); break;
          case MetricType::Histogram:
            for (std::size_t b = 0; b < le.size(); ++b) append_sample(text, bucket, s.labels, le[b], v[b], ts);
            append_sample(text, count, s.labels, {}, v[le.size() - 1], ts);
            append_sample(text, sum, s.labels, {}, v[le.size()], ts);
            break;
        }
      }
      if (text.size() > (1u << 20)) {  // stream large runs out in pieces
        out << text;
        text.clear();
      }
    }
  }
  text += "# EOF\n";
  out << text;
}

}  // namespace kubetwin::models
