#include "gui/app/main_window.hpp"

#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QSlider>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextEdit>
#include <QThread>
#include <QTimer>
#include <QToolBar>
#include <algorithm>
#include <atomic>
#include <cmath>

#include "gui/app/cluster_view.hpp"
#include "gui/app/fabric_view.hpp"
#include "gui/app/views.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario_loader.hpp"
#include "sim/input_error.hpp"

namespace kubetwin::gui {

namespace fs = std::filesystem;

namespace {
constexpr int kSliderSteps = 10000;
constexpr int kFrameMs = 16;  // about 60 frames per second while playing
// SimGrid allows one engine per process (sim::Engine): the first live run of a process simulates
// in a worker thread, later ones in a child `kubetwin run`.
std::atomic<bool> g_live_run_used{false};

// The command-line binary for child runs: $KUBETWIN_CLI, else `kubetwin` beside this program.
QString cli_binary() {
  if (const QByteArray env = qgetenv("KUBETWIN_CLI"); !env.isEmpty()) return QString::fromLocal8Bit(env);
  return QCoreApplication::applicationDirPath() + "/kubetwin";
}
}  // namespace

// What the worker thread hands back: the run folder it wrote, or the one-line error.
struct LiveResult {
  std::string error;
};

const QStringList& MainWindow::view_names() {
  static const QStringList kNames = {"cluster", "fabric", "timeline", "queue", "charts", "compare", "conformance"};
  return kNames;
}

MainWindow::MainWindow() {
  setWindowTitle("kubetwin");
  resize(1280, 800);
  tabs_ = new QTabWidget(this);
  auto* split = new QSplitter(this);
  cluster_ = new ClusterView;
  details_ = new QTextEdit;
  details_->setReadOnly(true);
  details_->setPlaceholderText("Click a node to see its pods");
  split->addWidget(cluster_);
  split->addWidget(details_);
  split->setStretchFactor(0, 4);
  split->setStretchFactor(1, 1);
  fabric_ = new FabricView;
  timeline_ = new TimelineView;
  queue_ = new QueueView;
  charts_ = new ChartsView;
  compare_ = new CompareView;
  conformance_ = new ConformanceView;
  tabs_->addTab(split, "Cluster");
  tabs_->addTab(fabric_, "Fabric");
  tabs_->addTab(timeline_, "Timeline");
  tabs_->addTab(queue_, "Queue");
  tabs_->addTab(charts_, "Charts");
  tabs_->addTab(compare_, "Compare");
  tabs_->addTab(conformance_, "Conformance");
  setCentralWidget(tabs_);
  cluster_->on_node_selected = [this](int) { details_->setPlainText(node_details()); };
  timeline_->on_time_clicked = [this](double t) { set_time(t); };
  connect(tabs_, &QTabWidget::currentChanged, this, [this] { refresh_views(); });
  timer_ = new QTimer(this);
  timer_->setInterval(kFrameMs);
  connect(timer_, &QTimer::timeout, this, [this] { on_tick(); });
  build_toolbar();
  build_menus();
  statusBar()->showMessage("Open a run folder (the --out folder of kubetwin run) or a scenario");
}

MainWindow::~MainWindow() {
  if (live_thread_) live_thread_->wait();  // the simulation cannot be interrupted; let it finish
  if (live_process_) {
    live_process_->disconnect(this);
    live_process_->kill();
    live_process_->waitForFinished();
  }
  std::error_code ignored;
  for (const fs::path& dir : live_dirs_) fs::remove_all(dir, ignored);
}

void MainWindow::build_menus() {
  QMenu* file = menuBar()->addMenu("&File");
  file->addAction("Open run folder...", this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "Open a kubetwin run folder");
    if (!dir.isEmpty()) open_run(dir.toStdString());
  });
  file->addAction("Run scenario live...", this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Simulate a scenario", {}, "Scenarios (*.json)");
    if (!f.isEmpty()) start_live(f.toStdString());
  });
  file->addAction("Compare with run folder...", this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, "A second run on the same trace");
    if (!dir.isEmpty()) open_comparison(dir.toStdString());
  });
  file->addAction("Open conformance report...", this, [this] {
    const QString f = QFileDialog::getOpenFileName(this, "Conformance report", {}, "Reports (*.json)");
    if (!f.isEmpty()) open_conformance_report(f.toStdString());
  });
  file->addSeparator();
  file->addAction("Quit", QKeySequence::Quit, qApp, &QApplication::quit);
}

