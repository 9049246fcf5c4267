// The (w, r) grid of TinyNAS stage 1 as a heat map (part of the Space view): widths left to
// right, resolutions bottom to top, mean MACs or the fitting fraction in each cell.
//
//   SpaceHeatMap m;  m.setGrid(buildSpaceChartModel(report).grid);  m.setMode(HeatMode::kFitFraction);
#pragma once
#include <QWidget>
#include <utility>

#include "views/space_chart_model.h"

namespace tinyforge::views {

// The (w, r) grid: widths left to right, resolutions bottom to top, the value in each cell, cells
// where nothing fits hatched grey with "0 fit", a colour legend, tooltips; click picks a pair.
class SpaceHeatMap : public QWidget {
  Q_OBJECT
 public:
  explicit SpaceHeatMap(QWidget* parent = nullptr);
  void setGrid(const SpaceGrid& grid);
  void setMode(HeatMode mode);
  HeatMode mode() const { return m_mode; }
  const SpaceGrid& grid() const { return m_grid; }
  ColourScale scale() const { return heatScale(m_grid, m_mode); }
  QRectF cellRect(int32_t col, int32_t row) const;               // widget coordinates
  std::pair<int32_t, int32_t> cellAt(const QPointF& pos) const;  // {col, row}, {-1, -1} if none
  QString describeCell(int32_t col, int32_t row) const;          // the tooltip text
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 Q_SIGNALS:
  void cellClicked(double width, int resolution);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void leaveEvent(QEvent* event) override;

 private:
  QRectF gridArea() const;
  QRectF legendArea() const;
  void paintCell(QPainter& p, int32_t col, int32_t row) const;
  void paintAxes(QPainter& p) const;
  void paintLegend(QPainter& p) const;

  SpaceGrid m_grid;
  HeatMode m_mode = HeatMode::kMeanMacs;
  std::pair<int32_t, int32_t> m_hover{-1, -1};
};

}  // namespace tinyforge::views
