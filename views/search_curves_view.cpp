#include "views/search_curves_view.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsLayout>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace tinyforge::views {

namespace {

const QColor kLossColor(214, 39, 40);
const QColor kAccuracyColor(31, 119, 180);
const QColor kProgressColor(44, 160, 44);

// Compact: no chart title (the legend, at the top, names the curves), thin margins.
QChartView* makeView(QChart* chart, QWidget* parent) {
  chart->setMargins(QMargins(2, 0, 2, 2));
  chart->layout()->setContentsMargins(0, 0, 0, 0);
  chart->setBackgroundRoundness(0);
  chart->legend()->setAlignment(Qt::AlignTop);
  auto* view = new QChartView(chart, parent);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumHeight(160);
  return view;
}

// Slightly smaller text than the scatter's, so that the titles fit charts ~150 px high.
QValueAxis* makeAxis(const QString& title, const QString& format) {
  auto* a = new QValueAxis;
  QFont font = a->titleFont();
  font.setPointSizeF(std::max(6.0, font.pointSizeF() - 1.5));
  a->setTitleFont(font);
  a->setLabelsFont(font);
  a->setTitleText(title);
  a->setLabelFormat(format);
  a->setTickCount(5);
  return a;
}

// The range as given, ticks at multiples of 1, 2 or 5 x 10^k (about five of them).
void setRangeWithNiceTicks(QValueAxis* axis, double lo, double hi) {
  axis->setRange(lo, hi);
  const double raw = (hi - lo) / 5.0;
  if (!(raw > 0) || !std::isfinite(raw)) return;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double step = (f < 1.5 ? 1.0 : f < 3.5 ? 2.0 : f < 7.5 ? 5.0 : 10.0) * magnitude;
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(0);
  axis->setTickInterval(step);
}

}  // namespace

SearchCurvesView::SearchCurvesView(QWidget* parent) : QWidget(parent) {
  buildTrainingChart();
  buildProgressChart();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(m_trainingView, 1);
  layout->addWidget(m_progressView, 1);
  clear();
  setProgressCurve({}, tr("search progress"));
}

void SearchCurvesView::buildTrainingChart() {
  m_trainingChart = new QChart;
  m_lossSeries = new QLineSeries;
  m_loss.series = m_lossSeries;
  m_lossSeries->setName(tr("loss"));
  m_lossSeries->setPen(QPen(kLossColor, 1.5));
  m_accuracySeries = new QLineSeries;
  m_accuracy.series = m_accuracySeries;
  m_accuracySeries->setName(tr("accuracy (%)"));
  m_accuracySeries->setPen(QPen(kAccuracyColor, 1.5));
  m_stepAxis = makeAxis(tr("step"), QStringLiteral("%.0f"));
  m_lossAxis = makeAxis(tr("loss"), QStringLiteral("%.3g"));
  m_accuracyAxis = makeAxis(tr("acc. (%)"), QStringLiteral("%.0f"));
  m_lossAxis->setLinePenColor(kLossColor);
  m_accuracyAxis->setLinePenColor(kAccuracyColor);
  m_trainingChart->addAxis(m_stepAxis, Qt::AlignBottom);
  m_trainingChart->addAxis(m_lossAxis, Qt::AlignLeft);
  m_trainingChart->addAxis(m_accuracyAxis, Qt::AlignRight);
  m_trainingChart->addSeries(m_lossSeries);
  m_trainingChart->addSeries(m_accuracySeries);
  m_lossSeries->attachAxis(m_stepAxis);
  m_lossSeries->attachAxis(m_lossAxis);
  m_accuracySeries->attachAxis(m_stepAxis);
  m_accuracySeries->attachAxis(m_accuracyAxis);
  setRangeWithNiceTicks(m_accuracyAxis, 0, 100);
  m_trainingView = makeView(m_trainingChart, this);
}

void SearchCurvesView::buildProgressChart() {
  m_progressChart = new QChart;
  m_progressSeries = new QLineSeries;
  m_progressSeries->setPen(QPen(kProgressColor, 2));
  m_progressSeries->setPointsVisible(true);
  m_countAxis = makeAxis(tr("candidates evaluated"), QStringLiteral("%.0f"));
  m_progressAxis = makeAxis(QString(), QStringLiteral("%.4g"));
  m_progressChart->addAxis(m_countAxis, Qt::AlignBottom);
  m_progressChart->addAxis(m_progressAxis, Qt::AlignLeft);
  m_progressChart->addSeries(m_progressSeries);
  m_progressSeries->attachAxis(m_countAxis);
  m_progressSeries->attachAxis(m_progressAxis);
  m_progressView = makeView(m_progressChart, this);
}

