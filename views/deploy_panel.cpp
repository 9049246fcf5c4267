#include "views/deploy_panel.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QUrl>
#include <QVBoxLayout>

#include "engine/firmware/device.h"
#include "views/budget_bar.h"
#include "views/timeline_model.h"

namespace tinyforge::views {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

DeployPanel::DeployPanel(QWidget* parent) : QWidget(parent) {
  m_device = new QComboBox;
  for (const std::string& name : deviceNames()) {
    Result<DeviceProfile> d = findDevice(name);
    const QString label = d ? q(name + "  (" + d.value().core + ", " + formatBytes(d.value().sramBytes) +
                                " SRAM, " + formatBytes(d.value().flashBytes) + " flash)")
                            : q(name);
    m_device->addItem(label, q(name));
  }
  m_sram = new BudgetBar(tr("SRAM"));
  m_flash = new BudgetBar(tr("Flash"));
  m_folder = new QLineEdit;
  m_folder->setPlaceholderText(tr("folder for the firmware project"));
  auto* browse = new QPushButton(tr("Browse..."));
  m_export = new QPushButton(tr("Export firmware"));
  m_verify = new QPushButton(tr("Build and verify in emulator"));
  m_cancel = new QPushButton(tr("Cancel"));
  m_open = new QPushButton(tr("Open folder"));
  m_export->setShortcut(QKeySequence(tr("Ctrl+E")));
  m_verify->setShortcut(QKeySequence(Qt::Key_F5));
  m_cancel->setEnabled(false);
  m_open->setEnabled(false);
  m_progress = new QProgressBar;
  m_progress->setRange(0, 100);
  m_progress->setValue(0);
  m_stage = new QLabel(tr("Ready."));
  m_result = new QLabel;
  m_result->setTextFormat(Qt::RichText);
  m_result->setWordWrap(true);
  m_result->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_log = new QPlainTextEdit;
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(5000);
  m_log->setFont(QFont("monospace"));

  auto* target = new QGroupBox(tr("Target"));
  auto* form = new QFormLayout(target);
  form->addRow(tr("Device"), m_device);
  form->addRow(tr("SRAM"), m_sram);
  form->addRow(tr("Flash"), m_flash);
  auto* folderRow = new QHBoxLayout;
  folderRow->addWidget(m_folder, 1);
  folderRow->addWidget(browse);
  form->addRow(tr("Output folder"), folderRow);
  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {m_export, m_verify, m_cancel, m_open}) buttons->addWidget(b);
  buttons->addStretch(1);
  auto* resultBox = new QGroupBox(tr("Result"));
  auto* resultLayout = new QVBoxLayout(resultBox);
  resultLayout->addWidget(m_result);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(target);
  layout->addLayout(buttons);
  layout->addWidget(m_stage);
  layout->addWidget(m_progress);
  layout->addWidget(resultBox);
  layout->addWidget(m_log, 1);

  connect(m_device, &QComboBox::activated, this,
          [this] { Q_EMIT deviceChosen(m_device->currentData().toString()); });
  connect(browse, &QPushButton::clicked, this, &DeployPanel::browse);
  connect(m_folder, &QLineEdit::editingFinished, this,
          [this] { Q_EMIT outputFolderChanged(m_folder->text()); });
  connect(m_export, &QPushButton::clicked, this, [this] { Q_EMIT exportRequested(m_folder->text()); });
  connect(m_verify, &QPushButton::clicked, this, [this] { Q_EMIT verifyRequested(m_folder->text()); });
  connect(m_cancel, &QPushButton::clicked, this, &DeployPanel::cancelRequested);
  connect(m_open, &QPushButton::clicked, this,
          [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_folder->text())); });
}

void DeployPanel::browse() {
  const QString dir = QFileDialog::getExistingDirectory(this, tr("Firmware folder"), m_folder->text());
  if (dir.isEmpty()) return;
  m_folder->setText(dir);
  Q_EMIT outputFolderChanged(dir);
}

void DeployPanel::setDevice(const QString& device) {
  const int i = m_device->findData(device);
  if (i >= 0) m_device->setCurrentIndex(i);
}

QString DeployPanel::device() const { return m_device->currentData().toString(); }

void DeployPanel::setNeeds(int64_t sramNeed, int64_t sramBudget, int64_t flashNeed,
                           int64_t flashBudget, const QString& sramWhat, const QString& flashWhat) {
  m_sram->setValues(sramNeed, sramBudget, sramWhat);
  m_flash->setValues(flashNeed, flashBudget, flashWhat);
}

void DeployPanel::setOutputFolder(const QString& dir) { m_folder->setText(dir); }
QString DeployPanel::outputFolder() const { return m_folder->text(); }

void DeployPanel::setBusy(bool busy, const QString& stage) {
  m_busy = busy;
  m_export->setEnabled(!busy);
  m_verify->setEnabled(!busy);
  m_device->setEnabled(!busy);
  m_cancel->setEnabled(busy);
  if (!stage.isEmpty()) m_stage->setText(stage);
  if (busy) {
    m_progress->setRange(0, 0);
    m_log->clear();
  } else {
    m_progress->setRange(0, 100);
    m_progress->setValue(100);
  }
}

void DeployPanel::setProgress(int percent) {
  if (percent < 0) {
    m_progress->setRange(0, 0);
  } else {
    m_progress->setRange(0, 100);
    m_progress->setValue(percent);
  }
}

void DeployPanel::appendLog(const QString& text) {
  m_log->moveCursor(QTextCursor::End);
  m_log->insertPlainText(text);
  m_log->moveCursor(QTextCursor::End);
}

void DeployPanel::showExported(const QString& dir, const QString& summary) {
  m_folder->setText(dir);
  m_open->setEnabled(true);
  m_result->setText(tr("<b>Exported</b> to %1<br>%2").arg(dir.toHtmlEscaped(), summary.toHtmlEscaped()));
}

void DeployPanel::showResult(const VerifyReport& r) {
  m_open->setEnabled(true);
  const QString match = r.match ? tr("<span style='color:#2e7d32'><b>&#10004; outputs equal the host reference</b></span>")
                                : tr("<span style='color:#c62828'><b>&#10008; outputs differ from the host reference</b></span>");
  m_result->setText(
      match + tr("<br><b>%1</b> instructions per inference <i>(measured in emulator, %2)</i>"
                 "<br>flash %3 B (%4 B model constants, %5 B code, %6 B test data)"
                 "<br>RAM %7 B static (arena %8 B, planner predicted %9 B) + stack %10 B measured")
                  .arg(q(formatCount(r.instructions)), q(r.machine), q(formatCount(r.flashBytes)),
                       q(formatCount(r.modelConstantBytes)), q(formatCount(r.codeBytes)),
                       q(formatCount(r.testDataBytes)), q(formatCount(r.ramBytes)),
                       q(formatCount(r.arenaBytes)), q(formatCount(r.predictedPeakBytes)))
                  .arg(q(formatCount(r.stackBytes))));
}

void DeployPanel::showError(const QString& message) {
  m_result->setText(tr("<span style='color:#c62828'><b>Error:</b> %1</span>").arg(message.toHtmlEscaped()));
  m_progress->setRange(0, 100);
  m_progress->setValue(0);
  m_stage->setText(tr("Failed."));
}

QString DeployPanel::resultText() const { return m_result->text(); }

}  // namespace tinyforge::views
