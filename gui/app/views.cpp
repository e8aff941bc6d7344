#include "gui/app/views.hpp"

#include <QChart>
#include <QChartView>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPainter>
#include <QTableWidget>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "gui/app/cluster_view.hpp"

namespace kubetwin::gui {

namespace {

constexpr int kAxisHeight = 20;
constexpr int kLabelWidth = 90;
constexpr int kQueueRowsShown = 1000;  // a long queue shows its head; the header says how long it is

QString format_time(double t) {
  if (t >= 86400) return QString::number(t / 86400, 'f', 1) + " d";
  if (t >= 3600) return QString::number(t / 3600, 'f', 1) + " h";
  if (t >= 60) return QString::number(t / 60, 'f', 1) + " min";
  return QString::number(t, 'f', 0) + " s";
}

}  // namespace

// --- timeline ------------------------------------------------------------------------------------

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) { setMinimumSize(200, 120); }

void TimelineView::set_model(const RunModel* model) {
  model_ = model;
  first_row_ = 0;
  set_window(0, model && model->end_time() > 0 ? model->end_time() : 1);
}

void TimelineView::set_time(double t) {
  time_ = t;
  update();
}

void TimelineView::set_rows(Rows r) {
  rows_ = r;
  first_row_ = 0;
  update();
}

void TimelineView::set_window(double t0, double t1) {
  t0_ = t0;
  t1_ = std::max(t1, t0 + 1e-3);
  update();
}

double TimelineView::t_to_x(double t) const { return kLabelWidth + (t - t0_) / (t1_ - t0_) * (width() - kLabelWidth); }
double TimelineView::x_to_t(double x) const { return t0_ + (x - kLabelWidth) / std::max(1, width() - kLabelWidth) * (t1_ - t0_); }

void TimelineView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), Qt::white);
  if (!model_) return;
  // Time axis.
  p.setPen(QColor(90, 90, 90));
  for (int i = 0; i <= 5; ++i) {
    const double t = t0_ + (t1_ - t0_) * i / 5;
    const int x = static_cast<int>(t_to_x(t));
    p.drawLine(x, kAxisHeight - 4, x, kAxisHeight);
    p.drawText(std::min(x + 2, width() - 60), kAxisHeight - 6, format_time(t));
  }
  const bool nodes = rows_ == Rows::Nodes;
  const int total_rows = static_cast<int>(nodes ? model_->nodes().size() : model_->jobs().size());
  const int row_h = std::clamp((height() - kAxisHeight) / std::max(1, total_rows), nodes ? 4 : 3, 16);
  const int visible = (height() - kAxisHeight) / row_h + 1;
  const int first = std::clamp(first_row_, 0, std::max(0, total_rows - 1));
  const int last = std::min(total_rows, first + visible);
  auto row_y = [&](int row) { return kAxisHeight + (row - first) * row_h; };
  auto span = [&](double a, double b) {
    const double x0 = std::max<double>(kLabelWidth, t_to_x(a)), x1 = std::min<double>(width(), t_to_x(b));
    return std::make_pair(x0, std::max(x1, x0 + 1));
  };
  p.setPen(QColor(60, 60, 60));
  const int label_every = std::max(1, 14 / row_h);
  for (int row = first; row < last; row += label_every) {
    const std::string& name = nodes ? model_->nodes()[static_cast<std::size_t>(row)].name : model_->jobs()[static_cast<std::size_t>(row)].id;
    p.drawText(2, row_y(row) + row_h - 1, QString::fromStdString(name).left(12));
  }
  if (nodes) {
    for (const PodSlice& s : model_->slices()) {
      if (static_cast<int>(s.node) < first || static_cast<int>(s.node) >= last || s.stop < t0_ || s.start > t1_) continue;
      const auto [x0, x1] = span(s.start, s.stop);
      p.fillRect(QRectF(x0, row_y(static_cast<int>(s.node)), x1 - x0, row_h - 1), job_colour(s.job));
    }
  } else {
    for (int row = first; row < last; ++row) {
      const Job& j = model_->jobs()[static_cast<std::size_t>(row)];
      const double end = j.end >= 0 ? j.end : model_->end_time();
      const auto [w0, w1] = span(j.submit, end);
      if (j.submit <= t1_ && end >= t0_) p.fillRect(QRectF(w0, row_y(row), w1 - w0, row_h - 1), QColor(200, 200, 200));
      for (std::uint32_t r = 0; r < j.run_count; ++r) {
        const RunInterval& run = model_->runs()[j.first_run + r];
        const double stop = std::min(run.stop, end);
        if (stop < t0_ || run.start > t1_) continue;
        const auto [x0, x1] = span(run.start, stop);
        p.fillRect(QRectF(x0, row_y(row), x1 - x0, row_h - 1), job_colour(row));
      }
    }
  }
  const double cx = t_to_x(time_);
  p.setPen(QPen(QColor(220, 30, 30), 2));
  p.drawLine(QPointF(cx, 0), QPointF(cx, height()));
}