void SearchCurvesView::Curve::reset() {
  points.clear();
  tail = false;
  seen = 0;
  stride = 1;
  series->clear();
}

void SearchCurvesView::Curve::add(QPointF p) {
  if (tail) {
    points.removeLast();
    series->remove(series->count() - 1);
  }
  tail = seen++ % stride != 0;
  points.append(p);
  if (points.size() <= kMaxTrainingPoints) {
    series->append(p);
    return;
  }
  // Every other point (the first and the newest stay), then half the rate of new ones.
  QList<QPointF> kept;
  kept.reserve(points.size() / 2 + 1);
  for (qsizetype i = 0; i + 1 < points.size(); i += 2) kept.append(points[i]);
  kept.append(points.last());
  points = std::move(kept);
  tail = false;
  stride *= 2;
  series->replace(points);
}

void SearchCurvesView::clear() {
  m_loss.reset();
  m_accuracy.reset();
  m_seen = 0;
  m_lastStep = 0;
  m_maxLoss = 0;
  setRangeWithNiceTicks(m_stepAxis, 0, 1);
  setRangeWithNiceTicks(m_lossAxis, 0, 1);
  showStage();
}

void SearchCurvesView::showStage() {
  m_stepAxis->setTitleText(m_stage.isEmpty() ? tr("training step")
                                             : tr("training step (%1)").arg(m_stage));
}

void SearchCurvesView::addTrainingPoint(double step, double loss, double accuracy,
                                        const QString& stage) {
  if (m_seen > 0 && step < m_lastStep) clear();
  if (stage != m_stage) {
    m_stage = stage;
    showStage();
  }
  ++m_seen;
  m_lastStep = step;
  if (std::isfinite(loss)) {
    m_loss.add(QPointF(step, loss));
    m_maxLoss = std::max(m_maxLoss, loss);
  }
  if (accuracy >= 0) m_accuracy.add(QPointF(step, accuracy * 100.0));
  updateTrainingAxes();
}

void SearchCurvesView::updateTrainingAxes() {
  double first = m_lastStep;
  if (!m_loss.points.isEmpty()) first = std::min(first, m_loss.points.first().x());
  if (!m_accuracy.points.isEmpty()) first = std::min(first, m_accuracy.points.first().x());
  setRangeWithNiceTicks(m_stepAxis, first, std::max(m_lastStep, first + 1));
  setRangeWithNiceTicks(m_lossAxis, 0, m_maxLoss > 0 ? m_maxLoss * 1.05 : 1);
}

void SearchCurvesView::setProgressCurve(const std::vector<double>& values, const QString& title,
                                        const QString& yTitle) {
  QList<QPointF> pts;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t k = 0; k < values.size(); ++k) {
    if (!std::isfinite(values[k])) continue;
    pts.append(QPointF(double(k + 1), values[k]));
    lo = std::min(lo, values[k]);
    hi = std::max(hi, values[k]);
  }
  m_progressSeries->replace(pts);
  if (m_progressSeries->pointsVisible() != (pts.size() <= 60)) m_progressSeries->setPointsVisible(pts.size() <= 60);
  // A changed title lays the chart out again (tens of milliseconds): only when it changes.
  if (m_progressSeries->name() != title) m_progressSeries->setName(title);
  const QString axisTitle = yTitle.isEmpty() ? title : yTitle;
  if (m_progressAxis->titleText() != axisTitle) m_progressAxis->setTitleText(axisTitle);
  setRangeWithNiceTicks(m_countAxis, 1, std::max<double>(2, double(values.size())));
  if (pts.isEmpty()) {
    setRangeWithNiceTicks(m_progressAxis, 0, 1);
  } else {
    const double margin = hi > lo ? 0.05 * (hi - lo) : std::max(std::abs(hi) * 0.05, 0.01);
    setRangeWithNiceTicks(m_progressAxis, lo - margin, hi + margin);
  }
}

}  // namespace tinyforge::views
