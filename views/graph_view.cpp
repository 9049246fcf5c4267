#include "views/graph_view.h"

#include <QApplication>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QLinearGradient>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "views/timeline_model.h"

namespace tinyforge::views {

namespace {

const QColor kInk(33, 33, 33), kMutedInk(84, 98, 110), kOutline(96, 112, 124);
const QColor kHighlight(21, 101, 192), kEdge(130, 144, 156), kIoFill(232, 236, 239);
const QColor kBackground(250, 250, 250);
constexpr double kMinScale = 0.05, kMaxScale = 4.0, kMinStartScale = 0.6;

// White -> orange -> red; green falls monotonically along the scale.
QColor heatColour(double f) {
  f = std::clamp(f, 0.0, 1.0);
  const QColor a = f < 0.5 ? QColor(255, 255, 255) : QColor(255, 167, 38);
  const QColor b = f < 0.5 ? QColor(255, 167, 38) : QColor(211, 47, 47);
  const double t = f < 0.5 ? f * 2 : (f - 0.5) * 2;
  auto mix = [t](int x, int y) {
    return int(std::lround(double(x) + (double(y) - double(x)) * t));
  };
  return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()));
}

QFont pixelFont(const QFont& base, int pixels, bool bold) {
  QFont f = base;
  f.setPixelSize(pixels);
  f.setBold(bold);
  return f;
}

// A cubic with vertical tangents between consecutive points, and an arrowhead at the end.
QPainterPath edgePath(const std::vector<QPointF>& points) {
  QPainterPath path(points.front());
  for (size_t i = 1; i < points.size(); ++i) {
    const QPointF& p = points[i - 1];
    const QPointF& q = points[i];
    const QPointF dy(0, (q.y() - p.y()) / 2);
    path.cubicTo(p + dy, q - dy, q);
  }
  return path;
}

QPolygonF arrowHead(const QPointF& tip) {
  return QPolygonF({tip, tip + QPointF(-4, -8), tip + QPointF(4, -8)});
}

}  // namespace

// One op (or graph input/output) box.
class GraphNodeItem : public QGraphicsItem {
 public:
  enum { Type = QGraphicsItem::UserType + 71 };
  GraphNodeItem(const GraphLayoutNode& node, const QFont& font)
      : m_node(node),
        m_title(pixelFont(font, kGraphTitlePixelSize, true)),
        m_detail(pixelFont(font, kGraphDetailPixelSize, false)) {
    setAcceptHoverEvents(true);
    if (node.kind == GraphNodeKind::kOp) setCursor(Qt::PointingHandCursor);
    if (node.kind != GraphNodeKind::kOp) m_fill = kIoFill;
  }
  int type() const override { return Type; }
  QRectF boundingRect() const override { return m_node.rect.adjusted(-3, -3, 3, 3); }
  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    p->setRenderHint(QPainter::Antialiasing);
    const bool op = m_node.kind == GraphNodeKind::kOp;
    QPen pen(m_hovered ? kInk : kOutline, m_hovered ? 1.8 : 1.1);
    if (m_highlighted) pen = QPen(kHighlight, 3.5);
    p->setPen(pen);
    p->setBrush(m_fill);
    const double radius = op ? 7 : m_node.rect.height() / 2;
    p->drawRoundedRect(m_node.rect, radius, radius);
    const QRectF text = m_node.rect.adjusted(6, 3, -6, -3);
    const QRectF top(text.left(), text.top(), text.width(), text.height() / 2 + (op ? 1 : 0));
    const QRectF bottom(text.left(), top.bottom(), text.width(), text.bottom() - top.bottom());
    p->setPen(kInk);
    p->setFont(m_title);
    p->drawText(top, Qt::AlignHCenter | Qt::AlignBottom,
                QFontMetricsF(m_title).elidedText(m_node.title, Qt::ElideMiddle, text.width()));
    p->setPen(op ? kInk : kMutedInk);
    p->setFont(m_detail);
    p->drawText(bottom, Qt::AlignHCenter | Qt::AlignTop,
                QFontMetricsF(m_detail).elidedText(m_node.detail, Qt::ElideMiddle, text.width()));
  }
  int32_t op() const { return m_node.op; }
  const GraphLayoutNode& node() const { return m_node; }
  QColor fill() const { return m_fill; }
  void setFill(const QColor& c) {
    m_fill = c;
    update();
  }
  bool highlighted() const { return m_highlighted; }
  void setHighlighted(bool on) {
    m_highlighted = on;
    setZValue(on ? 2 : 1);
    update();
  }

 protected:
  void hoverEnterEvent(QGraphicsSceneHoverEvent*) override {
    m_hovered = true;
    update();
  }
  void hoverLeaveEvent(QGraphicsSceneHoverEvent*) override {
    m_hovered = false;
    update();
  }

 private:
  GraphLayoutNode m_node;
  QFont m_title, m_detail;
  QColor m_fill = Qt::white;
  bool m_highlighted = false, m_hovered = false;
};

