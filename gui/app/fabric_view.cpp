#include "gui/app/fabric_view.hpp"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <map>

#include "gui/app/cluster_view.hpp"

namespace kubetwin::gui {

namespace {
constexpr int kMargin = 8;
constexpr int kHeaderHeight = 40;  // title line and legend
constexpr int kCoreHeight = 22;
constexpr int kCoreGap = 40;       // above each row of spine boxes: the links to the core
constexpr int kSpineHeight = 20;
constexpr int kUplinkGap = 34;     // spine box to leaf boxes: the leaves' uplinks
constexpr int kLeafHeight = 16;
constexpr int kServerGap = 16;     // leaf boxes to servers: NIC links
constexpr int kServerArea = 44;
constexpr int kBlockGap = 14;
constexpr int kRowGap = 12;
constexpr int kPanelHeight = kSpineHeight + kUplinkGap + kLeafHeight + kServerGap + kServerArea;
const QColor kNicLinkColour(185, 187, 192);

struct Band {
  double from;
  QColor colour;
  const char* label;
};
// Utilization bands, lowest first; the last one is "hot" (a saturated link: jobs get less than they ask).
const Band kBands[] = {{0.0, QColor(120, 190, 120), "< 25%"},  {0.25, QColor(185, 205, 80), "25-50%"},
                       {0.5, QColor(240, 190, 60), "50-75%"},  {0.75, QColor(240, 130, 40), "75-95%"},
                       {0.95, kHotLinkColour, ">= 95%"}};

QString rate_text(double bytes_per_second) {
  return QString("%1 GB/s").arg(bytes_per_second / 1e9, 0, 'f', bytes_per_second < 10e9 ? 2 : 1);
}

double distance_to_segment(QPointF p, const QLineF& l) {
  const QPointF d = l.p2() - l.p1();
  const double len2 = d.x() * d.x() + d.y() * d.y();
  double u = len2 > 0 ? ((p.x() - l.p1().x()) * d.x() + (p.y() - l.p1().y()) * d.y()) / len2 : 0;
  u = std::clamp(u, 0.0, 1.0);
  const QPointF q = l.p1() + u * d;
  return std::hypot(p.x() - q.x(), p.y() - q.y());
}

// Servers by busy share of their GPUs: idle grey to dark blue.
QColor server_colour(double busy) {
  if (busy <= 0) return kIdleColour;
  const double f = std::clamp(busy, 0.0, 1.0);
  return QColor(static_cast<int>(170 - 130 * f), static_cast<int>(200 - 120 * f), static_cast<int>(235 - 60 * f));
}
}  // namespace

QColor link_utilization_colour(double utilization) {
  if (utilization <= 0) return kIdleLinkColour;
  QColor colour = kBands[0].colour;
  for (const Band& b : kBands) {
    if (utilization >= b.from) colour = b.colour;
  }
  return colour;
}

FabricView::FabricView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 150);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void FabricView::set_model(const RunModel* model, const ClusterState* state) {
  model_ = model;
  state_ = state;
  groups_.clear();
  server_count_ = 0;
  const FabricModel* fabric = model_ ? model_->fabric() : nullptr;
  if (fabric) {
    std::map<std::vector<std::uint32_t>, std::size_t> by_leaves;
    for (std::uint32_t n = 0; n < model_->nodes().size(); ++n) {
      const auto& leaves = fabric->leaves_of_node(n);
      if (leaves.empty()) continue;
      const auto [it, added] = by_leaves.emplace(leaves, groups_.size());
      if (added) groups_.push_back(ServerGroup{{}, leaves, {}, 0});
      groups_[it->second].nodes.push_back(n);
      ++server_count_;
    }
  }
  layout();
  update();
}

void FabricView::refresh() { update(); }

