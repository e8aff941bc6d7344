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
#include "gui/app/fabric_view.hpp"
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

  // 8 nodes of 8 GPUs on a fat-tree: 2 spine blocks of 2 leaves, 2 nodes per leaf. job-b runs on
  // nodes 0 and 2 (leaves 0 and 1) from 20 to 80; its traffic saturates leaf 0's uplinks (asks
  // 150 GB/s of 100) and uses 30 % of leaf 1's. The other leaves and the core links stay idle.
  fs::path fabric_run(const std::string& name = "fabric") {
    testing::RunFolderBuilder b(fs::path(scratch_.path().toStdString()) / name, 8, 8);
    b.fat_tree(2, 2, 2, 100e9, 50e9).submit(0, "job-b", 2, 8)
        .bind(20, "job-b", 0, 0, {0, 1, 2, 3, 4, 5, 6, 7}).bind(20, "job-b", 1, 2, {0, 1, 2, 3, 4, 5, 6, 7}).start(20, "job-b", 20)
        .link_usage(20, "job-b", true, {{0, 100e9, 150e9}, {3, 30e9, 30e9}})
        .complete(80, "job-b", 80, 60).link_usage(80, "job-b", false, {{0, 0, 0}, {3, 0, 0}})
        .series_row(0, 0, 1, 0).series_row(100, 0, 0, 0);
    return b.write(100);
  }

  // Connected regions (4-neighbour) of at least 30 pixels of exactly `colour`: one per switch box of
  // that colour (the holes of the labels' letters are smaller).
  static int regions_of(const QImage& image, const QColor& colour) {
    const QRgb want = colour.rgb();
    std::vector<char> seen(static_cast<std::size_t>(image.width() * image.height()), 0);
    int regions = 0;
    for (int y = 0; y < image.height(); ++y) {
      for (int x = 0; x < image.width(); ++x) {
        const auto at = static_cast<std::size_t>(y * image.width() + x);
        if (seen[at] || image.pixel(x, y) != want) continue;
        int pixels = 0;
        std::vector<QPoint> stack{{x, y}};
        seen[at] = 1;
        while (!stack.empty()) {
          const QPoint p = stack.back();
          stack.pop_back();
          ++pixels;
          for (const QPoint d : {QPoint(1, 0), QPoint(-1, 0), QPoint(0, 1), QPoint(0, -1)}) {
            const QPoint q = p + d;
            if (q.x() < 0 || q.y() < 0 || q.x() >= image.width() || q.y() >= image.height()) continue;
            const auto i = static_cast<std::size_t>(q.y() * image.width() + q.x());
            if (seen[i] || image.pixel(q) != want) continue;
            seen[i] = 1;
            stack.push_back(q);
          }
        }
        if (pixels >= 30) ++regions;
      }
    }
    return regions;
  }

  static QColor pixel_on_link(const QImage& image, const FabricView& view, std::size_t link) {
    return image.pixelColor(view.link_line(link).center().toPoint());
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
    // The fabric view draws the runner's fabric.json: a core box, 2 spine blocks, 8 leaves, and the
    // uplinks coloured by the load the contention model recorded in fabric-usage.jsonl.
    QVERIFY(m.fabric() != nullptr);
    QCOMPARE(m.fabric()->blocks().size(), std::size_t{2});
    QCOMPARE(m.fabric()->leaves().size(), std::size_t{8});
    QVERIFY(m.fabric()->usage_records() > 0);
    QVERIFY(w.show_view("fabric"));
    FabricView& fabric = *w.fabric_view();
    QCOMPARE(fabric.switch_boxes().size(), std::size_t{11});
    bool coloured = false;
    for (int i = 1; i <= 400 && !coloured; ++i) {
      w.set_time(m.end_time() * i / 400);
      for (std::size_t l = 0; l < m.fabric()->link_count() && !coloured; ++l) {
        if (m.fabric()->use_at(l, w.time()).load <= 0) continue;
        coloured = true;
        QVERIFY(fabric.link_colour(l) != kIdleLinkColour);
        QCOMPARE(pixel_on_link(fabric.grab().toImage(), fabric, l), fabric.link_colour(l));
        QVERIFY(!m.fabric()->jobs_at(l, w.time()).empty());
      }
    }
    QVERIFY(coloured);
  }

  void fabricViewDrawsSwitchesAndColoursLinksByUtilization() {
    MainWindow w;
    w.resize(1100, 700);
    w.show();
    QVERIFY(w.open_run(fabric_run()));
    w.set_time(50);
    QVERIFY(w.show_view("fabric"));
    FabricView& view = *w.fabric_view();
    QVERIFY(view.message().isEmpty());
    const QImage image = view.grab().toImage();
    // One box for the core layer, one per block's spines, one per leaf, each in its kind's colour.
    QCOMPARE(view.switch_boxes().size(), std::size_t{1 + 2 + 4});
    for (const auto& s : view.switch_boxes()) {
      QVERIFY(view.rect().contains(s.rect));
      const QColor expected = s.kind == FabricView::SwitchKind::Core ? kCoreColour
                              : s.kind == FabricView::SwitchKind::Spine ? kSpineColour : kLeafColour;
      QCOMPARE(image.pixelColor(s.rect.topLeft() + QPoint(2, 2)), expected);
    }
    QCOMPARE(regions_of(image, kCoreColour), 1);
    QCOMPARE(regions_of(image, kSpineColour), 2);
    QCOMPARE(regions_of(image, kLeafColour), 4);
    // The saturated uplink is hot, the 30 % one is not, the unused ones are idle.
    const RunModel& m = *w.model();
    QCOMPARE(pixel_on_link(image, view, m.fabric()->leaf_link(0)), kHotLinkColour);
    QCOMPARE(pixel_on_link(image, view, m.fabric()->leaf_link(1)), link_utilization_colour(0.3));
    QVERIFY(link_utilization_colour(0.3) != kHotLinkColour && link_utilization_colour(0.3) != kIdleLinkColour);
    QCOMPARE(pixel_on_link(image, view, m.fabric()->leaf_link(2)), kIdleLinkColour);
    QCOMPARE(pixel_on_link(image, view, m.fabric()->block_link(0)), kIdleLinkColour);
    const QString tip = view.tooltip_at(view.link_line(m.fabric()->leaf_link(0)).center().toPoint());
    QVERIFY2(tip.contains("leaf pod0.leaf0 -> spines") && tip.contains("capacity 100.0 GB/s") && tip.contains("utilization 100%") &&
                 tip.contains("demand 150.0 GB/s") && tip.contains("1 job crossing: job-b") && tip.contains("saturated"),
             qPrintable(tip));
    QVERIFY(view.tooltip_at(view.switch_boxes()[3].rect.center()).startsWith("leaf pod0.leaf0 (block pod0): 2 servers"));
    // It follows the time: after job-b ends the link is idle again, and before it starts too.
    for (double t : {90.0, 10.0}) {
      w.set_time(t);
      QCOMPARE(pixel_on_link(view.grab().toImage(), view, m.fabric()->leaf_link(0)), kIdleLinkColour);
    }
    QVERIFY(view.link_tooltip(m.fabric()->leaf_link(0)).contains("no job's traffic crosses it"));
  }

  void fabricViewSaysWhenARunHasNoFabric() {
    MainWindow w;
    w.resize(900, 600);
    w.show();
    QVERIFY(w.open_run(small_run()));
    QVERIFY(w.show_view("fabric"));
    QVERIFY2(w.fabric_view()->message().contains("This run has no fabric (the scenario has no /fabric)"),
             qPrintable(w.fabric_view()->message()));
    QVERIFY(w.fabric_view()->switch_boxes().empty());
    const QImage image = w.fabric_view()->grab().toImage();
    bool text = false;
    for (int y = 0; y < image.height() && !text; y += 2) {
      for (int x = 0; x < image.width() && !text; ++x) text = image.pixelColor(x, y) != QColor(Qt::white);
    }
    QVERIFY(text);  // the message is drawn
    w.set_time(50);  // scrubbing with no fabric is harmless
  }

  void screenshotOfTheFabricViewDrawsEverySwitchAndTheHotLink() {
    const QString png = scratch_.filePath("fabric.png");
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_RUNTIME_DIR", scratch_.path());
    p.setProcessEnvironment(env);
    p.start(KUBETWIN_GUI_BINARY, {QString::fromStdString(fabric_run().string()), "--screenshot", png, "--at", "50", "--view",
                                  "fabric", "--size", "1000x700"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    const QImage image(png);
    QCOMPARE(image.size(), QSize(1000, 700));
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2) {
      for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() >= 8, qPrintable(QString::number(colours.size())));  // not blank
    QCOMPARE(regions_of(image, kCoreColour), 1);
    QCOMPARE(regions_of(image, kSpineColour), 2);
    QCOMPARE(regions_of(image, kLeafColour), 4);
    QVERIFY(regions_of(image, kHotLinkColour) >= 1);  // leaf 0's uplink (the legend's swatch too)
  }

  // The dra example simulated by the real runner: its pods hold GPUs through ResourceClaims (a
  // template's claim per training pod, one named claim shared by the two inference replicas), and
  // the tooltip of a GPU cell names pod, job and claims.
  void gpuCellTooltipsNameTheDraClaimsOfThePod() {
    MainWindow w;
    w.resize(1000, 700);
    w.show();
    bool done = false, ok = false;
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/dra.json", [&](bool success) {
      done = true;
      ok = success;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 120000);
    QVERIFY(ok);
    w.pause();
    w.set_time(600);  // train-a (from 0) and serve (from 120) run
    const RunModel& m = *w.model();
    QCOMPARE(m.cell_count(), std::size_t{32});  // 4 nodes publishing 8 GPUs each as DRA devices
    const std::int32_t serve = m.find_job("serve"), train = m.find_job("train-a");
    int serve_cells = 0, train_cells = 0;
    for (std::uint32_t c = 0; c < m.cell_count(); ++c) {
      const std::int32_t job = w.state().cell_job[c];
      if (job == kNoJob) continue;
      const QString tip = w.cluster_view()->tooltip_text(c);
      QVERIFY2(tip.contains("\npod ") && tip.contains("\nclaims "), qPrintable(tip));
      if (job == serve) {
        ++serve_cells;
        QVERIFY2(tip.contains("job serve") && tip.contains("claims inference-pair (gpu-"), qPrintable(tip));
      }
      if (job == train) {
        ++train_cells;
        QVERIFY2(tip.contains("job train-a") && tip.contains("pod train-a-"), qPrintable(tip));
      }
    }
    QCOMPARE(serve_cells, 2);  // one claim of 2 GPUs, shared by both replicas
    QCOMPARE(train_cells, 8);  // 2 pods x 4 GPUs
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

  void liveModeSimulatesInAWorkerThreadThenInAChildProcess() {
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

    // SimGrid allows one engine per process: the next live run goes to a child `kubetwin run`.
    QString message;
    w.on_error = [&](const QString& m) { message = m; };
    qputenv("KUBETWIN_CLI", KUBETWIN_CLI_BINARY);
    done = ok = false;
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/trace-replay.json", [&](bool success) {
      done = true;
      ok = success;
    });
    QVERIFY(w.live_running());
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/gang-training.json");
    QVERIFY2(message.contains("already running"), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(done, 120000);
    QVERIFY2(ok, qPrintable(message));
    QCOMPARE(w.model()->jobs().size(), std::size_t{10});  // trace-replay's ten jobs, now shown
    QVERIFY(std::any_of(w.model()->jobs().begin(), w.model()->jobs().end(), [](const auto& j) { return j.id == "train-llm-c"; }));

    // Without the command-line binary the next run is refused in one line, not a crash.
    message.clear();
    qputenv("KUBETWIN_CLI", "/nonexistent/kubetwin");
    w.start_live(fs::path(KUBETWIN_SOURCE_DIR) / "scenarios/examples/gang-training.json");
    QVERIFY2(message.contains("one engine per process") && message.contains("KUBETWIN_CLI"), qPrintable(message));
    QVERIFY(!w.live_running());
  }
};

}  // namespace kubetwin::gui

QTEST_MAIN(kubetwin::gui::GuiTest)
#include "gui_test.moc"