GraphView::GraphView(SelectionModel* selection, QWidget* parent)
    : QGraphicsView(parent), m_selection(selection) {
  setScene(new QGraphicsScene(this));
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing |
                 QPainter::SmoothPixmapTransform);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
  setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
  setBackgroundBrush(kBackground);
  setMouseTracking(true);
  connect(m_selection, &SelectionModel::opChanged, this, &GraphView::followSelection);
}

void GraphView::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis,
                            const std::string& planner) {
  const bool same = analysis == m_analysis;
  m_analysis = std::move(analysis);
  m_planner = planner;
  if (!same) rebuildScene();
  recolour();
}

void GraphView::rebuildScene() {
  scene()->clear();
  m_items.clear();
  m_layout = {};
  if (!m_analysis) return;
  m_layout = layoutGraph(m_analysis->graph, m_analysis->summary);
  addEdgeItems();
  addNodeItems();
  scene()->setSceneRect(m_layout.bounds);
  m_untouched = true;
  showStart();
  followSelection(m_selection->op());
}

void GraphView::addEdgeItems() {
  const QPen pen(kEdge, 1.3, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
  const QFont font = pixelFont(this->font(), kGraphLabelPixelSize, false);
  for (const GraphLayoutEdge& e : m_layout.edges) {
    scene()->addPath(edgePath(e.points), pen)->setZValue(-1);
    scene()->addPolygon(arrowHead(e.points.back()), QPen(Qt::NoPen), kEdge)->setZValue(-1);
    QGraphicsSimpleTextItem* label = scene()->addSimpleText(e.label, font);
    label->setBrush(kMutedInk);
    label->setPos(e.labelAt - QPointF(0, label->boundingRect().height() / 2));
    label->setZValue(-0.5);
  }
}

void GraphView::addNodeItems() {
  m_items.assign(m_analysis->graph.ops.size(), nullptr);
  const auto& layers = m_analysis->summary.layers;
  for (const GraphLayoutNode& n : m_layout.nodes) {
    auto* item = new GraphNodeItem(n, font());
    item->setZValue(1);
    item->setCacheMode(QGraphicsItem::DeviceCoordinateCache);
    scene()->addItem(item);
    if (n.kind != GraphNodeKind::kOp) {
      const Tensor& t = m_analysis->graph.tensor(n.tensor);
      item->setToolTip(tr("%1 %2\n%3 %4")
                           .arg(n.title, QString::fromStdString(t.name), graphShapeLabel(t.shape),
                                dtypeName(t.type)));
      continue;
    }
    m_items[size_t(n.op)] = item;
    if (size_t(n.op) >= layers.size()) continue;
    const LayerSummary& l = layers[size_t(n.op)];
    item->setToolTip(
        tr("<b>%1</b><br>%2 (layer %3)<br>output %4<br>%5 MACs<br>%6 weight bytes")
            .arg(QString::fromStdString(l.name).toHtmlEscaped(), QString::fromStdString(l.op))
            .arg(l.index)
            .arg(graphShapeLabel(l.outputShape), QString::fromStdString(formatCount(l.macs)),
                 QString::fromStdString(formatCount(l.weightBytes))));
  }
}

double GraphView::metricValue(int32_t op) const {
  const auto& layers = m_analysis->summary.layers;
  if (size_t(op) >= layers.size()) return -1;
  switch (m_metric) {
    case NodeMetric::kMacs:
      return double(layers[size_t(op)].macs);
    case NodeMetric::kWeightBytes:
      return double(layers[size_t(op)].weightBytes);
    case NodeMetric::kLiveMemory: {
      const PlannerResult* p = m_analysis->plan(m_planner);
      if (!p || !p->error.empty() || size_t(op) >= p->liveBytesAtOp.size()) return -1;
      return double(p->liveBytesAtOp[size_t(op)]);
    }
  }
  return -1;
}

void GraphView::setMetric(NodeMetric metric) {
  m_metric = metric;
  recolour();
}

// Fill = sqrt(value / largest) on the heat scale, so that small layers still show.
void GraphView::recolour() {
  m_maxMetric = 0;
  m_metricAvailable = m_analysis != nullptr && !m_items.empty();
  for (size_t i = 0; i < m_items.size() && m_metricAvailable; ++i) {
    const double v = metricValue(int32_t(i));
    m_metricAvailable = v >= 0;
    m_maxMetric = std::max(m_maxMetric, v);
  }
  for (size_t i = 0; i < m_items.size(); ++i) {
    const double f = m_metricAvailable && m_maxMetric > 0
                         ? std::sqrt(metricValue(int32_t(i)) / m_maxMetric)
                         : 0.0;
    m_items[i]->setFill(heatColour(f));
  }
  viewport()->update();
}

QColor GraphView::nodeColor(int32_t op) const {
  return op >= 0 && size_t(op) < m_items.size() ? m_items[size_t(op)]->fill() : QColor();
}

bool GraphView::isHighlighted(int32_t op) const {
  return op >= 0 && size_t(op) < m_items.size() && m_items[size_t(op)]->highlighted();
}

QPoint GraphView::nodeViewportPos(int32_t op) const {
  if (op < 0 || size_t(op) >= m_items.size()) return {};
  return mapFromScene(m_items[size_t(op)]->node().rect.center());
}

int32_t GraphView::opAt(const QPoint& viewportPos) const {
  for (QGraphicsItem* item : items(viewportPos)) {
    if (auto* node = qgraphicsitem_cast<GraphNodeItem*>(item); node && node->op() >= 0) {
      return node->op();
    }
  }
  return -1;
}

void GraphView::followSelection(int32_t op) {
  for (GraphNodeItem* item : m_items) item->setHighlighted(item->op() == op);
  if (op < 0 || size_t(op) >= m_items.size()) return;
  const QRectF box = m_items[size_t(op)]->node().rect;
  const QRect visible = viewport()->rect();
  if (!visible.contains(mapFromScene(box).boundingRect())) centerOn(box.center());
}

// 1:1 (or smaller, down to kMinStartScale, if that shows the whole graph), the inputs on top.
void GraphView::showStart() {
  const QRectF b = m_layout.bounds;
  if (b.isEmpty()) return;
  const QSize vp = viewport()->size();
  const double fit = std::min(double(vp.width()) / b.width(), double(vp.height()) / b.height());
  const double s = fit >= kMinStartScale ? std::min(fit, 1.0) : 1.0;
  setTransform(QTransform::fromScale(s, s));
  centerOn(b.center().x(), b.top() + double(vp.height()) / (2 * s));
}

void GraphView::zoomBy(double factor) {
  m_untouched = false;
  const double now = transform().m11();
  factor = std::clamp(now * factor, kMinScale, kMaxScale) / now;
  scale(factor, factor);
}

void GraphView::zoomIn() { zoomBy(1.25); }
void GraphView::zoomOut() { zoomBy(0.8); }

void GraphView::fitToView() {
  m_untouched = false;
  if (!m_layout.bounds.isEmpty()) fitInView(m_layout.bounds, Qt::KeepAspectRatio);
}

void GraphView::wheelEvent(QWheelEvent* event) {
  if (event->modifiers() & Qt::ControlModifier) {
    zoomBy(std::pow(1.0015, event->angleDelta().y()));
    event->accept();
    return;
  }
  m_untouched = false;
  QGraphicsView::wheelEvent(event);
}

void GraphView::mousePressEvent(QMouseEvent* event) {
  m_pressPos = event->position().toPoint();
  QGraphicsView::mousePressEvent(event);
}

// A click (press and release without dragging) on an op box selects it.
void GraphView::mouseReleaseEvent(QMouseEvent* event) {
  QGraphicsView::mouseReleaseEvent(event);
  const QPoint pos = event->position().toPoint();
  if (event->button() != Qt::LeftButton) return;
  if ((pos - m_pressPos).manhattanLength() >= QApplication::startDragDistance()) {
    m_untouched = false;  // a pan
    return;
  }
  if (const int32_t op = opAt(pos); op >= 0) m_selection->setOp(op);
}

void GraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (m_untouched) {
    showStart();
    followSelection(m_selection->op());
  }
}

