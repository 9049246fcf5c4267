// The memory timeline: x = op step, y = arena address, one rectangle per buffer over its
// lifetime (coloured by producing layer, scratch hatched), the peak step marked with its buffers
// outlined, and beneath, the live bytes per step with the budget line. Shows one planner, all
// planners side by side on one address scale, or one planner with every planner's live curve
// overlaid.
//
//   MemoryTimelineView v(&selection);
//   v.setAnalysis(analysis);  v.setPlanner("best");  v.setMode(TimelineMode::kSideBySide);
#pragma once
#include <QWidget>
#include <memory>
#include <string>
#include <vector>

#include "views/model_analysis.h"
#include "views/selection_model.h"
#include "views/timeline_model.h"

namespace tinyforge::views {

enum class TimelineMode { kSingle, kSideBySide, kOverlay };

class MemoryTimelineView : public QWidget {
  Q_OBJECT
 public:
  explicit MemoryTimelineView(SelectionModel* selection, QWidget* parent = nullptr);

  void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis);
  void setPlanner(const std::string& planner);
  void setMode(TimelineMode mode);
  void setBudgetBytes(int64_t bytes);  // SRAM available to the arena; 0 = none drawn

  // For tests and the status line: the panels currently drawn.
  struct Panel {
    TimelineData data;
    std::vector<int32_t> originalOp;  // planned op -> op of ModelAnalysis::graph
    QRectF blocksArea, curveArea;
  };
  const std::vector<Panel>& panels() const { return m_panels; }
  TimelineMode mode() const { return m_mode; }
  // The tooltip text for the buffer under a widget position ("" if none).
  QString describeAt(const QPointF& pos) const;
  double lastPaintMilliseconds() const { return m_lastPaintMs; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  void rebuild();
  void layoutPanels();
  void paintPanel(QPainter& p, const Panel& panel, bool withCurves) const;
  void paintBlocks(QPainter& p, const Panel& panel) const;
  // overlayIndex: -1 alone, else the curve's place among overlaid curves (0 draws the frame).
  void paintCurve(QPainter& p, const Panel& panel, const QRectF& area, int overlayIndex) const;
  // The panel and block under a position, or {-1, -1}.
  std::pair<int32_t, int32_t> hitTest(const QPointF& pos) const;
  QRectF blockRect(const Panel& panel, const TimelineBlock& b) const;

  SelectionModel* m_selection;
  std::shared_ptr<const ModelAnalysis> m_analysis;
  std::string m_planner = "best";
  TimelineMode m_mode = TimelineMode::kSingle;
  int64_t m_budget = 0;
  int64_t m_addressScale = 1;  // bytes at the top of every panel's block area
  int64_t m_curveScale = 1;
  std::vector<Panel> m_panels;
  double m_lastPaintMs = 0;
};

}  // namespace tinyforge::views
