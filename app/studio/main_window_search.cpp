// MainWindow: the Space tab (TinyNAS stage 1 for the project's device and budgets, recomputed in
// the background when they change) and the Search tab (a TinyNAS or SpArSe run in its own
// process, followed live; any candidate opened in the model views or exported as firmware).
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QStandardPaths>
#include <QTabWidget>
#include <cmath>

#include "app/studio/main_window.h"
#include "app/studio/settings_dialog.h"
#include "engine/firmware/device.h"
#include "engine/firmware/process.h"
#include "search/arch_choice.h"
#include "search/search_space.h"
#include "search/sparse_run.h"
#include "views/search_curves_view.h"
#include "views/search_results_model.h"
#include "views/search_scatter_view.h"
#include "views/search_view.h"
#include "views/space_view.h"

namespace tinyforge::studio {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

// The TinyNAS space of the project as the tool builds it: the dataset's input shape, 28x28x1
// (Fashion-MNIST, MNIST) or 32x32x3 (CIFAR-10), with the project's "stem_stride" and
// "stage_strides" (kept in SearchSettings::other). A layout the tool would refuse leaves the
// default; the run itself reports the error.
SearchSpace spaceForSearch(const SearchSettings& s) {
  SearchSpace space = s.dataset.rfind("cifar10", 0) == 0 ? mcunetSpace(32, 32, 3, 10) : mcunetSpace(28, 28, 1, 10);
  try {  // a refused layout changes nothing
    (void)setSpaceLayout(&space, s.other.value("stem_stride", 0), s.other.value("stage_strides", std::vector<int32_t>{}));
  } catch (const std::exception&) {  // a wrong JSON type: the default, as above
  }
  return space;
}

bool isSparse(const std::string& method) { return method.rfind("sparse", 0) == 0; }

// The budgets of the search as the tool applies them (app/train/search_settings.cpp): the
// project's; else TinyNAS takes the device's SRAM and flash, SpArSe the working memory and flash
// of SparseRunOptions' defaults for its exported point.
DeviceBudget searchBudget(const ProjectData& d) {
  DeviceBudget b;
  Result<DeviceProfile> device = findDevice(d.device);
  const SparseRunOptions sparse;
  const int64_t sram = isSparse(d.search.method) ? sparse.memoryBudget : (device ? device.value().sramBytes : 0);
  const int64_t flash = isSparse(d.search.method) ? sparse.flashBudget : (device ? device.value().flashBytes : 0);
  b.sramBytes = d.search.sramBytes > 0 ? d.search.sramBytes : sram;
  b.flashBytes = d.search.flashBytes > 0 ? d.search.flashBytes : flash;
  b.planner = d.planner;
  if (device) b.core = device.value().core;
  return b;
}

QString methodName(const std::string& method) {
  if (method == "tinynas") return QObject::tr("TinyNAS (evolution)");
  if (method == "tinynas-random") return QObject::tr("TinyNAS (random search)");
  if (method == "sparse") return QObject::tr("SpArSe (Bayesian)");
  return QObject::tr("SpArSe (random search)");
}

// The Search view's lower chart: SpArSe's hypervolume, TinyNAS's best accuracy so far.
QString progressTitle(bool sparse) {
  return sparse ? QObject::tr("hypervolume of the front per point")
                : QObject::tr("best validation accuracy (%) per candidate");
}

}  // namespace

bool MainWindow::spaceBusy() const { return m_spaceJob && m_spaceJob->isRunning(); }

