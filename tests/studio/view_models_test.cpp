// The view models against the engine's own results: timeline blocks against the memory plan,
// the layer table against the model summary, the timeline widget's panels, hover and click, and
// the budget bars' colours.
#include <QSignalSpy>
#include <QtTest>
#include <algorithm>

#include "views/budget_bar.h"
#include "views/layer_table_model.h"
#include "views/memory_timeline_view.h"
#include "views/model_analysis.h"
#include "views/timeline_model.h"

using namespace tinyforge;
using namespace tinyforge::views;

namespace {
const char* kModel = TINYFORGE_SOURCE_DIR "/resources/models/person_detect.tflite";
}

class ViewModelsTest : public QObject {
  Q_OBJECT
  std::shared_ptr<const ModelAnalysis> m_analysis;

 private Q_SLOTS:
  void initTestCase() {
    auto a = analyzeModelFile(kModel, nullptr);
    QVERIFY2(bool(a), a ? "" : a.status().message().c_str());
    m_analysis = a.value();
    for (const std::string& p : studioPlanners()) {
      QVERIFY2(m_analysis->plan(p) && m_analysis->plan(p)->error.empty(), p.c_str());
    }
  }

  void timelineMatchesPlan() {
    for (const std::string& name : studioPlanners()) {
      const PlannerResult& r = *m_analysis->plan(name);
      const MemoryPlan& plan = r.model.plan;
      const TimelineData t = buildTimeline(r.model.graph, plan);
      QCOMPARE(t.liveBytes, plan.liveBytes);
      QCOMPARE(t.peakStep, plan.peakStep);
      QCOMPARE(t.steps(), int32_t(plan.order.size() + 1));
      int64_t top = 0;
      int tensors = 0;
      for (const TimelineBlock& b : t.blocks) {
        top = std::max(top, b.offset + b.bytes);
        QVERIFY(b.firstStep <= b.lastStep);
        if (b.kind != BlockKind::kTensor) continue;
        ++tensors;
        QCOMPARE(b.offset, plan.offsets[size_t(b.tensor)]);
        const bool peak = std::count(plan.peakTensors.begin(), plan.peakTensors.end(), b.tensor) > 0;
        QCOMPARE(b.atPeak, peak);
      }
      QVERIFY2(top <= plan.arenaBytes, name.c_str());
      const auto planned = std::count_if(plan.lifetimes.begin(), plan.lifetimes.end(), [&](const TensorLifetime& l) {
        return plan.offsets[size_t(l.tensor)] >= 0;
      });
      QCOMPARE(tensors, int(planned));
      // Every block is found where it is drawn.
      for (size_t i = 0; i < t.blocks.size(); ++i) {
        const TimelineBlock& b = t.blocks[i];
        const int32_t hit = blockAt(t, b.lastStep, b.offset);
        QVERIFY(hit >= 0);
      }
    }
    QCOMPARE(buildTimeline(m_analysis->plan("patch")->model.graph, m_analysis->plan("patch")->model.plan)
                 .blocks.back().kind == BlockKind::kPatchTiles,
             !m_analysis->plan("patch")->model.plan.patches.empty());
  }

  void liveBytesPerOpFollowPlan() {
    const PlannerResult& r = *m_analysis->plan("best");
    QCOMPARE(r.liveBytesAtOp.size(), m_analysis->graph.ops.size());
    const int64_t peak = *std::max_element(r.liveBytesAtOp.begin(), r.liveBytesAtOp.end());
    QCOMPARE(peak, *std::max_element(r.model.plan.liveBytes.begin(), r.model.plan.liveBytes.end()));
  }

  void formatting() {
    QCOMPARE(formatBytes(512), std::string("512 B"));
    QCOMPARE(formatBytes(62668), std::string("61.2 KB"));
    QCOMPARE(formatCount(4101233), std::string("4,101,233"));
    QCOMPARE(formatCount(-1000), std::string("-1,000"));
  }

