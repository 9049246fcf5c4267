#include "views/layer_table_model.h"

#include "views/timeline_model.h"

namespace tinyforge::views {

namespace {

QString shapeText(const std::vector<int32_t>& shape) {
  QStringList parts;
  for (int32_t d : shape) parts << QString::number(d);
  return parts.join("x");
}

QString csvField(QString s) {
  if (s.contains(',') || s.contains('"') || s.contains('\n')) {
    s.replace("\"", "\"\"");
    return "\"" + s + "\"";
  }
  return s;
}

}  // namespace

LayerTableModel::LayerTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void LayerTableModel::setAnalysis(std::shared_ptr<const ModelAnalysis> analysis,
                                  const std::string& planner) {
  beginResetModel();
  m_analysis = std::move(analysis);
  m_planner = planner;
  m_measured.clear();
  endResetModel();
}

void LayerTableModel::setPlanner(const std::string& planner) {
  m_planner = planner;
  if (rowCount() > 0) Q_EMIT dataChanged(index(0, kLiveBytes), index(rowCount() - 1, kLiveBytes));
}

void LayerTableModel::setMeasured(std::vector<int64_t> instructions) {
  m_measured = std::move(instructions);
  if (rowCount() > 0) {
    Q_EMIT dataChanged(index(0, kInstructions), index(rowCount() - 1, kInstructions));
  }
}

int LayerTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !m_analysis ? 0 : int(m_analysis->summary.layers.size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant LayerTableModel::value(int row, int column) const {
  const LayerSummary& l = m_analysis->summary.layers[size_t(row)];
  switch (column) {
    case kIndex: return l.index;
    case kName: return QString::fromStdString(l.name);
    case kOp: return QString::fromStdString(l.op);
    case kOutputShape: return shapeText(l.outputShape);
    case kParams: return QString::fromStdString(l.params);
    case kMacs: return qlonglong(l.macs);
    case kWeightBytes: return qlonglong(l.weightBytes);
    case kLiveBytes: {
      const PlannerResult* p = m_analysis->plan(m_planner);
      if (!p || !p->error.empty() || size_t(row) >= p->liveBytesAtOp.size()) return {};
      return qlonglong(p->liveBytesAtOp[size_t(row)]);
    }
    case kInstructions:
      if (size_t(row) >= m_measured.size() || m_measured[size_t(row)] < 0) return {};
      return qlonglong(m_measured[size_t(row)]);
    default: return {};
  }
}

QVariant LayerTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || !m_analysis) return {};
  const QVariant v = value(index.row(), index.column());
  if (role == Qt::UserRole) return v;
  if (role == Qt::TextAlignmentRole) {
    const bool number = index.column() != kName && index.column() != kOp && index.column() != kOutputShape &&
                        index.column() != kParams;
    return number ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
  }
  if (role == Qt::ToolTipRole && index.column() == kLiveBytes) {
    return tr("arena bytes live while this op runs (%1 planner)").arg(QString::fromStdString(m_planner));
  }
  if (role == Qt::ToolTipRole && index.column() == kInstructions) {
    return tr("measured in the emulator (exact to 40 instructions)");
  }
  if (role != Qt::DisplayRole) return {};
  if (v.typeId() == QMetaType::LongLong) return QString::fromStdString(formatCount(v.toLongLong()));
  return v;
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* kNames[kColumnCount] = {"#", "Layer", "Op", "Output shape", "MACs",
                                             "Instructions (measured)", "Weights (B)",
                                             "Live memory (B)", "Params"};
  return tr(kNames[section]);
}

QString LayerTableModel::toCsv() const {
  static const char* kKeys[kColumnCount] = {"index", "layer", "op", "output_shape", "macs",
                                            "instructions", "weight_bytes", "live_bytes", "params"};
  QStringList lines;
  QStringList header;
  for (const char* k : kKeys) header << k;
  lines << header.join(",");
  for (int r = 0; r < rowCount(); ++r) {
    QStringList fields;
    for (int c = 0; c < kColumnCount; ++c) fields << csvField(value(r, c).toString());
    lines << fields.join(",");
  }
  return lines.join("\n") + "\n";
}

}  // namespace tinyforge::views