void MainWindow::buildSearchUi() {
  m_results = std::make_unique<views::SearchResults>();
  m_space = new views::SpaceView;
  m_search = new views::SearchView;
  m_tabs->addTab(m_space, tr("Space"));
  m_tabs->addTab(m_search, tr("Search"));
  connect(m_search, &views::SearchView::settingsRequested, this, [this] { openSettingsDialog(); });
  connect(m_search, &views::SearchView::startRequested, this, [this] { startSearch(); });
  connect(m_search, &views::SearchView::stopRequested, this, &MainWindow::stopSearch);
  connect(m_search, &views::SearchView::resumeRequested, this, [this] { resumeSearch(); });
  connect(m_search, &views::SearchView::candidateActivated, this, &MainWindow::showCandidate);
  connect(m_search, &views::SearchView::exportRequested, this, [this] { exportCandidate(m_candidate); });
  connect(&m_run, &SearchRun::eventsAdded, this, &MainWindow::onRunEvents);
  connect(&m_run, &SearchRun::historyChanged, this, &MainWindow::onRunHistory);
  connect(&m_run, &SearchRun::reportChanged, this, &MainWindow::onRunHistory);
  connect(&m_run, &SearchRun::stateChanged, this, &MainWindow::onRunState);
  connect(&m_run, &SearchRun::output, this, &MainWindow::log);
}

QString MainWindow::searchSettingsText() const {
  const ProjectData& d = m_doc.data();
  const DeviceBudget b = searchBudget(d);
  QString text = tr("<b>%1</b>, %2 preset &middot; %3 &middot; %4 &middot; %5 %L6 B &middot; flash %L7 B")
                     .arg(methodName(d.search.method), q(d.search.preset), q(d.search.dataset).toHtmlEscaped(),
                          q(d.device), isSparse(d.search.method) ? tr("working memory") : tr("SRAM"))
                     .arg(b.sramBytes)
                     .arg(b.flashBytes);
  if (d.search.macs > 0) text += tr(" &middot; %1 M MACs").arg(double(d.search.macs) / 1e6, 0, 'f', 1);
  if (d.search.instructions > 0) text += tr(" &middot; %1 M instr").arg(double(d.search.instructions) / 1e6, 0, 'f', 1);
  return text;
}

// Called on every project change: redraws what depends on the settings.
void MainWindow::onSearchSettingsChanged() {
  m_search->setSettingsText(searchSettingsText());
  const QString runDir = m_doc.resolvePath(m_doc.data().search.runDir);
  if (runDir != m_loadedRunDir && !m_run.isRunning()) loadProjectRun();
  recomputeSpace();
}

void MainWindow::recomputeSpace() {
  const ProjectData& d = m_doc.data();
  const DeviceBudget budget = searchBudget(d);
  const SearchSpace space = spaceForSearch(d.search);
  const QString key = QString("%1|%2|%3|%4|%5|%6")
                          .arg(q(d.device), q(d.planner))
                          .arg(budget.sramBytes)
                          .arg(budget.flashBytes)
                          .arg(q(searchSpaceToJson(space).dump()), q(d.search.preset));
  if (key == m_spaceKey) return;
  m_spaceKey = key;
  SpaceOptions options;
  options.samples = stage1Samples(d.search.preset);
  const QString budgetText = tr("%1 · SRAM %L2 B · flash %L3 B · %4 planner · %5 samples per pair")
                                 .arg(q(d.device))
                                 .arg(budget.sramBytes)
                                 .arg(budget.flashBytes)
                                 .arg(q(d.planner))
                                 .arg(options.samples);
  auto report = std::make_shared<SpaceReport>();
  auto* job = new Job(tr("Search space"), [space, budget, options, report](JobContext& c) {
    *report = optimizeSpace(space, budget, options, [&c](int32_t done, int32_t total) {
      c.progress(int(100 * done / std::max(1, total)), QObject::tr("pair %1 of %2").arg(done).arg(total));
    }, c.cancelFlag());
    if (c.cancelled()) return JobOutcome{false, QObject::tr("cancelled")};
    return JobOutcome{true, QObject::tr("%1 networks in %2 s")
                                .arg(report->evaluations)
                                .arg(report->seconds, 0, 'f', 1)};
  });
  m_space->setComputing(0, 100);
  connect(job, &Job::progressed, job, [this](int percent, const QString&) { m_space->setComputing(percent, 100); });
  connect(job, &Job::finished, job, [this, report, budgetText, key](bool ok, const QString& message) {
    if (key != m_spaceKey) return;  // settings changed meanwhile; a newer job runs
    if (!ok) {
      m_space->setMessage(tr("Stage 1 did not finish: %1").arg(message));
      return;
    }
    m_space->setReport(*report, budgetText);
    log(tr("search space: %1 (%2 per second)\n")
            .arg(message)
            .arg(report->seconds > 0 ? double(report->evaluations) / report->seconds : 0.0, 0, 'f', 0));
  });
  startJob(m_spaceJob, job);
}

