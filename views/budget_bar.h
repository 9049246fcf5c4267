// A need-against-budget bar: "SRAM  61.2 KB / 320.0 KB", green under 80 %, amber under 100 %,
// red over. Exact bytes on hover.
//
//   BudgetBar b(tr("SRAM"));  b.setValues(62668, 327680, tr("arena + stack"));
#pragma once
#include <QWidget>
#include <cstdint>

namespace tinyforge::views {

class BudgetBar : public QWidget {
  Q_OBJECT
 public:
  explicit BudgetBar(const QString& label, QWidget* parent = nullptr);
  void setValues(int64_t need, int64_t budget, const QString& what);
  void clear();
  int64_t need() const { return m_need; }
  int64_t budget() const { return m_budget; }
  bool overBudget() const { return m_budget > 0 && m_need > m_budget; }
  QColor fillColour() const;
  QString text() const;
  QSize sizeHint() const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  QString m_label, m_what;
  int64_t m_need = 0, m_budget = 0;
};

}  // namespace tinyforge::views
