// The Search view's data and charts against the search library's own results: a TinyNAS history
// from the real constrained evolution (accuracy a fixed function of the cost instead of
// training) and a SpArSe history from the real Bayesian search on a synthetic accuracy. The
// front must be search/pareto.h's front, the hypervolume series the library's; the scatter
// draws every point, follows its axis combos and reports clicks on front points; malformed
// histories are errors. Screenshots go to /tmp/search_view_*.png.
#include <QChartView>
#include <QComboBox>
#include <QElapsedTimer>
#include <QHBoxLayout>
#include <QLineSeries>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QVBoxLayout>
#include <QValueAxis>
#include <QtTest>
#include <cmath>

#include "search/bayes_search.h"
#include "search/evolution.h"
#include "search/pareto.h"
#include "views/search_curves_view.h"
#include "views/search_results_model.h"
#include "views/search_scatter_view.h"

using namespace tinyforge;
using namespace tinyforge::views;

namespace {

struct TinyNasRun {
  std::vector<Candidate> history;
  nlohmann::json json;
};

// Accuracy as a fixed function of the cost: grows with MACs, with a deterministic wiggle so
// that SRAM, flash and accuracy trade off.
double syntheticAccuracy(const Candidate& c) {
  const double macs = double(c.cost.macs);
  return 0.55 + 0.35 * (1.0 - std::exp(-macs / 3e6)) +
         0.02 * std::sin(double(c.cost.params) * 0.001);
}

TinyNasRun runTinyNas() {
  SearchConstraints k;
  k.budget.sramBytes = 14500;
  k.budget.flashBytes = 80000;
  k.maxMacs = 6'000'000;
  EvolutionOptions o;
  o.population = 16;
  o.generations = 4;
  o.seed = 7;
  auto latency = [](const ArchSpec& a) { return archCost(a).macs * 3 / 2 + 20000; };
  EvolutionSearch evo(mcunetSpace(28, 28, 1, 10), 0.5, 28, k, o, latency);
  while (!evo.done()) {
    std::vector<Candidate> batch = evo.propose();
    for (Candidate& c : batch) c.accuracy = syntheticAccuracy(c);
    evo.observe(batch);
  }
  TinyNasRun run{evo.history(), nlohmann::json::array()};
  for (const Candidate& c : run.history) run.json.push_back(candidateToJson(c));
  return run;
}

struct SparseRun {
  std::vector<SparseCandidate> history;
  std::vector<size_t> front;
  nlohmann::json json;
};

SparseRun runSparse() {
  const SparseSpace s;
  BayesOptions o;
  o.randomPool = 40;
  o.morphsPerFrontPoint = 4;
  o.posteriorSamples = 8;
  BayesianSparseSearch bo(s, o);
  for (int i = 0; i < 16; ++i) {
    const SparseArch a = bo.propose();
    const SparseCost c = sparseCost(s, a);
    bo.observe(a, 0.5 + 0.4 * std::min(1.0, double(c.nonZeroParams) / 20000.0) +
                      0.03 * std::cos(double(c.workingMemory) * 0.01));
  }
  SparseRun run{bo.history(), bo.front(), nlohmann::json::object()};
  nlohmann::json list = nlohmann::json::array();
  for (const SparseCandidate& c : run.history) list.push_back(sparseCandidateToJson(c));
  run.json = {{"candidates", list}, {"hypervolume", bo.hypervolumes()}};
  return run;
}

double candidateMetric(const Candidate& c, SearchMetric m) {
  switch (m) {
    case SearchMetric::kAccuracy:
      return c.accuracy;
    case SearchMetric::kPeakSram:
      return double(c.cost.peakBytes);
    case SearchMetric::kFlash:
      return double(c.cost.flashBytes);
    case SearchMetric::kMacs:
      return double(c.cost.macs);
    case SearchMetric::kLatency:
      return double(c.instructions);
    default:
      return NAN;
  }
}

double sparseMetric(const SparseCandidate& c, SearchMetric m) {
  switch (m) {
    case SearchMetric::kAccuracy:
      return c.validationAccuracy;
    case SearchMetric::kPeakSram:
      return double(c.cost.peakSramBest);
    case SearchMetric::kFlash:
      return double(c.cost.flashBytes);
    case SearchMetric::kWorkingMemory:
      return double(c.cost.workingMemory);
    default:
      return NAN;
  }
}

QList<int> sorted(std::vector<int32_t> v) {
  std::sort(v.begin(), v.end());
  return QList<int>(v.begin(), v.end());
}

// The front over feasible measured points computed directly with paretoFront on
// (-accuracy, metric), and the dominance properties the drawn front must have.
template <typename Item, typename MetricFn, typename UsableFn>
void checkFront(const std::vector<Item>& items, const SearchResults& r, SearchMetric x,
                SearchMetric y, MetricFn metric, UsableFn usable) {
  auto objective = [&](const Item& c, SearchMetric m) {
    return isMaximised(m) ? -metric(c, m) : metric(c, m);
  };
  std::vector<int32_t> index;
  std::vector<Objectives> points;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!usable(items[i])) continue;
    index.push_back(int32_t(i));
    points.push_back({objective(items[i], x), objective(items[i], y)});
  }
  std::vector<int32_t> expected;
  for (size_t k : paretoFront(points)) expected.push_back(index[k]);
  const std::vector<int32_t> front = frontFor(r, x, y);
  QVERIFY2(!front.empty(), qPrintable(metricName(x) + " / " + metricName(y)));
  QCOMPARE(sorted(front), sorted(expected));
  for (size_t k = 1; k < front.size(); ++k) {  // sorted along x
    QVERIFY(r.points[size_t(front[k - 1])].metric(x) <= r.points[size_t(front[k])].metric(x));
  }
  std::vector<Objectives> frontPoints;
  for (int32_t f : front)
    frontPoints.push_back({objective(items[size_t(f)], x), objective(items[size_t(f)], y)});
  for (size_t k = 0; k < points.size(); ++k) {
    const bool onFront = std::find(front.begin(), front.end(), index[k]) != front.end();
    bool dominatedOrEqual = false;
    for (const Objectives& f : frontPoints) {
      dominatedOrEqual = dominatedOrEqual || dominates(f, points[k]) || f == points[k];
    }
    if (onFront) {
      for (const Objectives& p : points) QVERIFY(!dominates(p, points[k]));
    }
    QVERIFY(dominatedOrEqual);
  }
  QCOMPARE(frontStaircase(r, front, x, y).size(), front.size() * 2 - 1);
}