bool MainWindow::openSettingsDialog() {
  SettingsDialog dialog(m_doc.data(), this);
  if (dialog.exec() != QDialog::Accepted) return false;
  const ProjectData changed = dialog.result();
  if (changed == m_doc.data()) return true;
  m_doc.edit(tr("Change project settings"), [&changed](ProjectData& d) { d = changed; });
  return true;
}

QString MainWindow::runDirForNewRun() const {
  const QString base = m_doc.path().isEmpty() ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)
                                              : QFileInfo(m_doc.path()).absolutePath();
  const QString stamp = QDateTime::currentDateTime().toString("yyyyMMdd-HHmmss");
  const QString name = "runs/" + stamp + "-" + q(m_doc.data().search.method);
  QString dir = QDir(base).absoluteFilePath(name);
  for (int i = 2; QFileInfo::exists(dir); ++i) dir = QDir(base).absoluteFilePath(name + QString("-%1").arg(i));
  return dir;
}

bool MainWindow::startSearch() {
  const ProjectData& d = m_doc.data();
  if (const QString e = SettingsDialog::check(d); !e.isEmpty()) {
    showError(e);
    return false;
  }
  const QString dir = runDirForNewRun();
  QString error;
  if (m_run.isRunning()) {
    showError(tr("A search is already running; stop it first."));
    return false;
  }
  m_run.clear();
  resetSearchCurvesAndCandidate();
  if (!m_run.start(dir, projectToJson(d), q(d.search.method), q(d.search.preset), &error)) {
    showError(tr("Cannot start the search: %1").arg(error));
    return false;
  }
  clearError();
  m_loadedRunDir = dir;
  // Stored relative to the project when it lives beside it, so the project folder can move.
  QString stored = dir;
  if (!m_doc.path().isEmpty()) {
    const QString rel = QFileInfo(m_doc.path()).dir().relativeFilePath(dir);
    if (!rel.startsWith("..")) stored = rel;
  }
  m_doc.edit(tr("Start search"), [&stored](ProjectData& p) { p.search.runDir = stored.toStdString(); });
  log(tr("search started in %1\n").arg(dir));
  return true;
}

bool MainWindow::resumeSearch() {
  const QString dir = m_doc.resolvePath(m_doc.data().search.runDir);
  if (dir.isEmpty() || !QFileInfo(dir).isDir()) {
    showError(tr("There is no stopped search to resume in this project."));
    return false;
  }
  // The run's own settings (project.json in its folder), not today's: a resumed supernet must be
  // trained with the settings it started with.
  QFile f(QDir(dir).absoluteFilePath("project.json"));
  const nlohmann::json project =
      f.open(QIODevice::ReadOnly) ? nlohmann::json::parse(f.readAll().toStdString(), nullptr, false) : nlohmann::json();
  if (!project.is_object()) {
    showError(tr("Cannot resume: %1 has no readable project.json.").arg(dir));
    return false;
  }
  QString error;
  const QString method = m_run.method().isEmpty() ? q(m_doc.data().search.method) : m_run.method();
  const QString preset = m_run.preset().isEmpty() ? q(m_doc.data().search.preset) : m_run.preset();
  if (!m_run.start(dir, project, method, preset, &error)) {
    showError(tr("Cannot resume the search: %1").arg(error));
    return false;
  }
  clearError();
  log(tr("search resumed in %1\n").arg(dir));
  return true;
}

