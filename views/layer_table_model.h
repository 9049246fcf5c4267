// The layer table (the columns of an STM32Cube.AI analyse report): per op its name, kind,
// output shape, parameters, MACs, weight bytes, live arena bytes at its step under the chosen
// planner, and the instructions measured in the emulator once a verification has run.
// Sorting uses Qt::UserRole (numbers as numbers).
//
//   LayerTableModel m;  m.setAnalysis(analysis, "best");  m.setMeasured(instructionsPerOp);
//   QString csv = m.toCsv();
#pragma once
#include <QAbstractTableModel>
#include <memory>
#include <string>
#include <vector>

#include "views/model_analysis.h"

namespace tinyforge::views {

class LayerTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  // Measured instructions sit next to MACs so that they are in view on a 1280-wide screen.
  enum Column { kIndex, kName, kOp, kOutputShape, kMacs, kInstructions, kWeightBytes, kLiveBytes,
                kParams, kColumnCount };

  explicit LayerTableModel(QObject* parent = nullptr);
  void setAnalysis(std::shared_ptr<const ModelAnalysis> analysis, const std::string& planner);
  void setPlanner(const std::string& planner);
  // Instructions per op of ModelAnalysis::graph (-1: not measured, e.g. a PAD fused away).
  void setMeasured(std::vector<int64_t> instructions);
  bool hasMeasured() const { return !m_measured.empty(); }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

  // The whole table as CSV (header line, exact numbers, RFC 4180 quoting).
  QString toCsv() const;

 private:
  QVariant value(int row, int column) const;  // number or text

  std::shared_ptr<const ModelAnalysis> m_analysis;
  std::string m_planner = "best";
  std::vector<int64_t> m_measured;
};

}  // namespace tinyforge::views
