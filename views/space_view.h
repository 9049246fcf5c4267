// The search-space view (TinyNAS stage 1): left the MACs CDF of fitting networks per (width,
// resolution) pair (colour = width, darker = higher resolution, the chosen pair thick and red),
// right a heat map of the (w, r) grid coloured by mean MACs or fitting fraction with the chosen
// cell outlined; above, one line with the budget and the choice, a progress bar while computing,
// and a message that says what to change when nothing fits.
//
//   SpaceView v;  v.setComputing(3, 24);  ...  v.setReport(report, "stm32f746 · SRAM 320 KB");
//   connect(&v, &SpaceView::pairClicked, [](double w, int r) { ... });
#pragma once
#include <QWidget>
#include <utility>
#include <vector>

#include "search/search_space.h"
#include "views/space_chart_model.h"
#include "views/space_heat_map.h"

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineSeries;
class QProgressBar;
class QStackedWidget;
class QValueAxis;

namespace tinyforge::views {

class SpaceView : public QWidget {
  Q_OBJECT
 public:
  enum class State { kMessage, kComputing, kReport };

  explicit SpaceView(QWidget* parent = nullptr);
  // budgetText names the device and budgets, e.g. "stm32f746 · SRAM 64,000 B · flash 64,000 B".
  void setReport(const SpaceReport& report, const QString& budgetText);
  void setModel(SpaceChartModel model, const QString& budgetText);  // e.g. from space.json
  void setComputing(int done, int total);
  void setMessage(const QString& message);
  void setHeatMode(HeatMode mode);

  State state() const { return m_state; }
  const SpaceChartModel& model() const { return m_model; }
  QChart* chart() const { return m_chart; }
  QChartView* chartView() const { return m_chartView; }
  const std::vector<QLineSeries*>& curveSeries() const { return m_series; }  // per model().curves
  QLineSeries* chosenSeries() const;
  SpaceHeatMap* heatMap() const { return m_heatMap; }
  QComboBox* modeBox() const { return m_modeBox; }
  QProgressBar* progressBar() const { return m_progress; }
  QString headerText() const;
  QString messageText() const;

 Q_SIGNALS:
  void pairClicked(double width, int resolution);

 private:
  void rebuildChart();
  void showCurveTip(const QLineSeries* series, const QPointF& point, bool entered);
  void nothingFits(const QString& budgetText);

  State m_state = State::kMessage;
  SpaceChartModel m_model;
  QLabel* m_header;
  QLabel* m_detail;
  QLabel* m_progressLabel;
  QProgressBar* m_progress;
  QStackedWidget* m_stack;
  QLabel* m_message;
  QChart* m_chart;
  QChartView* m_chartView;
  QValueAxis* m_axisX;
  QValueAxis* m_axisY;
  QComboBox* m_modeBox;
  SpaceHeatMap* m_heatMap;
  std::vector<QLineSeries*> m_series;
};

}  // namespace tinyforge::views
