// The graph view: layout invariants (one box per op, one edge per activation use, edges going
// down, no overlapping boxes, labels that fit), the layout time on MobileNetV2, colouring by
// metric, the shared selection both ways, zoom, and a screenshot for a look.
#include "views/graph_view.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QGraphicsItem>
#include <QSignalSpy>
#include <QtTest>
#include <algorithm>

#include "views/model_analysis.h"

using namespace tinyforge;
using namespace tinyforge::views;

namespace {

const char* kPersonDetect = TINYFORGE_SOURCE_DIR "/resources/models/person_detect.tflite";
const char* kMobileNetV2 =
    TINYFORGE_SHARED_DIR "/models/tflm_xtensa_mobilenet_v2_quantized_1x3x224x224.tflite";

// Uses of non-constant tensors by ops whose producer is an op or a graph input, plus one per
// graph output: the edges the view must draw.
int activationUses(const Graph& g) {
  std::vector<bool> produced(g.tensors.size(), false);
  for (TensorId t : g.inputs) produced[size_t(t)] = true;
  for (const Op& op : g.ops) {
    for (TensorId t : op.outputs) produced[size_t(t)] = true;
  }
  int uses = 0;
  for (const Op& op : g.ops) {
    for (TensorId t : op.inputs) uses += t >= 0 && !g.tensor(t).isConstant && produced[size_t(t)];
  }
  return uses + int(g.outputs.size());
}

void checkLayout(const Graph& g, const GraphLayout& l) {
  QCOMPARE(l.nodes.size(), g.ops.size() + g.inputs.size() + g.outputs.size());
  for (size_t i = 0; i < g.ops.size(); ++i) QCOMPARE(l.nodes[i].op, int32_t(i));
  QCOMPARE(int(l.edges.size()), activationUses(g));
  for (const GraphLayoutEdge& e : l.edges) {
    const GraphLayoutNode& from = l.nodes[size_t(e.from)];
    const GraphLayoutNode& to = l.nodes[size_t(e.to)];
    QVERIFY(e.tensor >= 0 && !g.tensor(e.tensor).isConstant);
    QVERIFY(from.rank < to.rank);
    QVERIFY(from.rect.bottom() < to.rect.top());
    QVERIFY(e.points.size() >= 2);
    for (size_t k = 1; k < e.points.size(); ++k) QVERIFY(e.points[k - 1].y() <= e.points[k].y());
    QVERIFY(l.bounds.contains(e.labelAt));
  }
  QFont titleFont;
  titleFont.setPixelSize(kGraphTitlePixelSize);
  titleFont.setBold(true);
  QFont detailFont;
  detailFont.setPixelSize(kGraphDetailPixelSize);
  for (size_t i = 0; i < l.nodes.size(); ++i) {
    const GraphLayoutNode& n = l.nodes[i];
    QVERIFY(l.bounds.contains(n.rect));
    QVERIFY2(QFontMetricsF(titleFont).horizontalAdvance(n.title) <= n.rect.width() - 12,
             qPrintable(n.title));
    QVERIFY2(QFontMetricsF(detailFont).horizontalAdvance(n.detail) <= n.rect.width() - 12,
             qPrintable(n.detail));
    for (size_t j = i + 1; j < l.nodes.size(); ++j) {
      QVERIFY2(!n.rect.intersects(l.nodes[j].rect), qPrintable(QString("%1 %2").arg(i).arg(j)));
    }
  }
}

// input -> CONV_2D (weights constant) -> RESHAPE -> QUANTIZE -> ADD(conv, quantize) -> output: a
// skip connection across two ranks.
Graph residualGraph() {
  Graph g;
  auto tensor = [&g](const char* name, bool constant) {
    Tensor t;
    t.name = name;
    t.shape = {1, 8, 8, 4};
    t.isConstant = constant;
    g.tensors.push_back(t);
    return TensorId(g.tensors.size() - 1);
  };
  const TensorId in = tensor("in", false), w = tensor("w", true), a = tensor("a", false);
  const TensorId b = tensor("b", false), c = tensor("c", false), out = tensor("out", false);
  g.ops.push_back({OpKind::kConv2D, "model/block/conv", {in, w}, {a}, {}});
  g.ops.push_back({OpKind::kReshape, "model/block/reshape_1", {a}, {b}, {}});
  g.ops.push_back({OpKind::kQuantize, "model/block/quantize", {b}, {c}, {}});
  g.ops.push_back({OpKind::kAdd, "model/block/add", {a, c}, {out}, {}});
  g.inputs = {in};
  g.outputs = {out};
  return g;
}

std::shared_ptr<const ModelAnalysis> analysis(const char* path) {
  auto a = analyzeModelFile(path, nullptr);
  if (!a) qWarning("%s: %s", path, a.status().message().c_str());
  return a ? a.value() : nullptr;
}

}  // namespace

class GraphViewTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void layoutOfAResidualBlock() {
    const Graph g = residualGraph();
    const GraphLayout l = layoutGraph(g, ModelSummary{});
    checkLayout(g, l);
    QCOMPARE(l.edges.size(), size_t(6));  // the weights are no edge
    QCOMPARE(l.nodes[3].rank, 4);         // input 0, conv 1, reshape 2, quantize 3, add 4
    QCOMPARE(l.nodes[0].title, QString("CONV_2D"));
    QCOMPARE(l.nodes[1].detail, QString("reshape_1"));  // no attributes: the short name
    for (const GraphLayoutEdge& e : l.edges) {
      if (e.from == 0 && e.to == 3) QCOMPARE(e.points.size(), size_t(6));  // 2 ranks crossed
    }
  }

  void layoutOfPersonDetect() {
    auto a = analysis(kPersonDetect);
    QVERIFY(a);
    checkLayout(a->graph, layoutGraph(a->graph, a->summary));
  }

  void layoutOfMobileNetV2() {
    if (!QFileInfo::exists(kMobileNetV2)) QSKIP("../shared/models not present");
    auto a = analysis(kMobileNetV2);
    QVERIFY(a);
    QElapsedTimer t;
    double best = 1e9;
    GraphLayout l;
    for (int i = 0; i < 5; ++i) {
      t.start();
      l = layoutGraph(a->graph, a->summary);
      best = std::min(best, double(t.nsecsElapsed()) / 1e6);
    }
    qInfo("MobileNetV2 (%zu ops, %zu edges) layout: %.2f ms", a->graph.ops.size(), l.edges.size(),
          best);
    QVERIFY(best < 50);
    checkLayout(a->graph, l);
    SelectionModel sel;
    GraphView v(&sel);
    v.resize(1280, 800);
    v.setAnalysis(a, "best");
    v.setMetric(GraphView::NodeMetric::kLiveMemory);
    sel.setOp(30);
    QVERIFY(v.grab().save("/tmp/graph_view_mobilenet_v2.png"));
  }

  void coloursFollowTheMetric() {
    auto a = analysis(kPersonDetect);
    QVERIFY(a);
    SelectionModel sel;
    GraphView v(&sel);
    v.setAnalysis(a, "best");
    QCOMPARE(v.nodeCount(), int(a->graph.ops.size()));
    QCOMPARE(v.edgeCount(), activationUses(a->graph));
    v.setMetric(GraphView::NodeMetric::kMacs);
    const auto& layers = a->summary.layers;
    const auto most = std::max_element(
        layers.begin(), layers.end(), [](const auto& x, const auto& y) { return x.macs < y.macs; });
    const auto hot = int32_t(most - layers.begin());
    for (int32_t op = 0; op < v.nodeCount(); ++op) {  // green falls along the scale
      QVERIFY(v.nodeColor(hot).green() <= v.nodeColor(op).green());
      if (layers[size_t(op)].macs == 0) QCOMPARE(v.nodeColor(op), QColor(Qt::white));
    }
    QCOMPARE(v.nodeColor(hot), QColor(211, 47, 47));
    v.setMetric(GraphView::NodeMetric::kLiveMemory);
    QVERIFY(v.metricAvailable());
    const auto& live = a->plan("best")->liveBytesAtOp;
    QCOMPARE(v.nodeColor(int32_t(std::max_element(live.begin(), live.end()) - live.begin())),
             QColor(211, 47, 47));
    v.setAnalysis(a, "no-such-planner");  // same analysis, other planner: recolour only
    QVERIFY(!v.metricAvailable());
    for (int32_t op = 0; op < v.nodeCount(); ++op) QCOMPARE(v.nodeColor(op), QColor(Qt::white));
    QVERIFY(!v.nodeColor(v.nodeCount()).isValid());
  }

  void selectionBothWays() {
    auto a = analysis(kPersonDetect);
    QVERIFY(a);
    SelectionModel sel;
    GraphView v(&sel);
    v.resize(1280, 800);
    v.setAnalysis(a, "best");
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const int32_t last = v.nodeCount() - 1;
    sel.setOp(last);  // from elsewhere: highlighted and brought into view
    QVERIFY(v.isHighlighted(last));
    QVERIFY(!v.isHighlighted(0));
    QVERIFY(v.viewport()->rect().contains(v.nodeViewportPos(last)));
    const int32_t target = last - 1;
    QVERIFY(v.viewport()->rect().contains(v.nodeViewportPos(target)));
    QSignalSpy spy(&sel, &SelectionModel::opChanged);
    QTest::mouseClick(v.viewport(), Qt::LeftButton, {}, v.nodeViewportPos(target));
    QCOMPARE(sel.op(), target);
    QCOMPARE(spy.count(), 1);
    QVERIFY(v.isHighlighted(target));
    QVERIFY(!v.isHighlighted(last));
    QVERIFY(v.items(v.nodeViewportPos(target)).size() > 0);
    const QString tip = v.items(v.nodeViewportPos(target)).front()->toolTip();
    QVERIFY2(tip.contains(QString::fromStdString(a->summary.layers[size_t(target)].name)),
             qPrintable(tip));
    QVERIFY2(tip.contains("MACs"), qPrintable(tip));
  }

  void zoomAndScreenshot() {
    auto a = analysis(kPersonDetect);
    QVERIFY(a);
    SelectionModel sel;
    GraphView v(&sel);
    v.resize(1280, 800);
    v.setAnalysis(a, "best");
    v.show();
    QVERIFY(QTest::qWaitForWindowExposed(&v));
    const double start = v.transform().m11();
    v.zoomIn();
    QVERIFY(v.transform().m11() > start);
    v.zoomOut();
    QCOMPARE(v.transform().m11(), start);
    const QPoint at = v.viewport()->rect().center();
    QWheelEvent wheel(at, v.viewport()->mapToGlobal(at), {}, QPoint(0, 120), Qt::NoButton,
                      Qt::ControlModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(v.viewport(), &wheel);
    QVERIFY(v.transform().m11() > start);
    v.fitToView();
    QVERIFY(v.viewport()->rect().contains(
        v.mapFromScene(v.layout().nodes.front().rect).boundingRect()));
    v.setAnalysis(nullptr, "best");
    v.setAnalysis(a, "best");  // back to 1:1 with the inputs on top
    v.setMetric(GraphView::NodeMetric::kMacs);
    sel.setOp(3);
    QVERIFY(v.grab().save("/tmp/graph_view.png"));
  }
};

QTEST_MAIN(GraphViewTest)
#include "graph_view_test.moc"