QString FabricView::message() const {
  if (!model_) return "Open a run folder or a scenario (File > Open)";
  if (!model_->fabric()) {
    return "This run has no fabric (the scenario has no /fabric), so there are no switches or links to show.\n"
           "Add a /fabric block (docs/placement-runtime.md) to see leaves, spines and link utilization here.";
  }
  return {};
}

void FabricView::resizeEvent(QResizeEvent*) { layout(); }

// Lays the blocks out left to right, wrapping into rows, each leaf `leaf_width` pixels wide;
// returns the height needed. Stores rectangles and lines only when `store`.
int FabricView::layout_with(int leaf_width, bool store, int* rows) {
  const FabricModel& f = *model_->fabric();
  const int top = kMargin + kHeaderHeight + kCoreHeight;
  if (store) {
    const int w = std::min(width() - 2 * kMargin, std::max(160, width() / 3));
    core_rect_ = f.cores() > 0 ? QRect((width() - w) / 2, kMargin + kHeaderHeight, w, kCoreHeight) : QRect();
    spine_rects_.assign(f.blocks().size(), QRect());
    leaf_rects_.assign(f.leaves().size(), QRect());
    links_.assign(f.link_count(), QLineF());
    core_stub_.assign(f.blocks().size(), false);
  }
  int x = kMargin, row = 0;
  for (std::uint32_t b = 0; b < f.blocks().size(); ++b) {
    const FabricBlock& block = f.blocks()[b];
    const int w = std::max(static_cast<int>(block.leaves.size()) * leaf_width, 28);
    if (x + w > width() - kMargin && x > kMargin) {
      x = kMargin;
      ++row;
    }
    if (store) core_stub_[b] = row > 0;
    if (store) {
      const int y = top + row * (kCoreGap + kPanelHeight + kRowGap) + kCoreGap;
      spine_rects_[b] = QRect(x, y, w, kSpineHeight);
      const int leaf_y = y + kSpineHeight + kUplinkGap;
      const int first = x + (w - static_cast<int>(block.leaves.size()) * leaf_width) / 2;
      for (std::size_t i = 0; i < block.leaves.size(); ++i) {
        const std::uint32_t l = block.leaves[i];
        leaf_rects_[l] = QRect(first + static_cast<int>(i) * leaf_width + 1, leaf_y, std::max(2, leaf_width - 2), kLeafHeight);
        const double cx = leaf_rects_[l].left() + leaf_rects_[l].width() / 2;
        links_[f.leaf_link(l)] = QLineF(cx, leaf_y - 1, cx, y + kSpineHeight);
      }
      if (f.cores() > 0) {
        const double cx = x + w / 2;
        const double to = row == 0 ? core_rect_.bottom() + 1 : y - kCoreGap + 8;  // lower rows: a stub "to core"
        const double core_x = row == 0 ? std::clamp(cx, core_rect_.left() + 4.0, core_rect_.right() - 4.0) : cx;
        links_[f.block_link(b)] = QLineF(cx, y - 1, core_x, to);
      }
    }
    x += w + std::clamp(leaf_width, 6, kBlockGap);
  }
  if (store) one_row_ = row == 0;
  if (rows) *rows = row + 1;
  return top + (row + 1) * (kCoreGap + kPanelHeight + kRowGap) + kMargin;
}

