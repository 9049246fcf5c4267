// The sortable layer table over LayerTableModel, following and setting the shared selection.
//
//   LayerTableView t(&selection);  t.model()->setAnalysis(a, "best");  t.exportCsv("l.csv", &err);
#pragma once
#include <QSortFilterProxyModel>
#include <QTableView>

#include "views/layer_table_model.h"
#include "views/selection_model.h"

namespace tinyforge::views {

class LayerTableView : public QTableView {
  Q_OBJECT
 public:
  explicit LayerTableView(SelectionModel* selection, QWidget* parent = nullptr);
  LayerTableModel* layers() { return &m_model; }
  // Writes the table as CSV (atomically); false with a message on failure.
  bool exportCsv(const QString& path, QString* error) const;

 private:
  void followSelection(int32_t op);

  SelectionModel* m_selection;
  LayerTableModel m_model;
  QSortFilterProxyModel m_proxy;
  bool m_syncing = false;
};

}  // namespace tinyforge::views
