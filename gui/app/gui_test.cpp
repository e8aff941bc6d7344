// GUI tests (QTest, offscreen platform): load a run, step, play, select a node, switch views, and
// check what the screen shows: the count of GPU cells and the colours of busy and idle ones.
// ctest runs each test function in its own process (SimGrid allows one engine per process, and
// the live test starts one).

#include <QComboBox>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "gui/app/cluster_view.hpp"
#include "gui/app/main_window.hpp"
#include "gui/app/views.hpp"
#include "gui/testing/run_folder_builder.hpp"

namespace kubetwin::gui {

namespace fs = std::filesystem;

class GuiTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir scratch_;

  // 4 nodes of 8 GPUs. job-a: 8 GPUs on node 0 over [10, 100]; job-b: 2 pods of 4 GPUs on nodes
  // 1 and 2 over [20, 80]; job-c waits from 5 on, unschedulable, and never runs.
  fs::path small_run(const std::string& name = "run") {
    testing::RunFolderBuilder b(fs::path(scratch_.path().toStdString()) / name, 4, 8);
    b.submit(0, "job-a", 1, 8).submit(5, "job-c", 1, 16)
        .unschedulable(5, "job-c", "0/4 nodes are available: 4 Insufficient nvidia.com/gpu.")
        .filter_rejected(5, "job-c", 0, "NodeResourcesFit", "Insufficient nvidia.com/gpu")
        .bind(10, "job-a", 0, 0, {0, 1, 2, 3, 4, 5, 6, 7}).start(10, "job-a", 10)
        .submit(15, "job-b", 2, 4, "research")
        .bind(20, "job-b", 0, 1, {0, 1, 2, 3}).bind(20, "job-b", 1, 2, {4, 5, 6, 7}).start(20, "job-b", 5)
        .complete(80, "job-b", 65, 60).complete(100, "job-a", 100, 90)
        .series_row(0, 0, 1, 0).series_row(50, 16, 1, 2).series_row(100, 0, 1, 0);
    return b.write(100);
  }

  static QColor pixel_at_cell(const QImage& image, const ClusterView& view, std::uint32_t cell) {
    return image.pixelColor(view.cell_rect(cell).center());
  }

 private Q_SLOTS:
  void loadRunDrawsEveryGpuCell() {
    MainWindow w;
    w.resize(1000, 700);
    w.show();
    QVERIFY(w.open_run(small_run()));
    QCOMPARE(w.model()->cell_count(), std::size_t{32});
    // Every cell has its own place on screen.
    QSet<QPair<int, int>> places;
    for (std::uint32_t c = 0; c < 32; ++c) {
      const QRect r = w.cluster_view()->cell_rect(c);
      QVERIFY(!r.isEmpty());
      QVERIFY(w.cluster_view()->rect().contains(r));
      places.insert({r.x(), r.y()});
    }
    QCOMPARE(places.size(), 32);
  }

