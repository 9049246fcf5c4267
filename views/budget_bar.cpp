#include "views/budget_bar.h"

#include <QPainter>
#include <algorithm>

#include "views/timeline_model.h"

namespace tinyforge::views {

BudgetBar::BudgetBar(const QString& label, QWidget* parent) : QWidget(parent), m_label(label) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void BudgetBar::setValues(int64_t need, int64_t budget, const QString& what) {
  m_need = need;
  m_budget = budget;
  m_what = what;
  setToolTip(tr("%1: %2 B needed (%3) of %4 B")
                 .arg(m_label, QString::fromStdString(formatCount(need)), what,
                      QString::fromStdString(formatCount(budget))));
  update();
}

void BudgetBar::clear() {
  m_need = m_budget = 0;
  setToolTip({});
  update();
}

QColor BudgetBar::fillColour() const {
  if (m_budget <= 0) return QColor(176, 190, 197);
  const double f = double(m_need) / double(m_budget);
  if (f > 1.0) return QColor(229, 57, 53);
  if (f >= 0.8) return QColor(255, 179, 0);
  return QColor(67, 160, 71);
}

QString BudgetBar::text() const {
  if (m_budget <= 0) return m_label + tr(": -");
  return tr("%1 %2 / %3").arg(m_label, QString::fromStdString(formatBytes(m_need)),
                              QString::fromStdString(formatBytes(m_budget)));
}

QSize BudgetBar::sizeHint() const {
  return QSize(fontMetrics().horizontalAdvance(text()) + 24, fontMetrics().height() + 8);
}

void BudgetBar::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QRectF r = QRectF(rect()).adjusted(1, 1, -1, -1);
  p.fillRect(r, palette().color(QPalette::Base));
  if (m_budget > 0) {
    const double f = std::clamp(double(m_need) / double(m_budget), 0.0, 1.0);
    p.fillRect(QRectF(r.left(), r.top(), r.width() * f, r.height()), fillColour());
  }
  p.setPen(palette().color(QPalette::Mid));
  p.drawRect(r);
  p.setPen(palette().color(QPalette::Text));
  p.drawText(r.adjusted(6, 0, -6, 0), Qt::AlignVCenter | Qt::AlignLeft, text());
}

}  // namespace tinyforge::views
