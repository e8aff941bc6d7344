#pragma once
// The views beside the cluster view: timeline, queue, charts, two runs side by side, conformance
// report. Each shows a RunModel (not owned) at the current time; Qt Charts stays in views.cpp.

#include <QWidget>
#include <functional>
#include <memory>

#include "gui/core/conformance_report.hpp"
#include "gui/core/run_model.hpp"

class QTableWidget;
class QLabel;
class QComboBox;

namespace kubetwin::gui {

class ClusterView;

/// Jobs or nodes over time: zoom with the wheel, pan by dragging, click to move the time cursor.
class TimelineView : public QWidget {
 public:
  enum class Rows { Nodes, Jobs };
  explicit TimelineView(QWidget* parent = nullptr);
  void set_model(const RunModel* model);
  void set_time(double t);
  void set_rows(Rows r);
  Rows rows() const { return rows_; }
  /// Shows [t0, t1] across the width.
  void set_window(double t0, double t1);
  std::pair<double, double> window() const { return {t0_, t1_}; }
  std::function<void(double)> on_time_clicked;

 protected:
  void paintEvent(QPaintEvent*) override;
  void wheelEvent(QWheelEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  void mouseMoveEvent(QMouseEvent*) override;

 private:
  double x_to_t(double x) const;
  double t_to_x(double t) const;
  const RunModel* model_ = nullptr;
  Rows rows_ = Rows::Nodes;
  double time_ = 0, t0_ = 0, t1_ = 1;
  int first_row_ = 0;
  QPointF drag_start_;
  double drag_t0_ = 0;
  int drag_row_ = 0;
};

/// The queue at the current time: pending jobs, what they ask for, and what each plugin said.
class QueueView : public QWidget {
 public:
  explicit QueueView(QWidget* parent = nullptr);
  void set_model(const RunModel* model);
  void set_time(double t);
  int row_count() const;

 private:
  const RunModel* model_ = nullptr;
  QLabel* header_;
  QTableWidget* table_;
};

/// Allocated GPUs, pending pods, JCT distribution and fragmentation over the run.
class ChartsView : public QWidget {
 public:
  explicit ChartsView(QWidget* parent = nullptr);
  ~ChartsView() override;
  /// Plots `model` and, when given, `other` (two runs on the same trace) in the same charts.
  void set_models(const RunModel* model, const RunModel* other = nullptr);
  int series_count() const;

 private:
  struct Charts;
  std::unique_ptr<Charts> charts_;
};

/// Two runs side by side at the same time: two cluster views over their summaries.
class CompareView : public QWidget {
 public:
  explicit CompareView(QWidget* parent = nullptr);
  void set_models(const RunModel* left, const ClusterState* left_state, const RunModel* right,
                  const ClusterState* right_state);
  void refresh(double t);
  ClusterView* left() const { return left_; }
  ClusterView* right() const { return right_; }

 private:
  const RunModel* models_[2] = {nullptr, nullptr};
  const ClusterState* states_[2] = {nullptr, nullptr};
  ClusterView* left_;
  ClusterView* right_;
  QLabel* labels_[2];
};

/// A conformance report: one row per requirement, coloured by status.
class ConformanceView : public QWidget {
 public:
  explicit ConformanceView(QWidget* parent = nullptr);
  void set_report(const ConformanceReport& report);
  int row_count() const;

 private:
  QLabel* header_;
  QTableWidget* table_;
};

}  // namespace kubetwin::gui
