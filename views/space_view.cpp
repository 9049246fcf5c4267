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

const QColor kChosen(229, 57, 53);
const QColor kNoFitFill(238, 238, 238), kNoFitHatch(189, 189, 189), kNoFitText(97, 97, 97);
constexpr double kPad = 8, kBarWidth = 14;

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

QString percent(double fraction) {
  const double p = 100.0 * fraction;
  return QStringLiteral("%1%").arg(p, 0, 'f', p > 0 && p < 9.95 ? 1 : 0);
}

}  // namespace

// ---- SpaceHeatMap ---------------------------------------------------------------------------

SpaceHeatMap::SpaceHeatMap(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setBackgroundRole(QPalette::Base);
  setAutoFillBackground(true);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void SpaceHeatMap::setGrid(const SpaceGrid& grid) {
  m_grid = grid;
  m_hover = {-1, -1};
  update();
}

void SpaceHeatMap::setMode(HeatMode mode) {
  m_mode = mode;
  update();
}

QSize SpaceHeatMap::sizeHint() const { return QSize(520, 420); }
QSize SpaceHeatMap::minimumSizeHint() const { return QSize(320, 240); }

QRectF SpaceHeatMap::legendArea() const {
  const QFontMetricsF fm(font());
  const double labels = std::max(fm.horizontalAdvance(QStringLiteral("00.00 M")),
                                 fm.horizontalAdvance(QStringLiteral("chosen")) + kBarWidth - 6);
  const double w = kBarWidth + 6 + labels;
  const QRectF g = gridArea();
  return QRectF(width() - kPad - w, g.top(), w, g.height());
}

QRectF SpaceHeatMap::gridArea() const {
  const QFontMetricsF fm(font());
  const double left = kPad + fm.height() + 6 + fm.horizontalAdvance(QStringLiteral("000")) + 6;
  const double top = kPad + fm.height() + 6;
  const double bottom = kPad + 2 * fm.height() + 10;
  const double legend = kBarWidth + 6 + fm.horizontalAdvance(QStringLiteral("00.00 M")) + 16;
  return QRectF(left, top, std::max(1.0, width() - left - kPad - legend),
                std::max(1.0, height() - top - bottom));
}

QRectF SpaceHeatMap::cellRect(int32_t col, int32_t row) const {
  const QRectF a = gridArea();
  const double w = a.width() / std::max(1, m_grid.columns());
  const double h = a.height() / std::max(1, m_grid.rows());
  return QRectF(a.left() + col * w, a.bottom() - (row + 1) * h, w, h).adjusted(1, 1, -1, -1);
}

std::pair<int32_t, int32_t> SpaceHeatMap::cellAt(const QPointF& pos) const {
  for (int32_t row = 0; row < m_grid.rows(); ++row) {
    for (int32_t col = 0; col < m_grid.columns(); ++col) {
      if (cellRect(col, row).contains(pos)) return {col, row};
    }
  }
  return {-1, -1};
}

QString SpaceHeatMap::describeCell(int32_t col, int32_t row) const {
  if (col < 0 || row < 0 || col >= m_grid.columns() || row >= m_grid.rows()) return {};
  const SpaceCell& c = m_grid.cell(col, row);
  QString s = pairLabel(c.width, c.resolution);
  if (c.pair < 0) return s + tr("\nnot measured");
  s +=
      tr("\nsampled %1, fitting %2 (%3)").arg(c.sampled).arg(c.fitting).arg(percent(c.fitFraction));
  s += c.fitting > 0 ? tr("\nmean MACs of fitting networks: %1").arg(formatMacsM(c.meanMacs))
                     : tr("\nno sampled network fits the budget");
  if (c.chosen) s += tr("\nchosen: the largest mean MACs among fitting networks");
  return s;
}

void SpaceHeatMap::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  if (m_grid.cells.empty()) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, tr("no (width, resolution) pairs"));
    return;
  }
  for (int32_t row = 0; row < m_grid.rows(); ++row) {
    for (int32_t col = 0; col < m_grid.columns(); ++col) paintCell(p, col, row);
  }
  paintAxes(p);
  paintLegend(p);
}