void saveGrab(QWidget* w, const QString& name) {
  QCoreApplication::processEvents();
  const QString path = QStringLiteral("/tmp/search_view_%1.png").arg(name);
  QVERIFY(w->grab().save(path));
  qInfo("wrote %s", qPrintable(path));
}

}  // namespace

class SearchResultsTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void tinyNasParse();
  void tinyNasFronts();
  void sparseParseAndHypervolume();
  void malformedHistories();
  void scatterSeriesAndAxes();
  void scatterClickSelectsFrontPoint();
  void scatterLiveUpdates();
  void curves();
  void screenshots();

 private:
  TinyNasRun m_nas;
  SparseRun m_sparse;
  SearchResults m_nasResults, m_sparseResults;
};

void SearchResultsTest::initTestCase() {
  m_nas = runTinyNas();
  m_sparse = runSparse();
  Result<SearchResults> nas = parseSearchHistory(m_nas.json);
  QVERIFY2(nas.ok(), nas.ok() ? "" : nas.error().c_str());
  m_nasResults = nas.value();
  Result<SearchResults> sparse = parseSearchHistoryText(m_sparse.json.dump());
  QVERIFY2(sparse.ok(), sparse.ok() ? "" : sparse.error().c_str());
  m_sparseResults = sparse.value();
  qInfo("TinyNAS history: %d candidates, %d feasible; SpArSe: %d", int(m_nasResults.points.size()),
        m_nasResults.feasibleCount(), int(m_sparseResults.points.size()));
}