void MainWindow::build_toolbar() {
  QToolBar* bar = addToolBar("Playback");
  bar->setMovable(false);
  bar->addAction("Play", this, [this] { play(); });
  bar->addAction("Pause", this, [this] { pause(); });
  bar->addAction("Step", this, [this] { step(); });
  speed_box_ = new QComboBox;
  for (int s : {1, 10, 60, 600, 3600, 36000, 360000}) speed_box_->addItem(QString("%1 s/s").arg(s), s);
  speed_box_->setCurrentIndex(3);
  connect(speed_box_, &QComboBox::currentIndexChanged, this, [this](int) { speed_ = speed_box_->currentData().toDouble(); });
  bar->addWidget(new QLabel(" speed "));
  bar->addWidget(speed_box_);
  auto* colour = new QComboBox;
  colour->addItems({"colour by job", "colour by queue", "colour by utilization"});
  connect(colour, &QComboBox::currentIndexChanged, this, [this](int i) {
    cluster_->set_colour_by(static_cast<ColourBy>(i));
    compare_->left()->set_colour_by(static_cast<ColourBy>(i));
    compare_->right()->set_colour_by(static_cast<ColourBy>(i));
  });
  bar->addWidget(colour);
  auto* rows = new QComboBox;
  rows->addItems({"timeline: nodes", "timeline: jobs"});
  connect(rows, &QComboBox::currentIndexChanged, this,
          [this](int i) { timeline_->set_rows(i == 0 ? TimelineView::Rows::Nodes : TimelineView::Rows::Jobs); });
  bar->addWidget(rows);
  slider_ = new QSlider(Qt::Horizontal);
  slider_->setRange(0, kSliderSteps);
  connect(slider_, &QSlider::sliderMoved, this, [this](int v) {
    if (model_) set_time(model_->end_time() * v / kSliderSteps);
  });
  bar->addWidget(slider_);
  clock_ = new QLabel(" t = 0 s ");
  clock_->setMinimumWidth(150);
  bar->addWidget(clock_);
}

void MainWindow::error(const QString& message) {
  statusBar()->showMessage(message);
  if (on_error) {
    on_error(message);
  } else {
    QMessageBox::critical(this, "kubetwin", message);
  }
}

bool MainWindow::open_run(const fs::path& dir) {
  try {
    RunModel loaded = RunModel::load(dir);
    pause();
    model_ = std::move(loaded);
  } catch (const std::exception& e) {  // sim::InputError, or a filesystem error reading the folder
    error(QString::fromStdString(e.what()));
    return false;
  }
  state_ = ClusterState{};
  model_->advance(state_, 0);
  time_ = 0;
  cluster_->set_model(&*model_, &state_);
  fabric_->set_model(&*model_, &state_);
  timeline_->set_model(&*model_);
  queue_->set_model(&*model_);
  charts_->set_models(&*model_, other_ ? &*other_ : nullptr);
  compare_->set_models(&*model_, &state_, other_ ? &*other_ : nullptr, other_ ? &other_state_ : nullptr);
  details_->clear();
  setWindowTitle("kubetwin - " + QString::fromStdString(dir.string()));
  statusBar()->showMessage(QString("%1: %2 nodes, %3 GPUs, %4 jobs%5")
                               .arg(QString::fromStdString(dir.filename().string()))
                               .arg(model_->nodes().size())
                               .arg(model_->cell_count())
                               .arg(model_->jobs().size())
                               .arg(model_->topology_inferred() ? " (no topology.json: nodes inferred from the events)" : ""));
  set_time(0);
  return true;
}

bool MainWindow::open_comparison(const fs::path& dir) {
  try {
    other_ = RunModel::load(dir);
  } catch (const std::exception& e) {
    error(QString::fromStdString(e.what()));
    return false;
  }
  other_state_ = ClusterState{};
  other_->advance(other_state_, time_);
  compare_->set_models(model(), model_ ? &state_ : nullptr, &*other_, &other_state_);
  charts_->set_models(model(), &*other_);
  refresh_views();
  return true;
}