void TimelineView::wheelEvent(QWheelEvent* e) {
  if (!model_) return;
  const std::size_t rows = rows_ == Rows::Nodes ? model_->nodes().size() : model_->jobs().size();
  const bool rows_fit = rows * 4 <= static_cast<std::size_t>(std::max(0, height() - kAxisHeight));
  if ((e->modifiers() & Qt::ControlModifier) || rows_fit) {
    // Zoom around the pointer (the wheel scrolls rows when they do not all fit; Ctrl zooms).
    const double at = x_to_t(e->position().x());
    const double f = e->angleDelta().y() > 0 ? 0.8 : 1.25;
    set_window(std::max(0.0, at - (at - t0_) * f), at + (t1_ - at) * f);
  } else {
    first_row_ = std::max(0, first_row_ - e->angleDelta().y() / 40);
    update();
  }
}

void TimelineView::mousePressEvent(QMouseEvent* e) {
  drag_start_ = e->position();
  drag_t0_ = t0_;
  drag_row_ = first_row_;
  if (on_time_clicked && e->position().x() > kLabelWidth) on_time_clicked(std::clamp(x_to_t(e->position().x()), 0.0, model_ ? model_->end_time() : 0.0));
}

void TimelineView::mouseMoveEvent(QMouseEvent* e) {
  if (!(e->buttons() & Qt::RightButton)) return;  // right-drag pans; left click scrubs
  const double dt = (e->position().x() - drag_start_.x()) / std::max(1, width() - kLabelWidth) * (t1_ - t0_);
  const double len = t1_ - t0_;
  t0_ = std::max(0.0, drag_t0_ - dt);
  t1_ = t0_ + len;
  first_row_ = std::max(0, drag_row_ - static_cast<int>((e->position().y() - drag_start_.y()) / 4));
  update();
}

// --- queue ---------------------------------------------------------------------------------------

QueueView::QueueView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  header_ = new QLabel(this);
  table_ = new QTableWidget(0, 6, this);
  table_->setHorizontalHeaderLabels({"job", "queue", "priority", "GPUs", "waiting", "why it waits (plugin verdicts)"});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(header_);
  layout->addWidget(table_);
}

void QueueView::set_model(const RunModel* model) {
  model_ = model;
  set_time(0);
}

int QueueView::row_count() const { return table_->rowCount(); }

void QueueView::set_time(double t) {
  if (!model_) {
    table_->setRowCount(0);
    header_->setText("No run loaded");
    return;
  }
  const std::vector<std::int32_t> pending = model_->pending_at(t);
  const int shown = std::min<int>(static_cast<int>(pending.size()), kQueueRowsShown);
  header_->setText(QString("%1 jobs pending at %2%3")
                       .arg(pending.size())
                       .arg(format_time(t))
                       .arg(shown < static_cast<int>(pending.size()) ? QString(" (the first %1 shown)").arg(shown) : QString()));
  table_->setUpdatesEnabled(false);
  table_->setRowCount(shown);
  for (int r = 0; r < shown; ++r) {
    const Job& j = model_->jobs()[static_cast<std::size_t>(pending[static_cast<std::size_t>(r)])];
    QString why = QString::fromStdString(j.waiting_reason.empty() ? "not tried yet" : j.waiting_reason);
    for (const auto& v : j.plugin_verdicts) why += "; " + QString::fromStdString(v);
    const QString cells[] = {QString::fromStdString(j.id), QString::fromStdString(j.queue), QString::number(j.priority),
                             QString::number(j.gpus), format_time(t - j.submit), why};
    for (int c = 0; c < 6; ++c) {
      auto* item = table_->item(r, c);
      if (!item) table_->setItem(r, c, item = new QTableWidgetItem);
      item->setText(cells[c]);
    }
  }
  table_->setUpdatesEnabled(true);
}