// The legend, in viewport coordinates: metric, scale from white to the largest value.
void GraphView::drawForeground(QPainter* painter, const QRectF&) {
  if (!m_analysis || m_items.empty()) return;
  static const char* const kNames[] = {"MACs", "weight bytes", "live memory"};
  const QString what = tr("Colour: %1").arg(tr(kNames[int(m_metric)]));
  QString range = tr("no data (planner \"%1\" unavailable)").arg(QString::fromStdString(m_planner));
  if (m_metricAvailable) {
    const auto max = int64_t(m_maxMetric);
    range =
        QString::fromStdString(m_metric == NodeMetric::kMacs ? formatCount(max) : formatBytes(max));
  }
  painter->save();
  painter->resetTransform();
  painter->setRenderHint(QPainter::Antialiasing);
  const QFont font = pixelFont(this->font(), 12, false);
  const QFontMetricsF fm(font);
  const double barW = m_metricAvailable ? 120 : 0;
  const QString zero = m_metricAvailable ? QStringLiteral("0") : QString();
  const double w = fm.horizontalAdvance(what) + fm.horizontalAdvance(zero) + barW +
                   fm.horizontalAdvance(range) + 50;
  const QRectF box(10, 10, w, fm.height() + 14);
  painter->setPen(QPen(QColor(207, 216, 220), 1));
  painter->setBrush(QColor(255, 255, 255, 235));
  painter->drawRoundedRect(box, 6, 6);
  painter->setFont(font);
  painter->setPen(kInk);
  QRectF text = box.adjusted(10, 0, -10, 0);
  painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter, what);
  if (m_metricAvailable) {
    const double zeroAt = text.left() + fm.horizontalAdvance(what) + 12;
    painter->setPen(kMutedInk);
    painter->drawText(QPointF(zeroAt, box.center().y() + fm.ascent() / 2 - 1), zero);
    const QRectF bar(zeroAt + fm.horizontalAdvance(zero) + 6, box.center().y() - 5, barW, 10);
    QLinearGradient g(bar.topLeft(), bar.topRight());
    for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) g.setColorAt(f, heatColour(f));
    painter->setPen(QPen(kOutline, 0.8));
    painter->setBrush(g);
    painter->drawRect(bar);
    text.setLeft(bar.right() + 8);
  } else {
    text.setLeft(text.left() + fm.horizontalAdvance(what) + 12);
  }
  painter->setPen(kMutedInk);
  painter->drawText(text, Qt::AlignLeft | Qt::AlignVCenter, range);
  painter->restore();
}

}  // namespace tinyforge::views
