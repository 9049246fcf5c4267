#include "views/memory_timeline_view.h"

#include <QElapsedTimer>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace tinyforge::views {

namespace {

constexpr double kTitleHeight = 22, kAxisWidth = 64, kGap = 8, kStepAxis = 18;

QColor layerColour(int32_t op) {
  if (op < 0) return QColor(176, 190, 197);  // graph inputs
  const double hue = std::fmod(0.07 + 0.618033988749895 * op, 1.0);
  return QColor::fromHsvF(float(hue), 0.45f, 0.92f);
}

QColor plannerColour(const std::string& planner) {
  if (planner == "tflm") return QColor(120, 120, 120);
  if (planner == "patch") return QColor(123, 31, 162);
  return QColor(21, 101, 192);
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

MemoryTimelineView::MemoryTimelineView(SelectionModel* selection, QWidget* parent)
    : QWidget(parent), m_selection(selection) {
  setMouseTracking(true);
  setMinimumSize(480, 320);
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
  connect(m_selection, &SelectionModel::opChanged, this, [this] { update(); });
}

void MemoryTimelineView::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis) {
  m_analysis = std::move(analysis);
  rebuild();
}

void MemoryTimelineView::setPlanner(const std::string& planner) {
  m_planner = planner;
  rebuild();
}

void MemoryTimelineView::setMode(TimelineMode mode) {
  m_mode = mode;
  rebuild();
}

void MemoryTimelineView::setBudgetBytes(int64_t bytes) {
  m_budget = bytes;
  update();
}

void MemoryTimelineView::rebuild() {
  m_panels.clear();
  if (m_analysis) {
    std::vector<std::string> names = {m_planner};
    if (m_mode != TimelineMode::kSingle) names = studioPlanners();
    for (const std::string& name : names) {
      const PlannerResult* r = m_analysis->plan(name);
      if (!r || !r->error.empty()) continue;
      Panel panel;
      panel.data = buildTimeline(r->model.graph, r->model.plan);
      panel.originalOp.assign(r->model.graph.ops.size(), -1);
      for (size_t i = 0; i < r->plannedOp.size(); ++i) {
        if (r->plannedOp[i] >= 0) panel.originalOp[size_t(r->plannedOp[i])] = int32_t(i);
      }
      m_panels.push_back(std::move(panel));
    }
    if (m_mode == TimelineMode::kOverlay) {  // the chosen planner's blocks, every curve
      std::stable_partition(m_panels.begin(), m_panels.end(),
                            [&](const Panel& p) { return p.data.planner == m_planner; });
    }
  }
  m_addressScale = m_curveScale = 1;
  for (const Panel& p : m_panels) {
    m_addressScale = std::max(m_addressScale, p.data.arenaBytes);
    for (int64_t v : p.data.liveBytes) m_curveScale = std::max(m_curveScale, v);
  }
  if (m_budget > 0 && m_budget < m_curveScale * 3 / 2) m_curveScale = std::max(m_curveScale, m_budget);
  layoutPanels();
  update();
}

void MemoryTimelineView::layoutPanels() {
  const size_t shown = m_mode == TimelineMode::kSideBySide ? m_panels.size() : 1;
  if (m_panels.empty()) return;
  const double w = (width() - kGap) / double(shown);
  const double curveH = std::max(60.0, height() * 0.24);
  for (size_t i = 0; i < m_panels.size(); ++i) {
    const double x = (m_mode == TimelineMode::kSideBySide ? double(i) * w : 0) + kAxisWidth;
    const double pw = w - kAxisWidth - kGap;
    m_panels[i].blocksArea = QRectF(x, kTitleHeight, pw, height() - kTitleHeight - curveH - 2 * kStepAxis);
    m_panels[i].curveArea = QRectF(x, height() - curveH - kStepAxis, pw, curveH - kGap);
  }
}

void MemoryTimelineView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  layoutPanels();
}

QRectF MemoryTimelineView::blockRect(const Panel& panel, const TimelineBlock& b) const {
  const QRectF& a = panel.blocksArea;
  const double sx = a.width() / std::max(1, panel.data.steps());
  const double sy = a.height() / double(m_addressScale);
  return QRectF(a.left() + b.firstStep * sx, a.bottom() - double(b.offset + b.bytes) * sy,
                (b.lastStep - b.firstStep + 1) * sx, std::max(1.0, double(b.bytes) * sy));
}

void MemoryTimelineView::paintEvent(QPaintEvent*) {
  QElapsedTimer timer;
  timer.start();
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing, false);
  if (m_panels.empty()) {
    p.drawText(rect(), Qt::AlignCenter,
               m_analysis ? tr("No plan to show: the planner failed (see the log).")
                          : tr("Open a model to see its memory schedule."));
    return;
  }
  if (m_mode == TimelineMode::kSideBySide) {
    for (const Panel& panel : m_panels) paintPanel(p, panel, true);
  } else {
    paintPanel(p, m_panels.front(), false);
    const bool overlay = m_mode == TimelineMode::kOverlay;
    for (size_t i = 0; i < (overlay ? m_panels.size() : 1); ++i) {  // in the first panel's area
      paintCurve(p, m_panels[i], m_panels.front().curveArea, overlay ? int(i) : -1);
    }
  }
  m_lastPaintMs = double(timer.nsecsElapsed()) / 1e6;
}

