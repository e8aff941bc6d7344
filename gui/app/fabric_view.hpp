#pragma once
// The fabric view: the run's switches as the contention model sees them (the core layer, each spine
// block's spines, the leaves under them, the servers under their leaves) and the shared links
// between them coloured by their modelled utilization at the current time. One widget paints
// everything; servers are drawn one box each, or one box per group of servers when they would be
// smaller than a few pixels (a 1,000-node fabric), so frames stay cheap.

#include <QColor>
#include <QLineF>
#include <QRect>
#include <QString>
#include <QWidget>
#include <vector>

#include "gui/core/run_model.hpp"

namespace kubetwin::gui {

/// Link colours by utilization, in bands (the legend shows them); kHotLinkColour from 95 %.
QColor link_utilization_colour(double utilization);
inline const QColor kIdleLinkColour(205, 207, 212);
inline const QColor kHotLinkColour(215, 40, 40);
inline const QColor kCoreColour(55, 65, 85);
inline const QColor kSpineColour(80, 100, 135);
inline const QColor kLeafColour(115, 135, 170);

class FabricView : public QWidget {
 public:
  explicit FabricView(QWidget* parent = nullptr);

  /// Shows `model` (not owned; nullptr clears) at its state `state` (not owned).
  void set_model(const RunModel* model, const ClusterState* state);
  /// Repaints at the state's time.
  void refresh();

  /// What the view says instead of a fabric (a run without fabric.json); empty when it draws one.
  QString message() const;
  enum class SwitchKind { Core, Spine, Leaf };
  struct SwitchBox {
    SwitchKind kind;
    std::uint32_t index;  ///< block (spines), leaf, or 0 (core)
    QRect rect;
  };
  /// Every switch box drawn: one for the core layer, one per block's spines, one per leaf.
  const std::vector<SwitchBox>& switch_boxes() const { return switches_; }
  /// The line drawn for shared link `link` (FabricModel numbering); null when not drawn.
  QLineF link_line(std::size_t link) const;
  QColor link_colour(std::size_t link) const;
  /// What hovering a link says: name, capacity, load, utilization, jobs crossing it.
  QString link_tooltip(std::size_t link) const;
  /// The link, switch or server under a point, as its tooltip text (empty: nothing).
  QString tooltip_at(QPoint p) const;

 protected:
  void paintEvent(QPaintEvent*) override;
  void resizeEvent(QResizeEvent*) override;
  bool event(QEvent*) override;

 private:
  // Servers that reach the same leaves, drawn together: under their leaf (fat-tree) or in a row
  // under their block's leaves (rail-optimized, every server on every rail leaf).
  struct ServerGroup {
    std::vector<std::uint32_t> nodes;
    std::vector<std::uint32_t> leaves;
    QRect rect;
    int box = 0;  // server box size in pixels; 0: one aggregate box for the group
  };
  void layout();
  int layout_with(int leaf_width, bool store, int* rows);
  double busy_share(std::uint32_t node) const;
  QString switch_tooltip(const SwitchBox& s) const;
  QString group_tooltip(const ServerGroup& g, QPoint p) const;
  void paint_legend(class QPainter& p) const;

  const RunModel* model_ = nullptr;
  const ClusterState* state_ = nullptr;
  std::vector<ServerGroup> groups_;
  std::vector<SwitchBox> switches_;
  std::vector<QLineF> links_;                 // per shared link
  std::vector<std::vector<QLineF>> nic_lines_;  // per group: to each of its leaves
  std::vector<QRect> leaf_rects_, spine_rects_;
  QRect core_rect_;
  bool one_row_ = true;
  std::vector<bool> core_stub_;  // per block: its core link is drawn as a stub (a lower row)
  std::size_t server_count_ = 0;
};

}  // namespace kubetwin::gui
