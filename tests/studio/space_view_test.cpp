// The search-space view against the search library's own results: TinyNAS stage 1 on the
// Fashion-MNIST space with a budget where some pairs fit and some do not; the CDF curves and the
// heat-map grid against the SpaceReport, the colour scale, the JSON round trip through
// spaceReportToJson, and the widget (series, chosen curve, click on the chosen cell, computing and
// nothing-fits states, a 1280x800 rendering). TINYFORGE_SCREENSHOT_DIR=dir also keeps the PNGs.
#include "views/space_view.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <set>

#include "views/space_chart_model.h"

using namespace tinyforge;
using namespace tinyforge::views;

namespace {
const QString kBudgetText = QStringLiteral("test budget · SRAM 64,000 B · flash 96,000 B");

void compareModels(const SpaceChartModel& a, const SpaceChartModel& b) {
  QCOMPARE(a.best, b.best);
  QCOMPARE(a.pairs, b.pairs);
  QCOMPARE(a.evaluations, b.evaluations);
  QCOMPARE(a.maxMacsM, b.maxMacsM);
  QCOMPARE(a.curves.size(), b.curves.size());
  for (size_t i = 0; i < a.curves.size(); ++i) {
    QCOMPARE(a.curves[i].label, b.curves[i].label);
    QCOMPARE(a.curves[i].chosen, b.curves[i].chosen);
    QCOMPARE(a.curves[i].points, b.curves[i].points);
  }
  QCOMPARE(a.grid.widths, b.grid.widths);
  QCOMPARE(a.grid.resolutions, b.grid.resolutions);
  for (size_t i = 0; i < a.grid.cells.size(); ++i) {
    const SpaceCell &x = a.grid.cells[i], &y = b.grid.cells[i];
    QCOMPARE(x.pair, y.pair);
    QCOMPARE(x.sampled, y.sampled);
    QCOMPARE(x.fitting, y.fitting);
    QCOMPARE(x.meanMacs, y.meanMacs);
    QCOMPARE(x.fitFraction, y.fitFraction);
    QCOMPARE(x.chosen, y.chosen);
  }
}
}  // namespace

class SpaceViewTest : public QObject {
  Q_OBJECT
  SearchSpace m_space = mcunetSpace(28, 28, 1, 10);
  SpaceReport m_report;

 private Q_SLOTS:
  void initTestCase() {
    DeviceBudget budget;
    budget.sramBytes = 64000;
    budget.flashBytes = 96000;
    m_report = optimizeSpace(m_space, budget, {.samples = 40, .seed = 1});
    int fitting = 0;
    for (const PairReport& p : m_report.pairs) {
      fitting += p.fitting > 0;
      qInfo("%s: %d/%d fit, mean %.0f MACs", qPrintable(pairLabel(p.width, p.resolution)),
            p.fitting, p.sampled, p.meanMacs);
    }
    QCOMPARE(m_report.pairs.size(), m_space.widths.size() * m_space.resolutions.size());
    QVERIFY2(fitting > 1 && fitting < int(m_report.pairs.size()),
             "the budget should let some pairs fit, not all");
    QVERIFY(m_report.best >= 0);
  }

  void curvesAreTheReportsCdfs() {
    const SpaceChartModel m = buildSpaceChartModel(m_report);
    const auto withFit = std::count_if(m_report.pairs.begin(), m_report.pairs.end(),
                                       [](const PairReport& p) { return p.fitting > 0; });
    QCOMPARE(qsizetype(m.curves.size()), qsizetype(withFit));
    int chosen = 0;
    for (const SpaceCurve& c : m.curves) {
      const PairReport& p = m_report.pairs[size_t(c.pair)];
      QCOMPARE(c.label, pairLabel(p.width, p.resolution));
      QCOMPARE(c.chosen, c.pair == m_report.best);
      chosen += c.chosen;
      QVERIFY(!c.points.empty());
      QCOMPARE(c.points.front().y(), 0.0);
      QCOMPARE(c.points.back().y(), 1.0);
      QCOMPARE(c.points.front().x(), double(p.macsSorted.front()) / 1e6);
      QCOMPARE(c.points.back().x(), double(p.macsSorted.back()) / 1e6);
      std::set<double> xs, expected;
      for (size_t i = 0; i < c.points.size(); ++i) {
        xs.insert(c.points[i].x());
        if (i == 0) continue;
        QVERIFY(c.points[i].x() >= c.points[i - 1].x());
        QVERIFY(c.points[i].y() >= c.points[i - 1].y());
        // Horizontal or vertical segments only: a step function.
        QVERIFY(c.points[i].x() == c.points[i - 1].x() || c.points[i].y() == c.points[i - 1].y());
      }
      for (int64_t macs : p.macsSorted) expected.insert(double(macs) / 1e6);
      QCOMPARE(xs, expected);
      // After each riser, y is the fraction of fitting networks with MACs <= x.
      for (size_t i = 1; i < c.points.size(); i += 2) {
        const auto atMost = std::upper_bound(p.macsSorted.begin(), p.macsSorted.end(),
                                             int64_t(std::llround(c.points[i].x() * 1e6))) -
                            p.macsSorted.begin();
        QVERIFY(std::abs(c.points[i].y() - double(atMost) / double(p.fitting)) < 1e-12);
      }
    }
    QCOMPARE(chosen, 1);
  }