void SearchResultsTest::tinyNasParse() {
  const SearchResults& r = m_nasResults;
  QCOMPARE(r.method, SearchMethod::kTinyNas);
  QCOMPARE(r.points.size(), m_nas.history.size());
  int feasible = 0, measured = 0;
  for (size_t i = 0; i < r.points.size(); ++i) {
    const Candidate& c = m_nas.history[i];
    const SearchPoint& p = r.points[i];
    feasible += c.feasible;
    measured += c.feasible && c.accuracy >= 0;
    QCOMPARE(p.index, int32_t(i));
    QCOMPARE(p.feasible, c.feasible);
    QCOMPARE(p.measured, c.accuracy >= 0);
    QCOMPARE(p.violation.toStdString(), c.violation);
    QVERIFY(p.label.startsWith(QStringLiteral("#%1 gen %2").arg(i).arg(c.generation)));
    for (SearchMetric m : {SearchMetric::kPeakSram, SearchMetric::kFlash, SearchMetric::kMacs}) {
      QCOMPARE(p.metric(m), candidateMetric(c, m));
    }
    // No latency where the engine could not cost the candidate (instructions 0).
    QCOMPARE(p.has(SearchMetric::kLatency), c.instructions > 0);
    if (c.instructions > 0) QCOMPARE(p.metric(SearchMetric::kLatency), double(c.instructions));
    if (p.measured) QCOMPARE(p.metric(SearchMetric::kAccuracy), c.accuracy);
    QVERIFY(!p.has(SearchMetric::kWorkingMemory));
    QCOMPARE(p.raw, m_nas.json[i]);
    if (!p.feasible) QVERIFY(describePoint(r, p).contains(p.violation.toHtmlEscaped()));
  }
  QCOMPARE(r.feasibleCount(), feasible);
  QCOMPARE(r.measuredCount(), measured);
  QVERIFY2(feasible < int(r.points.size()), "the budget should make some candidates infeasible");
  QVERIFY(measured > 20);
  QVERIFY(r.hypervolume.empty());
  const std::vector<SearchMetric> metrics = availableMetrics(r);
  QCOMPARE(metrics.size(), size_t(5));
  QVERIFY(std::find(metrics.begin(), metrics.end(), SearchMetric::kLatency) != metrics.end());
  const std::vector<double> best = bestAccuracySoFar(r);
  QCOMPARE(best.size(), r.points.size());
  double max = -1;
  for (const Candidate& c : m_nas.history) max = c.feasible ? std::max(max, c.accuracy) : max;
  QCOMPARE(best.back(), max);
  for (size_t i = 1; i < best.size(); ++i)
    QVERIFY(std::isnan(best[i - 1]) || best[i] >= best[i - 1]);
  QCOMPARE(metricAxisTitle(SearchMetric::kPeakSram), QStringLiteral("peak SRAM (KB)"));
  QCOMPARE(metricAxisTitle(SearchMetric::kLatency), QStringLiteral("latency (M instr)"));
}

void SearchResultsTest::tinyNasFronts() {
  const std::vector<SearchMetric> metrics = availableMetrics(m_nasResults);
  auto usable = [](const Candidate& c) { return c.feasible && c.accuracy >= 0; };
  for (SearchMetric x : metrics) {
    for (SearchMetric y : metrics) {
      if (x == y) continue;
      checkFront(m_nas.history, m_nasResults, x, y, candidateMetric, usable);
      if (QTest::currentTestFailed()) return;
    }
  }
}