  void layerTableMatchesSummary() {
    LayerTableModel m;
    m.setAnalysis(m_analysis, "best");
    const ModelSummary& s = m_analysis->summary;
    QCOMPARE(m.rowCount(), int(s.layers.size()));
    for (int r = 0; r < m.rowCount(); ++r) {
      QCOMPARE(m.data(m.index(r, LayerTableModel::kMacs), Qt::UserRole).toLongLong(), s.layers[size_t(r)].macs);
      QCOMPARE(m.data(m.index(r, LayerTableModel::kOp), Qt::DisplayRole).toString().toStdString(), s.layers[size_t(r)].op);
      QCOMPARE(m.data(m.index(r, LayerTableModel::kLiveBytes), Qt::UserRole).toLongLong(),
               m_analysis->plan("best")->liveBytesAtOp[size_t(r)]);
    }
    QVERIFY(!m.data(m.index(0, LayerTableModel::kInstructions), Qt::UserRole).isValid());
    std::vector<int64_t> measured(s.layers.size(), 400);
    measured[0] = -1;
    m.setMeasured(measured);
    QVERIFY(!m.data(m.index(0, LayerTableModel::kInstructions), Qt::UserRole).isValid());
    QCOMPARE(m.data(m.index(1, LayerTableModel::kInstructions), Qt::UserRole).toLongLong(), 400);
    m.setPlanner("patch");
    QCOMPARE(m.data(m.index(0, LayerTableModel::kLiveBytes), Qt::UserRole).toLongLong(),
             m_analysis->plan("patch")->liveBytesAtOp[0]);
    const QStringList lines = m.toCsv().trimmed().split('\n');
    QCOMPARE(lines.size(), m.rowCount() + 1);
    QVERIFY(lines[0].startsWith("index,layer,op,output_shape"));
    QVERIFY(lines[1].contains(QString::number(s.layers[0].macs)));
  }

  void timelineWidget() {
    SelectionModel sel;
    MemoryTimelineView v(&sel);
    v.resize(1200, 700);
    v.setAnalysis(m_analysis);
    v.setPlanner("best");
    QCOMPARE(int(v.panels().size()), 1);
    v.setMode(TimelineMode::kSideBySide);
    QCOMPARE(int(v.panels().size()), 3);
    v.setMode(TimelineMode::kOverlay);
    QCOMPARE(v.panels().front().data.planner, std::string("best"));
    v.setMode(TimelineMode::kSingle);
    QImage img = v.grab().toImage();
    QVERIFY(!img.isNull());
    // Hover and click on the biggest tensor block.
    const auto& panel = v.panels().front();
    const auto big = std::max_element(panel.data.blocks.begin(), panel.data.blocks.end(),
                                      [](const TimelineBlock& a, const TimelineBlock& b) { return a.bytes < b.bytes; });
    const QRectF area = panel.blocksArea;
    const double sx = area.width() / panel.data.steps();
    const double sy = area.height() / double(panel.data.arenaBytes);
    const QPointF centre(area.left() + (big->firstStep + 0.5) * sx,
                         area.bottom() - (double(big->offset) + double(big->bytes) / 2) * sy);
    QVERIFY(v.describeAt(centre).contains(QString::fromStdString(big->name)));
    QSignalSpy spy(&sel, &SelectionModel::opChanged);
    QTest::mouseClick(&v, Qt::LeftButton, {}, centre.toPoint());
    if (big->producerOp >= 0) {
      QCOMPARE(spy.count(), 1);
      QCOMPARE(sel.op(), panel.originalOp[size_t(big->producerOp)]);
    }
    qInfo("person_detect timeline paint: %.2f ms", v.lastPaintMilliseconds());
  }

  void budgetColours() {
    BudgetBar b("SRAM");
    b.setValues(50, 100, "x");
    QCOMPARE(b.fillColour(), QColor(67, 160, 71));
    b.setValues(90, 100, "x");
    QCOMPARE(b.fillColour(), QColor(255, 179, 0));
    b.setValues(101, 100, "x");
    QVERIFY(b.overBudget());
    QCOMPARE(b.fillColour(), QColor(229, 57, 53));
  }

  void mobilenetStaysFluid() {
    const QString path = TINYFORGE_SHARED_DIR "/models/tflm_xtensa_mobilenet_v2_quantized_1x3x224x224.tflite";
    if (!QFileInfo::exists(path)) {
      if (qEnvironmentVariable("CI") == "true") QFAIL("../shared is missing under CI=true");
      QSKIP("../shared/models not present: skipping the MobileNetV2 timeline");
    }
    auto a = analyzeModelFile(path.toStdString(), nullptr);
    QVERIFY(bool(a));
    SelectionModel sel;
    MemoryTimelineView v(&sel);
    v.resize(1600, 900);
    v.setAnalysis(a.value());
    v.setMode(TimelineMode::kSideBySide);
    sel.setOp(40);
    v.grab();
    qInfo("MobileNetV2 (84 ops) side-by-side timeline paint: %.2f ms", v.lastPaintMilliseconds());
    QVERIFY(v.lastPaintMilliseconds() > 0);
  }
};

QTEST_MAIN(ViewModelsTest)
#include "view_models_test.moc"
