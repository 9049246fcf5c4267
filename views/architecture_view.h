// The architecture view: the model's graph top to bottom (ops as rounded boxes, tensors as
// edges labelled with shapes), nodes coloured by a metric, zoom (Ctrl+wheel, zoomIn/zoomOut,
// fit) and pan (drag), click to select; follows the shared selection.
//
//   ArchitectureView v(&selection);  v.setAnalysis(analysis, "best");
//   v.setMetric(NodeMetric::kLiveMemory);
#pragma once
#include <QGraphicsView>
#include <memory>
#include <string>
#include <vector>

#include "views/architecture_layout.h"
#include "views/model_analysis.h"
#include "views/selection_model.h"

namespace tinyforge::views {

enum class NodeMetric { kMacs, kWeightBytes, kLiveMemory };

class ArchitectureNodeItem;

class ArchitectureView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit ArchitectureView(SelectionModel* selection, QWidget* parent = nullptr);

  void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis, const std::string& planner);
  void setMetric(NodeMetric metric);
  NodeMetric metric() const { return m_metric; }

  int nodeCount() const;  // op nodes
  int edgeCount() const { return int(m_layout.edges.size()); }
  QColor nodeColor(int32_t op) const;
  bool isHighlighted(int32_t op) const;
  const ArchitectureLayout& layout() const { return m_layout; }
  // Where an op's box is drawn, in viewport coordinates.
  QPoint nodeViewportCentre(int32_t op) const;

 public Q_SLOTS:
  void zoomIn();
  void zoomOut();
  void fitToView();

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;

 private:
  void rebuildScene();
  void recolour();
  void followSelection(int32_t op);
  double metricValue(int32_t op) const;

  SelectionModel* m_selection;
  std::shared_ptr<const ModelAnalysis> m_analysis;
  std::string m_planner;
  NodeMetric m_metric = NodeMetric::kMacs;
  ArchitectureLayout m_layout;
  std::vector<ArchitectureNodeItem*> m_items;  // per op
  double m_maxMetric = 0;
};

}  // namespace tinyforge::views
