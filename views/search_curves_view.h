// Beneath the Search scatter: (a) the live training curve of the candidate being trained, loss
// (left axis) and accuracy (right axis, %) against the step, at most kMaxTrainingPoints points
// (older points are decimated by two as it fills); (b) the search's progress: SpArSe's
// hypervolume per iteration or the best accuracy so far per candidate (TinyNAS).
//
//   SearchCurvesView v;
//   v.addTrainingPoint(step, loss, accuracy /* fraction, < 0: none */, "train");
//   v.setProgressCurve(results.hypervolume, "hypervolume per iteration");
#pragma once
#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>
#include <vector>

class QChart;
class QChartView;
class QLineSeries;
class QValueAxis;

namespace tinyforge::views {

class SearchCurvesView : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kMaxTrainingPoints = 2000;

  explicit SearchCurvesView(QWidget* parent = nullptr);

  // accuracy as a fraction (0..1), < 0 when the step has none. A step below the previous one
  // starts a new curve (a new training run). The step axis' title shows the stage.
  void addTrainingPoint(double step, double loss, double accuracy, const QString& stage);
  void clear();
  // values[k] at x = k + 1 (candidates or iterations); NaN values are skipped. The title names
  // the curve in the legend; yTitle (the axis) defaults to it.
  void setProgressCurve(const std::vector<double>& values, const QString& title,
                        const QString& yTitle = {});

  int trainingPointCount() const { return int(m_loss.points.size()); }
  QChartView* trainingView() const { return m_trainingView; }
  QChartView* progressView() const { return m_progressView; }
  QLineSeries* lossSeries() const { return m_lossSeries; }
  QLineSeries* accuracySeries() const { return m_accuracySeries; }
  QLineSeries* progressSeries() const { return m_progressSeries; }

 private:
  void buildTrainingChart();
  void buildProgressChart();
  void updateTrainingAxes();
  void showStage();

  // One training curve: every stride-th point is kept; the newest point is shown as a tail
  // until the next one replaces it. Past kMaxTrainingPoints, every other point is dropped and
  // the stride doubles.
  struct Curve {
    QLineSeries* series = nullptr;
    QList<QPointF> points;
    bool tail = false;
    long long seen = 0;
    int stride = 1;
    void reset();
    void add(QPointF p);
  };
  Curve m_loss, m_accuracy;
  long long m_seen = 0;
  double m_lastStep = 0;
  double m_maxLoss = 0;
  QString m_stage;

  QChart* m_trainingChart = nullptr;
  QChartView* m_trainingView = nullptr;
  QLineSeries* m_lossSeries = nullptr;
  QLineSeries* m_accuracySeries = nullptr;
  QValueAxis* m_stepAxis = nullptr;
  QValueAxis* m_lossAxis = nullptr;
  QValueAxis* m_accuracyAxis = nullptr;

  QChart* m_progressChart = nullptr;
  QChartView* m_progressView = nullptr;
  QLineSeries* m_progressSeries = nullptr;
  QValueAxis* m_countAxis = nullptr;
  QValueAxis* m_progressAxis = nullptr;
};

}  // namespace tinyforge::views