void SearchResultsTest::sparseParseAndHypervolume() {
  const SearchResults& r = m_sparseResults;
  QCOMPARE(r.method, SearchMethod::kSparse);
  QCOMPARE(r.points.size(), m_sparse.history.size());
  for (size_t i = 0; i < r.points.size(); ++i) {
    const SparseCandidate& c = m_sparse.history[i];
    const SearchPoint& p = r.points[i];
    QVERIFY(p.feasible && p.measured);
    QCOMPARE(p.label, QStringLiteral("#%1 %2").arg(i).arg(QString::fromStdString(c.source)));
    for (SearchMetric m : {SearchMetric::kAccuracy, SearchMetric::kPeakSram, SearchMetric::kFlash,
                           SearchMetric::kWorkingMemory}) {
      QCOMPARE(p.metric(m), sparseMetric(c, m));
    }
    QVERIFY(!p.has(SearchMetric::kMacs) && !p.has(SearchMetric::kLatency));
    QCOMPARE(p.nonzeroParams, c.cost.nonZeroParams);
  }
  const std::vector<SearchMetric> metrics = availableMetrics(r);
  QVERIFY(std::find(metrics.begin(), metrics.end(), SearchMetric::kMacs) == metrics.end());
  QVERIFY(std::find(metrics.begin(), metrics.end(), SearchMetric::kWorkingMemory) != metrics.end());
  // The hypervolume series is the library's: pareto.h's hypervolume of each prefix of the
  // written objectives against SpArSe's reference (error 100 %, the two budgets).
  QCOMPARE(r.hypervolume.size(), r.points.size());
  std::vector<Objectives> prefix;
  for (size_t i = 0; i < r.points.size(); ++i) {
    prefix.push_back(r.points[i].raw.at("objectives").get<Objectives>());
    QCOMPARE(r.hypervolume[i], hypervolume(prefix, {1.0, 1.0, 1.0}));
  }
  auto usable = [](const SparseCandidate&) { return true; };
  for (SearchMetric x :
       {SearchMetric::kFlash, SearchMetric::kWorkingMemory, SearchMetric::kPeakSram}) {
    checkFront(m_sparse.history, r, x, SearchMetric::kAccuracy, sparseMetric, usable);
    checkFront(m_sparse.history, r, SearchMetric::kAccuracy, x, sparseMetric, usable);
  }
  // front.json: int8 accuracies land on the front's points.
  SearchResults withFront = r;
  nlohmann::json front = nlohmann::json::array();
  for (size_t i : m_sparse.front) {
    nlohmann::json j = sparseCandidateToJson(m_sparse.history[i]);
    j["int8_test_accuracy"] = m_sparse.history[i].validationAccuracy - 0.01;
    front.push_back(j);
  }
  QVERIFY(attachSparseFront(front, &withFront).isOk());
  const SearchPoint& f = withFront.points[m_sparse.front[0]];
  QCOMPARE(f.int8TestAccuracy, m_sparse.history[m_sparse.front[0]].validationAccuracy - 0.01);
  QVERIFY(describePoint(withFront, f).contains(QStringLiteral("int8 test accuracy")));
  front[0]["iteration"] = 999;
  QVERIFY(!attachSparseFront(front, &withFront).isOk());
}

void SearchResultsTest::malformedHistories() {
  auto expectError = [](const Result<SearchResults>& r, const char* needle) {
    QVERIFY(!r.ok());
    QVERIFY2(QString::fromStdString(r.error()).contains(QLatin1String(needle)), r.error().c_str());
  };
  expectError(parseSearchHistoryText("[{\"feasible\": tru"), "not valid JSON");
  expectError(parseSearchHistoryText(""), "not valid JSON");
  expectError(parseSearchHistory(nlohmann::json(42)),
              "expected a TinyNAS array or a SpArSe object");
  expectError(parseSearchHistory(nlohmann::json::object()), "'candidates'");
  expectError(parseSearchHistory({{"candidates", 3}}), "'candidates'");
  nlohmann::json nas = m_nas.json;
  nas[1].erase("peak_sram_bytes");
  expectError(parseSearchHistory(nas), "candidate 1: 'peak_sram_bytes' missing");
  nas = m_nas.json;
  nas[2]["accuracy"] = "0.9";
  expectError(parseSearchHistory(nas), "candidate 2: 'accuracy' is a string, expected a number");
  nas = m_nas.json;
  nas[0] = 5;
  expectError(parseSearchHistory(nas), "candidate 0 is a number, expected an object");
  nlohmann::json sparse = m_sparse.json;
  sparse["hypervolume"][3] = nullptr;
  expectError(parseSearchHistory(sparse), "hypervolume 3 is null");
  sparse = m_sparse.json;
  sparse["candidates"][4].erase("working_memory_bytes");
  expectError(parseSearchHistory(sparse), "candidate 4: 'working_memory_bytes' missing");
  // An empty history is not an error, and the views take it.
  QVERIFY(parseSearchHistoryText("[]").ok());
  SearchScatterView v;
  v.setResults(parseSearchHistoryText("[]").value());
  QCOMPARE(v.feasibleSeries()->count(), 0);
  QCOMPARE(v.candidateAt(QPoint(10, 10)), -1);
}

