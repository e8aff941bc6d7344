#pragma once
// The main window: a run (recorded, or simulated live from a scenario in a worker thread) shown at
// one time in every view, with play, pause, step and speed control and a time slider.

#include <QMainWindow>
#include <QString>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "gui/core/run_model.hpp"

class QTabWidget;
class QSlider;
class QLabel;
class QComboBox;
class QTimer;
class QProcess;
class QThread;
class QTextEdit;

namespace kubetwin::gui {

class ClusterView;
class FabricView;
class TimelineView;
class QueueView;
class ChartsView;
class CompareView;
class ConformanceView;

class MainWindow : public QMainWindow {
 public:
  /// The views, in tab order; their names are what --view takes.
  static const QStringList& view_names();

  MainWindow();
  ~MainWindow() override;

  /// Opens a recorded run folder. On bad input, reports one line through on_error (a dialog by
  /// default) and keeps what was shown before. Returns whether it loaded.
  bool open_run(const std::filesystem::path& dir);
  /// Opens a second run to compare with the first (same trace, another policy or fabric).
  bool open_comparison(const std::filesystem::path& dir);
  bool open_conformance_report(const std::filesystem::path& file);
  /// Simulates `scenario` in a worker thread into a temporary run folder, then opens it and plays.
  /// `done` runs on the GUI thread once the run is open (or failed).
  void start_live(const std::filesystem::path& scenario, std::function<void(bool ok)> done = {});
  bool live_running() const;

  void set_time(double t);
  double time() const { return time_; }
  /// Advances one step: to the next change of any GPU (the next bind or release) or node (autoscaler).
  void step();
  void play();
  void pause();
  bool playing() const;
  /// Simulated seconds per wall second while playing.
  void set_speed(double simulated_per_second);
  double speed() const { return speed_; }
  /// Shows the view named `name` (see view_names()); false if there is no such view.
  bool show_view(const QString& name);
  QString current_view() const;
  void select_node(int node);

  const RunModel* model() const { return model_ ? &*model_ : nullptr; }
  const ClusterState& state() const { return state_; }
  ClusterView* cluster_view() const { return cluster_; }
  FabricView* fabric_view() const { return fabric_; }
  TimelineView* timeline_view() const { return timeline_; }
  QueueView* queue_view() const { return queue_; }
  ChartsView* charts_view() const { return charts_; }
  CompareView* compare_view() const { return compare_; }
  ConformanceView* conformance_view() const { return conformance_; }
  QString node_details() const;

  /// Bad input goes here (one line); the default shows a message box.
  std::function<void(const QString&)> on_error;

 private:
  void build_menus();
  void build_toolbar();
  void refresh_views();
  void on_tick();
  void error(const QString& message);

  std::optional<RunModel> model_, other_;
  ClusterState state_, other_state_;
  double time_ = 0;
  double speed_ = 600;
  bool step_through_changes_ = true;
  ClusterView* cluster_;
  FabricView* fabric_;
  TimelineView* timeline_;
  QueueView* queue_;
  ChartsView* charts_;
  CompareView* compare_;
  ConformanceView* conformance_;
  QTabWidget* tabs_;
  QTextEdit* details_;
  QSlider* slider_;
  QLabel* clock_;
  QComboBox* speed_box_;
  QTimer* timer_;
  QThread* live_thread_ = nullptr;
  QProcess* live_process_ = nullptr;  ///< live runs after the first: `kubetwin run` in a child process
  std::shared_ptr<struct LiveResult> live_result_;
  std::vector<std::filesystem::path> live_dirs_;  ///< one per live run, removed with the window
  /// A fresh folder for the next live run's files.
  std::filesystem::path next_live_dir();
  /// Opens a finished live run's folder and plays it.
  void live_run_finished(const std::filesystem::path& out, const std::string& error, const std::function<void(bool)>& done);
  qint64 last_tick_ms_ = 0;
  qint64 last_queue_refresh_ms_ = 0;
};

}  // namespace kubetwin::gui