  void stepsCollapseEqualMacs() {
    SpaceReport r;
    r.pairs.push_back({.width = 0.5,
                       .resolution = 24,
                       .sampled = 5,
                       .fitting = 4,
                       .meanMacs = 1.75e6,
                       .macsSorted = {1000000, 1000000, 2000000, 3000000}});
    r.best = 0;
    const SpaceChartModel m = buildSpaceChartModel(r);
    QCOMPARE(m.curves.size(), size_t(1));
    const std::vector<QPointF> want = {{1, 0}, {1, 0.5}, {2, 0.5}, {2, 0.75}, {3, 0.75}, {3, 1}};
    QCOMPARE(m.curves[0].points, want);
    QCOMPARE(m.curves[0].label, QStringLiteral("w0.50 r24"));
  }

  void gridIsTheReport() {
    const SpaceChartModel m = buildSpaceChartModel(m_report);
    std::vector<double> widths = m_space.widths;
    std::sort(widths.begin(), widths.end());
    QCOMPARE(m.grid.widths, widths);
    QCOMPARE(m.grid.resolutions, m_space.resolutions);
    int chosen = 0;
    for (size_t i = 0; i < m_report.pairs.size(); ++i) {
      const PairReport& p = m_report.pairs[i];
      const SpaceCell& c = m.grid.cell(m.grid.columnOf(p.width), m.grid.rowOf(p.resolution));
      QCOMPARE(c.pair, int32_t(i));
      QCOMPARE(c.width, p.width);
      QCOMPARE(c.resolution, p.resolution);
      QCOMPARE(c.sampled, p.sampled);
      QCOMPARE(c.fitting, p.fitting);
      QCOMPARE(c.meanMacs, p.meanMacs);
      QCOMPARE(c.fitFraction, double(p.fitting) / double(p.sampled));
      QCOMPARE(c.chosen, int32_t(i) == m_report.best);
      chosen += c.chosen;
    }
    QCOMPARE(chosen, 1);
    QCOMPARE(m.chosenCell()->pair, m_report.best);
    QCOMPARE(m.chosenCurve()->pair, m_report.best);
  }

  void colourScale() {
    QCOMPARE(rampColour(0.0), QColor(68, 1, 84));
    QCOMPARE(rampColour(1.0), QColor(253, 231, 37));
    QCOMPARE(rampColour(-3.0), rampColour(0.0));
    QCOMPARE(rampColour(7.0), rampColour(1.0));
    for (int i = 1; i <= 20; ++i) {  // the ramp gets lighter all the way
      QVERIFY(rampColour(i / 20.0).lightnessF() >= rampColour((i - 1) / 20.0).lightnessF() - 0.02);
    }
    QCOMPARE(textColourOn(rampColour(0.0)), QColor(Qt::white));
    QCOMPARE(textColourOn(rampColour(1.0)), QColor(Qt::black));
    const SpaceChartModel m = buildSpaceChartModel(m_report);
    const ColourScale f = heatScale(m.grid, HeatMode::kFitFraction);
    QCOMPARE(f.lo, 0.0);
    QCOMPARE(f.hi, 1.0);
    double lo = 1e300, hi = 0;
    for (const PairReport& p : m_report.pairs) {
      if (p.fitting == 0) continue;
      lo = std::min(lo, p.meanMacs / 1e6);
      hi = std::max(hi, p.meanMacs / 1e6);
    }
    const ColourScale s = heatScale(m.grid, HeatMode::kMeanMacs);
    QCOMPARE(s.lo, lo);
    QCOMPARE(s.hi, hi);
    QCOMPARE(s.colourAt(hi), rampColour(1.0));
    QCOMPARE(s.colourAt(lo), rampColour(0.0));
    QCOMPARE(s.position((lo + hi) / 2), 0.5);
    const SpaceCell& best = *m.chosenCell();
    QCOMPARE(cellText(best, HeatMode::kMeanMacs), formatMacsM(best.meanMacs));
    for (const SpaceCell& c : m.grid.cells) {
      if (c.fitting == 0) QCOMPARE(cellText(c, HeatMode::kFitFraction), QStringLiteral("0 fit"));
    }
    QCOMPARE(formatMacsM(1234567), QStringLiteral("1.23 M"));
    QCOMPARE(formatMacsM(12345678), QStringLiteral("12.3 M"));
  }