// --- charts --------------------------------------------------------------------------------------

struct ChartsView::Charts {
  QChart* allocated = nullptr;
  QChart* pending = nullptr;
  QChart* jct = nullptr;
  QChart* fragmentation = nullptr;
};

namespace {

QChart* make_chart(const QString& title, QWidget* parent, QGridLayout* grid, int row, int col) {
  auto* chart = new QChart;
  chart->setTitle(title);
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  auto* view = new QChartView(chart, parent);
  view->setRenderHint(QPainter::Antialiasing);
  grid->addWidget(view, row, col);
  return chart;
}

void add_line(QChart* chart, const QString& name, const std::vector<QPointF>& points, const QString& x_title,
              const QString& y_title) {
  auto* series = new QLineSeries;
  series->setName(name);
  series->replace(QList<QPointF>(points.begin(), points.end()));
  chart->addSeries(series);
  if (chart->axes().isEmpty()) {
    auto* x = new QValueAxis;
    auto* y = new QValueAxis;
    x->setTitleText(x_title);
    y->setTitleText(y_title);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
  }
  series->attachAxis(chart->axes(Qt::Horizontal).first());
  series->attachAxis(chart->axes(Qt::Vertical).first());
  // Both axes cover every series.
  double x0 = 0, x1 = 1, y1 = 1;
  for (auto* s : chart->series()) {
    for (const QPointF& p : static_cast<QLineSeries*>(s)->points()) {
      x1 = std::max(x1, p.x());
      y1 = std::max(y1, p.y());
    }
  }
  chart->axes(Qt::Horizontal).first()->setRange(x0, x1);
  chart->axes(Qt::Vertical).first()->setRange(0, y1 * 1.05);
}

// At most ~2,000 points per line: a chart cannot show more across its width anyway.
template <class Fn>
std::vector<QPointF> thinned(std::size_t n, Fn point) {
  std::vector<QPointF> out;
  const std::size_t step = std::max<std::size_t>(1, n / 2000);
  for (std::size_t i = 0; i < n; i += step) out.push_back(point(i));
  if (n > 0 && (n - 1) % step != 0) out.push_back(point(n - 1));
  return out;
}

}  // namespace

ChartsView::ChartsView(QWidget* parent) : QWidget(parent), charts_(std::make_unique<Charts>()) {
  auto* grid = new QGridLayout(this);
  charts_->allocated = make_chart("Allocated GPUs", this, grid, 0, 0);
  charts_->pending = make_chart("Pending pods", this, grid, 0, 1);
  charts_->jct = make_chart("JCT distribution (CDF)", this, grid, 1, 0);
  charts_->fragmentation = make_chart("Fragmentation (free GPUs on partly used nodes)", this, grid, 1, 1);
}

ChartsView::~ChartsView() = default;

int ChartsView::series_count() const {
  return static_cast<int>(charts_->allocated->series().size() + charts_->pending->series().size() +
                          charts_->jct->series().size() + charts_->fragmentation->series().size());
}

void ChartsView::set_models(const RunModel* model, const RunModel* other) {
  for (QChart* c : {charts_->allocated, charts_->pending, charts_->jct, charts_->fragmentation}) {
    c->removeAllSeries();
    for (auto* axis : c->axes()) {
      c->removeAxis(axis);
      delete axis;
    }
  }
  for (const RunModel* m : {model, other}) {
    if (!m) continue;
    const QString name = QString::fromStdString(m->dir().filename().string().empty() ? m->dir().parent_path().filename().string()
                                                                                      : m->dir().filename().string());
    const auto& rows = m->series();
    const double hours = 3600;
    add_line(charts_->allocated, name, thinned(rows.size(), [&](std::size_t i) { return QPointF(rows[i].t / hours, rows[i].allocated_gpus); }),
             "time (h)", "GPUs");
    add_line(charts_->pending, name, thinned(rows.size(), [&](std::size_t i) { return QPointF(rows[i].t / hours, rows[i].pending_pods); }),
             "time (h)", "pods");
    const std::vector<double> jcts = m->sorted_jcts();
    add_line(charts_->jct, name,
             thinned(jcts.size(), [&](std::size_t i) { return QPointF(jcts[i] / hours, static_cast<double>(i + 1) / static_cast<double>(jcts.size())); }),
             "JCT (h)", "fraction of jobs");
    const auto frag = m->fragmentation_series(200);
    add_line(charts_->fragmentation, name, thinned(frag.size(), [&](std::size_t i) { return QPointF(frag[i].first / hours, frag[i].second); }),
             "time (h)", "share of free GPUs");
  }
}

