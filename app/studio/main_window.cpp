#include "app/studio/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolBar>
#include <QVBoxLayout>

#include "engine/firmware/device.h"
#include "views/budget_bar.h"
#include "views/deploy_panel.h"
#include "views/graph_view.h"
#include "views/layer_table_view.h"
#include "views/memory_timeline_view.h"
#include "views/search_results_model.h"

namespace tinyforge::studio {

using views::TimelineMode;

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  buildUi();
  buildMenus();
  buildStatusBar();
  connect(&m_doc, &ProjectDocument::changed, this, &MainWindow::onProjectChanged);
  connect(&m_doc, &ProjectDocument::dirtyChanged, this, &MainWindow::updateTitle);
  connect(&m_doc, &ProjectDocument::pathChanged, this, &MainWindow::updateTitle);
  connect(&m_selection, &views::SelectionModel::opChanged, this, &MainWindow::refreshInspector);
  updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildUi() {
  m_selection.setParent(nullptr);
  m_graph = new views::GraphView(&m_selection);
  m_table = new views::LayerTableView(&m_selection);
  m_timeline = new views::MemoryTimelineView(&m_selection);
  m_deploy = new views::DeployPanel;

  auto* modelSplit = new QSplitter(Qt::Horizontal);
  modelSplit->addWidget(m_graph);
  modelSplit->addWidget(m_table);
  modelSplit->setStretchFactor(0, 1);
  modelSplit->setStretchFactor(1, 2);
  modelSplit->setSizes({330, 670});
  m_tabs = new QTabWidget;
  m_tabs->addTab(modelSplit, tr("Model"));
  m_tabs->addTab(m_timeline, tr("Memory"));
  m_tabs->addTab(m_deploy, tr("Deploy"));
  buildSearchUi();

  m_banner = new QLabel;
  m_banner->setWordWrap(true);
  m_banner->setStyleSheet("QLabel { background: #ffebee; color: #b71c1c; padding: 6px; border: 1px solid #ef9a9a; }");
  m_banner->hide();
  m_previewBar = new QLabel;
  m_previewBar->setStyleSheet("QLabel { background: #e3f2fd; color: #0d47a1; padding: 4px; border: 1px solid #90caf9; }");
  m_previewBar->hide();
  connect(m_previewBar, &QLabel::linkActivated, this, [this] { analyseSelectedModel(); });
  auto* central = new QWidget;
  auto* centralLayout = new QVBoxLayout(central);
  centralLayout->setContentsMargins(4, 4, 4, 4);
  centralLayout->addWidget(m_banner);
  centralLayout->addWidget(m_previewBar);
  centralLayout->addWidget(m_tabs, 1);
  setCentralWidget(central);

  m_models = new QListWidget;
  auto* projectDock = new QDockWidget(tr("Project"), this);
  projectDock->setObjectName("project");
  projectDock->setWidget(m_models);
  addDockWidget(Qt::LeftDockWidgetArea, projectDock);
  connect(m_models, &QListWidget::currentRowChanged, this, [this](int row) {
    if (m_syncingUi || row < 0 || row == m_doc.data().selectedModel) return;
    m_doc.edit(tr("Select model"), [row](ProjectData& d) { d.selectedModel = row; });
  });

  m_inspector = new QTextBrowser;
  auto* inspectorDock = new QDockWidget(tr("Inspector"), this);
  inspectorDock->setObjectName("inspector");
  inspectorDock->setWidget(m_inspector);
  addDockWidget(Qt::RightDockWidgetArea, inspectorDock);

  m_log = new QPlainTextEdit;
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(10000);
  auto* bottom = new QWidget;
  auto* bottomLayout = new QVBoxLayout(bottom);
  bottomLayout->setContentsMargins(2, 2, 2, 2);
  bottomLayout->addWidget(buildJobsStrip());
  bottomLayout->addWidget(m_log);
  auto* jobsDock = new QDockWidget(tr("Jobs and log"), this);
  jobsDock->setObjectName("jobs");
  jobsDock->setWidget(bottom);
  addDockWidget(Qt::BottomDockWidgetArea, jobsDock);
  resizeDocks({projectDock, inspectorDock}, {170, 240}, Qt::Horizontal);
  resizeDocks({jobsDock}, {110}, Qt::Vertical);

  auto* bar = addToolBar(tr("Target"));
  bar->setObjectName("target");
  m_deviceBox = new QComboBox;
  for (const std::string& name : deviceNames()) m_deviceBox->addItem(QString::fromStdString(name));
  m_plannerBox = new QComboBox;
  for (const std::string& name : views::studioPlanners()) m_plannerBox->addItem(QString::fromStdString(name));
  m_metricBox = new QComboBox;
  m_metricBox->addItems({tr("colour: MACs"), tr("colour: weight bytes"), tr("colour: live memory")});
  m_timelineMode = new QComboBox;
  m_timelineMode->addItems({tr("timeline: one planner"), tr("timeline: side by side"), tr("timeline: overlay")});
  bar->addWidget(new QLabel(tr(" Device ")));
  bar->addWidget(m_deviceBox);
  bar->addWidget(new QLabel(tr("  Planner ")));
  bar->addWidget(m_plannerBox);
  bar->addSeparator();
  bar->addWidget(m_metricBox);
  bar->addWidget(m_timelineMode);
  connect(m_deviceBox, &QComboBox::activated, this, [this] { setDevice(m_deviceBox->currentText()); });
  connect(m_deploy, &views::DeployPanel::deviceChosen, this, &MainWindow::setDevice);
  connect(m_plannerBox, &QComboBox::activated, this, [this] { setPlanner(m_plannerBox->currentText()); });
  connect(m_metricBox, &QComboBox::activated, this,
          [this](int i) { m_graph->setMetric(static_cast<views::GraphView::NodeMetric>(i)); });
  connect(m_timelineMode, &QComboBox::activated, this,
          [this](int i) { m_timeline->setMode(static_cast<TimelineMode>(i)); });
  connect(m_deploy, &views::DeployPanel::exportRequested, this, &MainWindow::exportFirmware);
  connect(m_deploy, &views::DeployPanel::verifyRequested, this, &MainWindow::verifyFirmware);
  connect(m_deploy, &views::DeployPanel::cancelRequested, this, [this] {
    if (m_deployJob) m_deployJob->cancel();
  });
  connect(m_deploy, &views::DeployPanel::outputFolderChanged, this, [this](const QString& dir) {
    m_doc.edit(tr("Set firmware folder"), [dir](ProjectData& d) { d.exportDir = dir.toStdString(); });
  });
}

QWidget* MainWindow::buildJobsStrip() {
  auto* strip = new QWidget;
  auto* layout = new QHBoxLayout(strip);
  layout->setContentsMargins(0, 0, 0, 0);
  m_jobLabel = new QLabel(tr("Jobs: none running"));
  m_jobProgress = new QProgressBar;
  m_jobProgress->setMaximumWidth(320);
  m_jobProgress->setVisible(false);
  m_jobCancel = new QPushButton(tr("Cancel"));
  m_jobCancel->setVisible(false);
  connect(m_jobCancel, &QPushButton::clicked, this, [this] {
    if (m_deployJob) m_deployJob->cancel();
    if (m_analysisJob) m_analysisJob->cancel();
    if (m_candidateJob) m_candidateJob->cancel();
    if (m_spaceJob) m_spaceJob->cancel();
  });
  layout->addWidget(m_jobLabel);
  layout->addWidget(m_jobProgress);
  layout->addWidget(m_jobCancel);
  layout->addStretch(1);
  return strip;
}

void MainWindow::buildStatusBar() {
  m_sramStatus = new views::BudgetBar(tr("SRAM"));
  m_flashStatus = new views::BudgetBar(tr("Flash"));
  m_instrStatus = new QLabel;
  m_sramStatus->setMinimumWidth(240);
  m_flashStatus->setMinimumWidth(240);
  statusBar()->addWidget(m_sramStatus);
  statusBar()->addWidget(m_flashStatus);
  statusBar()->addWidget(m_instrStatus, 1);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&Open project or model..."), QKeySequence::Open, this, &MainWindow::openDialog);
  m_recentMenu = file->addMenu(tr("Open &recent"));
  file->addAction(tr("Open &default project"), this, [this] { if (maybeSave()) openDefaultProject(); });
  file->addAction(tr("&Save"), QKeySequence::Save, this, [this] {
    QString error;
    if (m_doc.path().isEmpty()) {
      saveAsDialog();
    } else if (!m_doc.save(&error)) {
      showError(error);
    }
  });
  file->addAction(tr("Save &as..."), QKeySequence::SaveAs, this, &MainWindow::saveAsDialog);
  file->addAction(tr("Export layer table as &CSV..."), this, &MainWindow::exportLayerCsv);
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = m_doc.undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = m_doc.undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);
  QMenu* view = menuBar()->addMenu(tr("&View"));
  const QStringList names = {tr("&Model"), tr("M&emory"), tr("&Deploy"), tr("&Space"), tr("Sea&rch")};
  for (int i = 0; i < names.size(); ++i) {
    view->addAction(names[i], QKeySequence(QString("Ctrl+%1").arg(i + 1)), this,
                    [this, i] { showView(static_cast<View>(i)); });
  }
  view->addSeparator();
  view->addAction(tr("Zoom &in"), QKeySequence::ZoomIn, m_graph, &views::GraphView::zoomIn);
  view->addAction(tr("Zoom &out"), QKeySequence::ZoomOut, m_graph, &views::GraphView::zoomOut);
  view->addAction(tr("&Fit graph"), m_graph, &views::GraphView::fitToView);
  QMenu* project = menuBar()->addMenu(tr("&Project"));
  project->addAction(tr("&Add model (.tflite)..."), this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("Add model"), {}, tr("TFLite models (*.tflite)"));
    if (!path.isEmpty()) addModel(path);
  });
  project->addAction(tr("&Settings (dataset, budgets, search)..."), this, [this] { openSettingsDialog(); });
  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addAction(tr("&Export firmware"), this, [this] { exportFirmware(m_deploy->outputFolder()); });
  run->addAction(tr("Build and &verify in emulator"), this, [this] { verifyFirmware(m_deploy->outputFolder()); });
  run->addSeparator();
  run->addAction(tr("&Start search"), this, [this] { startSearch(); });
  run->addAction(tr("St&op search"), this, &MainWindow::stopSearch);
  run->addAction(tr("&Resume search"), this, [this] { resumeSearch(); });
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About TinyForge Studio"), this, [this] {
    QMessageBox::about(this, tr("TinyForge Studio"),
                       tr("TinyForge Studio: fit int8 networks into microcontrollers.\n"
                          "Everything here is also available from tinyforge-cli."));
  });
  rebuildRecentMenu();
}

void MainWindow::showView(View view) { m_tabs->setCurrentIndex(static_cast<int>(view)); }

void MainWindow::showError(const QString& message) {
  m_lastError = message;
  m_banner->setText(message);
  m_banner->show();
  log(tr("error: %1\n").arg(message));
}

void MainWindow::clearError() {
  m_lastError.clear();
  m_banner->hide();
  m_previewBar = new QLabel;
  m_previewBar->setStyleSheet("QLabel { background: #e3f2fd; color: #0d47a1; padding: 4px; border: 1px solid #90caf9; }");
  m_previewBar->hide();
  connect(m_previewBar, &QLabel::linkActivated, this, [this] { analyseSelectedModel(); });
}

void MainWindow::log(const QString& text) {
  m_log->moveCursor(QTextCursor::End);
  m_log->insertPlainText(text);
  m_log->moveCursor(QTextCursor::End);
}

void MainWindow::updateTitle() {
  const QString name = m_doc.path().isEmpty() ? tr("Untitled") : QFileInfo(m_doc.path()).fileName();
  setWindowTitle(tr("%1%2 - TinyForge Studio").arg(name, m_doc.isDirty() ? "*" : ""));
}

}  // namespace tinyforge::studio
