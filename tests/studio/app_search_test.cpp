// The Space and Search tabs end to end, as a user drives them: the Space view against the search
// library's own stage 1; a small quick TinyNAS run started from the window (a subset of
// Fashion-MNIST, one supernet epoch, two small generations), stopped, the studio closed and the
// project reopened (the history is there and Resume is offered), resumed to the end; then a
// Pareto-front point clicked in the scatter (it opens in the model views) and exported as
// firmware in one click, built and verified in QEMU. The worst event-loop stall while the search
// runs is printed (not asserted: wall times are not stable here). With TINYFORGE_SCREENSHOT_DIR
// set, screenshots of the Space and Search tabs are saved there during the run.
#include <QCheckBox>
#include <QComboBox>
#include <QElapsedTimer>
#include <QProgressBar>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include <QChartView>

#include "app/studio/main_window.h"
#include "app/studio/settings_dialog.h"
#include "engine/firmware/device.h"
#include "search/dataset.h"
#include "search/search_space.h"
#include "views/memory_timeline_view.h"
#include "views/search_results_model.h"
#include "views/search_scatter_view.h"
#include "views/search_view.h"
#include "views/space_chart_model.h"
#include "views/space_view.h"

using namespace tinyforge;
using namespace tinyforge::studio;

namespace {

// How long to wait for background work that is quick on an idle machine (the Space view's 1,000
// samples per pair, a click's candidate model, a stop, a small search): generous, because the
// sanitizer build on a busy machine is ten times slower. A wait, not a time limit on the product;
// CMake sets it from the test's timeout.
#ifdef TINYFORGE_SLOW_WAIT_MS
constexpr int kSlowWaitMs = TINYFORGE_SLOW_WAIT_MS;
#else
constexpr int kSlowWaitMs = 600000;
#endif

// Empty when a search can run here: Fashion-MNIST installed, and tinyforge-train (libtorch)
// built beside tinyforge-cli.
QString whySearchCannotRun() {
  if (!QFileInfo::exists(QString(kFashionMnistDir) + "/train-images-idx3-ubyte.gz") &&
      !QFileInfo::exists(QString(kFashionMnistDir) + "/train-images-idx3-ubyte")) {
    return "Fashion-MNIST (dataset-fashion-mnist) is not installed";
  }
  const QString cli = SearchRun::toolPath();
  if (cli.isEmpty() || !QFileInfo(QFileInfo(cli).dir().filePath("tinyforge-train")).isExecutable()) {
    return "tinyforge-train was not built (libtorch missing): no search to run";
  }
  return {};
}

bool haveTools() {
  return !QStandardPaths::findExecutable("arm-none-eabi-gcc").isEmpty() &&
         !QStandardPaths::findExecutable("qemu-system-arm").isEmpty();
}

// The longest gap between two ticks of a 5 ms timer: how long the UI thread was blocked.
class StallMeter : public QObject {
 public:
  StallMeter() {
    m_timer.setInterval(5);
    connect(&m_timer, &QTimer::timeout, this, [this] {
      const qint64 now = m_clock.nsecsElapsed();
      if (m_last > 0) m_worst = std::max(m_worst, now - m_last);
      m_last = now;
    });
    m_clock.start();
    m_timer.start();
  }
  double worstMs() const { return double(m_worst) / 1e6; }

 private:
  QTimer m_timer;
  QElapsedTimer m_clock;
  qint64 m_last = 0, m_worst = 0;
};

void shoot(MainWindow* w, MainWindow::View view, const QString& name) {
  const QString dir = qEnvironmentVariable("TINYFORGE_SCREENSHOT_DIR");
  if (dir.isEmpty()) return;
  QDir().mkpath(dir);
  w->showView(view);
  QTest::qWait(150);
  w->grab().save(QDir(dir).absoluteFilePath(name + ".png"));
}

}  // namespace

class SearchTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void settingsRoundTripThroughTheProjectFile() {
    ProjectData d;
    d.search.method = "sparse";
    d.search.preset = "full";
    d.search.dataset = "cifar10:/data/cifar";
    d.search.sramBytes = 16384;
    d.search.flashBytes = 65536;
    d.search.macs = 30000000;
    d.search.trainImages = 5000;
    d.search.iterations = 12;
    d.search.runDir = "runs/x";
    ProjectData back;
    std::string error;
    QVERIFY(projectFromJson(projectToJson(d), &back, &error));
    QVERIFY(back == d);
    // The keys the command-line tool reads (app/train/search_settings.h).
    const nlohmann::json s = projectToJson(d)["search"];
    QCOMPARE(s["sram_bytes"].get<int64_t>(), int64_t(16384));
    QCOMPARE(s["dataset"].get<std::string>(), std::string("cifar10:/data/cifar"));
    QVERIFY(!s.contains("instructions"));  // 0: not set, so the tool applies no limit
    nlohmann::json bad = projectToJson(d);
    bad["search"]["method"] = "grid";
    QVERIFY(!projectFromJson(bad, &back, &error));
    QVERIFY2(QString::fromStdString(error).contains("method"), error.c_str());
    // The dialog shows every setting and gives it back unchanged when nothing is touched.
    d.search.instructions = 12500000;
    d.search.epochs = 3;
    d.search.population = 20;
    d.search.generations = 4;
    d.device = "stm32h743";
    d.planner = "patch";
    QVERIFY(SettingsDialog(d).result() == d);
    // A dataset folder that does not exist cannot run.
    QVERIFY(SettingsDialog::check(d).contains("/data/cifar"));
    d.search.dataset = "fashion-mnist";
    QVERIFY(SettingsDialog::check(d).isEmpty());
  }

  // SpArSe's objective keys and keys the studio does not edit survive opening and saving, and
  // the dialog edits the objectives with the command-line tool's rules.
  void objectivesAndOtherKeysSurviveTheStudio() {
    nlohmann::json file = projectToJson(ProjectData{});
    file["search"]["method"] = "sparse";
    file["search"]["objectives"] = {"error", "memory"};
    file["search"]["size_objective"] = "nonzero";
    file["search"]["verify"] = false;
    file["sparse"] = {{"memory_bytes", 2048}};
    ProjectData d;
    std::string error;
    QVERIFY2(projectFromJson(file, &d, &error), error.c_str());
    QCOMPARE(d.search.objectives, (std::vector<std::string>{"error", "memory"}));
    QCOMPARE(d.search.sizeObjective, std::string("nonzero"));
    QVERIFY(d.search.memoryObjective.empty());
    const nlohmann::json saved = projectToJson(d);
    QCOMPARE(saved["search"]["objectives"], file["search"]["objectives"]);
    QCOMPARE(saved["search"]["size_objective"].get<std::string>(), std::string("nonzero"));
    QVERIFY(!saved["search"].contains("memory_objective"));  // unset: the tool's default
    QCOMPARE(saved["search"]["verify"].get<bool>(), false);
    QCOMPARE(saved["sparse"]["memory_bytes"].get<int>(), 2048);
    // An untouched dialog changes nothing; unchecking working memory leaves error and size.
    QVERIFY(SettingsDialog(d).result() == d);
    ProjectData plain;
    plain.search.method = "sparse";
    QVERIFY(SettingsDialog(plain).result() == plain);
    SettingsDialog dialog(plain);
    for (QCheckBox* box : dialog.findChildren<QCheckBox*>()) {
      if (box->text().contains("memory")) box->setChecked(false);
    }
    QCOMPARE(dialog.result().search.objectives, (std::vector<std::string>{"error", "size"}));
    if (const QString dir = qEnvironmentVariable("TINYFORGE_SCREENSHOT_DIR"); !dir.isEmpty()) {
      QDir().mkpath(dir);
      dialog.show();
      QTest::qWait(100);
      dialog.grab().save(QDir(dir).absoluteFilePath("settings_dialog.png"));
    }
    // Wrong values are errors that name the key, as in tinyforge-cli sparse-search.
    for (const auto& [key, value] : std::vector<std::pair<std::string, nlohmann::json>>{
             {"objectives", {"size", "memory"}}, {"objectives", {"error", "latency"}},
             {"size_objective", "bytes"}, {"memory_objective", "peak"}}) {
      nlohmann::json bad = file;
      bad["search"][key] = value;
      QVERIFY(!projectFromJson(bad, &d, &error));
      QVERIFY2(QString::fromStdString(error).contains(QString::fromStdString(key)), error.c_str());
    }
  }

  // Progress from the run's events: monotone, ETA from the rate since the last start (a resumed
  // run does not count the work done before it), 1 at a successful end.
  void progressFromEvents() {
    auto ev = [](const char* kind, const char* stage, int epoch, int epochs, qint64 batch, qint64 batches,
                 double time) {
      RunEvent e;
      e.kind = kind;
      e.stage = stage;
      e.epoch = epoch;
      e.epochs = epochs;
      e.batch = batch;
      e.batches = batches;
      e.time = time;
      return e;
    };
    std::vector<RunEvent> events = {ev("start", "", 0, 0, 0, 0, 100), ev("progress", "stage1", 0, 0, 0, 0, 101),
                                    ev("progress", "supernet", 1, 2, 50, 100, 111)};
    RunProgress p = runProgress(events, "search", 111);
    QVERIFY(std::abs(p.fraction - (0.02 + 0.55 * 0.25)) < 1e-9);
    QVERIFY(p.stage.contains("supernet"));
    QVERIFY(std::abs(p.etaSeconds - 11 * (1 - p.fraction) / p.fraction) < 1e-6);
    double last = p.fraction;
    for (const RunEvent& e : {ev("progress", "supernet", 2, 2, 100, 100, 150), ev("progress", "evolution", 1, 2, 4, 8, 160),
                              ev("progress", "qat", 1, 1, 10, 20, 170), ev("progress", "validate", 1, 1, 0, 0, 175),
                              ev("progress", "firmware", 0, 0, 0, 0, 190)}) {
      events.push_back(e);
      p = runProgress(events, "search", e.time);
      QVERIFY2(p.fraction > last, qPrintable(e.stage));
      last = p.fraction;
    }
    // Stopped, then resumed: the ETA counts only the work since the new start.
    events.push_back(ev("end", "", 0, 0, 0, 0, 191));
    QVERIFY(runProgress(events, "search", 191).etaSeconds < 0);
    events.push_back(ev("start", "", 0, 0, 0, 0, 1000));
    events.push_back(ev("progress", "firmware", 0, 0, 0, 0, 1000));
    QVERIFY(runProgress(events, "search", 1010).etaSeconds < 0);  // no progress since the start yet
    RunEvent end = ev("end", "", 0, 0, 0, 0, 1020);
    end.ok = true;
    events.push_back(end);
    QCOMPARE(runProgress(events, "search", 1020).fraction, 1.0);
    // SpArSe: by points.
    std::vector<RunEvent> sparse = {ev("start", "", 0, 0, 0, 0, 0), ev("progress", "sparse", 2, 4, 0, 0, 20)};
    QVERIFY(std::abs(runProgress(sparse, "sparse-search", 20).fraction - 0.95 * 0.5) < 1e-9);
    sparse.push_back(ev("progress", "train", 1, 2, 5, 10, 25));
    QVERIFY(runProgress(sparse, "sparse-search", 25).fraction > 0.95 * 0.5);
  }

  void searchFromTheWindow() {
    if (const QString why = whySearchCannotRun(); !why.isEmpty()) QSKIP(qPrintable(why));
    QTemporaryDir tmp;
    const QString project = tmp.filePath("search.tinyforge");
    {
      ProjectData d;
      d.name = "search test";
      d.device = "stm32f746";
      d.search.sramBytes = 64000;
      d.search.flashBytes = 64000;
      d.search.macs = 30000000;
      d.search.trainImages = 1000;
      d.search.epochs = 1;
      d.search.population = 8;
      d.search.generations = 2;
      ProjectDocument doc;
      QString error;
      doc.reset(d);
      QVERIFY2(doc.saveAs(project, &error), qPrintable(error));
    }
    QString runDir;
    {
      auto w = std::make_unique<MainWindow>();
      w->resize(1280, 800);
      w->show();
      QVERIFY(w->openProject(project, false));

      // The Space view shows what the search library computes for these budgets.
      QTRY_VERIFY_WITH_TIMEOUT(w->spaceView()->state() == views::SpaceView::State::kReport, kSlowWaitMs);
      DeviceBudget budget;
      budget.sramBytes = 64000;
      budget.flashBytes = 64000;
      budget.planner = "best";
      SpaceOptions so;
      so.samples = stage1Samples("quick");
      const SpaceReport direct = optimizeSpace(mcunetSpace(28, 28, 1, 10), budget, so);
      const views::SpaceChartModel& m = w->spaceView()->model();
      QVERIFY(direct.best >= 0);
      const views::SpaceChartModel expected = views::buildSpaceChartModel(direct);
      QCOMPARE(m.curves.size(), expected.curves.size());
      QCOMPARE(m.best, expected.best);
      QVERIFY(m.chosenCurve() && expected.chosenCurve());
      QCOMPARE(m.chosenCurve()->points, expected.chosenCurve()->points);
      shoot(w.get(), MainWindow::View::kSpace, "space");
      // A smaller SRAM budget: recomputed in the background, the view follows.
      w->document()->edit("smaller budget", [](ProjectData& d) { d.search.sramBytes = 24000; });
      QCOMPARE(w->spaceView()->state(), views::SpaceView::State::kComputing);
      QTRY_VERIFY_WITH_TIMEOUT(w->spaceView()->state() == views::SpaceView::State::kReport, kSlowWaitMs);
      budget.sramBytes = 24000;
      const views::SpaceChartModel small = views::buildSpaceChartModel(optimizeSpace(mcunetSpace(28, 28, 1, 10), budget, so));
      QCOMPARE(w->spaceView()->model().best, small.best);
      QCOMPARE(w->spaceView()->model().curves.size(), small.curves.size());
      w->document()->undoStack()->undo();
      QTRY_VERIFY_WITH_TIMEOUT(w->spaceView()->state() == views::SpaceView::State::kReport &&
                                   w->spaceView()->model().best == expected.best, kSlowWaitMs);

      // Start from the Search tab's button; stop once the evolution has written its history.
      w->showView(MainWindow::View::kSearch);
      StallMeter stalls;
      QTest::mouseClick(w->searchView()->startButton(), Qt::LeftButton);
      QVERIFY2(w->searchRun()->isRunning(), qPrintable(w->lastError()));
      runDir = w->searchRun()->dir();
      QVERIFY(runDir.startsWith(tmp.path()));
      QTRY_VERIFY_WITH_TIMEOUT(!w->searchResults().points.empty() || !w->searchRun()->isRunning(), kSlowWaitMs);
      QVERIFY2(w->searchRun()->isRunning(), qPrintable(w->searchRun()->lastMessage()));
      QVERIFY(w->searchView()->progressBar()->value() > 0);
      shoot(w.get(), MainWindow::View::kSearch, "search_running");
      QTest::mouseClick(w->searchView()->stopButton(), Qt::LeftButton);
      QTRY_VERIFY_WITH_TIMEOUT(!w->searchRun()->isRunning(), kSlowWaitMs);
      QCOMPARE(w->searchRun()->state(), SearchRun::State::kStopped);
      QVERIFY(w->searchView()->resumeButton()->isEnabled());
      std::printf("worst event-loop stall while the search ran: %.1f ms\n", stalls.worstMs());
      QString error;
      QVERIFY2(w->document()->save(&error), qPrintable(error));
    }  // the studio closes

    // Reopened: the history is shown and Resume is offered; resume runs it to the end.
    auto w = std::make_unique<MainWindow>();
    w->resize(1280, 800);
    w->show();
    QVERIFY(w->openProject(project, false));
    QCOMPARE(w->searchRun()->dir(), runDir);
    QCOMPARE(w->searchRun()->state(), SearchRun::State::kStopped);
    QVERIFY(!w->searchResults().points.empty());
    QVERIFY(w->searchView()->resumeButton()->isEnabled());
    w->showView(MainWindow::View::kSearch);
    StallMeter stalls;
    QTest::mouseClick(w->searchView()->resumeButton(), Qt::LeftButton);
    QVERIFY2(w->searchRun()->isRunning(), qPrintable(w->lastError()));
    QTRY_VERIFY_WITH_TIMEOUT(!w->searchRun()->isRunning(), kSlowWaitMs);
    QVERIFY2(w->searchRun()->state() == SearchRun::State::kFinished, qPrintable(w->searchRun()->lastMessage()));
    std::printf("worst event-loop stall while the resumed search ran: %.1f ms\n", stalls.worstMs());
    QVERIFY(w->searchRun()->report().contains("int8_test_accuracy"));
    QCOMPARE(w->searchView()->progressBar()->value(), 1000);

    // The scatter's front agrees with the library; click a front point.
    const views::SearchResults& results = w->searchResults();
    views::SearchScatterView* scatter = w->searchView()->scatter();
    QCOMPARE(scatter->front(), views::frontFor(results, scatter->xMetric(), scatter->yMetric()));
    QVERIFY(!scatter->front().empty());
    const int point = scatter->front().front();
    QTest::qWait(100);  // the chart lays out
    QTest::mouseClick(scatter->chartView()->viewport(), Qt::LeftButton, {}, scatter->viewPosOf(point));
    QTRY_VERIFY_WITH_TIMEOUT(w->analysis() && w->analysis()->path == "search candidate #" + std::to_string(point),
                             kSlowWaitMs);
    QCOMPARE(scatter->selected(), point);
    QCOMPARE(w->previewedCandidate(), point);
    QVERIFY(!w->timeline()->panels().empty());
    // Placeholder weights are never exported from the Deploy tab.
    w->exportFirmware(tmp.filePath("placeholder"));
    QVERIFY(w->lastError().contains("placeholder"));
    shoot(w.get(), MainWindow::View::kSearch, "search_finished");
    shoot(w.get(), MainWindow::View::kMemory, "search_candidate_memory");

    // One click: the candidate's weights from the supernet, a model of the project, verified.
    if (!haveTools()) QSKIP("arm-none-eabi-gcc or qemu-system-arm missing: export not verified");
    const size_t models = w->document()->data().models.size();
    QVERIFY(w->searchView()->exportButton()->isEnabled());
    QTest::mouseClick(w->searchView()->exportButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(w->document()->data().models.size() == models + 1, kSlowWaitMs);
    QTRY_VERIFY_WITH_TIMEOUT(w->lastVerify().has_value() && !w->busy(), kSlowWaitMs);
    QVERIFY2(w->lastError().isEmpty(), qPrintable(w->lastError()));
    QVERIFY(w->lastVerify()->match);
    QVERIFY(w->lastVerify()->instructions > 0);
    QVERIFY(QString::fromStdString(w->analysis()->path).endsWith(QString("candidate-%1.tflite").arg(point)));
    shoot(w.get(), MainWindow::View::kDeploy, "search_candidate_deployed");
  }

  // SpArSe from the window: three trained points, the hypervolume curve, a front point opened
  // with its real int8 model and exported in one click.
  void sparseSearchFromTheWindow() {
    if (const QString why = whySearchCannotRun(); !why.isEmpty()) QSKIP(qPrintable(why));
    QTemporaryDir tmp;
    const QString project = tmp.filePath("sparse.tinyforge");
    {
      ProjectData d;
      d.search.method = "sparse";
      d.search.trainImages = 1000;
      d.search.epochs = 1;
      d.search.iterations = 3;
      ProjectDocument doc;
      QString error;
      doc.reset(d);
      QVERIFY2(doc.saveAs(project, &error), qPrintable(error));
    }
    MainWindow w;
    w.resize(1280, 800);
    w.show();
    QVERIFY(w.openProject(project, false));
    w.showView(MainWindow::View::kSearch);
    QVERIFY(w.startSearch());
    QTRY_VERIFY_WITH_TIMEOUT(!w.searchRun()->isRunning(), kSlowWaitMs);
    QVERIFY2(w.searchRun()->state() == SearchRun::State::kFinished, qPrintable(w.searchRun()->lastMessage()));
    const views::SearchResults& results = w.searchResults();
    QCOMPARE(results.method, views::SearchMethod::kSparse);
    QCOMPARE(results.points.size(), size_t(3));
    QCOMPARE(results.hypervolume.size(), size_t(3));
    views::SearchScatterView* scatter = w.searchView()->scatter();
    QCOMPARE(scatter->front(), views::frontFor(results, scatter->xMetric(), scatter->yMetric()));
    QVERIFY(!scatter->front().empty());
    const int point = scatter->front().front();
    QTest::qWait(100);
    QTest::mouseClick(scatter->chartView()->viewport(), Qt::LeftButton, {}, scatter->viewPosOf(point));
    const QString model = QDir(w.searchRun()->dir()).absoluteFilePath(QString("candidates/%1.tflite").arg(point));
    QTRY_VERIFY_WITH_TIMEOUT(w.analysis() && QString::fromStdString(w.analysis()->path) == model, kSlowWaitMs);
    QCOMPARE(w.previewedCandidate(), point);
    shoot(&w, MainWindow::View::kSearch, "sparse_finished");
    if (!haveTools()) QSKIP("arm-none-eabi-gcc or qemu-system-arm missing: export not verified");
    QVERIFY(w.searchView()->exportButton()->isEnabled());
    QTest::mouseClick(w.searchView()->exportButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(w.lastVerify().has_value() && !w.busy(), kSlowWaitMs);
    QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
    QVERIFY(w.lastVerify()->match);
  }
};

QTEST_MAIN(SearchTest)
#include "app_search_test.moc"