// --- two runs side by side -----------------------------------------------------------------------

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  left_ = new ClusterView(this);
  right_ = new ClusterView(this);
  for (int i = 0; i < 2; ++i) {
    labels_[i] = new QLabel(this);
    labels_[i]->setWordWrap(true);
    grid->addWidget(labels_[i], 0, i);
  }
  grid->addWidget(left_, 1, 0);
  grid->addWidget(right_, 1, 1);
  grid->setRowStretch(1, 1);
}

void CompareView::set_models(const RunModel* left, const ClusterState* left_state, const RunModel* right,
                             const ClusterState* right_state) {
  models_[0] = left;
  models_[1] = right;
  states_[0] = left_state;
  states_[1] = right_state;
  left_->set_model(left, left_state);
  right_->set_model(right, right_state);
  refresh(0);
}

void CompareView::refresh(double t) {
  for (int i = 0; i < 2; ++i) {
    const RunModel* m = models_[i];
    if (!m || !states_[i]) {
      labels_[i]->setText(i == 1 ? "Open a second run on the same trace (File > Compare with) to see both side by side" : "");
      continue;
    }
    const auto jcts = m->sorted_jcts();
    const double p50 = jcts.empty() ? 0 : jcts[jcts.size() / 2];
    labels_[i]->setText(QString("<b>%1</b> (%2)  at %3: %4 of %5 GPUs busy, %6 jobs pending; median JCT %7")
                            .arg(QString::fromStdString(m->dir().filename().string()), QString::fromStdString(m->scenario()),
                                 format_time(t))
                            .arg(states_[i]->busy_cells())
                            .arg(m->cell_count())
                            .arg(m->pending_at(t).size())
                            .arg(format_time(p50)));
  }
  left_->update();
  right_->update();
}

// --- conformance ---------------------------------------------------------------------------------

ConformanceView::ConformanceView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  header_ = new QLabel("No conformance report loaded (File > Open conformance report)", this);
  table_ = new QTableWidget(0, 4, this);
  table_->setHorizontalHeaderLabels({"requirement", "level", "status", "evidence"});
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->setVisible(false);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  layout->addWidget(header_);
  layout->addWidget(table_);
}

int ConformanceView::row_count() const { return table_->rowCount(); }

void ConformanceView::set_report(const ConformanceReport& report) {
  QString header = QString("<b>%1</b> %2: %3 pass, %4 fail, %5 n/a, %6 untested")
                       .arg(QString::fromStdString(report.profile), QString::fromStdString(report.version))
                       .arg(report.count(RequirementStatus::Pass))
                       .arg(report.count(RequirementStatus::Fail))
                       .arg(report.count(RequirementStatus::NotApplicable))
                       .arg(report.count(RequirementStatus::Untested));
  if (report.has_workloads()) {
    header += QString("; workload families: %1 pass, %2 fail")
                  .arg(report.count_workloads(RequirementStatus::Pass))
                  .arg(report.count_workloads(RequirementStatus::Fail));
  }
  header_->setText(header);
  table_->setRowCount(static_cast<int>(report.requirements.size()));
  for (int r = 0; r < table_->rowCount(); ++r) {
    const Requirement& req = report.requirements[static_cast<std::size_t>(r)];
    const QString cells[] = {QString::fromStdString(req.id), QString::fromStdString(req.level), status_name(req.status),
                             QString::fromStdString(req.evidence)};
    const QColor colour = req.status == RequirementStatus::Pass   ? QColor(200, 235, 200)
                          : req.status == RequirementStatus::Fail ? QColor(245, 190, 190)
                                                                  : QColor(230, 230, 230);
    for (int c = 0; c < 4; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      item->setBackground(colour);
      table_->setItem(r, c, item);
    }
  }
  table_->resizeColumnsToContents();
  table_->horizontalHeader()->setStretchLastSection(true);
}

}  // namespace kubetwin::gui