  void jsonRoundTrip() {
    const SpaceChartModel direct = buildSpaceChartModel(m_report);
    nlohmann::json j = spaceReportToJson(m_report);
    j["budget"] = {{"sram_bytes", 64000}};  // what tinyforge-cli space --json adds is ignored
    const auto parsed = spaceChartModelFromJson(nlohmann::json::parse(j.dump(1)));
    QVERIFY2(parsed.ok(), parsed.ok() ? "" : parsed.error().c_str());
    compareModels(parsed.value(), direct);
    const auto report = spaceReportFromJson(j);
    QVERIFY(report.ok());
    QCOMPARE(report.value().best, m_report.best);
    QCOMPARE(report.value().pairs.size(), m_report.pairs.size());
    for (size_t i = 0; i < m_report.pairs.size(); ++i) {
      QCOMPARE(report.value().pairs[i].macsSorted, m_report.pairs[i].macsSorted);
    }
    // Broken files say where.
    nlohmann::json bad = j;
    bad["pairs"][2]["macs_cdf"].push_back(1);
    const auto e = spaceReportFromJson(bad);
    QVERIFY(!e.ok());
    QVERIFY2(e.error().find("pair 2") != std::string::npos, e.error().c_str());
    QVERIFY(!spaceReportFromJson(nlohmann::json::array()).ok());
    nlohmann::json noFit = spaceReportToJson(SpaceReport{});
    QVERIFY(spaceChartModelFromJson(noFit).ok());
    QCOMPARE(spaceChartModelFromJson(noFit).value().best, -1);
  }

  void widgetDrawsTheReport() {
    SpaceView v;
    v.resize(1280, 800);
    v.setReport(m_report, kBudgetText);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCOMPARE(v.state(), SpaceView::State::kReport);
    QCOMPARE(v.chart()->series().size(), qsizetype(v.model().curves.size()));
    QCOMPARE(v.curveSeries().size(), v.model().curves.size());
    QLineSeries* chosen = v.chosenSeries();
    QVERIFY(chosen);
    const SpaceCell& cell = *v.model().chosenCell();
    QVERIFY(chosen->name().contains(pairLabel(cell.width, cell.resolution)));
    QVERIFY(chosen->name().contains(QStringLiteral("chosen")));
    for (QLineSeries* s : v.curveSeries()) {
      if (s != chosen) QVERIFY(s->pen().widthF() < chosen->pen().widthF());
    }
    QCOMPARE(v.chart()->series().back(), chosen);  // drawn on top
    int visible = 0;
    for (QLegendMarker* marker : v.chart()->legend()->markers()) visible += marker->isVisible();
    QVERIFY2(visible >= 2 && visible <= int(m_space.widths.size()) + 1,
             qPrintable(QString::number(visible)));
    QVERIFY(v.chart()->legend()->markers(chosen).value(0)->isVisible());
    QVERIFY2(v.headerText().startsWith(kBudgetText), qPrintable(v.headerText()));
    QVERIFY(v.headerText().contains(QStringLiteral("chosen ") +
                                    pairLabel(cell.width, cell.resolution)));
    QVERIFY(v.headerText().contains(formatMacsM(cell.meanMacs)));
    QVERIFY(!v.progressBar()->isVisible());
    // Every measured cell explains itself on hover.
    const SpaceGrid& g = v.heatMap()->grid();
    QVERIFY(v.heatMap()
                ->describeCell(g.columnOf(cell.width), g.rowOf(cell.resolution))
                .contains("chosen"));
  }