void MemoryTimelineView::paintPanel(QPainter& p, const Panel& panel, bool withCurves) const {
  const TimelineData& d = panel.data;
  const int64_t tflmArena = [&] {
    const PlannerResult* t = m_analysis->plan("tflm");
    return t && t->error.empty() ? t->model.plan.arenaBytes : 0;
  }();
  const bool narrow = panel.blocksArea.width() < 380;
  QString title = narrow ? tr("%1: %2").arg(q(d.planner), q(formatBytes(d.arenaBytes)))
                         : tr("%1: peak %2 (%3 B)").arg(q(d.planner), q(formatBytes(d.arenaBytes)),
                                                        q(formatCount(d.arenaBytes)));
  if (tflmArena > 0 && d.planner != "tflm") {
    title += tr(", %1x tflm").arg(double(d.arenaBytes) / double(tflmArena), 0, 'f', narrow ? 2 : 3);
  }
  p.setPen(palette().color(QPalette::Text));
  const QRectF titleRect(panel.blocksArea.left() - (narrow ? kAxisWidth / 2 : 0), 2,
                         panel.blocksArea.width() + (narrow ? kAxisWidth / 2 : 0), kTitleHeight - 4);
  p.drawText(titleRect, Qt::AlignLeft | Qt::AlignVCenter,
             p.fontMetrics().elidedText(title, Qt::ElideRight, int(titleRect.width())));
  paintBlocks(p, panel);
  // Address axis: 0 at the bottom, the common scale at the top.
  const QRectF& a = panel.blocksArea;
  p.setPen(palette().color(QPalette::Mid));
  p.drawRect(a);
  p.setPen(palette().color(QPalette::Text));
  for (int i = 0; i <= 4; ++i) {
    const double y = a.bottom() - a.height() * i / 4.0;
    p.drawText(QRectF(a.left() - kAxisWidth, y - 8, kAxisWidth - 4, 16), Qt::AlignRight | Qt::AlignVCenter,
               q(formatBytes(m_addressScale * i / 4)));
  }
  p.drawText(QRectF(a.left(), a.bottom() + 1, a.width(), kStepAxis), Qt::AlignCenter,
             tr("op step (0 = inputs) \u2192   %1 steps").arg(d.steps()));
  if (withCurves) paintCurve(p, panel, panel.curveArea, -1);
}

void MemoryTimelineView::paintBlocks(QPainter& p, const Panel& panel) const {
  const TimelineData& d = panel.data;
  const QRectF& a = panel.blocksArea;
  const double sx = a.width() / std::max(1, d.steps());
  const int32_t selected = m_selection->op();
  for (int32_t s = 0; s < d.steps(); ++s) {  // the selected layer's step
    const int32_t op = d.stepOp[size_t(s)];
    if (selected >= 0 && op >= 0 && panel.originalOp[size_t(op)] == selected) {
      p.fillRect(QRectF(a.left() + s * sx, a.top(), sx, a.height()), QColor(187, 222, 251));
    }
  }
  for (const TimelineBlock& b : d.blocks) {
    const QRectF r = blockRect(panel, b);
    if (b.kind == BlockKind::kTensor) {
      p.fillRect(r, layerColour(b.producerOp));
    } else {
      const QColor c = b.kind == BlockKind::kScratch ? QColor(96, 125, 139) : QColor(123, 31, 162);
      p.fillRect(r, QColor(c.red(), c.green(), c.blue(), 40));
      p.fillRect(r, QBrush(c, Qt::BDiagPattern));
    }
    const bool mine = selected >= 0 && b.producerOp >= 0 && panel.originalOp[size_t(b.producerOp)] == selected;
    p.setPen(mine ? QPen(QColor(13, 71, 161), 2.5) : b.atPeak ? QPen(QColor(33, 33, 33), 1.6)
                                                               : QPen(QColor(255, 255, 255, 160), 0.8));
    p.drawRect(r);
  }
  const double peakX = a.left() + (d.peakStep + 0.5) * sx;
  p.setPen(QPen(QColor(211, 47, 47), 1.5, Qt::DashLine));
  p.drawLine(QPointF(peakX, a.top()), QPointF(peakX, panel.curveArea.bottom()));
  p.setPen(QColor(211, 47, 47));
  const QString label = tr("peak at step %1: %2").arg(d.peakStep).arg(q(d.stepLabels[size_t(d.peakStep)]));
  const double labelWidth = std::min(260.0, a.width() - 8);
  const QRectF lr(std::max(a.left() + 4, std::min(peakX + 4, a.right() - labelWidth)), a.top() + 2, labelWidth, 16);
  p.drawText(lr, Qt::AlignLeft | Qt::AlignVCenter,
             p.fontMetrics().elidedText(label, Qt::ElideRight, int(labelWidth) - 4));
}

