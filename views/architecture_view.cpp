#include "views/architecture_view.h"

#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "views/timeline_model.h"

namespace tinyforge::views {

// One op (or graph input/output) box.
class ArchitectureNodeItem : public QGraphicsItem {
 public:
  ArchitectureNodeItem(const LayoutNode& node, QFont font) : m_node(node), m_font(std::move(font)) {
    setAcceptHoverEvents(true);
  }
  QRectF boundingRect() const override { return m_node.rect.adjusted(-3, -3, 3, 3); }
  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    const bool io = m_node.op < 0;
    p->setBrush(io ? QColor(236, 239, 241) : m_fill);
    p->setPen(m_highlighted ? QPen(QColor(21, 101, 192), 3.5) : QPen(QColor(84, 110, 122), 1.2));
    p->drawRoundedRect(m_node.rect, 8, 8);
    QFont bold = m_font;
    bold.setBold(true);
    p->setPen(QColor(33, 33, 33));
    p->setFont(bold);
    const QRectF top = m_node.rect.adjusted(4, 3, -4, -m_node.rect.height() / 2);
    const QRectF bottom = m_node.rect.adjusted(4, m_node.rect.height() / 2 - 2, -4, -3);
    p->drawText(top, Qt::AlignCenter, m_node.title);
    p->setFont(m_font);
    p->drawText(bottom, Qt::AlignCenter, m_node.detail);
  }
  int32_t op() const { return m_node.op; }
  void setFill(const QColor& c) { m_fill = c; update(); }
  QColor fill() const { return m_fill; }
  void setHighlighted(bool on) { m_highlighted = on; update(); }
  bool highlighted() const { return m_highlighted; }

 private:
  LayoutNode m_node;
  QFont m_font;
  QColor m_fill = Qt::white;
  bool m_highlighted = false;
};

ArchitectureView::ArchitectureView(SelectionModel* selection, QWidget* parent)
    : QGraphicsView(parent), m_selection(selection) {
  setScene(new QGraphicsScene(this));
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setBackgroundBrush(QColor(250, 250, 250));
  connect(m_selection, &SelectionModel::opChanged, this, &ArchitectureView::followSelection);
}

void ArchitectureView::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis, const std::string& planner) {
  const bool same = analysis == m_analysis;
  m_analysis = std::move(analysis);
  m_planner = planner;
  if (!same) rebuildScene();
  recolour();
}

void ArchitectureView::rebuildScene() {
  scene()->clear();
  m_items.clear();
  m_layout = {};
  if (!m_analysis) return;
  QFont font = this->font();
  font.setPointSizeF(font.pointSizeF() * 0.9);
  m_layout = layoutArchitecture(m_analysis->graph, m_analysis->summary, QFontMetricsF(font));
  const QPen edgePen(QColor(120, 144, 156), 1.3);
  QFont small = font;
  small.setPointSizeF(font.pointSizeF() * 0.85);
  for (const LayoutEdge& e : m_layout.edges) {
    scene()->addPath(e.path, edgePen)->setZValue(-1);
    if (e.label.isEmpty()) continue;
    QGraphicsSimpleTextItem* label = scene()->addSimpleText(e.label, small);
    label->setBrush(QColor(96, 125, 139));
    label->setPos(e.labelAt - QPointF(0, 14));
  }
  m_items.assign(m_analysis->graph.ops.size(), nullptr);
  for (const LayoutNode& n : m_layout.nodes) {
    auto* item = new ArchitectureNodeItem(n, font);
    scene()->addItem(item);
    if (n.op >= 0) {
      m_items[size_t(n.op)] = item;
      const LayerSummary& l = m_analysis->summary.layers[size_t(n.op)];
      QString shape;
      for (size_t i = 0; i < l.outputShape.size(); ++i) shape += (i ? "x" : "") + QString::number(l.outputShape[i]);
      item->setToolTip(tr("%1 (%2, layer %3)\noutput %4\n%5 MACs\n%6 B weights")
                           .arg(QString::fromStdString(l.name), QString::fromStdString(l.op))
                           .arg(l.index)
                           .arg(shape, QString::fromStdString(formatCount(l.macs)),
                                QString::fromStdString(formatCount(l.weightBytes))));
    }
  }
  scene()->setSceneRect(m_layout.bounds);
  followSelection(m_selection->op());
}