void MainWindow::stopSearch() { m_run.stop(); }

// Before a run starts or loads: empty curves (the progress chart already titled for the project's
// method, so that the first results do not retitle it) and no candidate selected.
void MainWindow::resetSearchCurvesAndCandidate() {
  m_curveStep = 0;
  m_search->curves()->clear();
  m_search->curves()->setProgressCurve({}, progressTitle(isSparse(m_doc.data().search.method)));
  m_candidate = -1;
  m_search->setCandidate({}, false);
}

void MainWindow::loadProjectRun() {
  const QString dir = m_doc.resolvePath(m_doc.data().search.runDir);
  m_loadedRunDir = dir;
  resetSearchCurvesAndCandidate();
  *m_results = views::SearchResults();
  m_search->scatter()->setResults(*m_results);
  if (dir.isEmpty() || !QFileInfo(dir).isDir()) {
    m_run.clear();
    onRunState();
    return;
  }
  m_run.load(dir);  // emits eventsAdded / historyChanged: curves and scatter fill in
  onRunState();
}

void MainWindow::onRunEvents(int first) {
  const std::vector<RunEvent>& events = m_run.events();
  for (size_t i = size_t(first); i < events.size(); ++i) {
    const RunEvent& e = events[i];
    if (e.kind != "progress" || e.batches <= 0 || e.loss <= 0) continue;
    m_curveStep += 1;
    m_search->curves()->addTrainingPoint(m_curveStep, e.loss, e.stage == "supernet" ? -1.0 : e.accuracy, e.stage);
  }
  const RunProgress p = m_run.progress();
  m_search->setProgress(p.fraction, p.stage, m_run.isRunning() ? p.etaSeconds : -1);
}

void MainWindow::onRunHistory() {
  const nlohmann::json& h = m_run.history();
  if (h.is_null()) return;
  Result<views::SearchResults> r = views::parseSearchHistory(h);
  if (!r) {
    log(tr("cannot read the run's history: %1\n").arg(q(r.status().message())));
    return;
  }
  *m_results = std::move(r).value();
  if (m_results->method == views::SearchMethod::kSparse && m_run.report().contains("front")) {
    views::attachSparseFront(m_run.report()["front"], m_results.get());
  }
  m_search->scatter()->setResults(*m_results);
  if (m_results->method == views::SearchMethod::kSparse) {
    m_search->curves()->setProgressCurve(m_results->hypervolume, progressTitle(true));
  } else {
    std::vector<double> best = views::bestAccuracySoFar(*m_results);
    for (double& v : best) v *= 100;
    m_search->curves()->setProgressCurve(best, progressTitle(false));
  }
  if (m_candidate >= 0 && size_t(m_candidate) < m_results->points.size()) m_search->scatter()->setSelected(m_candidate);
}

