// The studio's main window: the project on the left, the views in tabs (Model: architecture
// graph + layer table; Memory: the timeline; Deploy: export and verify), the inspector on the
// right, the jobs strip and log below, and the selected model's SRAM / flash / instructions
// against the device in the status bar. Long work runs as Jobs; errors show in a banner and the
// log, never as a crash.
//
//   MainWindow w;  w.openProject("p.tinyforge");  w.setPlanner("patch");  w.show();
#pragma once
#include <QMainWindow>
#include <memory>
#include <optional>

#include "app/studio/job.h"
#include "app/studio/project_document.h"
#include "app/studio/search_run.h"
#include "engine/firmware/verifier.h"
#include "views/model_analysis.h"
#include "views/selection_model.h"

class QComboBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTextBrowser;

namespace tinyforge::views {
class BudgetBar;
class DeployPanel;
class GraphView;
class LayerTableView;
class MemoryTimelineView;
class SearchView;
class SpaceView;
struct SearchResults;
}  // namespace tinyforge::views

namespace tinyforge::studio {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum class View { kModel, kMemory, kDeploy, kSpace, kSearch };
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Project and model. Failures show in the window (banner + log) and return false.
  bool openProject(const QString& path, bool offerRecovery = true);
  bool openDefaultProject(bool offerRecovery = true);  // the bundled project, copied to the user's data folder once
  bool addModel(const QString& tflitePath);
  void setPlanner(const QString& planner);
  void setDevice(const QString& device);
  void showView(View view);
  void exportFirmware(const QString& dir);
  void verifyFirmware(const QString& dir);  // exports first, then builds and runs in QEMU

  // Space and Search (main_window_search.cpp). Failures show in the window and return false.
  bool openSettingsDialog();
  bool startSearch();             // a new run of the project's search settings
  bool resumeSearch();            // the project's stopped run, from its checkpoint
  void stopSearch();
  void showCandidate(int index);  // opens it in the Model and Memory views
  bool exportCandidate(int index);  // its weights -> a model of the project -> build and verify
  void recomputeSpace();

  // State, for the tests and the screenshot script.
  ProjectDocument* document() { return &m_doc; }
  views::SelectionModel* selection() { return &m_selection; }
  std::shared_ptr<const views::ModelAnalysis> analysis() const { return m_analysis; }
  bool busy() const;
  QString lastError() const { return m_lastError; }
  const std::optional<VerifyReport>& lastVerify() const { return m_lastVerify; }
  QString lastExportDir() const { return m_lastExportDir; }
  views::GraphView* graphView() const { return m_graph; }
  views::LayerTableView* layerTable() const { return m_table; }
  views::MemoryTimelineView* timeline() const { return m_timeline; }
  views::DeployPanel* deployPanel() const { return m_deploy; }
  views::SpaceView* spaceView() const { return m_space; }
  views::SearchView* searchView() const { return m_search; }
  SearchRun* searchRun() { return &m_run; }
  // The search candidate the model views show (opened by a click on the scatter), or -1.
  int previewedCandidate() const { return m_previewCandidate; }
  const views::SearchResults& searchResults() const { return *m_results; }
  bool spaceBusy() const;
  QTabWidget* tabs() const { return m_tabs; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildUi();
  void buildMenus();
  QWidget* buildJobsStrip();
  void buildStatusBar();
  void onProjectChanged();
  void analyseSelectedModel();
  void onAnalysis(std::shared_ptr<const views::ModelAnalysis> analysis);
  void refreshNeeds();
  void refreshInspector();
  void applyMeasured(const VerifyReport& report, const std::string& planner);
  void startJob(std::unique_ptr<Job>& slot, Job* job);
  void showError(const QString& message);
  void clearError();
  void log(const QString& text);
  void updateTitle();
  void addRecent(const QString& path);
  void rebuildRecentMenu();
  bool maybeSave();
  void openDialog();
  bool saveAsDialog();
  void exportLayerCsv();
  void buildSearchUi();
  void onSearchSettingsChanged();
  void loadProjectRun();
  void resetSearchCurvesAndCandidate();
  void onRunEvents(int first);
  void onRunHistory();
  void onRunState();
  QString runDirForNewRun() const;
  QString searchSettingsText() const;

  ProjectDocument m_doc;
  views::SelectionModel m_selection;
  std::shared_ptr<const views::ModelAnalysis> m_analysis;
  QString m_analysedPath;
  std::unique_ptr<Job> m_analysisJob, m_deployJob, m_spaceJob, m_candidateJob;
  std::optional<VerifyReport> m_lastVerify;
  QString m_lastError, m_lastExportDir;

  views::GraphView* m_graph = nullptr;
  views::LayerTableView* m_table = nullptr;
  views::MemoryTimelineView* m_timeline = nullptr;
  views::DeployPanel* m_deploy = nullptr;
  views::SpaceView* m_space = nullptr;
  views::SearchView* m_search = nullptr;
  SearchRun m_run;
  std::unique_ptr<views::SearchResults> m_results;
  QString m_spaceKey, m_loadedRunDir, m_verifyAfterAnalysis;
  int m_candidate = -1;
  bool m_previewPlaceholder = false;  // the model views show a candidate with placeholder weights
  int m_previewCandidate = -1;
  double m_curveStep = 0;
  QTabWidget* m_tabs = nullptr;
  QListWidget* m_models = nullptr;
  QTextBrowser* m_inspector = nullptr;
  QPlainTextEdit* m_log = nullptr;
  QLabel* m_banner = nullptr;
  QLabel* m_previewBar = nullptr;  // "the views show search candidate #12" with a way back
  QComboBox *m_deviceBox = nullptr, *m_plannerBox = nullptr, *m_metricBox = nullptr,
            *m_timelineMode = nullptr;
  QLabel* m_jobLabel = nullptr;
  QProgressBar* m_jobProgress = nullptr;
  QPushButton* m_jobCancel = nullptr;
  views::BudgetBar *m_sramStatus = nullptr, *m_flashStatus = nullptr;
  QLabel* m_instrStatus = nullptr;
  QMenu* m_recentMenu = nullptr;
  bool m_syncingUi = false;
  bool m_exportThenVerify = false;
};

}  // namespace tinyforge::studio
