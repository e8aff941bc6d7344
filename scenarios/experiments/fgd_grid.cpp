#include "scenarios/experiments/fgd_grid.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "models/gpushare/openb_trace.hpp"
#include "models/gpushare/policies.hpp"
#include "scenarios/experiments/fgd_experiment.hpp"
#include "sim/input_error.hpp"
#include "sim/json_writer.hpp"
#include "sim/output_directory.hpp"
#include "sim/svg_line_chart.hpp"

namespace kubetwin::scenarios {

namespace fs = std::filesystem;
using models::gpushare::OpenbNode;
using models::gpushare::OpenbPod;

namespace {

struct Task {
  std::size_t trace, policy, seed;
};

std::string run_file_name(const std::string& trace, const std::string& policy, std::uint64_t seed) {
  return trace + "." + policy + "." + std::to_string(seed) + ".csv";
}

// Reads a finished run back; an unreadable file counts as not done.
bool read_curve(const fs::path& path, std::vector<FgdCurvePoint>& curve, int expected_points) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  std::getline(in, line);
  curve.clear();
  while (std::getline(in, line)) {
    FgdCurvePoint p;
    if (std::sscanf(line.c_str(), "%d,%lf,%lf,%lf", &p.arrived_pct, &p.alloc_pct, &p.frag_ratio_pct,
                    &p.frag_amount_pct) != 4) {
      return false;
    }
    curve.push_back(p);
  }
  return static_cast<int>(curve.size()) == expected_points;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

const std::vector<std::string>& fgd_paper_traces() {
  static const std::vector<std::string> traces{
      "default",   "cpu050",    "cpu100",    "cpu200",    "cpu250",     "gpushare40", "gpushare60", "gpushare80", "gpushare100",
      "gpuspec10", "gpuspec20", "gpuspec25", "gpuspec33", "multigpu20", "multigpu30", "multigpu40", "multigpu50"};
  return traces;
}

std::vector<std::uint64_t> parse_seed_list(const std::string& text) {
  std::vector<std::uint64_t> seeds;
  std::stringstream ss(text);
  std::string part;
  auto number = [&](const std::string& s) {
    std::size_t used = 0;
    unsigned long long v = 0;
    try {
      v = std::stoull(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || s.empty() || s[0] == '-') {
      throw sim::InputError("--seeds " + text + ": \"" + s + "\" is not a seed (use 42-51 or 42,43,50)");
    }
    return static_cast<std::uint64_t>(v);
  };
  while (std::getline(ss, part, ',')) {
    const auto dash = part.find('-');
    if (dash == std::string::npos) {
      seeds.push_back(number(part));
      continue;
    }
    const std::uint64_t lo = number(part.substr(0, dash)), hi = number(part.substr(dash + 1));
    if (hi < lo || hi - lo > 100000) throw sim::InputError("--seeds " + text + ": bad range \"" + part + "\"");
    for (std::uint64_t s = lo; s <= hi; ++s) seeds.push_back(s);
  }
  if (seeds.empty()) throw sim::InputError("--seeds " + text + ": no seed given");
  return seeds;
}

void run_fgd_grid(const FgdGridOptions& o) {
  for (const auto& p : o.policies) {
    if (models::gpushare::make_policy(p, {}) == nullptr) {
      std::string known;
      for (auto n : models::gpushare::policy_names()) known += (known.empty() ? "" : ", ") + std::string(n);
      throw sim::InputError("--policies: unknown policy \"" + p + "\" (known: " + known + ", or all)");
    }
  }
  // Parse everything first: bad input stops the grid before any run.
  const std::vector<OpenbNode> nodes = models::gpushare::read_openb_nodes((o.traces_dir / "openb_node_list_gpu_node.csv").string());
  std::vector<std::vector<OpenbPod>> pods;
  for (const auto& t : o.traces) {
    pods.push_back(models::gpushare::read_openb_pods((o.traces_dir / ("openb_pod_list_" + t + ".csv")).string()));
  }

  const fs::path runs_dir = o.out_dir / "runs";
  std::error_code ec;
  fs::create_directories(runs_dir, ec);
  if (ec) throw std::runtime_error(runs_dir.string() + ": cannot create: " + ec.message());
  const int points = static_cast<int>(std::lround(100 * o.tune)) + 1;

  std::vector<Task> todo;
  std::size_t done_before = 0;
  for (std::size_t t = 0; t < o.traces.size(); ++t) {
    for (std::size_t p = 0; p < o.policies.size(); ++p) {
      for (std::size_t s = 0; s < o.seeds.size(); ++s) {
        std::vector<FgdCurvePoint> curve;
        if (read_curve(runs_dir / run_file_name(o.traces[t], o.policies[p], o.seeds[s]), curve, points)) {
          ++done_before;
        } else {
          todo.push_back({t, p, s});
        }
      }
    }
  }
  const std::size_t total = done_before + todo.size();

  std::atomic<std::size_t> next{0}, finished{done_before};
  std::mutex mu;
  std::exception_ptr failure;
  const auto start = std::chrono::steady_clock::now();
  auto report = [&] {
    if (!o.progress) return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::size_t f = finished.load();
    const std::size_t new_done = f - done_before;
    const double left = new_done > 0 ? elapsed / static_cast<double>(new_done) * static_cast<double>(total - f) : 0;
    const int width = 30;
    const int filled = total ? static_cast<int>(width * f / total) : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu runs, %.0f s elapsed, ~%.0f s left ", std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(), f, total, elapsed, left);
    if (f == total) std::fprintf(stderr, "\n");
  };
  auto worker = [&] {
    for (std::size_t i = next++; i < todo.size(); i = next++) {
      const Task& task = todo[i];
      try {
        const auto result = run_fgd_experiment(nodes, pods[task.trace], o.policies[task.policy], o.seeds[task.seed], o.tune);
        const fs::path final_path = runs_dir / run_file_name(o.traces[task.trace], o.policies[task.policy], o.seeds[task.seed]);
        const fs::path tmp = final_path.string() + ".tmp" + std::to_string(::getpid());
        { std::ofstream(tmp, std::ios::binary) << fgd_curve_csv(result.curve); }
        fs::rename(tmp, final_path);  // a run is either complete on disk or absent
      } catch (...) {
        std::lock_guard lock(mu);
        if (!failure) failure = std::current_exception();
        next = todo.size();
      }
      ++finished;
      std::lock_guard lock(mu);
      report();
    }
  };
  report();
  std::vector<std::thread> threads;
  for (unsigned j = 0; j < std::max(1u, o.jobs); ++j) threads.emplace_back(worker);
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);

  // Merge: grid.csv, one plot per trace, the table of unallocated GPU at arrived = 100 %.
  sim::OutputDirectory out(o.out_dir);
  std::string grid = "trace,policy,seed,arrived_pct,alloc_pct,frag_ratio_pct,frag_amount_pct\n";
  std::string table = "| trace | " ;
  for (const auto& p : o.policies) table += p + " | ";
  table += "\n|---|";
  for (std::size_t i = 0; i < o.policies.size(); ++i) table += "---|";
  table += "\n";
  std::string table_csv = "trace,policy,seeds,unallocated_gpu_pct_at_100_mean,unallocated_gpu_pct_at_100_sd\n";
  for (std::size_t t = 0; t < o.traces.size(); ++t) {
    sim::LineChart chart;
    chart.title = "openb " + o.traces[t] + ": GPU allocation (median over " + std::to_string(o.seeds.size()) + " seeds)";
    chart.x_label = "arrived GPU workload (% of capacity)";
    chart.y_label = "allocated GPUs (% of capacity)";
    chart.x_max = static_cast<double>(points - 1);
    chart.y_min = 50;  // the policies part ways above 80 %
    chart.y_max = 100;
    table += "| " + o.traces[t] + " | ";
    for (std::size_t p = 0; p < o.policies.size(); ++p) {
      std::vector<std::vector<double>> alloc(static_cast<std::size_t>(points));
      std::vector<double> unalloc_at_100;
      for (std::uint64_t seed : o.seeds) {
        std::vector<FgdCurvePoint> curve;
        const fs::path file = runs_dir / run_file_name(o.traces[t], o.policies[p], seed);
        if (!read_curve(file, curve, points)) throw std::runtime_error(file.string() + ": missing or incomplete run");
        for (const auto& pt : curve) {
          grid += o.traces[t] + "," + o.policies[p] + "," + std::to_string(seed) + "," + std::to_string(pt.arrived_pct);
          for (double v : {pt.alloc_pct, pt.frag_ratio_pct, pt.frag_amount_pct}) {
            grid += ',';
            sim::append_json_number(grid, v);
          }
          grid += '\n';
          alloc[static_cast<std::size_t>(pt.arrived_pct)].push_back(pt.alloc_pct);
          if (pt.arrived_pct == 100) unalloc_at_100.push_back(100 - pt.alloc_pct);
        }
      }
      sim::ChartSeries series{o.policies[p], {}, {}};
      for (int x = 0; x < points; ++x) {
        series.x.push_back(x);
        series.y.push_back(median(alloc[static_cast<std::size_t>(x)]));
      }
      chart.series.push_back(std::move(series));
      double mean = 0, sd = 0;
      for (double v : unalloc_at_100) mean += v / static_cast<double>(unalloc_at_100.size());
      for (double v : unalloc_at_100) sd += (v - mean) * (v - mean);
      sd = unalloc_at_100.size() > 1 ? std::sqrt(sd / static_cast<double>(unalloc_at_100.size() - 1)) : 0;
      char cell[64];
      std::snprintf(cell, sizeof cell, "%.2f ± %.2f", mean, sd);
      table += std::string(cell) + " | ";
      table_csv += o.traces[t] + "," + o.policies[p] + "," + std::to_string(unalloc_at_100.size()) + ",";
      sim::append_json_number(table_csv, mean);
      table_csv += ',';
      sim::append_json_number(table_csv, sd);
      table_csv += '\n';
    }
    table += "\n";
    out.open("plot-" + o.traces[t] + ".svg") << sim::render_svg(chart);
  }
  out.open("grid.csv") << grid;
  out.open("table.md") << "Unallocated GPU (% of capacity) at arrived workload = 100 %: mean ± s.d. over seeds " +
                              std::to_string(o.seeds.front()) + ".." + std::to_string(o.seeds.back()) + " (" +
                              std::to_string(o.seeds.size()) + " runs per cell).\n\n" + table;
  out.open("table.csv") << table_csv;
  out.commit();
}

}  // namespace kubetwin::scenarios
