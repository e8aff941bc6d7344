#pragma once
// A minimal SVG line chart (axes, ticks, one polyline per series, a legend), for plots that
// experiments write next to their CSV results without pulling in a plotting dependency.

#include <string>
#include <vector>

namespace kubetwin::sim {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
};

struct LineChart {
  std::string title, x_label, y_label;
  double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
  std::vector<ChartSeries> series;
};

/// The chart as a standalone SVG document (deterministic text for the same input).
std::string render_svg(const LineChart& chart);

}  // namespace kubetwin::sim