  void clickingTheChosenCellNamesThePair() {
    SpaceView v;
    v.resize(1280, 800);
    v.setReport(m_report, kBudgetText);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QSignalSpy spy(&v, &SpaceView::pairClicked);
    const SpaceGrid& g = v.heatMap()->grid();
    const PairReport& best = m_report.pairs[size_t(m_report.best)];
    const QRectF r = v.heatMap()->cellRect(g.columnOf(best.width), g.rowOf(best.resolution));
    QVERIFY(r.width() > 20 && r.height() > 20);
    QCOMPARE(v.heatMap()->cellAt(r.center()),
             std::make_pair(g.columnOf(best.width), g.rowOf(best.resolution)));
    QTest::mouseClick(v.heatMap(), Qt::LeftButton, {}, r.center().toPoint());
    QCOMPARE(spy.count(), 1);
    QCOMPARE(spy.at(0).at(0).toDouble(), best.width);
    QCOMPARE(spy.at(0).at(1).toInt(), best.resolution);
    QTest::mouseClick(v.heatMap(), Qt::LeftButton, {}, QPoint(2, 2));  // outside the grid
    QCOMPARE(spy.count(), 1);
    v.setHeatMode(HeatMode::kFitFraction);
    QCOMPARE(v.heatMap()->mode(), HeatMode::kFitFraction);
  }

  void computingAndMessages() {
    SpaceView v;
    v.resize(1280, 800);
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QCOMPARE(v.state(), SpaceView::State::kMessage);
    v.setComputing(3, 24);
    QCOMPARE(v.state(), SpaceView::State::kComputing);
    QVERIFY(v.progressBar()->isVisible());
    QCOMPARE(v.progressBar()->value(), 3);
    QCOMPARE(v.progressBar()->maximum(), 24);
    v.setReport(SpaceReport{}, kBudgetText);
    QCOMPARE(v.state(), SpaceView::State::kMessage);
    QVERIFY2(v.messageText().startsWith(QStringLiteral("Nothing fits")),
             qPrintable(v.messageText()));
    QVERIFY(!v.progressBar()->isVisible());
    DeviceBudget tiny;
    tiny.sramBytes = 8000;
    tiny.flashBytes = 16000;
    SearchSpace small = m_space;
    small.widths = {0.25, 0.5};
    const SpaceReport none = optimizeSpace(small, tiny, {.samples = 4, .seed = 1});
    QCOMPARE(none.best, -1);
    v.setReport(none, QStringLiteral("tiny"));
    QCOMPARE(v.state(), SpaceView::State::kMessage);
    QVERIFY(v.messageText().contains(QStringLiteral("Raise the SRAM or flash budget")));
    QVERIFY(v.messageText().contains(QStringLiteral("tiny")));
    QCOMPARE(v.chart()->series().size(), 0);
    const QString keep = qEnvironmentVariable("TINYFORGE_SCREENSHOT_DIR");
    if (!keep.isEmpty()) QVERIFY(v.grab().toImage().save(keep + "/space_view_nothing_fits.png"));
  }

  void rendersAt1280x800() {
    SpaceView v;
    v.resize(1280, 800);
    v.setReport(m_report, QStringLiteral("stm32f746 · SRAM 64,000 B · flash 96,000 B"));
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString keep = qEnvironmentVariable("TINYFORGE_SCREENSHOT_DIR");
    for (HeatMode mode : {HeatMode::kMeanMacs, HeatMode::kFitFraction}) {
      v.setHeatMode(mode);
      const QImage image = v.grab().toImage();
      QCOMPARE(image.size(), QSize(1280, 800));
      const QString name =
          mode == HeatMode::kMeanMacs ? "space_view.png" : "space_view_fraction.png";
      QVERIFY(image.save(dir.filePath(name)));
      if (!keep.isEmpty()) QVERIFY(image.save(keep + "/" + name));
    }
    v.setComputing(5, 24);
    const QImage computing = v.grab().toImage();
    if (!keep.isEmpty()) QVERIFY(computing.save(keep + "/space_view_computing.png"));
  }
};

QTEST_MAIN(SpaceViewTest)
#include "space_view_test.moc"
