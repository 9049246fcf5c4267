// The selection every view shares: the op (layer) the user picked, or none.
//
//   SelectionModel sel;  connect(&sel, &SelectionModel::opChanged, view, &View::highlightOp);
//   sel.setOp(12);       // the graph, timeline, table and inspector all follow
#pragma once
#include <QObject>
#include <cstdint>

namespace tinyforge::views {

class SelectionModel : public QObject {
  Q_OBJECT
 public:
  explicit SelectionModel(QObject* parent = nullptr) : QObject(parent) {}
  int32_t op() const { return m_op; }  // index into ModelAnalysis::graph.ops, -1 = none
  void setOp(int32_t op) {
    if (op == m_op) return;
    m_op = op;
    Q_EMIT opChanged(op);
  }
 Q_SIGNALS:
  void opChanged(int32_t op);

 private:
  int32_t m_op = -1;
};

}  // namespace tinyforge::views