void SpaceHeatMap::paintCell(QPainter& p, int32_t col, int32_t row) const {
  const SpaceCell& c = m_grid.cell(col, row);
  const QRectF r = cellRect(col, row);
  QColor text = kNoFitText;
  if (c.pair < 0) {
    p.fillRect(r, palette().color(QPalette::Window));
  } else if (c.fitting == 0) {
    p.fillRect(r, kNoFitFill);
    p.fillRect(r, QBrush(kNoFitHatch, Qt::BDiagPattern));
  } else {
    const QColor fill = scale().colourAt(cellValue(c, m_mode));
    p.fillRect(r, fill);
    text = textColourOn(fill);
  }
  QFont bold = font();
  bold.setBold(true);
  QFont plain = font();
  const double wide = QFontMetricsF(plain).horizontalAdvance(QStringLiteral("100% fit")) + 6;
  if (wide > r.width()) {  // narrow cells: a smaller font rather than clipped numbers
    const double size = std::max(6.0, font().pointSizeF() * r.width() / wide);
    bold.setPointSizeF(size);
    plain.setPointSizeF(size);
  }
  const QFontMetricsF fm(bold);
  const bool twoLines = c.pair >= 0 && r.height() >= 2.4 * fm.height();
  QString second;
  if (twoLines && c.fitting == 0) second = tr("of %1").arg(c.sampled);
  if (twoLines && c.fitting > 0) {
    second = m_mode == HeatMode::kMeanMacs ? tr("%1 fit").arg(percent(c.fitFraction))
                                           : formatMacsM(c.meanMacs);
  }
  const double h = fm.height();
  const QRectF first = second.isEmpty() ? r : QRectF(r.left(), r.center().y() - h, r.width(), h);
  p.setPen(text);
  p.setFont(bold);
  p.drawText(first, Qt::AlignCenter, cellText(c, m_mode));
  p.setFont(plain);
  if (!second.isEmpty())
    p.drawText(QRectF(r.left(), r.center().y(), r.width(), h), Qt::AlignCenter, second);
  if (c.chosen) {
    p.setPen(QPen(kChosen, 4));
    p.setBrush(Qt::NoBrush);
    p.drawRect(r.adjusted(2, 2, -2, -2));
  } else if (m_hover == std::make_pair(col, row)) {
    p.setPen(QPen(palette().color(QPalette::Highlight), 2));
    p.setBrush(Qt::NoBrush);
    p.drawRect(r.adjusted(1, 1, -1, -1));
  }
}

void SpaceHeatMap::paintAxes(QPainter& p) const {
  const QFontMetricsF fm(font());
  const QRectF a = gridArea();
  p.setPen(palette().color(QPalette::Text));
  p.setFont(font());
  for (int32_t col = 0; col < m_grid.columns(); ++col) {
    const QRectF c = cellRect(col, 0);
    p.drawText(QRectF(c.left(), a.bottom() + 4, c.width(), fm.height()), Qt::AlignCenter,
               QString::number(m_grid.widths[size_t(col)], 'f', 2));
  }
  for (int32_t row = 0; row < m_grid.rows(); ++row) {
    const QRectF c = cellRect(0, row);
    p.drawText(QRectF(0, c.top(), a.left() - 6, c.height()), Qt::AlignRight | Qt::AlignVCenter,
               QString::number(m_grid.resolutions[size_t(row)]));
  }
  p.drawText(QRectF(a.left(), a.bottom() + 6 + fm.height(), a.width(), fm.height() + 4),
             Qt::AlignCenter, tr("width multiplier"));
  p.save();
  p.translate(kPad, a.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-a.height() / 2, 0, a.height(), fm.height()), Qt::AlignCenter,
             tr("resolution"));
  p.restore();
  const QString title = m_mode == HeatMode::kMeanMacs ? tr("mean MACs of fitting networks")
                                                      : tr("fraction of sampled networks that fit");
  p.drawText(QRectF(a.left(), kPad, a.width(), fm.height()), Qt::AlignCenter, title);
}

