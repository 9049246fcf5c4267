// The Search view's scatter of every evaluated candidate: two combo boxes pick the metrics on x
// and y (those the method writes), feasible measured points in blue, infeasible ones hollow grey
// (with an unmeasured accuracy they sit on the accuracy axis' floor), the Pareto front for the
// two metrics as a staircase with larger markers, and the selected candidate ringed. Hovering a
// point shows all its metrics; clicking one emits candidateActivated(index into the results).
// setResults() is cheap enough for every update of a live search and keeps the chosen axes.
//
//   SearchScatterView v;  v.setResults(parseSearchHistory(json).value());
//   connect(&v, &SearchScatterView::candidateActivated, ...);  v.setSelected(12);
#pragma once
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <vector>

#include "views/search_results_model.h"

class QChart;
class QChartView;
class QComboBox;
class QLineSeries;
class QScatterSeries;
class QValueAxis;

namespace tinyforge::views {

class SearchScatterView : public QWidget {
  Q_OBJECT
 public:
  explicit SearchScatterView(QWidget* parent = nullptr);

  void setResults(const SearchResults& results);
  const SearchResults& results() const { return m_results; }
  void setSelected(int candidateIndex);  // -1: none
  int selected() const { return m_selected; }
  // Both must be available for the data (ignored otherwise); the combos follow.
  void setAxes(SearchMetric x, SearchMetric y);
  SearchMetric xMetric() const { return m_x; }
  SearchMetric yMetric() const { return m_y; }
  const std::vector<int32_t>& front() const { return m_front; }  // for the current axes

  // Viewport coordinates of the chart view: the candidate drawn nearest to a position (within
  // kPickPixels), or -1; and where a candidate is drawn ((-1, -1) when it is not).
  static constexpr int kPickPixels = 8;
  int candidateAt(QPoint viewPos) const;
  QPoint viewPosOf(int candidateIndex) const;
  QString tooltipFor(int candidateIndex) const;

  QChartView* chartView() const { return m_view; }
  QComboBox* xCombo() const { return m_xCombo; }
  QComboBox* yCombo() const { return m_yCombo; }
  QScatterSeries* feasibleSeries() const { return m_feasible; }
  QScatterSeries* infeasibleSeries() const { return m_infeasible; }
  QScatterSeries* frontSeries() const { return m_frontMarkers; }
  QLineSeries* frontLine() const { return m_frontLine; }
  QScatterSeries* selectedSeries() const { return m_selectedMarker; }

 Q_SIGNALS:
  void candidateActivated(int candidateIndex);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void buildChart();
  void fillCombos();
  void onComboChanged();
  void rebuildSeries();
  void updateSelectedMarker();
  void rescaleAxes();
  // Where a candidate is plotted in axis units; false if it is not plotted on these axes.
  bool plotPosition(const SearchPoint& p, QPointF* pos) const;

  SearchResults m_results;
  std::vector<SearchMetric> m_available;
  SearchMetric m_x = SearchMetric::kPeakSram;
  SearchMetric m_y = SearchMetric::kAccuracy;
  std::vector<int32_t> m_front;
  std::vector<int32_t> m_plotted;  // candidates drawn on the current axes
  double m_yFloor = 0;             // where unmeasured accuracies are drawn (axis units)
  double m_xFloor = 0;
  QString m_floorNote;  // legend note when unmeasured accuracies sit on a floor
  int m_selected = -1;

  QChart* m_chart = nullptr;
  QChartView* m_view = nullptr;
  QComboBox* m_xCombo = nullptr;
  QComboBox* m_yCombo = nullptr;
  QValueAxis* m_xAxis = nullptr;
  QValueAxis* m_yAxis = nullptr;
  QScatterSeries* m_feasible = nullptr;
  QScatterSeries* m_infeasible = nullptr;
  QLineSeries* m_frontLine = nullptr;
  QScatterSeries* m_frontMarkers = nullptr;
  QScatterSeries* m_selectedMarker = nullptr;
};

}  // namespace tinyforge::views
