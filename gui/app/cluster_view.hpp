#pragma once
// The cluster view: every GPU a cell, nodes grouped by fabric place (spine block, then leaf) when
// the run has a fabric, else by node pool and zone, coloured by job, queue or utilization. One widget paints all cells (no widget per GPU), so 10,000 GPUs animate at well
// over 30 frames per second.

#include <QColor>
#include <QRect>
#include <QWidget>
#include <functional>
#include <vector>

#include "gui/core/run_model.hpp"

namespace kubetwin::gui {

enum class ColourBy { Job, Queue, Utilization };

/// Colours shared by the views: one per job (or queue), stable across runs and frames.
QColor job_colour(std::int32_t job);
QColor queue_colour(std::uint32_t queue);
QColor utilization_colour(int milli);
inline const QColor kIdleColour(222, 224, 228);
/// Cells of an autoscaler node slot while the node does not exist (before NodeAdded, after ScaleDown).
inline const QColor kAbsentColour(246, 247, 249);

class ClusterView : public QWidget {
 public:
  explicit ClusterView(QWidget* parent = nullptr);

  /// Shows `model` (not owned; nullptr clears) at its state `state` (not owned).
  void set_model(const RunModel* model, const ClusterState* state);
  void set_colour_by(ColourBy c);
  ColourBy colour_by() const { return colour_by_; }
  /// Selects a node (-1: none) and tells on_node_selected.
  void select_node(int node);
  int selected_node() const { return selected_; }
  std::function<void(int node)> on_node_selected;

  /// Where cell `c` is drawn (empty if not laid out), and the cell under a point (-1: none).
  QRect cell_rect(std::uint32_t c) const;
  int cell_at(QPoint p) const;
  QColor cell_colour(std::uint32_t c) const;
  /// What hovering cell `c` shows: node, GPU, pod, job, queue.
  QString tooltip_text(std::uint32_t c) const;
  /// The group titles, top to bottom (fabric blocks and leaves, or pools and zones).
  QStringList group_titles() const;
  /// The group (index into group_titles()) node `n` is drawn in, -1 if none.
  int group_of_node(std::uint32_t n) const;

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  void mousePressEvent(QMouseEvent*) override;
  bool event(QEvent*) override;

 private:
  // A titled group of nodes; a fabric block is a title over its leaves (no members of its own).
  struct Group {
    QString title;
    int indent = 0;
    std::vector<std::uint32_t> members;
    int title_y = 0;  // set by the layout
  };
  void build_groups();
  void layout_cells();
  int layout_with(int cell, bool store);

  const RunModel* model_ = nullptr;
  const ClusterState* state_ = nullptr;
  ColourBy colour_by_ = ColourBy::Job;
  int selected_ = -1;
  int cell_ = 8;                    // cell size in pixels, gap included
  std::vector<QPoint> cell_pos_;    // top-left of each cell
  std::vector<QRect> node_rects_;
  std::vector<Group> groups_;
  std::vector<int> node_group_;
};

}  // namespace kubetwin::gui