bool MainWindow::open_conformance_report(const fs::path& file) {
  try {
    conformance_->set_report(ConformanceReport::load(file));
  } catch (const std::exception& e) {
    error(QString::fromStdString(e.what()));
    return false;
  }
  return true;
}

bool MainWindow::live_running() const { return live_thread_ != nullptr || live_process_ != nullptr; }

fs::path MainWindow::next_live_dir() {
  const fs::path dir = fs::temp_directory_path() / ("kubetwin-gui-live-" + std::to_string(QCoreApplication::applicationPid()) +
                                                    "-" + std::to_string(live_dirs_.size()));
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  live_dirs_.push_back(dir);
  return dir;
}

void MainWindow::live_run_finished(const fs::path& out, const std::string& message, const std::function<void(bool)>& done) {
  auto finish = [&done](bool ok) {
    if (done) done(ok);
  };
  if (!message.empty()) {
    error(QString::fromStdString(message));
    return finish(false);
  }
  const bool ok = open_run(out);
  if (ok) play();
  finish(ok);
}

void MainWindow::start_live(const fs::path& scenario_file, std::function<void(bool)> done) {
  if (live_running()) {
    error("a live simulation is already running");
    if (done) done(false);
    return;
  }
  scenarios::Scenario scenario;
  try {  // a bad scenario is reported here, in one line, whichever way it would run
    nlohmann::json doc = scenarios::read_scenario_file(scenario_file);
    scenario = scenarios::load_scenario(doc, scenario_file.string(), scenario_file.parent_path());
  } catch (const std::exception& e) {
    error(QString::fromStdString(e.what()));
    if (done) done(false);
    return;
  }
  const fs::path out = next_live_dir();
  statusBar()->showMessage("simulating " + QString::fromStdString(scenario_file.string()) + " ...");
  if (g_live_run_used.exchange(true)) {
    const QString cli = cli_binary();
    if (!QFileInfo(cli).isExecutable()) {
      error("this process already ran one live simulation (SimGrid allows one engine per process) and there is no "
            "kubetwin binary at " + cli + " to run the next one in a child process (set KUBETWIN_CLI)");
      if (done) done(false);
      return;
    }
    live_process_ = new QProcess(this);
    live_process_->setProgram(cli);
    live_process_->setArguments({"run", QString::fromStdString(scenario_file.string()), "--out",
                                 QString::fromStdString(out.string()), "--quiet"});
    connect(live_process_, &QProcess::finished, this, [this, out, done](int code, QProcess::ExitStatus status) {
      std::string message;
      if (status != QProcess::NormalExit || code != 0) {
        const QString err = QString::fromLocal8Bit(live_process_->readAllStandardError()).trimmed();
        message = err.isEmpty() ? "kubetwin run exited with code " + std::to_string(code) : err.section('\n', 0, 0).toStdString();
      }
      live_process_->deleteLater();
      live_process_ = nullptr;
      live_run_finished(out, message, done);
    });
    live_process_->start();
    return;
  }
  live_result_ = std::make_shared<LiveResult>();
  auto result = live_result_;
  live_thread_ = QThread::create([scenario = std::move(scenario), out, result] {
    try {
      scenarios::RunOptions options;
      options.out_dir = out;
      options.progress = false;
      (void)scenarios::run_scenario(scenario, options);
    } catch (const std::exception& e) {
      result->error = e.what();
    }
  });
  connect(live_thread_, &QThread::finished, this, [this, out, done] {
    live_thread_->deleteLater();
    live_thread_ = nullptr;
    live_run_finished(out, live_result_->error, done);
  });
  live_thread_->start();
}

void MainWindow::set_time(double t) {
  if (!model_) return;
  time_ = std::clamp(t, 0.0, model_->end_time());
  model_->advance(state_, time_);
  if (other_) other_->advance(other_state_, time_);
  slider_->blockSignals(true);
  slider_->setValue(model_->end_time() > 0 ? static_cast<int>(std::lround(time_ / model_->end_time() * kSliderSteps)) : 0);
  slider_->blockSignals(false);
  clock_->setText(QString(" t = %1 s ").arg(time_, 0, 'f', 1));
  refresh_views();
}

