#include "views/space_view.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMouseEvent>
#include <QPainter>
#include <QProgressBar>
#include <QSplitter>
#include <QStackedWidget>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>

namespace tinyforge::views {

namespace {

// Categorical hues per width column (no red: red marks the chosen pair).
QColor widthColour(int32_t column) {
  static const QColor kHues[] = {{31, 119, 180}, {255, 127, 14},  {44, 160, 44},  {148, 103, 189},
                                 {140, 86, 75},  {227, 119, 194}, {23, 190, 207}, {188, 189, 34}};
  return kHues[size_t(column) % std::size(kHues)];
}

// Darker for higher resolutions: lightness 0.70 (smallest row) down to 0.30 (largest).
QColor curveColour(int32_t column, int32_t row, int32_t rows) {
  const QColor base = widthColour(column);
  const double t = rows > 1 ? double(row) / double(rows - 1) : 0.5;
  return QColor::fromHslF(base.hslHueF(), std::max(0.5f, base.hslSaturationF()),
                          float(0.70 - 0.40 * t));
}

}  // namespace

SpaceView::SpaceView(QWidget* parent) : QWidget(parent) {
  m_header = new QLabel(this);
  QFont bold = m_header->font();
  bold.setBold(true);
  m_header->setFont(bold);
  m_header->setWordWrap(true);
  m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_detail = new QLabel(this);
  m_detail->setWordWrap(true);
  m_detail->setForegroundRole(QPalette::PlaceholderText);
  m_progressLabel = new QLabel(this);
  m_progress = new QProgressBar(this);
  m_progress->setTextVisible(false);
  auto* progressRow = new QHBoxLayout;
  progressRow->addWidget(m_progressLabel);
  progressRow->addWidget(m_progress, 1);

  m_message = new QLabel(this);
  m_message->setWordWrap(true);
  m_message->setAlignment(Qt::AlignCenter);
  m_message->setMargin(24);

  m_chart = new QChart;
  m_chart->setTitle(tr("MACs CDF per (w, r): colour = width, darker = higher resolution"));
  m_chart->legend()->setAlignment(Qt::AlignBottom);
  m_chart->setMargins(QMargins(4, 4, 4, 4));
  m_axisX = new QValueAxis;
  m_axisX->setTitleText(tr("MACs (M)"));
  m_axisY = new QValueAxis;
  m_axisY->setTitleText(tr("fraction of fitting networks"));
  m_axisY->setRange(0, 1);
  m_axisY->setTickCount(6);
  m_axisY->setLabelFormat(QStringLiteral("%.1f"));
  m_chart->addAxis(m_axisX, Qt::AlignBottom);
  m_chart->addAxis(m_axisY, Qt::AlignLeft);
  m_chartView = new QChartView(m_chart, this);
  m_chartView->setRenderHint(QPainter::Antialiasing);
  m_chartView->setMinimumSize(360, 280);

  m_heatMap = new SpaceHeatMap(this);
  m_modeBox = new QComboBox(this);
  m_modeBox->addItems({tr("mean MACs"), tr("fitting fraction")});
  connect(m_modeBox, &QComboBox::currentIndexChanged, this, [this](int i) {
    m_heatMap->setMode(i == 1 ? HeatMode::kFitFraction : HeatMode::kMeanMacs);
  });
  connect(m_heatMap, &SpaceHeatMap::cellClicked, this, &SpaceView::pairClicked);
  auto* right = new QWidget(this);
  auto* rightLayout = new QVBoxLayout(right);
  rightLayout->setContentsMargins(0, 0, 0, 0);
  auto* modeRow = new QHBoxLayout;
  modeRow->addWidget(new QLabel(tr("Heat map colour:"), right));
  modeRow->addWidget(m_modeBox);
  modeRow->addStretch(1);
  rightLayout->addLayout(modeRow);
  rightLayout->addWidget(m_heatMap, 1);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(m_chartView);
  splitter->addWidget(right);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({1100, 900});  // 11 : 9 of whatever width the view gets

  m_stack = new QStackedWidget(this);
  m_stack->addWidget(m_message);
  m_stack->addWidget(splitter);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(m_header);
  layout->addWidget(m_detail);
  layout->addLayout(progressRow);
  layout->addWidget(m_stack, 1);
  setMessage(tr("No search-space results yet: compute TinyNAS stage 1 for the project's device."));
}

QLineSeries* SpaceView::chosenSeries() const {
  for (size_t i = 0; i < m_series.size(); ++i) {
    if (m_model.curves[i].chosen) return m_series[i];
  }
  return nullptr;
}

QString SpaceView::headerText() const { return m_header->text(); }
QString SpaceView::messageText() const { return m_message->text(); }

void SpaceView::setReport(const SpaceReport& report, const QString& budgetText) {
  setModel(buildSpaceChartModel(report), budgetText);
}

void SpaceView::setModel(SpaceChartModel model, const QString& budgetText) {
  m_model = std::move(model);
  m_heatMap->setGrid(m_model.grid);
  rebuildChart();
  const SpaceCell* chosen = m_model.chosenCell();
  if (!chosen) {
    nothingFits(budgetText);
    return;
  }
  m_state = State::kReport;
  m_progressLabel->hide();
  m_progress->hide();
  const QString choice = tr("chosen %1: %2 fit, mean %3 MACs")
                             .arg(pairLabel(chosen->width, chosen->resolution),
                                  formatPercent(chosen->fitFraction), formatMacsM(chosen->meanMacs));
  m_header->setText(budgetText.isEmpty() ? choice : budgetText + QStringLiteral(" — ") + choice);
  m_detail->setText(
      tr("The chosen pair has the largest mean MACs among fitting networks. %1 of %2 pairs have "
         "fitting networks; %3 networks sampled in %4 s. Hover a cell for its counts.")
          .arg(m_model.curves.size())
          .arg(m_model.pairs)
          .arg(m_model.evaluations)
          .arg(m_model.seconds, 0, 'f', 1));
  m_header->show();
  m_detail->show();
  m_stack->setCurrentIndex(1);
}

void SpaceView::nothingFits(const QString& budgetText) {
  const QString budget = budgetText.isEmpty() ? tr("the budget") : budgetText;
  if (m_model.pairs == 0) {
    setMessage(
        tr("Nothing fits: no (width, resolution) pair was measured — the computation stopped "
           "before the "
           "first pair, or the space has no widths or resolutions. Compute the space again."));
    return;
  }
  const SpaceGrid& g = m_model.grid;
  setMessage(tr("Nothing fits: none of the %1 networks sampled at %2 (width, resolution) pairs "
                "fits %3.\n\n"
                "Raise the SRAM or flash budget (or pick a larger device), or add smaller widths "
                "(below %4) "
                "or resolutions (below %5) to the search space.")
                 .arg(m_model.evaluations)
                 .arg(m_model.pairs)
                 .arg(budget)
                 .arg(g.widths.front(), 0, 'f', 2)
                 .arg(g.resolutions.front()));
  m_header->setText(budget + tr(" — nothing fits"));
  m_header->show();
}

void SpaceView::setComputing(int done, int total) {
  m_state = State::kComputing;
  m_progressLabel->setText(tr("computing… (%1/%2 pairs)").arg(done).arg(total));
  m_progress->setRange(0, std::max(0, total));
  m_progress->setValue(std::clamp(done, 0, std::max(0, total)));
  m_progressLabel->show();
  m_progress->show();
  if (m_model.curves.empty()) {  // nothing to show meanwhile
    m_message->setText(
        tr("Sampling networks for every (width, resolution) pair and planning their memory…"));
    m_stack->setCurrentIndex(0);
  } else {
    m_detail->setText(
        tr("Recomputing: the previous result stays on screen until the new one is ready."));
  }
}

void SpaceView::setMessage(const QString& message) {
  m_state = State::kMessage;
  m_message->setText(message);
  m_header->setText({});
  m_header->hide();
  m_detail->hide();
  m_progressLabel->hide();
  m_progress->hide();
  m_stack->setCurrentIndex(0);
}

void SpaceView::setHeatMode(HeatMode mode) {
  m_modeBox->setCurrentIndex(mode == HeatMode::kFitFraction ? 1 : 0);
}

void SpaceView::rebuildChart() {
  m_chart->removeAllSeries();
  m_series.assign(m_model.curves.size(), nullptr);
  const SpaceGrid& g = m_model.grid;
  std::vector<bool> named(g.widths.size(), false);
  auto add = [&](size_t i) {
    const SpaceCurve& c = m_model.curves[i];
    const int32_t col = g.columnOf(c.width);
    auto* s = new QLineSeries;
    s->setName(c.chosen ? c.label + tr(" (chosen)") : c.label);
    s->replace(QList<QPointF>(c.points.begin(), c.points.end()));
    s->setPen(c.chosen ? QPen(chosenPairColour(), 3.5)
                       : QPen(curveColour(col, g.rowOf(c.resolution), g.rows()), 1.5));
    m_chart->addSeries(s);
    s->attachAxis(m_axisX);
    s->attachAxis(m_axisY);
    connect(s, &QLineSeries::hovered, this,
            [this, s](const QPointF& p, bool on) { showCurveTip(s, p, on); });
    // Legend: one entry per width (its first curve, in the width's base colour) and the chosen
    // pair.
    QLegendMarker* marker = m_chart->legend()->markers(s).value(0);
    if (marker && !c.chosen && !named[size_t(col)]) {
      named[size_t(col)] = true;
      marker->setLabel(QStringLiteral("w%1").arg(c.width, 0, 'f', 2));
      marker->setBrush(widthColour(col));
    } else if (marker && !c.chosen) {
      marker->setVisible(false);
    }
    m_series[i] = s;
  };
  for (size_t i = 0; i < m_model.curves.size(); ++i) {
    if (!m_model.curves[i].chosen) add(i);
  }
  for (size_t i = 0; i < m_model.curves.size(); ++i) {  // the chosen curve last: drawn on top
    if (m_model.curves[i].chosen) add(i);
  }
  const double top = m_model.maxMacsM > 0 ? m_model.maxMacsM * 1.05 : 1.0;
  m_axisX->setRange(0, top);
  m_axisX->applyNiceNumbers();
  m_axisX->setLabelFormat(m_axisX->max() <= 2 ? QStringLiteral("%.2f") : QStringLiteral("%.1f"));
}

void SpaceView::showCurveTip(const QLineSeries* series, const QPointF& point, bool entered) {
  const auto it = std::find(m_series.begin(), m_series.end(), series);
  if (!entered || it == m_series.end()) {
    QToolTip::hideText();
    return;
  }
  const SpaceCurve& c = m_model.curves[size_t(it - m_series.begin())];
  double y = 0;
  for (const QPointF& p : c.points) {
    if (p.x() <= point.x()) y = p.y();
  }
  const SpaceCell& cell =
      m_model.grid.cell(m_model.grid.columnOf(c.width), m_model.grid.rowOf(c.resolution));
  QToolTip::showText(QCursor::pos(),
                     tr("%1: %2 of the %3 fitting networks have <= %4 MACs")
                         .arg(c.label, formatPercent(y))
                         .arg(cell.fitting)
                         .arg(formatMacsM(point.x() * 1e6)),
                     m_chartView);
}

}  // namespace tinyforge::views
