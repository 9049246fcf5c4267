#include "views/search_scatter_view.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QScatterSeries>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

namespace tinyforge::views {

namespace {

const QColor kFeasibleColor(31, 119, 180);
const QColor kInfeasibleColor(128, 128, 128);
const QColor kFrontColor(230, 110, 0);
const QColor kSelectedColor(200, 0, 120);

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

void hideFromLegend(QChart* chart, QAbstractSeries* series) {
  for (QLegendMarker* m : chart->legend()->markers(series)) m->setVisible(false);
}

}  // namespace

SearchScatterView::SearchScatterView(QWidget* parent) : QWidget(parent) {
  m_xCombo = new QComboBox(this);
  m_yCombo = new QComboBox(this);
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("X:"), this));
  controls->addWidget(m_xCombo);
  controls->addSpacing(12);
  controls->addWidget(new QLabel(tr("Y:"), this));
  controls->addWidget(m_yCombo);
  controls->addStretch(1);
  buildChart();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(m_view, 1);
  fillCombos();
  connect(m_xCombo, &QComboBox::currentIndexChanged, this, [this] { onComboChanged(); });
  connect(m_yCombo, &QComboBox::currentIndexChanged, this, [this] { onComboChanged(); });
  rebuildSeries();
}

void SearchScatterView::buildChart() {
  m_chart = new QChart;
  m_chart->legend()->setAlignment(Qt::AlignBottom);
  m_chart->legend()->setMarkerShape(QLegend::MarkerShapeFromSeries);
  m_chart->setMargins(QMargins(4, 4, 4, 4));
  m_feasible = new QScatterSeries;
  m_feasible->setMarkerSize(8);
  m_feasible->setColor(kFeasibleColor);
  m_feasible->setBorderColor(kFeasibleColor.darker(130));
  m_infeasible = new QScatterSeries;
  m_infeasible->setMarkerSize(9);
  m_infeasible->setBrush(Qt::NoBrush);
  m_infeasible->setPen(QPen(kInfeasibleColor, 1.5));
  m_frontLine = new QLineSeries;
  m_frontLine->setPen(QPen(kFrontColor, 2));
  m_frontMarkers = new QScatterSeries;
  m_frontMarkers->setMarkerSize(13);
  m_frontMarkers->setColor(kFrontColor);
  m_frontMarkers->setBorderColor(kFrontColor.darker(150));
  m_selectedMarker = new QScatterSeries;
  m_selectedMarker->setName(tr("selected"));
  m_selectedMarker->setMarkerSize(22);
  m_selectedMarker->setBrush(Qt::NoBrush);
  m_selectedMarker->setPen(QPen(kSelectedColor, 3));
  m_xAxis = new QValueAxis;
  m_yAxis = new QValueAxis;
  for (QValueAxis* a : {m_xAxis, m_yAxis}) {
    a->setLabelFormat(QStringLiteral("%.4g"));
    a->setTickCount(7);
  }
  m_chart->addAxis(m_xAxis, Qt::AlignBottom);
  m_chart->addAxis(m_yAxis, Qt::AlignLeft);
  for (QXYSeries* s : std::initializer_list<QXYSeries*>{m_infeasible, m_feasible, m_frontLine,
                                                        m_frontMarkers, m_selectedMarker}) {
    m_chart->addSeries(s);
    s->attachAxis(m_xAxis);
    s->attachAxis(m_yAxis);
  }
  hideFromLegend(m_chart, m_frontLine);
  m_view = new QChartView(m_chart, this);
  m_view->setRenderHint(QPainter::Antialiasing);
  m_view->viewport()->installEventFilter(this);
}

void SearchScatterView::fillCombos() {
  const std::vector<SearchMetric> available = availableMetrics(m_results);
  if (available == m_available && m_xCombo->count() > 0) return;
  m_available = available;
  auto has = [&](SearchMetric m) {
    return std::find(m_available.begin(), m_available.end(), m) != m_available.end();
  };
  if (!has(m_x)) m_x = SearchMetric::kPeakSram;
  if (!has(m_y)) m_y = SearchMetric::kAccuracy;
  for (QComboBox* c : {m_xCombo, m_yCombo}) {
    const QSignalBlocker block(c);
    c->clear();
    for (SearchMetric m : m_available) c->addItem(metricAxisTitle(m), int(m));
  }
  const QSignalBlocker bx(m_xCombo), by(m_yCombo);
  m_xCombo->setCurrentIndex(m_xCombo->findData(int(m_x)));
  m_yCombo->setCurrentIndex(m_yCombo->findData(int(m_y)));
}