void SearchResultsTest::scatterSeriesAndAxes() {
  SearchScatterView v;
  v.resize(1280, 800);
  v.setResults(m_nasResults);
  const SearchResults& r = m_nasResults;
  QCOMPARE(v.xMetric(), SearchMetric::kPeakSram);
  QCOMPARE(v.yMetric(), SearchMetric::kAccuracy);
  QCOMPARE(v.xCombo()->count(), int(availableMetrics(r).size()));
  QCOMPARE(v.feasibleSeries()->count(), r.measuredCount());
  QCOMPARE(v.infeasibleSeries()->count(), int(r.points.size()) - r.feasibleCount());
  const std::vector<int32_t> sramFront =
      frontFor(r, SearchMetric::kPeakSram, SearchMetric::kAccuracy);
  QCOMPARE(QList<int>(v.front().begin(), v.front().end()),
           QList<int>(sramFront.begin(), sramFront.end()));
  QCOMPARE(v.frontSeries()->count(), int(sramFront.size()));
  QCOMPARE(v.frontLine()->count(), int(sramFront.size() * 2 - 1));
  QVERIFY(
      v.frontSeries()->name().contains(QStringLiteral("Pareto front (%1)").arg(sramFront.size())));
  QVERIFY(v.infeasibleSeries()->name().startsWith(QStringLiteral("infeasible (")));
  // Unmeasured (infeasible) accuracies sit below every measured one, inside the axis.
  const auto* yAxis = qobject_cast<QValueAxis*>(v.feasibleSeries()->attachedAxes().at(1));
  QVERIFY(yAxis);
  double lowest = INFINITY;
  for (const QPointF& p : v.feasibleSeries()->points()) lowest = std::min(lowest, p.y());
  for (const QPointF& p : v.infeasibleSeries()->points())
    QVERIFY(p.y() < lowest && p.y() > yAxis->min());
  QCOMPARE(yAxis->titleText().left(12), QStringLiteral("accuracy (%)"));

  // The combos change the axes and the front.
  v.xCombo()->setCurrentIndex(v.xCombo()->findData(int(SearchMetric::kMacs)));
  QCOMPARE(v.xMetric(), SearchMetric::kMacs);
  const std::vector<int32_t> macsFront = frontFor(r, SearchMetric::kMacs, SearchMetric::kAccuracy);
  QVERIFY(macsFront != sramFront);
  QCOMPARE(QList<int>(v.front().begin(), v.front().end()),
           QList<int>(macsFront.begin(), macsFront.end()));
  QCOMPARE(v.frontSeries()->count(), int(macsFront.size()));
  v.yCombo()->setCurrentIndex(v.yCombo()->findData(int(SearchMetric::kFlash)));
  // No accuracy axis: every feasible point (measured or not) and every infeasible one is drawn.
  QCOMPARE(v.feasibleSeries()->count(), r.feasibleCount());
  QCOMPARE(v.infeasibleSeries()->count(), int(r.points.size()) - r.feasibleCount());
  QVERIFY(v.front() == frontFor(r, SearchMetric::kMacs, SearchMetric::kFlash));
  // SpArSe data: MACs is not offered, the axes fall back to ones it has.
  v.setResults(m_sparseResults);
  QCOMPARE(v.xCombo()->findData(int(SearchMetric::kMacs)), -1);
  QVERIFY(v.xCombo()->findData(int(SearchMetric::kWorkingMemory)) >= 0);
  QCOMPARE(v.xMetric(), SearchMetric::kPeakSram);
  QCOMPARE(v.feasibleSeries()->count(), int(m_sparseResults.points.size()));
  QCOMPARE(v.infeasibleSeries()->count(), 0);
}

