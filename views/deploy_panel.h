// The deploy panel: device picker with SRAM/flash needs against its budgets, the output folder,
// "Export firmware" and "Build and verify in emulator" with progress, live log and cancel, and
// the result card (match, instructions, flash, RAM, stack measured in the emulator).
// It only shows and asks; the studio runs the work and calls back.
//
//   DeployPanel d;  connect(&d, &DeployPanel::verifyRequested, studio, &Studio::verify);
//   d.setBusy(true, "building");  d.appendLog(text);  d.showResult(report);
#pragma once
#include <QWidget>

#include "engine/firmware/verifier.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;

namespace tinyforge::views {

class BudgetBar;

class DeployPanel : public QWidget {
  Q_OBJECT
 public:
  explicit DeployPanel(QWidget* parent = nullptr);

  void setDevice(const QString& device);  // selects it in the picker (no signal)
  QString device() const;
  // Needs of the selected model under the chosen planner, against the device's budgets.
  void setNeeds(int64_t sramNeed, int64_t sramBudget, int64_t flashNeed, int64_t flashBudget,
                const QString& sramWhat, const QString& flashWhat);
  void setOutputFolder(const QString& dir);
  QString outputFolder() const;
  void setBusy(bool busy, const QString& stage = {});
  void setProgress(int percent);  // -1: busy without a known fraction
  void appendLog(const QString& text);
  void showExported(const QString& dir, const QString& summary);
  void showResult(const VerifyReport& report);
  void showError(const QString& message);
  bool isBusy() const { return m_busy; }
  BudgetBar* sramBar() const { return m_sram; }
  BudgetBar* flashBar() const { return m_flash; }
  QString resultText() const;

 Q_SIGNALS:
  void deviceChosen(const QString& device);
  void exportRequested(const QString& dir);
  void verifyRequested(const QString& dir);
  void cancelRequested();
  void outputFolderChanged(const QString& dir);

 private:
  void browse();

  QComboBox* m_device;
  BudgetBar *m_sram, *m_flash;
  QLineEdit* m_folder;
  QPushButton *m_export, *m_verify, *m_cancel, *m_open;
  QProgressBar* m_progress;
  QLabel *m_stage, *m_result;
  QPlainTextEdit* m_log;
  bool m_busy = false;
};

}  // namespace tinyforge::views
