#include "sim/svg_line_chart.hpp"

#include <cmath>
#include <cstdio>

namespace kubetwin::sim {
namespace {

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else if (c == '&') out += "&amp;";
    else out += c;
  }
  return out;
}

// A "nice" tick step giving about five ticks over `span`.
double tick_step(double span) {
  const double raw = span / 5;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

}  // namespace

std::string render_svg(const LineChart& c) {
  constexpr double W = 720, H = 460, L = 70, R = 170, T = 40, B = 55;
  const double pw = W - L - R, ph = H - T - B;
  auto X = [&](double x) { return L + (x - c.x_min) / (c.x_max - c.x_min) * pw; };
  auto Y = [&](double y) { return T + ph - (y - c.y_min) / (c.y_max - c.y_min) * ph; };
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fmt(W) + "\" height=\"" + fmt(H) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + fmt(L + pw / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">" + escape(c.title) + "</text>\n";
  // Grid and ticks.
  for (double x = std::ceil(c.x_min / tick_step(c.x_max - c.x_min)) * tick_step(c.x_max - c.x_min); x <= c.x_max + 1e-9;
       x += tick_step(c.x_max - c.x_min)) {
    s += "<line x1=\"" + fmt(X(x)) + "\" y1=\"" + fmt(T) + "\" x2=\"" + fmt(X(x)) + "\" y2=\"" + fmt(T + ph) +
         "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + fmt(X(x)) + "\" y=\"" + fmt(T + ph + 16) + "\" text-anchor=\"middle\">" +
         fmt(x) + "</text>\n";
  }
  for (double y = std::ceil(c.y_min / tick_step(c.y_max - c.y_min)) * tick_step(c.y_max - c.y_min); y <= c.y_max + 1e-9;
       y += tick_step(c.y_max - c.y_min)) {
    s += "<line x1=\"" + fmt(L) + "\" y1=\"" + fmt(Y(y)) + "\" x2=\"" + fmt(L + pw) + "\" y2=\"" + fmt(Y(y)) +
         "\" stroke=\"#e5e5e5\"/>\n<text x=\"" + fmt(L - 6) + "\" y=\"" + fmt(Y(y) + 4) + "\" text-anchor=\"end\">" +
         fmt(y) + "</text>\n";
  }
  s += "<rect x=\"" + fmt(L) + "\" y=\"" + fmt(T) + "\" width=\"" + fmt(pw) + "\" height=\"" + fmt(ph) +
       "\" fill=\"none\" stroke=\"black\"/>\n";
  s += "<text x=\"" + fmt(L + pw / 2) + "\" y=\"" + fmt(H - 12) + "\" text-anchor=\"middle\">" + escape(c.x_label) + "</text>\n";
  s += "<text transform=\"translate(18," + fmt(T + ph / 2) + ") rotate(-90)\" text-anchor=\"middle\">" + escape(c.y_label) + "</text>\n";
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& ser = c.series[i];
    const char* color = kColors[i % 8];
    std::string points;
    for (std::size_t k = 0; k < ser.x.size() && k < ser.y.size(); ++k) {
      points += (k ? " " : "") + fmt(X(ser.x[k])) + "," + fmt(Y(ser.y[k]));
    }
    s += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"1.8\" points=\"" + points + "\"/>\n";
    const double ly = T + 14 + 20 * static_cast<double>(i);
    s += "<line x1=\"" + fmt(L + pw + 12) + "\" y1=\"" + fmt(ly) + "\" x2=\"" + fmt(L + pw + 36) + "\" y2=\"" + fmt(ly) +
         "\" stroke=\"" + color + "\" stroke-width=\"3\"/>\n<text x=\"" + fmt(L + pw + 42) + "\" y=\"" + fmt(ly + 4) + "\">" +
         escape(ser.name) + "</text>\n";
  }
  return s + "</svg>\n";
}

}  // namespace kubetwin::sim
