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
constexpr int kGroupIndent = 14;    // leaves under their spine block
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
  groups_.clear();
  node_group_.clear();
  if (model_) build_groups();
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

namespace {

// "4 nodes", or "4 node slots" when the autoscaler adds or removes some of them during the run.
QString node_count(const RunModel& model, const std::vector<std::uint32_t>& members) {
  const bool autoscaled = std::any_of(members.begin(), members.end(), [&](std::uint32_t n) {
    return !model.nodes()[n].exists_at_start ||
           std::any_of(model.node_changes().begin(), model.node_changes().end(), [&](const NodeChange& c) { return c.node == n; });
  });
  return QString("%1 node%2%3").arg(members.size()).arg(autoscaled ? " slot" : "").arg(members.size() == 1 ? "" : "s");
}

// Index of `key` in `order`, appended on first sight: groups keep the order nodes come in.
std::size_t index_in(std::vector<std::string>& order, const std::string& key) {
  const auto it = std::find(order.begin(), order.end(), key);
  if (it != order.end()) return static_cast<std::size_t>(it - order.begin());
  order.push_back(key);
  return order.size() - 1;
}

}  // namespace

// Groups by fabric place (block, then its leaves) when nodes carry those labels, since that is what
// decides a multi-node job's step time; else by pool and zone.
void ClusterView::build_groups() {
  groups_.clear();
  const auto& nodes = model_->nodes();
  node_group_.assign(nodes.size(), -1);
  if (model_->has_fabric_places()) {
    std::vector<std::string> blocks;
    std::vector<std::vector<std::string>> leaves;  // per block, in order of first sight
    std::vector<std::vector<std::vector<std::uint32_t>>> members;  // per block, per leaf
    for (std::uint32_t n = 0; n < nodes.size(); ++n) {
      const std::size_t b = index_in(blocks, nodes[n].block);
      leaves.resize(blocks.size());
      members.resize(blocks.size());
      const std::size_t l = index_in(leaves[b], nodes[n].leaf);
      members[b].resize(leaves[b].size());
      members[b][l].push_back(n);
    }
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      std::vector<std::uint32_t> all;
      for (const auto& m : members[b]) all.insert(all.end(), m.begin(), m.end());
      groups_.push_back(Group{QString("block %1  %2").arg(QString::fromStdString(blocks[b].empty() ? "(none)" : blocks[b]),
                                                           node_count(*model_, all)),
                              0, {}, 0});
      for (std::size_t l = 0; l < leaves[b].size(); ++l) {
        for (std::uint32_t n : members[b][l]) node_group_[n] = static_cast<int>(groups_.size());
        groups_.push_back(Group{QString("leaf %1  %2").arg(QString::fromStdString(leaves[b][l].empty() ? "(none)" : leaves[b][l]),
                                                            node_count(*model_, members[b][l])),
                                kGroupIndent, members[b][l], 0});
      }
    }
    return;
  }
  std::map<std::pair<std::uint32_t, std::string>, std::vector<std::uint32_t>> by_pool;
  for (std::uint32_t n = 0; n < nodes.size(); ++n) by_pool[{nodes[n].pool, model_->pools()[nodes[n].pool].zone}].push_back(n);
  for (auto& [key, members] : by_pool) {
    const NodePool& pool = model_->pools()[key.first];
    QString title = QString::fromStdString(pool.name);
    if (!pool.gpu_model.empty()) title += " (" + QString::fromStdString(pool.gpu_model) + ")";
    if (!key.second.empty()) title += "  zone " + QString::fromStdString(key.second);
    title += "  " + node_count(*model_, members);
    for (std::uint32_t n : members) node_group_[n] = static_cast<int>(groups_.size());
    groups_.push_back(Group{title, 0, std::move(members), 0});
  }
}

QStringList ClusterView::group_titles() const {
  QStringList out;
  for (const Group& g : groups_) out << g.title;
  return out;
}

int ClusterView::group_of_node(std::uint32_t n) const { return n < node_group_.size() ? node_group_[n] : -1; }

// Lays each group's nodes out left to right, wrapping, under its title; returns the height needed
// with cells of `cell` pixels. Only stores positions when `store`.
int ClusterView::layout_with(int cell, bool store) {
  if (store) {
    cell_pos_.assign(model_->cell_count(), QPoint());
    node_rects_.assign(model_->nodes().size(), QRect());
  }
  int y = kMargin;
  const auto& nodes = model_->nodes();
  for (Group& group : groups_) {
    if (store) group.title_y = y;
    y += kTitleHeight;
    if (group.members.empty()) continue;  // a block title over its leaves
    const int left = kMargin + group.indent;
    const int avail = std::max(width() - left - kMargin, cell * kMaxCellsPerRow);
    int x = 0, row_height = 0;
    for (std::uint32_t n : group.members) {
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
        node_rects_[n] = QRect(left + x - 1, y - 1, per_row * cell + 1, rows * cell + 1);
        for (std::uint32_t g = 0; g < node.gpus; ++g) {
          cell_pos_[node.first_cell + g] = QPoint(left + x + static_cast<int>(g) % per_row * cell,
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
  const std::uint32_t node = model_->node_of_cell(c);
  if (node < state_->node_exists.size() && !state_->node_exists[node]) return kAbsentColour;
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
  for (const Group& g : groups_) p.drawText(kMargin + g.indent, g.title_y + kTitleHeight - 5, g.title);
  const int size = std::max(1, cell_ - (cell_ >= 5 ? 1 : 0));  // a 1-pixel gap between cells when they are big enough
  for (std::uint32_t c = 0; c < cell_pos_.size(); ++c) {
    p.fillRect(cell_pos_[c].x(), cell_pos_[c].y(), size, size, cell_colour(c));
  }
  // An empty autoscaler slot: a dashed outline around its (blank) cells.
  if (state_) {
    p.setPen(QPen(QColor(170, 170, 170), 1, Qt::DashLine));
    p.setBrush(Qt::NoBrush);
    for (std::size_t n = 0; n < node_rects_.size() && n < state_->node_exists.size(); ++n) {
      if (!state_->node_exists[n]) p.drawRect(node_rects_[n]);
    }
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
  if (!node.leaf.empty()) text += "\nleaf " + QString::fromStdString(node.leaf) + "  block " + QString::fromStdString(node.block);
  const std::int32_t job = state_->cell_job[cell];
  if (n < state_->node_exists.size() && !state_->node_exists[n]) {
    text += "\nnode slot: not provisioned at this time (cluster autoscaler)";
  } else if (job == kNoJob) {
    text += "\nidle";
  } else {
    const Job& j = model_->jobs()[static_cast<std::size_t>(job)];
    // The pod: the job's slice on this node that holds this device at the current time.
    for (std::uint32_t s : model_->slices_on_node_at(n, state_->t)) {
      const PodSlice& slice = model_->slices()[s];
      if (slice.job == job) {
        text += "\npod " + QString::fromStdString(slice.pod) + " (GPUs " + QString::fromStdString(slice.gpus) + ")";
        if (!slice.claims.empty()) text += "\nclaims " + QString::fromStdString(slice.claims);
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
