#include "views/layer_table_view.h"

#include <QHeaderView>
#include <QSaveFile>
#include <algorithm>

namespace tinyforge::views {

LayerTableView::LayerTableView(SelectionModel* selection, QWidget* parent)
    : QTableView(parent), m_selection(selection) {
  m_proxy.setSourceModel(&m_model);
  m_proxy.setSortRole(Qt::UserRole);
  setModel(&m_proxy);
  setSortingEnabled(true);
  sortByColumn(LayerTableModel::kIndex, Qt::AscendingOrder);
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setSelectionMode(QAbstractItemView::SingleSelection);
  setAlternatingRowColors(true);
  verticalHeader()->hide();
  horizontalHeader()->setStretchLastSection(true);
  horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  connect(selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (m_syncing || !current.isValid()) return;
            const QModelIndex src = m_proxy.mapToSource(current);
            m_selection->setOp(int32_t(src.row()));
          });
  connect(m_selection, &SelectionModel::opChanged, this, &LayerTableView::followSelection);
  setTextElideMode(Qt::ElideLeft);  // long layer names keep their distinctive end
  setWordWrap(false);
  connect(&m_model, &QAbstractItemModel::modelReset, this, [this] {
    resizeColumnsToContents();
    for (int c : {int(LayerTableModel::kName), int(LayerTableModel::kParams)}) {
      setColumnWidth(c, std::min(columnWidth(c), 180));
    }
  });
}

void LayerTableView::followSelection(int32_t op) {
  if (op < 0 || op >= m_model.rowCount()) return;
  const QModelIndex idx = m_proxy.mapFromSource(m_model.index(op, 0));
  m_syncing = true;
  selectionModel()->setCurrentIndex(idx, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  scrollTo(idx);
  m_syncing = false;
}

bool LayerTableView::exportCsv(const QString& path, QString* error) const {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
    *error = tr("Cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  f.write(m_model.toCsv().toUtf8());
  if (!f.commit()) {
    *error = tr("Cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

}  // namespace tinyforge::views