  void screenshotShowsBusyAndIdleCellsInTheirColours() {
    MainWindow w;
    w.resize(1000, 700);
    w.show();
    QVERIFY(w.open_run(small_run()));
    w.set_time(50);  // job-a on node 0, job-b on half of nodes 1 and 2
    const QImage image = w.cluster_view()->grab().toImage();
    int busy = 0, idle = 0;
    const std::int32_t a = w.model()->find_job("job-a"), b = w.model()->find_job("job-b");
    for (std::uint32_t c = 0; c < 32; ++c) {
      const QColor colour = pixel_at_cell(image, *w.cluster_view(), c);
      if (colour == kIdleColour) ++idle;
      else ++busy;
      if (c < 8) QCOMPARE(colour, job_colour(a));
    }
    QCOMPARE(busy, 16);
    QCOMPARE(idle, 16);
    QCOMPARE(pixel_at_cell(image, *w.cluster_view(), 8), job_colour(b));        // node 1 GPU 0
    QCOMPARE(pixel_at_cell(image, *w.cluster_view(), 12), kIdleColour);         // node 1 GPU 4
    QCOMPARE(pixel_at_cell(image, *w.cluster_view(), 16 + 4), job_colour(b));   // node 2 GPU 4
    // Not blank: background, idle, two job colours and the group title's text at least.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2) {
      for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() >= 5, qPrintable(QString::number(colours.size())));
    // Colour by queue: job-b's cells take the second queue's colour.
    w.cluster_view()->set_colour_by(ColourBy::Queue);
    const QImage by_queue = w.cluster_view()->grab().toImage();
    QCOMPARE(pixel_at_cell(by_queue, *w.cluster_view(), 8), queue_colour(1));
    QCOMPARE(pixel_at_cell(by_queue, *w.cluster_view(), 0), queue_colour(0));
  }

  void stepGoesToTheNextChangeAndScrubbingBackRestoresState() {
    MainWindow w;
    w.show();
    QVERIFY(w.open_run(small_run()));
    QCOMPARE(w.time(), 0.0);
    w.step();
    QCOMPARE(w.time(), 10.0);
    QCOMPARE(w.state().busy_cells(), 8);
    w.step();
    QCOMPARE(w.time(), 20.0);
    QCOMPARE(w.state().busy_cells(), 16);
    w.set_time(90);
    QCOMPARE(w.state().busy_cells(), 8);
    w.set_time(15);
    QCOMPARE(w.state().busy_cells(), 8);
  }

  void playAdvancesTimeAndStopsAtTheEnd() {
    MainWindow w;
    w.show();
    QVERIFY(w.open_run(small_run()));
    w.set_speed(1000);
    w.play();
    QVERIFY(w.playing());
    QTRY_VERIFY_WITH_TIMEOUT(!w.playing(), 5000);  // 100 s of run at 1000 s/s
    QCOMPARE(w.time(), 100.0);
    w.play();  // from the end, play starts over
    QVERIFY(w.playing());
    w.pause();
    QVERIFY(w.time() < 100.0);
  }

  void clickingACellSelectsItsNodeAndNamesItsPods() {
    MainWindow w;
    w.resize(1000, 700);
    w.show();
    QVERIFY(w.open_run(small_run()));
    w.set_time(50);
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    const QRect cell = w.cluster_view()->cell_rect(17);  // node 2, GPU 1: idle; job-b holds 4-7
    QTest::mouseClick(w.cluster_view(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(w.cluster_view()->selected_node(), 2);
    const QString details = w.node_details();
    QVERIFY2(details.contains("h100-2"), qPrintable(details));
    QVERIFY2(details.contains("pod job-b-1  job job-b  queue research  GPUs [4,5,6,7]"), qPrintable(details));
    // The tooltip names node, GPU, pod, job and queue.
    const QString tip = w.cluster_view()->tooltip_text(16 + 5);
    QVERIFY2(tip.contains("h100-2  GPU 5") && tip.contains("pod job-b-1") && tip.contains("job job-b  queue research"),
             qPrintable(tip));
    QVERIFY(w.cluster_view()->tooltip_text(17).contains("idle"));
  }

  void switchingViewsShowsTimelineQueueChartsAndConformance() {
    MainWindow w;
    w.resize(1100, 700);
    w.show();
    QVERIFY(w.open_run(small_run()));
    w.set_time(50);
    for (const QString& name : MainWindow::view_names()) {
      QVERIFY(w.show_view(name));
      QCOMPARE(w.current_view(), name);
    }
    QVERIFY(!w.show_view("nonsense"));
    // Queue: job-c waits at 50, with the scheduler's message and the plugin's verdict.
    QVERIFY(w.show_view("queue"));
    QCOMPARE(w.queue_view()->row_count(), 1);
    w.set_time(2);
    w.show_view("queue");
    QCOMPARE(w.queue_view()->row_count(), 1);  // job-a, not yet bound
    // Timeline: job-a's bar on node 0 at 50 s is drawn in its colour.
    QVERIFY(w.show_view("timeline"));
    w.timeline_view()->set_window(0, 100);
    const QImage timeline = w.timeline_view()->grab().toImage();
    bool found = false;
    for (int y = 0; y < timeline.height() && !found; ++y) {
      for (int x = 0; x < timeline.width() && !found; ++x) found = timeline.pixelColor(x, y) == job_colour(w.model()->find_job("job-a"));
    }
    QVERIFY(found);
    // Charts: four charts, one line each.
    QCOMPARE(w.charts_view()->series_count(), 4);
    QVERIFY(w.open_conformance_report(fs::path(KUBETWIN_SOURCE_DIR) / "gui/testdata/conformance-report.json"));
    QCOMPARE(w.conformance_view()->row_count(), 5);
  }

  void twoRunsSideBySideShareTheTime() {
    MainWindow w;
    w.resize(1200, 700);
    w.show();
    QVERIFY(w.open_run(small_run("first")));
    testing::RunFolderBuilder other(fs::path(scratch_.path().toStdString()) / "second", 4, 8);
    other.submit(0, "job-a", 1, 8).bind(30, "job-a", 0, 3, {0, 1, 2, 3, 4, 5, 6, 7}).start(30, "job-a", 30)
        .complete(100, "job-a", 100, 70).series_row(0, 0, 1, 0);
    QVERIFY(w.open_comparison(other.write(100)));
    QVERIFY(w.show_view("compare"));
    w.set_time(50);
    const QImage right = w.compare_view()->right()->grab().toImage();
    QCOMPARE(right.pixelColor(w.compare_view()->right()->cell_rect(24).center()), job_colour(0));  // node 3 busy
    QCOMPARE(right.pixelColor(w.compare_view()->right()->cell_rect(0).center()), kIdleColour);
    QCOMPARE(w.charts_view()->series_count(), 8);
  }

  void badOrTruncatedRunFolderGivesOneLineMessageAndKeepsTheRunShown() {
    MainWindow w;
    w.show();
    QStringList errors;
    w.on_error = [&](const QString& m) { errors << m; };
    QVERIFY(w.open_run(small_run()));
    const fs::path cut = small_run("cut");
    {
      std::ofstream events(cut / "events.jsonl", std::ios::app | std::ios::binary);
      events << "{\"t\":100,\"type\":\"JobSubm";
    }
    QVERIFY(!w.open_run(cut));
    QVERIFY(!w.open_run(fs::path(scratch_.path().toStdString()) / "absent"));
    QVERIFY(!w.open_conformance_report(cut / "events.jsonl"));
    QCOMPARE(errors.size(), 3);
    for (const QString& e : errors) QVERIFY2(!e.contains('\n'), qPrintable(e));
    QVERIFY2(errors[0].endsWith("events.jsonl:13: the last line is cut short (a truncated file?)"), qPrintable(errors[0]));
    QVERIFY(w.model() != nullptr);
    QCOMPARE(w.model()->jobs().size(), std::size_t{3});
  }

  void screenshotCommandWritesAPngAndRejectsBadInputWithExitCode2() {
    const fs::path run = small_run();
    const QString png = scratch_.filePath("cluster.png");
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_RUNTIME_DIR", scratch_.path());  // else Qt warns about it on stderr
    p.setProcessEnvironment(env);
    p.start(KUBETWIN_GUI_BINARY, {QString::fromStdString(run.string()), "--screenshot", png, "--at", "50", "--view", "cluster",
                                  "--size", "800x600"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const QImage image(png);
    QCOMPARE(image.size(), QSize(800, 600));

    const fs::path cut = small_run("cut");
    fs::remove(cut / "series.csv");
    p.start(KUBETWIN_GUI_BINARY, {QString::fromStdString(cut.string()), "--screenshot", scratch_.filePath("bad.png")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    const QString err = QString::fromLocal8Bit(p.readAllStandardError()).trimmed();
    QVERIFY2(err.startsWith("kubetwin-gui: error: ") && err.endsWith("series.csv: missing; not a complete kubetwin run folder") &&
                 !err.contains('\n'),
             qPrintable(err));
    QVERIFY(!QFile::exists(scratch_.filePath("bad.png")));

    p.start(KUBETWIN_GUI_BINARY, {QString::fromStdString(run.string()), "--screenshot", png, "--view", "nope"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
  }

  // The fabric-training example (32 servers, 4 per leaf, 16 per spine block) simulated by the real
  // runner: its topology.json labels every node with its block and leaf.
  void clusterViewGroupsAFabricRunByBlockThenLeaf() {
    MainWindow w;
    w.resize(1100, 800);
    w.show();
    bool done = false, ok = false;
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/fabric-training.json", [&](bool success) {
      done = true;
      ok = success;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 120000);
    QVERIFY(ok);
    w.pause();
    const ClusterView& view = *w.cluster_view();
    const QStringList titles = view.group_titles();
    QStringList expected;
    for (int b = 0; b < 2; ++b) {
      expected << QString("block pod%1  16 nodes").arg(b);
      for (int l = 0; l < 4; ++l) expected << QString("leaf pod%1.leaf%2  4 nodes").arg(b).arg(l);
    }
    QCOMPARE(titles, expected);
    // Each node sits under the title of its own leaf, and every cell is on screen in its own place.
    const RunModel& m = *w.model();
    QCOMPARE(m.nodes().size(), std::size_t{32});
    QSet<QPair<int, int>> places;
    for (std::uint32_t n = 0; n < m.nodes().size(); ++n) {
      const int g = view.group_of_node(n);
      QVERIFY(g >= 0);
      QVERIFY2(titles[g].startsWith("leaf " + QString::fromStdString(m.nodes()[n].leaf) + " "), qPrintable(titles[g]));
      QVERIFY(m.nodes()[n].leaf == "pod" + std::to_string(n / 16) + ".leaf" + std::to_string(n % 16 / 4));
      for (std::uint32_t c = m.nodes()[n].first_cell; c < m.nodes()[n].first_cell + m.nodes()[n].gpus; ++c) {
        QVERIFY(view.rect().contains(view.cell_rect(c)));
        places.insert({view.cell_rect(c).x(), view.cell_rect(c).y()});
      }
    }
    QCOMPARE(places.size(), 256);
    // Leaves are drawn top to bottom in order: a later leaf's nodes are lower on screen.
    for (std::uint32_t n = 4; n < 32; n += 4) {
      QVERIFY(view.cell_rect(m.nodes()[n].first_cell).top() > view.cell_rect(m.nodes()[n - 1].first_cell).bottom());
    }
    QVERIFY(view.tooltip_text(0).contains("leaf pod0.leaf0  block pod0"));
  }

  // Node 2 of 3 is an autoscaler slot: added at 30, runs job-s from 40 to 60, scaled down at 70.
  void autoscalerNodeSlotsAppearAndDisappearOverTime() {
    testing::RunFolderBuilder b(fs::path(scratch_.path().toStdString()) / "autoscaled", 3, 8);
    b.slot(2).submit(0, "job-s", 1, 8).node_added(30, 2).bind(40, "job-s", 0, 2, {0, 1, 2, 3, 4, 5, 6, 7})
        .start(40, "job-s", 40).complete(60, "job-s", 60, 20).scale_down(70, 2).series_row(0, 0, 1, 0);
    MainWindow w;
    w.resize(1000, 700);
    w.show();
    QVERIFY(w.open_run(b.write(100)));
    const ClusterView& view = *w.cluster_view();
    QCOMPARE(view.group_titles(), QStringList{"h100 (H100-SXM-80GB)  zone zone-a  3 node slots"});
    const std::int32_t job = w.model()->find_job("job-s");
    // (time, colour of node 2's cells, colour of node 0's cells)
    const std::vector<std::tuple<double, QColor, QColor>> expected = {
        {10, kAbsentColour, kIdleColour}, {35, kIdleColour, kIdleColour}, {50, job_colour(job), kIdleColour},
        {65, kIdleColour, kIdleColour}, {80, kAbsentColour, kIdleColour}, {20, kAbsentColour, kIdleColour}};
    for (const auto& [t, slot, other] : expected) {
      w.set_time(t);
      const QImage image = w.cluster_view()->grab().toImage();
      for (std::uint32_t c = 16; c < 24; ++c) QCOMPARE(pixel_at_cell(image, view, c), slot);
      QCOMPARE(pixel_at_cell(image, view, 0), other);
    }
    w.set_time(10);
    QVERIFY2(view.tooltip_text(16).contains("not provisioned"), qPrintable(view.tooltip_text(16)));
    QVERIFY(view.tooltip_text(0).contains("idle"));
    // Step stops at the node's arrival too, not only at GPU changes.
    w.set_time(0);
    w.step();
    QCOMPARE(w.time(), 30.0);
  }

  void liveModeSimulatesAScenarioInAWorkerThreadAndPlaysIt() {
    MainWindow w;
    w.show();
    bool done = false, ok = false;
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/gang-training.json", [&](bool success) {
      done = true;
      ok = success;
    });
    QVERIFY(w.live_running());
    QTRY_VERIFY_WITH_TIMEOUT(done, 120000);
    QVERIFY(ok);
    QVERIFY(w.model() != nullptr);
    QVERIFY(!w.model()->jobs().empty());
    QVERIFY(!w.model()->topology_inferred());
    QVERIFY(w.playing());
    // A second live run in the same process is refused with a message, not a crash.
    QString message;
    w.on_error = [&](const QString& m) { message = m; };
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/gang-training.json");
    QVERIFY2(message.contains("one engine per process"), qPrintable(message));
  }
};

}  // namespace kubetwin::gui

QTEST_MAIN(kubetwin::gui::GuiTest)
#include "gui_test.moc"
