#include "gui/app/cluster_view.hpp"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>
#include <map>

namespace kubetwin::gui {

namespace {
constexpr int kMargin = 8;
constexpr int kTitleHeight = 18;
constexpr int kNodeGap = 3;
constexpr int kMaxCellsPerRow = 8;  // an 8-GPU node is one row of cells
}  // namespace

QColor job_colour(std::int32_t job) {
  // Golden-ratio hues: neighbouring job numbers get far-apart colours.
  const double hue = std::fmod(static_cast<double>(job) * 0.618033988749895, 1.0);
  return QColor(QColor::fromHsvF(static_cast<float>(hue), 0.65f, 0.85f).rgb());  // as painted: 8-bit RGB
}

QColor queue_colour(std::uint32_t queue) {
  static const QColor kQueues[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44), QColor(214, 39, 40),
                                   QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(188, 189, 34)};
  return kQueues[queue % std::size(kQueues)];
}

QColor utilization_colour(int milli) {
  if (milli <= 0) return kIdleColour;
  const double f = std::clamp(milli / 1000.0, 0.0, 1.0);  // light to dark red as the share grows
  return QColor(static_cast<int>(252 - 64 * f), static_cast<int>(191 - 166 * f), static_cast<int>(140 - 115 * f));
}

ClusterView::ClusterView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(200, 150);
  setMouseTracking(false);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

void ClusterView::set_model(const RunModel* model, const ClusterState* state) {
  model_ = model;
  state_ = state;
  selected_ = -1;
  layout_cells();
  update();
}

void ClusterView::set_colour_by(ColourBy c) {
  colour_by_ = c;
  update();
}

void ClusterView::select_node(int node) {
  selected_ = node;
  update();
  if (on_node_selected) on_node_selected(node);
}

// Lays nodes out left to right, wrapping, one block per group (pool and zone); returns the height
// needed with cells of `cell` pixels. Only stores positions when `store`.
int ClusterView::layout_with(int cell, bool store) {
  if (store) {
    cell_pos_.assign(model_->cell_count(), QPoint());
    node_rects_.assign(model_->nodes().size(), QRect());
    groups_.clear();
  }
  const int avail = std::max(width() - 2 * kMargin, cell * kMaxCellsPerRow);
  int y = kMargin;
  std::map<std::pair<std::uint32_t, std::string>, std::vector<std::uint32_t>> groups;
  const auto& nodes = model_->nodes();
  for (std::uint32_t n = 0; n < nodes.size(); ++n) groups[{nodes[n].pool, model_->pools()[nodes[n].pool].zone}].push_back(n);
  for (const auto& [key, members] : groups) {
    const NodePool& pool = model_->pools()[key.first];
    if (store) {
      QString title = QString::fromStdString(pool.name);
      if (!pool.gpu_model.empty()) title += " (" + QString::fromStdString(pool.gpu_model) + ")";
      if (!key.second.empty()) title += "  zone " + QString::fromStdString(key.second);
      title += QString("  %1 nodes").arg(members.size());
      groups_.push_back(Group{title, y});
    }
    y += kTitleHeight;
    int x = 0, row_height = 0;
    for (std::uint32_t n : members) {
      const Node& node = nodes[n];
      const int per_row = std::min<int>(kMaxCellsPerRow, std::max<int>(1, static_cast<int>(node.gpus)));
      const int rows = std::max(1, (static_cast<int>(node.gpus) + per_row - 1) / per_row);
      const int w = per_row * cell + kNodeGap, h = rows * cell + kNodeGap;
      if (x + w > avail && x > 0) {
        x = 0;
        y += row_height;
        row_height = 0;
      }
      if (store) {
        node_rects_[n] = QRect(kMargin + x - 1, y - 1, per_row * cell + 1, rows * cell + 1);
        for (std::uint32_t g = 0; g < node.gpus; ++g) {
          cell_pos_[node.first_cell + g] = QPoint(kMargin + x + static_cast<int>(g) % per_row * cell,
                                                  y + static_cast<int>(g) / per_row * cell);
        }
      }
      x += w;
      row_height = std::max(row_height, h);
    }
    y += row_height + kMargin;
  }
  return y;
}

void ClusterView::layout_cells() {
  if (!model_) return;
  // The largest cell size whose layout fits the widget (at least 3 pixels: then it scrolls off).
  int cell = 3;
  for (int c = 28; c > 3; --c) {
    if (layout_with(c, false) <= height()) {
      cell = c;
      break;
    }
  }
  cell_ = cell;
  layout_with(cell_, true);
}