void MainWindow::refresh_views() {
  if (!model_) return;
  const QString view = current_view();
  if (view == "cluster") {
    cluster_->update();
    if (cluster_->selected_node() >= 0) details_->setPlainText(node_details());
  } else if (view == "fabric") {
    fabric_->refresh();
  } else if (view == "timeline") {
    timeline_->set_time(time_);
  } else if (view == "queue") {
    // The queue table is rebuilt at most four times a second while playing.
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (!playing() || now - last_queue_refresh_ms_ > 250) {
      queue_->set_time(time_);
      last_queue_refresh_ms_ = now;
    }
  } else if (view == "compare") {
    compare_->refresh(time_);
  }
}

void MainWindow::step() {
  if (!model_) return;
  pause();
  const auto& changes = model_->changes();
  const auto next = std::upper_bound(changes.begin(), changes.end(), time_, [](double v, const CellChange& c) { return v < c.t; });
  const auto& nodes = model_->node_changes();
  const auto next_node = std::upper_bound(nodes.begin(), nodes.end(), time_, [](double v, const NodeChange& c) { return v < c.t; });
  double t = model_->end_time();
  if (next != changes.end()) t = std::min(t, next->t);
  if (next_node != nodes.end()) t = std::min(t, next_node->t);
  set_time(t);
}

void MainWindow::play() {
  if (!model_) return;
  if (time_ >= model_->end_time()) set_time(0);
  last_tick_ms_ = QDateTime::currentMSecsSinceEpoch();
  timer_->start();
}

void MainWindow::pause() {
  timer_->stop();
  if (current_view() == "queue" && model_) queue_->set_time(time_);
}

bool MainWindow::playing() const { return timer_->isActive(); }

void MainWindow::set_speed(double s) {
  speed_ = s;
  const int i = speed_box_->findData(static_cast<int>(s));
  speed_box_->blockSignals(true);
  if (i >= 0) speed_box_->setCurrentIndex(i);
  speed_box_->blockSignals(false);
}

void MainWindow::on_tick() {
  const qint64 now = QDateTime::currentMSecsSinceEpoch();
  const double dt = static_cast<double>(now - last_tick_ms_) / 1000.0 * speed_;
  last_tick_ms_ = now;
  set_time(time_ + dt);
  if (model_ && time_ >= model_->end_time()) pause();
}

bool MainWindow::show_view(const QString& name) {
  const auto i = view_names().indexOf(name);
  if (i < 0) return false;
  tabs_->setCurrentIndex(static_cast<int>(i));
  refresh_views();
  if (name == "queue" && model_) queue_->set_time(time_);
  return true;
}

QString MainWindow::current_view() const { return view_names().value(tabs_->currentIndex()); }

void MainWindow::select_node(int node) {
  show_view("cluster");
  cluster_->select_node(node);
}

QString MainWindow::node_details() const {
  const int n = cluster_->selected_node();
  if (!model_ || n < 0) return {};
  const Node& node = model_->nodes()[static_cast<std::size_t>(n)];
  const NodePool& pool = model_->pools()[node.pool];
  QString text = QString("%1\npool %2 (%3), %4 GPUs\nat t = %5 s:\n")
                     .arg(QString::fromStdString(node.name), QString::fromStdString(pool.name),
                          QString::fromStdString(pool.gpu_model.empty() ? "no GPU model" : pool.gpu_model))
                     .arg(node.gpus)
                     .arg(time_, 0, 'f', 1);
  const auto slices = model_->slices_on_node_at(static_cast<std::uint32_t>(n), time_);
  if (slices.empty()) text += "  no pods\n";
  for (std::uint32_t s : slices) {
    const PodSlice& slice = model_->slices()[s];
    const Job& job = model_->jobs()[static_cast<std::size_t>(slice.job)];
    text += QString("  pod %1  job %2  queue %3  GPUs [%4]  since %5 s\n")
                .arg(QString::fromStdString(slice.pod), QString::fromStdString(job.id), QString::fromStdString(job.queue),
                     QString::fromStdString(slice.gpus))
                .arg(slice.start, 0, 'f', 1);
    if (!slice.claims.empty()) text += "    claims " + QString::fromStdString(slice.claims) + "\n";
  }
  return text;
}

}  // namespace kubetwin::gui
