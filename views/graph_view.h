// The model's architecture graph (Netron-like, top to bottom): ops as rounded boxes with op kind
// and key attributes, edges labelled with tensor shapes, nodes coloured white -> orange -> red by
// a metric with a legend. Ctrl+wheel / zoomIn() / zoomOut() / fitToView() zoom, drag or wheel
// pans; a click selects the op, and the view follows the shared selection.
//
//   GraphView v(&selection);  v.setAnalysis(analysis, "best");
//   v.setMetric(GraphView::NodeMetric::kLiveMemory);  // bytes live while each op runs
#pragma once
#include <QColor>
#include <QGraphicsView>
#include <QPoint>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "views/graph_layout.h"
#include "views/model_analysis.h"
#include "views/selection_model.h"

namespace tinyforge::views {

class GraphNodeItem;

class GraphView : public QGraphicsView {
  Q_OBJECT
 public:
  enum class NodeMetric { kMacs, kWeightBytes, kLiveMemory };

  explicit GraphView(SelectionModel* selection, QWidget* parent = nullptr);

  // Rebuilds the scene for a new analysis; the same analysis with another planner only
  // recolours (live memory comes from `planner`'s liveBytesAtOp).
  void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis, const std::string& planner);
  void setMetric(NodeMetric metric);
  NodeMetric metric() const { return m_metric; }
  // False when the metric has no data (live memory of a missing or failed planner): all white.
  bool metricAvailable() const { return m_metricAvailable; }

  int nodeCount() const { return int(m_items.size()); }  // op nodes, one per op
  int edgeCount() const { return int(m_layout.edges.size()); }
  QColor nodeColor(int32_t op) const;  // fill; invalid QColor for an unknown op
  bool isHighlighted(int32_t op) const;
  const GraphLayout& layout() const { return m_layout; }
  QPoint nodeViewportPos(int32_t op) const;       // centre of op's box in viewport coordinates
  int32_t opAt(const QPoint& viewportPos) const;  // -1: no op box there

 public Q_SLOTS:
  void zoomIn();
  void zoomOut();
  void fitToView();

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;

 private:
  void rebuildScene();
  void addEdgeItems();
  void addNodeItems();
  void recolour();
  double metricValue(int32_t op) const;  // < 0: no data
  void followSelection(int32_t op);
  void showStart();
  void zoomBy(double factor);

  SelectionModel* m_selection;
  std::shared_ptr<const ModelAnalysis> m_analysis;
  std::string m_planner;
  NodeMetric m_metric = NodeMetric::kMacs;
  bool m_metricAvailable = false;
  double m_maxMetric = 0;
  GraphLayout m_layout;
  std::vector<GraphNodeItem*> m_items;  // per op, owned by the scene
  QPoint m_pressPos;
  bool m_untouched = true;  // no zoom or pan since the analysis came: resizing re-frames it
};

}  // namespace tinyforge::views
