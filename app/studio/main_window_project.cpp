// MainWindow: the project document side (open, save, recent files, autosave recovery, edits).
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>
#include <QStandardPaths>

#include "app/studio/main_window.h"
#include "views/deploy_panel.h"
#include "views/layer_table_view.h"

// Resources compiled into a static library must be registered by hand (outside any namespace).
static void initStudioResources() { Q_INIT_RESOURCE(studio); }

namespace tinyforge::studio {

bool MainWindow::openProject(const QString& path, bool offerRecovery) {
  QString error;
  bool ok = false;
  if (offerRecovery && ProjectDocument::hasNewerAutosave(path)) {
    const auto answer = QMessageBox::question(
        this, tr("Recover project"),
        tr("%1 has unsaved changes from a session that did not end normally. Recover them?")
            .arg(QFileInfo(path).fileName()),
        QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
    if (answer == QMessageBox::Yes) ok = m_doc.recoverAutosave(path, &error);
  }
  if (!ok) ok = m_doc.open(path, &error);
  if (!ok) {
    showError(error);
    return false;
  }
  clearError();
  addRecent(m_doc.path());
  log(tr("opened project %1\n").arg(m_doc.path()));
  return true;
}

bool MainWindow::openDefaultProject(bool offerRecovery) {
  const QString dir = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                          .absoluteFilePath("default-project");
  initStudioResources();
  const QString project = QDir(dir).absoluteFilePath("default.tinyforge");
  const QString model = QDir(dir).absoluteFilePath("mbv2_fmnist_64k.tflite");
  const std::pair<QString, QString> copies[] = {
      {":/tinyforge/default/mbv2_fmnist_64k.tflite", model},
      {":/tinyforge/default/mbv2_fmnist_64k.report.json", QDir(dir).absoluteFilePath("mbv2_fmnist_64k.report.json")},
      {":/tinyforge/default/project.tinyforge", project}};
  if (!QDir().mkpath(dir)) {
    showError(tr("Cannot create %1 for the default project").arg(dir));
    return false;
  }
  for (const auto& [from, to] : copies) {
    if (QFileInfo::exists(to)) continue;
    if (!QFile::copy(from, to)) {
      showError(tr("Cannot copy the bundled default project to %1").arg(to));
      return false;
    }
    QFile::setPermissions(to, QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther);
  }
  return openProject(project, offerRecovery);
}

bool MainWindow::addModel(const QString& tflitePath) {
  if (!QFileInfo(tflitePath).isFile()) {
    showError(tr("Cannot open %1: no such file").arg(tflitePath));
    return false;
  }
  const QString absolute = QFileInfo(tflitePath).absoluteFilePath();
  m_doc.edit(tr("Add model"), [&](ProjectData& d) {
    d.models.push_back({QFileInfo(absolute).completeBaseName().toStdString(), absolute.toStdString()});
    d.selectedModel = int32_t(d.models.size()) - 1;
  });
  return true;
}

void MainWindow::setPlanner(const QString& planner) {
  m_doc.edit(tr("Set planner"), [&](ProjectData& d) { d.planner = planner.toStdString(); });
}

void MainWindow::setDevice(const QString& device) {
  m_doc.edit(tr("Set device"), [&](ProjectData& d) { d.device = device.toStdString(); });
}

void MainWindow::onProjectChanged() {
  const ProjectData& d = m_doc.data();
  m_syncingUi = true;
  m_models->clear();
  for (const ProjectModel& m : d.models) m_models->addItem(QString::fromStdString(m.name));
  m_models->setCurrentRow(d.selectedModel);
  m_deviceBox->setCurrentText(QString::fromStdString(d.device));
  m_plannerBox->setCurrentText(QString::fromStdString(d.planner));
  m_deploy->setDevice(QString::fromStdString(d.device));
  m_deploy->setOutputFolder(m_doc.exportDir());
  m_syncingUi = false;
  const QString path = m_doc.modelPath(d.selectedModel);
  if (path != m_analysedPath) {
    analyseSelectedModel();
  } else {
    onAnalysis(m_analysis);  // planner or device changed: redraw from the same analysis
  }
  onSearchSettingsChanged();
  updateTitle();
}

bool MainWindow::maybeSave() {
  if (!m_doc.isDirty()) return true;
  const auto answer = QMessageBox::question(this, tr("Unsaved changes"),
                                            tr("Save the changes to the project first?"),
                                            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Discard) return true;
  QString error;
  if (m_doc.path().isEmpty()) return saveAsDialog();
  if (m_doc.save(&error)) return true;
  showError(error);
  return false;
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (m_run.isRunning()) {
    const auto answer = QMessageBox::question(
        this, tr("Search running"),
        tr("A search is running. Stop it and quit? It keeps its checkpoint: reopening the project offers to "
           "resume it."));
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
  } else if (busy()) {
    const auto answer = QMessageBox::question(this, tr("Work in progress"),
                                              tr("A job is still running. Stop it and quit?"));
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
  }
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  QFile::remove(m_doc.autosavePath());
  event->accept();
}

void MainWindow::openDialog() {
  const QString path = QFileDialog::getOpenFileName(
      this, tr("Open"), {}, tr("Projects and models (*.tinyforge *.json *.tflite);;All files (*)"));
  if (path.isEmpty()) return;
  if (path.endsWith(".tflite", Qt::CaseInsensitive)) {
    addModel(path);
  } else if (maybeSave()) {
    openProject(path);
  }
}

bool MainWindow::saveAsDialog() {
  QString path = QFileDialog::getSaveFileName(this, tr("Save project"), m_doc.path(),
                                              tr("TinyForge projects (*.tinyforge)"));
  if (path.isEmpty()) return false;
  if (!path.endsWith(".tinyforge")) path += ".tinyforge";
  QString error;
  if (!m_doc.saveAs(path, &error)) {
    showError(error);
    return false;
  }
  addRecent(path);
  return true;
}

void MainWindow::addRecent(const QString& path) {
  QSettings settings;
  QStringList recent = settings.value("recentProjects").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > 8) recent.removeLast();
  settings.setValue("recentProjects", recent);
  rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
  m_recentMenu->clear();
  const QStringList recent = QSettings().value("recentProjects").toStringList();
  for (const QString& path : recent) {
    m_recentMenu->addAction(path, this, [this, path] {
      if (maybeSave()) openProject(path);
    });
  }
  m_recentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::exportLayerCsv() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export layer table"), "layers.csv",
                                                    tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (!m_table->exportCsv(path, &error)) showError(error);
}

}  // namespace tinyforge::studio