void SearchScatterView::onComboChanged() {
  if (m_xCombo->currentIndex() < 0 || m_yCombo->currentIndex() < 0) return;
  m_x = SearchMetric(m_xCombo->currentData().toInt());
  m_y = SearchMetric(m_yCombo->currentData().toInt());
  rebuildSeries();
}

void SearchScatterView::setAxes(SearchMetric x, SearchMetric y) {
  const int xi = m_xCombo->findData(int(x)), yi = m_yCombo->findData(int(y));
  if (xi < 0 || yi < 0) return;
  const QSignalBlocker bx(m_xCombo), by(m_yCombo);
  m_xCombo->setCurrentIndex(xi);
  m_yCombo->setCurrentIndex(yi);
  onComboChanged();
}

void SearchScatterView::setResults(const SearchResults& results) {
  m_results = results;
  if (m_selected >= int(m_results.points.size())) m_selected = -1;
  fillCombos();
  rebuildSeries();
}

void SearchScatterView::setSelected(int candidateIndex) {
  m_selected =
      candidateIndex >= 0 && candidateIndex < int(m_results.points.size()) ? candidateIndex : -1;
  updateSelectedMarker();
}

bool SearchScatterView::plotPosition(const SearchPoint& p, QPointF* pos) const {
  const bool hasX = p.has(m_x), hasY = p.has(m_y);
  // An infeasible candidate was never trained: its accuracy is drawn on the floor.
  const bool floorX = !hasX && m_x == SearchMetric::kAccuracy && !p.feasible;
  const bool floorY = !hasY && m_y == SearchMetric::kAccuracy && !p.feasible;
  if ((!hasX && !floorX) || (!hasY && !floorY)) return false;
  *pos =
      QPointF(floorX ? m_xFloor : displayValue(m_x, p), floorY ? m_yFloor : displayValue(m_y, p));
  return true;
}

void SearchScatterView::rescaleAxes() {
  Range x, y;
  bool xFloor = false, yFloor = false;
  for (const SearchPoint& p : m_results.points) {
    const bool hasX = p.has(m_x), hasY = p.has(m_y);
    if (hasX && hasY) {
      x.add(displayValue(m_x, p));
      y.add(displayValue(m_y, p));
    } else if (!p.feasible && (hasX || m_x == SearchMetric::kAccuracy) &&
               (hasY || m_y == SearchMetric::kAccuracy)) {
      if (hasX)
        x.add(displayValue(m_x, p));
      else
        xFloor = true;
      if (hasY)
        y.add(displayValue(m_y, p));
      else
        yFloor = true;
    }
  }
  // Small margins; an unmeasured accuracy gets a band of its own below the measured ones.
  auto apply = [](Range r, bool floor, QValueAxis* axis, double* floorAt) {
    if (r.empty()) r = {0, 1};
    const double span = r.hi - r.lo;
    const double margin = span > 0 ? 0.04 * span : std::max(std::abs(r.lo) * 0.05, 0.5);
    *floorAt = r.lo - 3 * margin;
    axis->setRange(r.lo - (floor ? 5 : 1) * margin, r.hi + margin);
    axis->applyNiceNumbers();  // only widens the range
  };
  apply(x, xFloor, m_xAxis, &m_xFloor);
  apply(y, yFloor, m_yAxis, &m_yFloor);
  m_xAxis->setTitleText(metricAxisTitle(m_x));
  m_yAxis->setTitleText(metricAxisTitle(m_y));
  m_floorNote = xFloor   ? tr(", not trained: at the left")
                : yFloor ? tr(", not trained: at the bottom")
                         : QString();
}