void ClusterView::resizeEvent(QResizeEvent*) { layout_cells(); }

QColor ClusterView::cell_colour(std::uint32_t c) const {
  if (!state_ || c >= state_->cell_job.size()) return kIdleColour;
  const std::int32_t job = state_->cell_job[c];
  if (job == kNoJob) return kIdleColour;
  switch (colour_by_) {
    case ColourBy::Job: return job_colour(job);
    case ColourBy::Queue: return queue_colour(model_->queue_of(job));
    case ColourBy::Utilization: return utilization_colour(state_->cell_milli[c]);
  }
  return kIdleColour;
}

void ClusterView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  if (!model_) {
    p.drawText(rect(), Qt::AlignCenter, "Open a run folder or a scenario (File > Open)");
    return;
  }
  p.setPen(QColor(60, 60, 60));
  for (const Group& g : groups_) p.drawText(kMargin, g.title_y + kTitleHeight - 5, g.title);
  const int size = std::max(1, cell_ - (cell_ >= 5 ? 1 : 0));  // a 1-pixel gap between cells when they are big enough
  for (std::uint32_t c = 0; c < cell_pos_.size(); ++c) {
    p.fillRect(cell_pos_[c].x(), cell_pos_[c].y(), size, size, cell_colour(c));
  }
  if (selected_ >= 0 && static_cast<std::size_t>(selected_) < node_rects_.size()) {
    p.setPen(QPen(Qt::black, 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(node_rects_[static_cast<std::size_t>(selected_)].adjusted(-1, -1, 1, 1));
  }
}

QRect ClusterView::cell_rect(std::uint32_t c) const {
  if (c >= cell_pos_.size()) return {};
  return QRect(cell_pos_[c], QSize(std::max(1, cell_ - 1), std::max(1, cell_ - 1)));
}

int ClusterView::cell_at(QPoint p) const {
  if (!model_) return -1;
  for (std::uint32_t n = 0; n < node_rects_.size(); ++n) {
    if (!node_rects_[n].contains(p)) continue;
    const Node& node = model_->nodes()[n];
    for (std::uint32_t c = node.first_cell; c < node.first_cell + node.gpus; ++c) {
      if (QRect(cell_pos_[c], QSize(cell_, cell_)).contains(p)) return static_cast<int>(c);
    }
  }
  return -1;
}

void ClusterView::mousePressEvent(QMouseEvent* e) {
  const int c = cell_at(e->position().toPoint());
  select_node(c < 0 ? -1 : static_cast<int>(model_->node_of_cell(static_cast<std::uint32_t>(c))));
}

bool ClusterView::event(QEvent* e) {
  if (e->type() != QEvent::ToolTip || !model_ || !state_) return QWidget::event(e);
  auto* help = static_cast<QHelpEvent*>(e);
  const int c = cell_at(help->pos());
  if (c < 0) {
    QToolTip::hideText();
    return true;
  }
  QToolTip::showText(help->globalPos(), tooltip_text(static_cast<std::uint32_t>(c)), this);
  return true;
}

QString ClusterView::tooltip_text(std::uint32_t cell) const {
  if (!model_ || !state_ || cell >= model_->cell_count()) return {};
  const std::uint32_t n = model_->node_of_cell(cell);
  const Node& node = model_->nodes()[n];
  QString text = QString("%1  GPU %2").arg(QString::fromStdString(node.name)).arg(cell - node.first_cell);
  const std::int32_t job = state_->cell_job[cell];
  if (job == kNoJob) {
    text += "\nidle";
  } else {
    const Job& j = model_->jobs()[static_cast<std::size_t>(job)];
    // The pod: the job's slice on this node that holds this device at the current time.
    for (std::uint32_t s : model_->slices_on_node_at(n, state_->t)) {
      const PodSlice& slice = model_->slices()[s];
      if (slice.job == job) {
        text += "\npod " + QString::fromStdString(slice.pod) + " (GPUs " + QString::fromStdString(slice.gpus) + ")";
        break;
      }
    }
    text += "\njob " + QString::fromStdString(j.id) + "  queue " + QString::fromStdString(j.queue) +
            QString("  %1 GPUs").arg(j.gpus);
    if (state_->cell_milli[cell] < 1000) text += QString("\nshare %1m").arg(state_->cell_milli[cell]);
  }
  return text;
}

}  // namespace kubetwin::gui