void MainWindow::onRunState() {
  QString status;
  bool canResume = false;
  switch (m_run.state()) {
    case SearchRun::State::kEmpty:
      status = tr("No search has run in this project yet. Press Start search (Settings... chooses the method, "
                  "preset and budgets).");
      break;
    case SearchRun::State::kRunning:
      status = tr("Running in %1").arg(m_run.dir());
      break;
    case SearchRun::State::kStopping:
      status = tr("Stopping at the next batch...");
      break;
    case SearchRun::State::kStopped:
      status = tr("Stopped%1. The run in %2 can be resumed from its checkpoint.")
                   .arg(m_run.lastMessage().isEmpty() ? QString() : " (" + m_run.lastMessage() + ")", m_run.dir());
      canResume = true;
      break;
    case SearchRun::State::kFailed:
      status = tr("Failed: %1. Resume continues from the last checkpoint.").arg(m_run.lastMessage());
      canResume = true;
      if (m_run.lastMessage() != "cancelled") showError(tr("The search failed: %1").arg(m_run.lastMessage()));
      break;
    case SearchRun::State::kFinished: {
      const nlohmann::json& r = m_run.report();
      status = tr("Finished: %1").arg(m_run.dir());
      if (r.contains("int8_test_accuracy")) {
        status = tr("Finished: winner int8 test accuracy %1 %, peak SRAM %L2 B, flash %L3 B (measured), "
                    "%L4 instructions in QEMU; report in %5")
                     .arg(r["int8_test_accuracy"].get<double>() * 100, 0, 'f', 2)
                     .arg(r.value("peak_sram_bytes", int64_t(0)))
                     .arg(r.value("flash_bytes", int64_t(0)))
                     .arg(r.value("instructions", int64_t(0)))
                     .arg(QDir(m_run.dir()).absoluteFilePath("report.json"));
      }
      break;
    }
  }
  m_search->setRunState(m_run.isRunning(), canResume, status);
  const RunProgress p = m_run.progress();
  m_search->setProgress(p.fraction, p.stage, m_run.isRunning() ? p.etaSeconds : -1);
}

void MainWindow::showCandidate(int index) {
  if (index < 0 || size_t(index) >= m_results->points.size()) return;
  m_candidate = index;
  m_search->scatter()->setSelected(index);
  const views::SearchPoint& p = m_results->points[size_t(index)];
  const bool sparse = m_results->method == views::SearchMethod::kSparse;
  QString html = views::describePoint(*m_results, p);
  const bool exportable = p.feasible && p.measured && !m_run.isRunning();
  if (!p.feasible) html += tr("<p>It does not fit the budget, so it was never trained.</p>");
  else if (m_run.isRunning()) html += tr("<p>Export is available when the run has stopped or finished.</p>");
  m_search->setCandidate(html, exportable);
  // The model views: SpArSe keeps every point's int8 model; a TinyNAS candidate is drawn from its
  // architecture with placeholder weights (export extracts its real weights from the supernet).
  const QString dir = m_run.dir();
  const QString label = tr("search candidate #%1").arg(index);
  std::function<Result<std::shared_ptr<const views::ModelAnalysis>>(const std::atomic<bool>*)> analyse;
  if (sparse) {
    const QString model = QDir(dir).absoluteFilePath(QString("candidates/%1.tflite").arg(index));
    if (!QFileInfo::exists(model)) return;
    analyse = [model](const std::atomic<bool>* cancel) { return views::analyzeModelFile(model.toStdString(), cancel); };
  } else {
    const SearchSpace space = spaceForSearch(m_doc.data().search);
    Result<ArchChoice> choice = choiceFromJson(space, p.raw.value("choice", nlohmann::json()));
    if (!choice) {
      log(tr("candidate #%1: %2\n").arg(index).arg(q(choice.status().message())));
      return;
    }
    const ArchSpec spec = choiceToSpec(space, choice.value());
    analyse = [spec, label](const std::atomic<bool>* cancel) -> Result<std::shared_ptr<const views::ModelAnalysis>> {
      Result<Graph> g = archToGraph(spec);
      if (!g) return g.status();
      return views::analyzeGraph(std::move(g).value(), label.toStdString(), cancel);
    };
  }
  auto result = std::make_shared<Result<std::shared_ptr<const views::ModelAnalysis>>>(Status::error("not run"));
  auto* job = new Job(tr("Open %1").arg(label), [analyse, result](JobContext& c) {
    c.progress(-1, QObject::tr("planning"));
    *result = analyse(c.cancelFlag());
    return JobOutcome{bool(*result), *result ? QString() : q(result->status().message())};
  });
  connect(job, &Job::finished, this, [this, result, index, sparse, label](bool ok, const QString& message) {
    if (index != m_candidate) return;
    if (!ok) {
      showError(tr("Cannot open %1: %2").arg(label, message));
      return;
    }
    onAnalysis(result->value());
    m_previewPlaceholder = !sparse;
    m_previewCandidate = index;
    const int32_t selected = m_doc.data().selectedModel;
    const QString back = selected >= 0 ? tr(" <a href=\"back\">Back to %1</a>").arg(
                                             q(m_doc.data().models[size_t(selected)].name).toHtmlEscaped())
                                       : QString();
    m_previewBar->setText(tr("The views show <b>%1</b> of the search%2.%3")
                              .arg(label,
                                   sparse ? QString() : tr(" (its architecture; weights come with Export firmware)"),
                                   back));
    m_previewBar->show();
    log(tr("%1 is shown in the Model and Memory views%2\n")
            .arg(label, sparse ? QString() : tr(" (architecture with placeholder weights)")));
  });
  startJob(m_analysisJob, job);
}