void SpaceHeatMap::paintLegend(QPainter& p) const {
  const QFontMetricsF fm(font());
  const QRectF l = legendArea();
  const double swatches = 2 * (fm.height() + 6);
  const QRectF bar(l.left(), l.top() + fm.height() / 2, kBarWidth,
                   std::max(20.0, l.height() - swatches - fm.height()));
  const ColourScale s = scale();
  constexpr int kSlices = 64;
  for (int i = 0; i < kSlices; ++i) {
    const double t0 = double(i) / kSlices, t1 = double(i + 1) / kSlices;
    p.fillRect(QRectF(bar.left(), bar.bottom() - t1 * bar.height(), bar.width(),
                      (t1 - t0) * bar.height() + 0.5),
               rampColour(t0));
  }
  p.setPen(palette().color(QPalette::Mid));
  p.setBrush(Qt::NoBrush);
  p.drawRect(bar);
  p.setPen(palette().color(QPalette::Text));
  for (double t : {0.0, 0.5, 1.0}) {
    const double v = s.lo + t * (s.hi - s.lo);
    const QString label = m_mode == HeatMode::kMeanMacs ? formatMacsM(v * 1e6) : percent(v);
    const double y = bar.bottom() - t * bar.height();
    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3, y));
    p.drawText(QRectF(bar.right() + 6, y - fm.height() / 2, l.width(), fm.height()),
               Qt::AlignLeft | Qt::AlignVCenter, label);
  }
  QRectF sw(l.left(), bar.bottom() + 10, kBarWidth, fm.height());
  p.fillRect(sw, kNoFitFill);
  p.fillRect(sw, QBrush(kNoFitHatch, Qt::BDiagPattern));
  p.drawText(QRectF(sw.right() + 6, sw.top(), l.width(), sw.height()),
             Qt::AlignLeft | Qt::AlignVCenter, tr("0 fit"));
  sw.translate(0, fm.height() + 6);
  p.setPen(QPen(kChosen, 3));
  p.drawRect(sw.adjusted(1, 1, -1, -1));
  p.setPen(palette().color(QPalette::Text));
  p.drawText(QRectF(sw.right() + 6, sw.top(), l.width(), sw.height()),
             Qt::AlignLeft | Qt::AlignVCenter, tr("chosen"));
}

void SpaceHeatMap::mouseMoveEvent(QMouseEvent* event) {
  const auto hit = cellAt(event->position());
  if (hit != m_hover) {
    m_hover = hit;
    update();
  }
  if (hit.first < 0) {
    QToolTip::hideText();
  } else {
    QToolTip::showText(event->globalPosition().toPoint(), describeCell(hit.first, hit.second),
                       this);
  }
}

void SpaceHeatMap::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return;
  const auto [col, row] = cellAt(event->position());
  if (col < 0 || m_grid.cell(col, row).pair < 0) return;
  Q_EMIT cellClicked(m_grid.widths[size_t(col)], m_grid.resolutions[size_t(row)]);
}

void SpaceHeatMap::leaveEvent(QEvent*) {
  m_hover = {-1, -1};
  update();
}

// ---- SpaceView ------------------------------------------------------------------------------

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
                                  percent(chosen->fitFraction), formatMacsM(chosen->meanMacs));
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
    s->setPen(c.chosen ? QPen(kChosen, 3.5)
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
                         .arg(c.label, percent(y))
                         .arg(cell.fitting)
                         .arg(formatMacsM(point.x() * 1e6)),
                     m_chartView);
}

}  // namespace tinyforge::views