void MemoryTimelineView::paintCurve(QPainter& p, const Panel& panel, const QRectF& c,
                                    int overlayIndex) const {
  const TimelineData& d = panel.data;
  const double sx = c.width() / std::max(1, d.steps());
  const double sy = c.height() / double(m_curveScale);
  if (overlayIndex <= 0) {
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(c);
    p.setPen(palette().color(QPalette::Text));
    p.drawText(QRectF(c.left() - kAxisWidth, c.top() - 2, kAxisWidth - 4, 16), Qt::AlignRight,
               q(formatBytes(m_curveScale)));
    p.drawText(QRectF(c.left() - kAxisWidth, c.bottom() - 14, kAxisWidth - 4, 16), Qt::AlignRight,
               tr("live"));
    if (m_budget > 0 && m_budget <= m_curveScale) {
      const double y = c.bottom() - double(m_budget) * sy;
      p.setPen(QPen(QColor(211, 47, 47), 1, Qt::DashDotLine));
      p.drawLine(QPointF(c.left(), y), QPointF(c.right(), y));
      p.drawText(QRectF(c.left() + 4, y, 200, 16), Qt::AlignLeft, tr("budget %1").arg(q(formatBytes(m_budget))));
    }
  }
  QPolygonF line;
  for (int32_t s = 0; s < d.steps(); ++s) {
    const double y = c.bottom() - double(d.liveBytes[size_t(s)]) * sy;
    line << QPointF(c.left() + s * sx, y) << QPointF(c.left() + (s + 1) * sx, y);
  }
  p.setRenderHint(QPainter::Antialiasing, true);
  p.setPen(QPen(plannerColour(d.planner), 1.8));
  p.drawPolyline(line);
  p.setRenderHint(QPainter::Antialiasing, false);
  if (overlayIndex >= 0) {
    p.drawText(QRectF(c.right() - 300, c.top() + 2 + 16 * overlayIndex, 296, 16), Qt::AlignRight,
               tr("%1 peak %2").arg(q(d.planner), q(formatBytes(d.arenaBytes))));
  }
}

std::pair<int32_t, int32_t> MemoryTimelineView::hitTest(const QPointF& pos) const {
  const size_t shown = m_mode == TimelineMode::kSideBySide ? m_panels.size() : std::min<size_t>(1, m_panels.size());
  for (size_t i = 0; i < shown; ++i) {
    const Panel& panel = m_panels[i];
    const QRectF& a = panel.blocksArea;
    if (!a.contains(pos)) continue;
    const int32_t step = int32_t((pos.x() - a.left()) / a.width() * panel.data.steps());
    const int64_t address = int64_t((a.bottom() - pos.y()) / a.height() * double(m_addressScale));
    return {int32_t(i), blockAt(panel.data, step, address)};
  }
  return {-1, -1};
}

QString MemoryTimelineView::describeAt(const QPointF& pos) const {
  const auto [pi, bi] = hitTest(pos);
  if (pi < 0 || bi < 0) return {};
  const TimelineData& d = m_panels[size_t(pi)].data;
  const TimelineBlock& b = d.blocks[size_t(bi)];
  QString s = q(b.name.empty() ? "(unnamed)" : b.name);
  if (!b.shape.empty()) s += "\n" + q(b.shape);
  s += tr("\n%1 B at offset %2").arg(q(formatCount(b.bytes)), q(formatCount(b.offset)));
  s += tr("\nlive steps %1..%2: %3 \u2192 %4")
           .arg(b.firstStep)
           .arg(b.lastStep)
           .arg(q(d.stepLabels[size_t(b.firstStep)]), q(d.stepLabels[size_t(b.lastStep)]));
  if (b.inPlace) s += tr("\nwritten in place over its input");
  if (b.atPeak) s += tr("\nlive at the peak (step %1)").arg(d.peakStep);
  return s;
}

void MemoryTimelineView::mouseMoveEvent(QMouseEvent* event) {
  const QString text = describeAt(event->position());
  if (text.isEmpty()) {
    QToolTip::hideText();
  } else {
    QToolTip::showText(event->globalPosition().toPoint(), text, this);
  }
}

void MemoryTimelineView::mousePressEvent(QMouseEvent* event) {
  const auto [pi, bi] = hitTest(event->position());
  if (pi < 0 || bi < 0) return;
  const Panel& panel = m_panels[size_t(pi)];
  const int32_t op = panel.data.blocks[size_t(bi)].producerOp;
  if (op >= 0) m_selection->setOp(panel.originalOp[size_t(op)]);
}

}  // namespace tinyforge::views
