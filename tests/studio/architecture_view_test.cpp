// The architecture graph: layout (one box per op, edges for activation uses only, ranks
// increase along every edge, no overlapping boxes), colouring by metric, shared selection.
#include <QSignalSpy>
#include <QtTest>
#include <algorithm>

#include "views/architecture_view.h"
#include "views/model_analysis.h"

using namespace tinyforge;
using namespace tinyforge::views;

namespace {
const char* kModel = TINYFORGE_SOURCE_DIR "/resources/models/person_detect.tflite";

// (producer op -> consumer op) uses of non-constant tensors, graph outputs included.
int activationUses(const Graph& g) {
  int uses = 0;
  for (const Op& op : g.ops) {
    for (TensorId t : op.inputs) uses += t >= 0 && !g.tensors[size_t(t)].isConstant;
  }
  return uses + int(g.outputs.size());
}

void checkLayout(const Graph& g, const ArchitectureLayout& l) {
  QCOMPARE(l.nodes.size(), g.ops.size() + g.inputs.size() + g.outputs.size());
  QCOMPARE(int(l.edges.size()), activationUses(g));
  for (const LayoutEdge& e : l.edges) {
    QVERIFY(l.nodes[size_t(e.from)].rank < l.nodes[size_t(e.to)].rank);
    QVERIFY(l.nodes[size_t(e.from)].rect.bottom() < l.nodes[size_t(e.to)].rect.top());
  }
  for (size_t i = 0; i < l.nodes.size(); ++i) {
    for (size_t j = i + 1; j < l.nodes.size(); ++j) {
      QVERIFY2(!l.nodes[i].rect.intersects(l.nodes[j].rect), qPrintable(QString("%1 %2").arg(i).arg(j)));
    }
  }
}
}  // namespace

class ArchitectureViewTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void layoutOfPersonDetect() {
    auto a = analyzeModelFile(kModel, nullptr);
    QVERIFY(bool(a));
    checkLayout(a.value()->graph, layoutArchitecture(a.value()->graph, a.value()->summary, QFontMetricsF(QFont())));
  }

  void layoutOfMobileNetV2WithResiduals() {
    const QString path = TINYFORGE_SHARED_DIR "/models/tflm_xtensa_mobilenet_v2_quantized_1x3x224x224.tflite";
    if (!QFileInfo::exists(path)) {
      if (qEnvironmentVariable("CI") == "true") QFAIL("../shared is missing under CI=true");
      QSKIP("../shared/models not present: skipping the MobileNetV2 layout");
    }
    auto a = analyzeModelFile(path.toStdString(), nullptr);
    QVERIFY(bool(a));
    QElapsedTimer t;
    t.start();
    const ArchitectureLayout l = layoutArchitecture(a.value()->graph, a.value()->summary, QFontMetricsF(QFont()));
    qInfo("MobileNetV2 (84 ops) layout: %.2f ms", double(t.nsecsElapsed()) / 1e6);
    checkLayout(a.value()->graph, l);
  }

  void colourSelectionAndClicks() {
    auto a = analyzeModelFile(kModel, nullptr);
    QVERIFY(bool(a));
    SelectionModel sel;
    ArchitectureView v(&sel);
    v.resize(900, 700);
    v.setAnalysis(a.value(), "best");
    QCOMPARE(v.nodeCount(), int(a.value()->graph.ops.size()));
    v.setMetric(NodeMetric::kMacs);
    const auto& layers = a.value()->summary.layers;
    const auto most = std::max_element(layers.begin(), layers.end(),
                                       [](const LayerSummary& x, const LayerSummary& y) { return x.macs < y.macs; });
    const int32_t hot = int32_t(most - layers.begin());
    for (int32_t op = 0; op < v.nodeCount(); ++op) {  // the strongest colour has the least green
      QVERIFY(v.nodeColor(hot).green() <= v.nodeColor(op).green());
    }
    v.setMetric(NodeMetric::kLiveMemory);
    const auto& live = a.value()->plan("best")->liveBytesAtOp;
    const int32_t busiest = int32_t(std::max_element(live.begin(), live.end()) - live.begin());
    QCOMPARE(v.nodeColor(busiest).green(), 87);  // the darkest end of the scale
    sel.setOp(7);
    QVERIFY(v.isHighlighted(7));
    QVERIFY(!v.isHighlighted(6));
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    QSignalSpy spy(&sel, &SelectionModel::opChanged);
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, v.nodeViewportCentre(8));
    QCOMPARE(sel.op(), 8);
    QVERIFY(v.isHighlighted(8));
    QCOMPARE(spy.count(), 1);
    v.zoomIn();
    v.fitToView();
    QVERIFY(!v.grab().isNull());
  }
};

QTEST_MAIN(ArchitectureViewTest)
#include "architecture_view_test.moc"
