// The Search tab: what runs (method, preset, budgets) with Start / Stop / Resume, a progress bar
// with the stage and an ETA, the live scatter of every candidate with its Pareto front, the
// training and hypervolume curves, and the selected candidate with "Export firmware". It only
// shows and asks: the main window runs the search (app/studio/search_run.h) and feeds it.
//
//   SearchView v;  v.scatter()->setResults(results);  v.setProgress(0.4, "supernet", 310);
//   connect(&v, &SearchView::startRequested, ...);
#pragma once
#include <QWidget>

class QLabel;
class QProgressBar;
class QPushButton;
class QTextBrowser;

namespace tinyforge::views {

class SearchScatterView;
class SearchCurvesView;

class SearchView : public QWidget {
  Q_OBJECT
 public:
  explicit SearchView(QWidget* parent = nullptr);

  SearchScatterView* scatter() const { return m_scatter; }
  SearchCurvesView* curves() const { return m_curves; }

  void setSettingsText(const QString& text);
  // running: Stop enabled; canResume: a stopped run in the folder; status: one line under the bar.
  void setRunState(bool running, bool canResume, const QString& status);
  void setProgress(double fraction, const QString& stage, double etaSeconds);  // eta < 0: unknown
  void setCandidate(const QString& html, bool exportable);  // empty html: nothing selected
  void setExportBusy(bool busy, const QString& text);

  QPushButton* startButton() const { return m_start; }
  QPushButton* stopButton() const { return m_stop; }
  QPushButton* resumeButton() const { return m_resume; }
  QPushButton* exportButton() const { return m_export; }
  QProgressBar* progressBar() const { return m_progress; }
  QString statusText() const;

  // "about 3 min 20 s left"
  static QString formatEta(double seconds);

 Q_SIGNALS:
  void startRequested();
  void stopRequested();
  void resumeRequested();
  void settingsRequested();
  void exportRequested();
  void candidateActivated(int candidateIndex);

 private:
  SearchScatterView* m_scatter = nullptr;
  SearchCurvesView* m_curves = nullptr;
  QLabel *m_settings = nullptr, *m_status = nullptr, *m_stage = nullptr;
  QProgressBar* m_progress = nullptr;
  QPushButton *m_start = nullptr, *m_stop = nullptr, *m_resume = nullptr, *m_settingsButton = nullptr,
              *m_export = nullptr;
  QTextBrowser* m_candidate = nullptr;
};

}  // namespace tinyforge::views