void SearchResultsTest::scatterClickSelectsFrontPoint() {
  SearchScatterView v;
  v.resize(1280, 800);
  v.show();
  QVERIFY(QTest::qWaitForWindowExposed(&v));
  v.setResults(m_nasResults);
  QCoreApplication::processEvents();
  QSignalSpy spy(&v, &SearchScatterView::candidateActivated);
  for (SearchMetric x : {SearchMetric::kPeakSram, SearchMetric::kLatency}) {
    v.setAxes(x, SearchMetric::kAccuracy);
    QCoreApplication::processEvents();
    QCOMPARE(v.xMetric(), x);
    // The front point farthest from every other drawn point, so that a click a few pixels off
    // (nearest drawn point within kPickPixels) can only mean it, whatever the run's numbers.
    int target = -1;
    double isolation = -1;
    for (int32_t f : v.front()) {
      const QPoint pf = v.viewPosOf(f);
      double nearest = 1e9;
      for (int k = 0; k < int(m_nasResults.points.size()); ++k) {
        const QPoint pk = v.viewPosOf(k);
        if (k == f || pk == QPoint(-1, -1)) continue;
        nearest = std::min(nearest, std::hypot(double(pk.x() - pf.x()), double(pk.y() - pf.y())));
      }
      if (nearest > isolation) {
        isolation = nearest;
        target = f;
      }
    }
    QVERIFY2(isolation > 2 * std::hypot(2.0, 3.0), "every front point has a neighbour within 8 px");
    const QPoint at = v.viewPosOf(target);
    QVERIFY(v.chartView()->viewport()->rect().contains(at));
    QCOMPARE(v.candidateAt(at), target);
    QCOMPARE(v.candidateAt(at + QPoint(2, -3)), target);
    QTest::mouseClick(v.chartView()->viewport(), Qt::LeftButton, {}, at);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.takeFirst().at(0).toInt(), target);
    QCOMPARE(v.selected(), target);
    QCOMPARE(v.selectedSeries()->count(), 1);
    QVERIFY(v.tooltipFor(target).contains(m_nasResults.points[size_t(target)].label));
    QVERIFY(v.tooltipFor(target).contains(QStringLiteral("peak SRAM")));
  }
  // Far from every point: nothing.
  QCOMPARE(v.candidateAt(QPoint(2, 2)), -1);
  QTest::mouseClick(v.chartView()->viewport(), Qt::LeftButton, {}, QPoint(2, 2));
  QCOMPARE(spy.count(), 0);
  v.setSelected(-1);
  QCOMPARE(v.selectedSeries()->count(), 0);
}

void SearchResultsTest::scatterLiveUpdates() {
  // A live search: the history grows; the user's axes stay, the selection stays.
  SearchScatterView v;
  v.resize(1280, 800);
  v.setResults(m_nasResults);
  v.setAxes(SearchMetric::kFlash, SearchMetric::kAccuracy);
  v.setSelected(3);
  QElapsedTimer timer;
  timer.start();
  const size_t n = m_nas.json.size();
  int updates = 0;
  for (size_t k = n / 2; k <= n; k += std::max<size_t>(1, n / 40), ++updates) {
    nlohmann::json part(m_nas.json.begin(), m_nas.json.begin() + std::ptrdiff_t(k));
    v.setResults(parseSearchHistory(part).value());
    QCOMPARE(v.xMetric(), SearchMetric::kFlash);
    QCOMPARE(v.xCombo()->currentData().toInt(), int(SearchMetric::kFlash));
  }
  qInfo("%d live updates (parse + setResults) in %lld ms", updates, timer.elapsed());
  v.setResults(m_nasResults);
  QCOMPARE(v.xMetric(), SearchMetric::kFlash);
  QCOMPARE(v.selected(), 3);
  QCOMPARE(v.selectedSeries()->count(), 1);
  QCOMPARE(v.feasibleSeries()->count(), m_nasResults.measuredCount());
}