void FabricView::layout() {
  switches_.clear();
  nic_lines_.clear();
  if (!model_ || !model_->fabric()) return;
  // The widest leaves that fit: in one row of blocks if possible (then the core links are drawn in
  // full), else in as many rows as the height allows.
  int leaf_width = 0, fallback = 4;
  for (int w = 160; w > 4 && leaf_width == 0; w -= 2) {
    int rows = 0;
    if (layout_with(w, false, &rows) > height()) continue;
    if (rows == 1) leaf_width = w;
    if (fallback == 4) fallback = w;
  }
  if (leaf_width == 0) leaf_width = fallback;
  layout_with(leaf_width, true, nullptr);
  if (!core_rect_.isNull()) switches_.push_back(SwitchBox{SwitchKind::Core, 0, core_rect_});
  for (std::uint32_t b = 0; b < spine_rects_.size(); ++b) switches_.push_back(SwitchBox{SwitchKind::Spine, b, spine_rects_[b]});
  for (std::uint32_t l = 0; l < leaf_rects_.size(); ++l) switches_.push_back(SwitchBox{SwitchKind::Leaf, l, leaf_rects_[l]});
  // Server groups under the span of their leaves; boxes as big as fit, else one box for the group.
  for (ServerGroup& g : groups_) {
    QRect span;
    for (std::uint32_t l : g.leaves) span = span.united(leaf_rects_[l]);
    g.rect = QRect(span.left(), span.bottom() + kServerGap, std::max(span.width(), 4), kServerArea);
    g.box = 0;
    const int n = static_cast<int>(g.nodes.size());
    for (int s = 14; s >= 4; --s) {
      const int cols = std::max(1, g.rect.width() / s);
      if ((n + cols - 1) / cols * s <= kServerArea) {
        g.box = s;
        break;
      }
    }
    std::vector<QLineF> lines;
    for (std::uint32_t l : g.leaves) {
      const double cx = leaf_rects_[l].left() + leaf_rects_[l].width() / 2;
      lines.emplace_back(cx, leaf_rects_[l].bottom() + 1, cx, g.rect.top() - 1);
    }
    nic_lines_.push_back(std::move(lines));
  }
}

double FabricView::busy_share(std::uint32_t node) const {
  const Node& n = model_->nodes()[node];
  if (!state_ || n.gpus == 0 || state_->cell_milli.size() < n.first_cell + n.gpus) return 0;
  double milli = 0;
  for (std::uint32_t c = n.first_cell; c < n.first_cell + n.gpus; ++c) milli += state_->cell_milli[c];
  return milli / (1000.0 * n.gpus);
}

QLineF FabricView::link_line(std::size_t link) const { return link < links_.size() ? links_[link] : QLineF(); }

QColor FabricView::link_colour(std::size_t link) const {
  if (!model_ || !model_->fabric() || !state_) return kIdleLinkColour;
  return link_utilization_colour(model_->fabric()->use_at(link, state_->t).utilization());
}

QString FabricView::link_tooltip(std::size_t link) const {
  if (!model_ || !model_->fabric() || !state_ || link >= model_->fabric()->link_count()) return {};
  const FabricModel& f = *model_->fabric();
  const LinkUse use = f.use_at(link, state_->t);
  QString text = QString::fromStdString(f.link_name(link)) + "\ncapacity " + rate_text(use.capacity) +
                 " per direction (usable, all links and planes)" + QString("\nutilization %1%").arg(use.utilization() * 100, 0, 'f', 0) +
                 "  load " + rate_text(use.load) + "  demand " + rate_text(use.demand);
  if (use.demand > use.load * 1.0001) text += "\nsaturated: its jobs get less than they would push alone";
  const auto jobs = f.jobs_at(link, state_->t);
  if (jobs.empty()) {
    text += "\nno job's traffic crosses it";
  } else {
    text += QString("\n%1 job%2 crossing:").arg(jobs.size()).arg(jobs.size() == 1 ? "" : "s");
    const std::size_t shown = std::min<std::size_t>(jobs.size(), 12);
    for (std::size_t i = 0; i < shown; ++i) text += " " + QString::fromStdString(jobs[i]);
    if (shown < jobs.size()) text += QString(" ... (%1 more)").arg(jobs.size() - shown);
  }
  return text;
}

