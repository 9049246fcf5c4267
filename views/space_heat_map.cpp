#include "views/space_heat_map.h"

#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace tinyforge::views {

namespace {
const QColor kNoFitFill(238, 238, 238), kNoFitHatch(189, 189, 189), kNoFitText(97, 97, 97);
constexpr double kPad = 8, kBarWidth = 14;
}  // namespace

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
      tr("\nsampled %1, fitting %2 (%3)").arg(c.sampled).arg(c.fitting).arg(formatPercent(c.fitFraction));
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
    second = m_mode == HeatMode::kMeanMacs ? tr("%1 fit").arg(formatPercent(c.fitFraction))
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
    p.setPen(QPen(chosenPairColour(), 4));
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
    const QString label = m_mode == HeatMode::kMeanMacs ? formatMacsM(v * 1e6) : formatPercent(v);
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
  p.setPen(QPen(chosenPairColour(), 3));
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

}  // namespace tinyforge::views
