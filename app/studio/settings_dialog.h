// Project settings: the dataset, the device and its budgets (SRAM, flash, MACs, latency), the
// planner, which search runs with which preset, and SpArSe's objectives. OK applies everything as
// one undoable edit.
//
//   SettingsDialog d(doc.data(), this);
//   if (d.exec() == QDialog::Accepted) doc.edit(tr("Change settings"), [&](ProjectData& p) { p = d.result(); });
#pragma once
#include <QDialog>

#include "app/studio/project_document.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace tinyforge::studio {

class SettingsDialog : public QDialog {
  Q_OBJECT
 public:
  explicit SettingsDialog(const ProjectData& project, QWidget* parent = nullptr);
  ProjectData result() const;  // the data given, with the dialog's settings
  // An error for settings that cannot run (a dataset folder that does not exist), else empty.
  static QString check(const ProjectData& project);

  void accept() override;

 private:
  void updateDeviceHints();

  ProjectData m_data;
  QComboBox *m_dataset = nullptr, *m_device = nullptr, *m_planner = nullptr, *m_method = nullptr,
            *m_preset = nullptr, *m_sizeMeasure = nullptr, *m_memoryMeasure = nullptr;
  QCheckBox *m_optimiseSize = nullptr, *m_optimiseMemory = nullptr;
  QLineEdit* m_datasetDir = nullptr;
  QSpinBox *m_sram = nullptr, *m_flash = nullptr, *m_trainImages = nullptr, *m_epochs = nullptr,
           *m_population = nullptr, *m_generations = nullptr, *m_iterations = nullptr;
  QDoubleSpinBox *m_macs = nullptr, *m_latency = nullptr;
  QLabel* m_error = nullptr;
};

}  // namespace tinyforge::studio