void SearchResultsTest::curves() {
  SearchCurvesView v;
  for (int i = 0; i < 5000; ++i) {
    v.addTrainingPoint(i, 2.3 * std::exp(-i / 1500.0), i % 100 == 99 ? 0.5 + i / 12000.0 : -1,
                       "train");
  }
  QVERIFY(v.trainingPointCount() <= SearchCurvesView::kMaxTrainingPoints);
  QVERIFY(v.trainingPointCount() >= SearchCurvesView::kMaxTrainingPoints / 2);
  QCOMPARE(v.lossSeries()->count(), v.trainingPointCount());
  QCOMPARE(v.lossSeries()->points().last().x(), 4999.0);
  QCOMPARE(v.accuracySeries()->count(), 50);  // every validation point kept
  QCOMPARE(v.accuracySeries()->points().last(), QPointF(4999, 100 * (0.5 + 4999 / 12000.0)));
  v.addTrainingPoint(0, 2.0, -1, "qat");  // a new run starts from step 0
  QCOMPARE(v.trainingPointCount(), 1);
  QCOMPARE(v.accuracySeries()->count(), 0);
  QVERIFY(v.trainingView()
              ->chart()
              ->axes(Qt::Horizontal)
              .at(0)
              ->titleText()
              .contains(QStringLiteral("qat")));
  v.clear();
  QCOMPARE(v.lossSeries()->count(), 0);
  v.setProgressCurve(m_sparseResults.hypervolume, QStringLiteral("hypervolume per iteration"));
  QCOMPARE(v.progressSeries()->count(), int(m_sparseResults.hypervolume.size()));
  const std::vector<double> best = bestAccuracySoFar(m_nasResults);
  v.setProgressCurve(best, QStringLiteral("best accuracy so far"));
  QCOMPARE(v.progressSeries()->count(),
           int(std::count_if(best.begin(), best.end(), [](double b) { return !std::isnan(b); })));
}

void SearchResultsTest::screenshots() {
  SearchScatterView nas;
  nas.resize(1280, 800);
  nas.setResults(m_nasResults);
  nas.setSelected(nas.front().empty() ? -1 : nas.front().back());
  nas.show();
  QVERIFY(QTest::qWaitForWindowExposed(&nas));
  saveGrab(&nas, QStringLiteral("tinynas_scatter"));
  nas.setAxes(SearchMetric::kMacs, SearchMetric::kPeakSram);
  saveGrab(&nas, QStringLiteral("tinynas_macs_sram"));

  SearchScatterView sparse;
  sparse.resize(1280, 800);
  sparse.setResults(m_sparseResults);
  sparse.setAxes(SearchMetric::kWorkingMemory, SearchMetric::kAccuracy);
  sparse.show();
  QVERIFY(QTest::qWaitForWindowExposed(&sparse));
  saveGrab(&sparse, QStringLiteral("sparse_scatter"));

  // As the Search view lays them out: the scatter above, the curves beneath.
  QWidget page;
  auto* layout = new QVBoxLayout(&page);
  auto* scatter = new SearchScatterView(&page);
  auto* curves = new SearchCurvesView(&page);
  auto* curvesRow = new QHBoxLayout;
  layout->addWidget(scatter, 3);
  layout->addLayout(curvesRow, 2);
  curvesRow->addWidget(curves);
  scatter->setResults(m_nasResults);
  for (int i = 0; i < 3000; ++i) {
    curves->addTrainingPoint(i, 2.3 * std::exp(-i / 900.0) + 0.05 * std::sin(i * 0.3),
                             i % 200 == 199 ? 0.6 + 0.3 * (1 - std::exp(-i / 1000.0)) : -1,
                             "train");
  }
  std::vector<double> best = bestAccuracySoFar(m_nasResults);
  for (double& b : best) b *= 100.0;
  curves->setProgressCurve(best, QStringLiteral("best accuracy so far"),
                           QStringLiteral("accuracy (%)"));
  page.resize(1280, 800);
  page.show();
  QVERIFY(QTest::qWaitForWindowExposed(&page));
  saveGrab(&page, QStringLiteral("page"));
  SearchCurvesView sparseCurves;
  sparseCurves.resize(1280, 800);
  sparseCurves.setProgressCurve(m_sparseResults.hypervolume,
                                QStringLiteral("hypervolume per iteration"),
                                QStringLiteral("hypervolume"));
  for (int i = 0; i < 400; ++i)
    sparseCurves.addTrainingPoint(i, 1.0 / (1 + i * 0.01), i % 40 == 39 ? i / 500.0 : -1, "qat");
  sparseCurves.show();
  QVERIFY(QTest::qWaitForWindowExposed(&sparseCurves));
  saveGrab(&sparseCurves, QStringLiteral("sparse_curves"));
}

QTEST_MAIN(SearchResultsTest)
#include "search_results_test.moc"