QString FabricView::switch_tooltip(const SwitchBox& s) const {
  const FabricModel& f = *model_->fabric();
  switch (s.kind) {
    case SwitchKind::Core: return QString("core layer: %1 switches (all planes), joining %2 spine blocks").arg(f.cores()).arg(f.blocks().size());
    case SwitchKind::Spine: {
      const FabricBlock& b = f.blocks()[s.index];
      return QString("spine block %1: %2 spine switches (all planes), %3 leaves")
          .arg(QString::fromStdString(b.name)).arg(b.spines).arg(b.leaves.size());
    }
    case SwitchKind::Leaf: {
      const FabricLeaf& l = f.leaves()[s.index];
      return QString("leaf %1 (block %2): %3 servers with a NIC on it")
          .arg(QString::fromStdString(l.name), QString::fromStdString(f.blocks()[l.block].name)).arg(l.nodes.size());
    }
  }
  return {};
}

QString FabricView::group_tooltip(const ServerGroup& g, QPoint p) const {
  if (g.box > 0) {
    const int cols = std::max(1, g.rect.width() / g.box);
    const int i = (p.y() - g.rect.top()) / g.box * cols + (p.x() - g.rect.left()) / g.box;
    if (i >= 0 && i < static_cast<int>(g.nodes.size())) {
      const std::uint32_t n = g.nodes[static_cast<std::size_t>(i)];
      QString text = QString::fromStdString(model_->nodes()[n].name) + QString("  GPUs busy %1%").arg(busy_share(n) * 100, 0, 'f', 0);
      if (state_) {
        for (std::uint32_t s : model_->slices_on_node_at(n, state_->t)) {
          text += "\npod " + QString::fromStdString(model_->slices()[s].pod) + "  job " +
                  QString::fromStdString(model_->jobs()[static_cast<std::size_t>(model_->slices()[s].job)].id);
        }
      }
      return text;
    }
  }
  double busy = 0;
  for (std::uint32_t n : g.nodes) busy += busy_share(n);
  return QString("%1 servers (%2 to %3)  GPUs busy %4%")
      .arg(g.nodes.size())
      .arg(QString::fromStdString(model_->nodes()[g.nodes.front()].name), QString::fromStdString(model_->nodes()[g.nodes.back()].name))
      .arg(busy / static_cast<double>(g.nodes.size()) * 100, 0, 'f', 0);
}

QString FabricView::tooltip_at(QPoint p) const {
  if (!model_ || !model_->fabric()) return {};
  for (std::size_t l = 0; l < links_.size(); ++l) {
    if (!links_[l].isNull() && distance_to_segment(p, links_[l]) <= 4) return link_tooltip(l);
  }
  for (const SwitchBox& s : switches_) {
    if (s.rect.contains(p)) return switch_tooltip(s);
  }
  for (const ServerGroup& g : groups_) {
    if (g.rect.contains(p)) return group_tooltip(g, p);
  }
  return {};
}

bool FabricView::event(QEvent* e) {
  if (e->type() != QEvent::ToolTip) return QWidget::event(e);
  auto* help = static_cast<QHelpEvent*>(e);
  const QString text = tooltip_at(help->pos());
  if (text.isEmpty()) {
    QToolTip::hideText();
  } else {
    QToolTip::showText(help->globalPos(), text, this);
  }
  return true;
}

void FabricView::paint_legend(QPainter& p) const {
  const int swatch = 12, y = kMargin + 18;
  int x = width() - kMargin - 5 * 70 - 60 - 40;
  p.setPen(QColor(60, 60, 60));
  p.drawText(x, y + 10, "links:");
  x += 40;
  p.fillRect(x, y, swatch, swatch, kIdleLinkColour);
  p.drawText(x + swatch + 3, y + 10, "idle");
  x += 60;
  for (const Band& b : kBands) {
    p.fillRect(x, y, swatch, swatch, b.colour);
    p.drawText(x + swatch + 3, y + 10, b.label);
    x += 70;
  }
}