bool MainWindow::exportCandidate(int index) {
  if (index < 0 || size_t(index) >= m_results->points.size()) {
    showError(tr("Click a candidate in the Search view first."));
    return false;
  }
  if (m_candidateJob && m_candidateJob->isRunning()) {
    showError(tr("A candidate is already being exported."));
    return false;
  }
  const QString tool = SearchRun::toolPath();
  if (tool.isEmpty()) {
    showError(tr("tinyforge-cli was not found beside the studio; build it with make."));
    return false;
  }
  const QString dir = m_run.dir();
  const QString model = QDir(dir).absoluteFilePath(QString("exports/candidate-%1.tflite").arg(index));
  QDir().mkpath(QFileInfo(model).absolutePath());
  const std::string command = shellQuote(tool.toStdString()) + " search-export --run " + shellQuote(dir.toStdString()) +
                              " --candidate " + std::to_string(index) + " --out " + shellQuote(model.toStdString()) +
                              " --json";
  auto output = std::make_shared<ProcessResult>();
  auto* job = new Job(tr("Extract candidate #%1").arg(index), [command, output](JobContext& c) {
    c.progress(-1, QObject::tr("inheriting its weights and converting to int8"));
    ProcessHooks hooks;
    hooks.cancel = c.cancelFlag();
    *output = runProcess(command, 3600, hooks);
    if (output->cancelled) return JobOutcome{false, QObject::tr("cancelled")};
    if (output->exitCode != 0) return JobOutcome{false, q(output->output).trimmed()};
    return JobOutcome{true, {}};
  });
  m_search->setExportBusy(true, tr("Extracting candidate #%1...").arg(index));
  connect(job, &Job::finished, this, [this, index, model, output](bool ok, const QString& message) {
    m_search->setExportBusy(false, {});
    if (!ok) {
      showError(tr("Cannot export candidate #%1: %2").arg(index).arg(message));
      return;
    }
    const size_t brace = output->output.rfind("\n{");  // --json: the last thing printed
    const nlohmann::json r = nlohmann::json::parse(output->output.substr(brace == std::string::npos ? 0 : brace),
                                                   nullptr, false);
    if (r.is_object() && r.contains("int8_test_accuracy")) {
      log(tr("candidate #%1 extracted to %2: int8 test accuracy %3 % (inherited weights, not fine-tuned)\n")
              .arg(index)
              .arg(model)
              .arg(r["int8_test_accuracy"].get<double>() * 100, 0, 'f', 2));
    }
    // The candidate joins the project as a model; when its analysis is done, it is built and
    // verified in QEMU like any model (the Deploy tab shows the result).
    m_verifyAfterAnalysis = QDir(m_doc.exportDir()).absoluteFilePath(QString("candidate-%1").arg(index));
    addModel(model);
    showView(View::kDeploy);
  });
  startJob(m_candidateJob, job);
  return true;
}

}  // namespace tinyforge::studio