void SearchScatterView::rebuildSeries() {
  rescaleAxes();
  m_front = frontFor(m_results, m_x, m_y);
  QList<QPointF> feasible, infeasible, frontMarkers, frontLine;
  m_plotted.clear();
  for (const SearchPoint& p : m_results.points) {
    QPointF pos;
    if (!plotPosition(p, &pos)) continue;
    m_plotted.push_back(p.index);
    (p.feasible ? feasible : infeasible).append(pos);
  }
  for (int32_t i : m_front)
    frontMarkers.append(QPointF(displayValue(m_x, m_results.points[size_t(i)]),
                                displayValue(m_y, m_results.points[size_t(i)])));
  for (const QPointF& q : frontStaircase(m_results, m_front, m_x, m_y)) frontLine.append(q);
  m_feasible->replace(feasible);
  m_infeasible->replace(infeasible);
  m_frontMarkers->replace(frontMarkers);
  m_frontLine->replace(frontLine);
  m_feasible->setName(tr("feasible (%1)").arg(feasible.size()));
  m_infeasible->setName(tr("infeasible (%1%2)").arg(infeasible.size()).arg(m_floorNote));
  m_frontMarkers->setName(tr("Pareto front (%1)").arg(frontMarkers.size()));
  const int n = int(m_results.points.size());
  const QString method =
      m_results.method == SearchMethod::kTinyNas ? tr("TinyNAS evolution") : tr("SpArSe");
  m_chart->setTitle(n == 0 ? tr("No candidates yet")
                           : tr("%1: %2 candidates, %3 infeasible")
                                 .arg(method)
                                 .arg(n)
                                 .arg(n - m_results.feasibleCount()));
  updateSelectedMarker();
}

void SearchScatterView::updateSelectedMarker() {
  QList<QPointF> pts;
  QPointF pos;
  if (m_selected >= 0 && plotPosition(m_results.points[size_t(m_selected)], &pos)) pts.append(pos);
  m_selectedMarker->replace(pts);
  // Never in the legend: Qt Charts 6.4 lays a marker that turns visible later over its
  // neighbour, without its label; the ring on the point says enough.
  hideFromLegend(m_chart, m_selectedMarker);
}

QPoint SearchScatterView::viewPosOf(int candidateIndex) const {
  QPointF pos;
  if (candidateIndex < 0 || candidateIndex >= int(m_results.points.size()) ||
      !plotPosition(m_results.points[size_t(candidateIndex)], &pos)) {
    return {-1, -1};
  }
  const QPointF inChart = m_chart->mapToPosition(pos, m_feasible);
  return m_view->mapFromScene(m_chart->mapToScene(inChart));
}

int SearchScatterView::candidateAt(QPoint viewPos) const {
  int best = -1;
  double bestDistance = kPickPixels + 0.5;
  for (int32_t i : m_plotted) {
    const QPoint at = viewPosOf(i);
    const double d = std::hypot(double(at.x() - viewPos.x()), double(at.y() - viewPos.y()));
    // Ties (points drawn on top of each other): a front point wins, else the first.
    const bool onFront = std::find(m_front.begin(), m_front.end(), i) != m_front.end();
    if (d < bestDistance || (d == bestDistance && onFront)) {
      best = i;
      bestDistance = d;
    }
  }
  return best;
}

QString SearchScatterView::tooltipFor(int candidateIndex) const {
  if (candidateIndex < 0 || candidateIndex >= int(m_results.points.size())) return {};
  return describePoint(m_results, m_results.points[size_t(candidateIndex)]);
}

bool SearchScatterView::eventFilter(QObject* watched, QEvent* event) {
  if (watched != m_view->viewport()) return QWidget::eventFilter(watched, event);
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int i = candidateAt(help->pos());
    if (i >= 0) {
      QToolTip::showText(help->globalPos(), tooltipFor(i), m_view->viewport());
    } else {
      QToolTip::hideText();
    }
    return true;
  }
  if (event->type() == QEvent::MouseButtonPress) {
    auto* mouse = static_cast<QMouseEvent*>(event);
    if (mouse->button() == Qt::LeftButton) {
      const int i = candidateAt(mouse->position().toPoint());
      if (i >= 0) {
        setSelected(i);
        Q_EMIT candidateActivated(i);
      }
    }
  }
  return false;
}

}  // namespace tinyforge::views
