// kubetwin-gui: the visualizer. Opens a recorded run folder, a scenario (simulated live in a worker
// thread) or a conformance report; --screenshot renders one view to a PNG without a display.

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QPainter>
#include <QSvgGenerator>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <vector>
#include <filesystem>
#include <fstream>

#include "gui/app/cluster_view.hpp"
#include "gui/app/fabric_view.hpp"
#include "gui/app/main_window.hpp"

namespace {

namespace fs = std::filesystem;
constexpr int kExitBadInput = 2;

// A conformance report is a JSON file with "requirements"; any other file is a scenario.
bool looks_like_conformance_report(const fs::path& file) {
  std::ifstream in(file);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head.find("\"requirements\"") != std::string::npos;
}

// Load time: RunModel::load plus opening it in the window (layout, charts). Frame time: moving the
// time forward by 1/frames of the run (the state update) and painting the view once (the cluster
// view, or the fabric view with --view fabric).
int run_benchmark(const fs::path& run, int frames, int width, int height, const QString& view) {
  kubetwin::gui::MainWindow window;
  window.resize(width, height);
  QString error;
  window.on_error = [&](const QString& m) { error = m; };
  window.show();
  QApplication::processEvents();
  QElapsedTimer clock;
  clock.start();
  if (!window.open_run(run)) {
    std::fprintf(stderr, "kubetwin-gui: error: %s\n", error.toLocal8Bit().constData());
    return kExitBadInput;
  }
  const double load_s = static_cast<double>(clock.nsecsElapsed()) / 1e9;
  window.show_view(view);
  QApplication::processEvents();
  QWidget* painted = view == "fabric" ? static_cast<QWidget*>(window.fabric_view()) : window.cluster_view();
  std::vector<double> ms;
  const double end = window.model()->end_time();
  for (int i = 1; i <= frames; ++i) {
    clock.restart();
    window.set_time(end * i / frames);
    painted->repaint();
    ms.push_back(static_cast<double>(clock.nsecsElapsed()) / 1e6);
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2], p95 = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  std::printf("{\"view\": \"%s\", \"jobs\": %zu, \"nodes\": %zu, \"gpus\": %zu, \"loadSeconds\": %.3f, \"frames\": %d, "
              "\"frameMsMedian\": %.3f, \"frameMsP95\": %.3f, \"framesPerSecond\": %.1f}\n",
              view.toLocal8Bit().constData(), window.model()->jobs().size(), window.model()->nodes().size(),
              window.model()->cell_count(), load_s, frames, median, p95, 1000.0 / median);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A screenshot needs no display: use the offscreen platform unless one was chosen.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--screenshot" || arg == "--benchmark") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
      qputenv("QT_QPA_PLATFORM", "offscreen");
    }
  }
  // Headless runs print one line on error and nothing else: the offscreen platform's notices
  // ("This plugin does not support propagateSizeHints()") are dropped; critical messages stay.
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--screenshot" || arg == "--benchmark") {
      qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& message) {
        if (type == QtCriticalMsg || type == QtFatalMsg) std::fprintf(stderr, "%s\n", message.toLocal8Bit().constData());
      });
    }
  }
  QApplication app(argc, argv);
  QApplication::setApplicationName("kubetwin-gui");
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "kubetwin visualizer: a cluster, its queues and its jobs over time.\n"
      "INPUT is a run folder (the --out folder of kubetwin run), a scenario file (simulated live)\n"
      "or a conformance report (report.json).");
  parser.addHelpOption();
  parser.addPositionalArgument("INPUT", "run folder, scenario file or conformance report");
  const QCommandLineOption screenshot("screenshot", "Render the window to FILE.png (or FILE.svg) and exit (no display needed).", "FILE");
  const QCommandLineOption at("at", "Simulated time to show, in seconds (default: the end of the run).", "SECONDS");
  const QCommandLineOption view("view", "View to show: " + kubetwin::gui::MainWindow::view_names().join(", ") + ".", "NAME");
  const QCommandLineOption compare("compare", "A second run folder to show beside the first.", "RUN_DIR");
  const QCommandLineOption conformance("conformance", "A conformance report to show.", "REPORT");
  const QCommandLineOption colour("colour-by", "Cluster cells coloured by job, queue or utilization.", "WHAT");
  const QCommandLineOption size("size", "Window size for --screenshot (default 1280x800).", "WxH");
  const QCommandLineOption benchmark("benchmark", "Time loading INPUT (a run folder) and N frames of the cluster view "
                                     "animating over the whole run (or the fabric view, with --view fabric); print the numbers and exit.", "N");
  parser.addOptions({screenshot, at, view, compare, conformance, colour, size, benchmark});
  parser.process(app);

  const bool headless = parser.isSet(screenshot);
  auto fail = [&](const QString& message) {
    std::fprintf(stderr, "kubetwin-gui: error: %s\n", message.toLocal8Bit().constData());
    return kExitBadInput;
  };
  if (parser.positionalArguments().size() > 1) return fail("one INPUT at most (see --help)");
  if (parser.isSet(view) && !kubetwin::gui::MainWindow::view_names().contains(parser.value(view))) {
    return fail("--view: unknown view \"" + parser.value(view) + "\" (known: " +
                kubetwin::gui::MainWindow::view_names().join(", ") + ")");
  }
  bool at_ok = true;
  const double at_seconds = parser.isSet(at) ? parser.value(at).toDouble(&at_ok) : -1;
  if (!at_ok || (parser.isSet(at) && at_seconds < 0)) return fail("--at: \"" + parser.value(at) + "\" is not a time in seconds >= 0");
  int colour_index = 0;
  if (parser.isSet(colour)) {
    colour_index = static_cast<int>(QStringList{"job", "queue", "utilization"}.indexOf(parser.value(colour)));
    if (colour_index < 0) return fail("--colour-by: \"" + parser.value(colour) + "\" is not job, queue or utilization");
  }
  int width = 1280, height = 800;
  if (parser.isSet(size)) {
    const QStringList wh = parser.value(size).split('x');
    bool ok_w = false, ok_h = false;
    if (wh.size() == 2) {
      width = wh[0].toInt(&ok_w);
      height = wh[1].toInt(&ok_h);
    }
    if (!ok_w || !ok_h || width < 200 || height < 150) return fail("--size: \"" + parser.value(size) + "\" is not WxH (at least 200x150)");
  }

  if (parser.isSet(benchmark)) {
    bool ok = false;
    const int frames = parser.value(benchmark).toInt(&ok);
    if (!ok || frames < 1) return fail("--benchmark: \"" + parser.value(benchmark) + "\" is not a frame count >= 1");
    if (parser.positionalArguments().size() != 1) return fail("--benchmark needs a run folder");
    const QString bench_view = parser.isSet(view) ? parser.value(view) : "cluster";
    if (bench_view != "cluster" && bench_view != "fabric") return fail("--benchmark times the cluster or the fabric view, not \"" + bench_view + "\"");
    return run_benchmark(fs::path(parser.positionalArguments()[0].toStdString()), frames, width, height, bench_view);
  }

  kubetwin::gui::MainWindow window;
  window.resize(width, height);
  QString first_error;
  if (headless) window.on_error = [&](const QString& m) { if (first_error.isEmpty()) first_error = m; };

  // Everything after the input is open: time, view, screenshot.
  auto finish_setup = [&]() -> int {
    if (parser.isSet(compare) && !window.open_comparison(parser.value(compare).toStdString())) return kExitBadInput;
    if (parser.isSet(conformance) && !window.open_conformance_report(parser.value(conformance).toStdString())) return kExitBadInput;
    window.pause();
    if (window.model()) window.set_time(at_seconds >= 0 ? at_seconds : window.model()->end_time());
    if (parser.isSet(view)) window.show_view(parser.value(view));
    if (colour_index > 0) window.cluster_view()->set_colour_by(static_cast<kubetwin::gui::ColourBy>(colour_index));
    return 0;
  };

  window.show();
  const QStringList inputs = parser.positionalArguments();
  const fs::path input = inputs.isEmpty() ? fs::path() : fs::path(inputs[0].toStdString());
  int exit_code = 0;
  bool wait_for_live = false;
  if (!input.empty()) {
    if (fs::is_directory(input)) {
      if (!window.open_run(input)) exit_code = kExitBadInput;
    } else if (!fs::exists(input)) {
      first_error = QString::fromStdString(input.string() + ": no such file or folder");
      exit_code = kExitBadInput;
    } else if (looks_like_conformance_report(input)) {
      if (!window.open_conformance_report(input)) exit_code = kExitBadInput;
      if (!parser.isSet(view)) window.show_view("conformance");
    } else {
      wait_for_live = true;
      window.start_live(input, [&](bool ok) {
        if (!ok) exit_code = kExitBadInput;
        if (ok && headless) exit_code = finish_setup();
        if (headless) app.quit();
      });
    }
  }
  if (!wait_for_live && exit_code == 0) exit_code = finish_setup();
  if (headless) {
    if (wait_for_live) app.exec();
    if (exit_code != 0) return fail(first_error.isEmpty() ? "cannot open the input" : first_error);
    QApplication::processEvents();
    const QString file = parser.value(screenshot);
    if (file.endsWith(".svg", Qt::CaseInsensitive)) {
      QSvgGenerator svg;
      svg.setFileName(file);
      svg.setSize(window.size());
      svg.setViewBox(QRect(QPoint(0, 0), window.size()));
      QPainter painter;
      if (!painter.begin(&svg)) return fail(file + ": cannot write the SVG");
      window.render(&painter);
      painter.end();
    } else if (!window.grab().save(file, "PNG")) {
      return fail(file + ": cannot write the PNG");
    }
    return 0;
  }
  if (exit_code != 0 && !first_error.isEmpty()) return fail(first_error);
  return app.exec();
}