double ArchitectureView::metricValue(int32_t op) const {
  const LayerSummary& l = m_analysis->summary.layers[size_t(op)];
  switch (m_metric) {
    case NodeMetric::kMacs: return double(l.macs);
    case NodeMetric::kWeightBytes: return double(l.weightBytes);
    case NodeMetric::kLiveMemory: {
      const PlannerResult* p = m_analysis->plan(m_planner);
      return p && p->error.empty() ? double(p->liveBytesAtOp[size_t(op)]) : 0.0;
    }
  }
  return 0;
}

void ArchitectureView::setMetric(NodeMetric metric) {
  m_metric = metric;
  recolour();
}

void ArchitectureView::recolour() {
  if (!m_analysis) return;
  m_maxMetric = 0;
  for (size_t i = 0; i < m_items.size(); ++i) m_maxMetric = std::max(m_maxMetric, metricValue(int32_t(i)));
  for (size_t i = 0; i < m_items.size(); ++i) {
    const double f = m_maxMetric > 0 ? std::sqrt(metricValue(int32_t(i)) / m_maxMetric) : 0.0;
    // white -> deep orange
    m_items[i]->setFill(QColor(255, int(255 - f * (255 - 87)), int(255 - f * (255 - 34))));
  }
  viewport()->update();
}

int ArchitectureView::nodeCount() const { return int(m_items.size()); }

QColor ArchitectureView::nodeColor(int32_t op) const {
  return op >= 0 && size_t(op) < m_items.size() ? m_items[size_t(op)]->fill() : QColor();
}

bool ArchitectureView::isHighlighted(int32_t op) const {
  return op >= 0 && size_t(op) < m_items.size() && m_items[size_t(op)]->highlighted();
}

QPoint ArchitectureView::nodeViewportCentre(int32_t op) const {
  return mapFromScene(m_layout.nodes[size_t(op)].rect.center());
}

void ArchitectureView::followSelection(int32_t op) {
  for (ArchitectureNodeItem* item : m_items) item->setHighlighted(item->op() == op);
  if (op >= 0 && size_t(op) < m_items.size()) ensureVisible(m_items[size_t(op)], 80, 80);
}

void ArchitectureView::zoomIn() { scale(1.25, 1.25); }
void ArchitectureView::zoomOut() { scale(0.8, 0.8); }
void ArchitectureView::fitToView() { fitInView(scene()->sceneRect(), Qt::KeepAspectRatio); }

void ArchitectureView::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    event->angleDelta().y() > 0 ? zoomIn() : zoomOut();
    event->accept();
    return;
  }
  QGraphicsView::wheelEvent(event);
}

void ArchitectureView::mousePressEvent(QMouseEvent* event) {
  for (QGraphicsItem* item : items(event->position().toPoint())) {
    if (auto* node = dynamic_cast<ArchitectureNodeItem*>(item); node && node->op() >= 0) {
      m_selection->setOp(node->op());
      break;
    }
  }
  QGraphicsView::mousePressEvent(event);
}

void ArchitectureView::drawForeground(QPainter* painter, const QRectF&) {
  if (!m_analysis) return;
  static const char* kNames[] = {"MACs", "weight bytes", "live memory"};
  painter->save();
  painter->resetTransform();
  const QString text = tr("colour: %1 (darkest = %2)    Ctrl+wheel: zoom, drag: pan")
                           .arg(tr(kNames[int(m_metric)]), QString::fromStdString(formatCount(int64_t(m_maxMetric))));
  const QRectF box(8, 6, painter->fontMetrics().horizontalAdvance(text) + 16, painter->fontMetrics().height() + 8);
  painter->fillRect(box, QColor(255, 255, 255, 220));
  painter->setPen(QColor(55, 71, 79));
  painter->drawText(box, Qt::AlignCenter, text);
  painter->restore();
}

}  // namespace tinyforge::views