void FabricView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  const QString text = message();
  if (!text.isEmpty()) {
    p.setPen(QColor(60, 60, 60));
    p.drawText(rect().adjusted(20, 20, -20, -20), Qt::AlignCenter | Qt::TextWordWrap, text);
    return;
  }
  const FabricModel& f = *model_->fabric();
  const double t = state_ ? state_->t : 0;
  p.setPen(QColor(40, 40, 40));
  p.drawText(kMargin, kMargin + 12,
             QString("%1 fabric: %2 spine blocks, %3 leaves, %4 servers; shared links coloured by modelled utilization at t = %5 s")
                 .arg(f.kind() == "railOptimized" ? "rail-optimized" : "fat-tree")
                 .arg(f.blocks().size())
                 .arg(f.leaves().size())
                 .arg(server_count_)
                 .arg(t, 0, 'f', 1));
  paint_legend(p);
  if (!one_row_) {
    p.setPen(QColor(90, 90, 90));
    p.drawText(kMargin, kMargin + 28, "blocks below the first row: the short line above the spines is the block's link to the core");
  }
  // NIC links (not shared in the model: a NIC carries only its own GPU's traffic), then shared links.
  p.setPen(QPen(kNicLinkColour, 1));
  for (const auto& lines : nic_lines_) {
    for (const QLineF& l : lines) p.drawLine(l);
  }
  const int leaf_width = leaf_rects_.empty() ? 8 : leaf_rects_.front().width();
  const double pen = std::clamp(leaf_width / 6.0, 3.0, 6.0);
  for (std::size_t l = 0; l < links_.size(); ++l) {
    if (links_[l].isNull()) continue;
    p.setPen(QPen(link_colour(l), pen, Qt::SolidLine, Qt::FlatCap));
    p.drawLine(links_[l]);
    const std::size_t b = l - f.leaves().size();
    if (l >= f.leaves().size() && core_stub_[b] && spine_rects_[b].width() >= 90) {
      p.setPen(QColor(90, 90, 90));
      p.drawText(QPointF(links_[l].p2().x() + 5, links_[l].p2().y() + 9), "to core");
    }
  }
  // Switches.
  for (const SwitchBox& s : switches_) {
    const QColor fill = s.kind == SwitchKind::Core ? kCoreColour : s.kind == SwitchKind::Spine ? kSpineColour : kLeafColour;
    p.fillRect(s.rect, fill);
    QString label;
    if (s.kind == SwitchKind::Core) label = QString("core (%1 switches)").arg(f.cores());
    if (s.kind == SwitchKind::Spine) {
      label = QString("%1 spines (%2)").arg(QString::fromStdString(f.blocks()[s.index].name)).arg(f.blocks()[s.index].spines);
    }
    if (s.kind == SwitchKind::Leaf) label = QString::fromStdString(f.leaves()[s.index].name);
    if (p.fontMetrics().horizontalAdvance(label) + 6 <= s.rect.width()) {
      p.setPen(Qt::white);
      p.drawText(s.rect, Qt::AlignCenter, label);
    }
  }
  // Servers, coloured by the busy share of their GPUs.
  for (const ServerGroup& g : groups_) {
    if (g.box == 0) {
      double busy = 0;
      for (std::uint32_t n : g.nodes) busy += busy_share(n);
      p.fillRect(g.rect, server_colour(busy / static_cast<double>(g.nodes.size())));
      const QString label = QString::number(g.nodes.size());
      if (p.fontMetrics().horizontalAdvance(label) + 4 <= g.rect.width()) {
        p.setPen(QColor(40, 40, 40));
        p.drawText(g.rect, Qt::AlignCenter, label);
      }
      continue;
    }
    const int cols = std::max(1, g.rect.width() / g.box);
    const int inner = std::max(1, g.box - 1);
    for (std::size_t i = 0; i < g.nodes.size(); ++i) {
      const int c = static_cast<int>(i) % cols, r = static_cast<int>(i) / cols;
      p.fillRect(g.rect.left() + c * g.box, g.rect.top() + r * g.box, inner, inner, server_colour(busy_share(g.nodes[i])));
    }
  }
}

}  // namespace kubetwin::gui
