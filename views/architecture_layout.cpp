#include "views/architecture_layout.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace tinyforge::views {

namespace {

constexpr double kNodeHeight = 40, kRankGap = 46, kNodeGap = 28, kPadding = 14;

QString shapeLabel(const Tensor& t) {
  QStringList parts;
  for (int32_t d : t.shape) parts << QString::number(d);
  return parts.join("x");
}

// Producer node of every tensor: op index, or the input box for graph inputs.
std::vector<int32_t> producerNodes(const Graph& g, size_t firstInputNode) {
  std::vector<int32_t> producer(g.tensors.size(), -1);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) {
      if (t >= 0) producer[size_t(t)] = int32_t(i);
    }
  }
  for (size_t k = 0; k < g.inputs.size(); ++k) producer[size_t(g.inputs[k])] = int32_t(firstInputNode + k);
  return producer;
}

void makeNodes(const Graph& g, const ModelSummary& s, const QFontMetricsF& fm, ArchitectureLayout* l) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    LayoutNode n;
    n.op = int32_t(i);
    n.title = QString::fromLatin1(opKindName(g.ops[i].kind));
    n.detail = i < s.layers.size() ? QString::fromStdString(s.layers[i].params) : QString();
    l->nodes.push_back(n);
  }
  for (TensorId t : g.inputs) {
    l->nodes.push_back({-1, t, 0, {}, "input", shapeLabel(g.tensors[size_t(t)])});
  }
  for (TensorId t : g.outputs) {
    l->nodes.push_back({-1, t, 0, {}, "output", shapeLabel(g.tensors[size_t(t)])});
  }
  for (LayoutNode& n : l->nodes) {
    const double w = std::max({fm.horizontalAdvance(n.title) * 1.1, fm.horizontalAdvance(n.detail), 60.0});
    n.rect = QRectF(0, 0, w + 2 * kPadding, kNodeHeight);
  }
}

// Adjacent ranks: a curve from the producer's bottom to the consumer's top. Longer edges (skip
// connections) go around the boxes in between, on their right.
void routeEdge(const std::vector<LayoutNode>& nodes, const std::vector<std::vector<int32_t>>& ranks,
               LayoutEdge* e) {
  const QRectF& a = nodes[size_t(e->from)].rect;
  const QRectF& b = nodes[size_t(e->to)].rect;
  const QPointF p0(a.center().x(), a.bottom()), p1(b.center().x(), b.top());
  const int32_t r0 = nodes[size_t(e->from)].rank, r1 = nodes[size_t(e->to)].rank;
  if (r1 - r0 <= 1) {
    const double dy = std::max(20.0, (p1.y() - p0.y()) / 2);
    e->path.moveTo(p0);
    e->path.cubicTo(p0 + QPointF(0, dy), p1 - QPointF(0, dy), p1);
    e->labelAt = QPointF((p0.x() + p1.x()) / 2 + 4, p1.y() - kRankGap / 2 + 4);
    return;
  }
  double right = std::max(a.right(), b.right());
  for (int32_t r = r0 + 1; r < r1; ++r) {
    for (int32_t n : ranks[size_t(r)]) right = std::max(right, nodes[size_t(n)].rect.right());
  }
  const double x = right + 24, half = kRankGap / 2;
  e->path.moveTo(p0);
  e->path.cubicTo(p0 + QPointF(0, half), QPointF(x, p0.y()), QPointF(x, p0.y() + half));
  e->path.lineTo(x, p1.y() - half);
  e->path.cubicTo(QPointF(x, p1.y()), p1 - QPointF(0, half), p1);
  e->labelAt = QPointF(x + 4, (p0.y() + p1.y()) / 2);
}

}  // namespace

ArchitectureLayout layoutArchitecture(const Graph& g, const ModelSummary& s, const QFontMetricsF& fm) {
  ArchitectureLayout l;
  makeNodes(g, s, fm, &l);
  const size_t firstInput = g.ops.size(), firstOutput = firstInput + g.inputs.size();
  const std::vector<int32_t> producer = producerNodes(g, firstInput);
  // Edges and ranks (ops are stored in an executable order, so one pass gives longest paths).
  std::vector<std::vector<int32_t>> preds(l.nodes.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].inputs) {
      if (t < 0 || g.tensors[size_t(t)].isConstant || producer[size_t(t)] < 0) continue;
      const int32_t from = producer[size_t(t)];
      l.edges.push_back({from, int32_t(i), t, {}, {}, shapeLabel(g.tensors[size_t(t)])});
      preds[i].push_back(from);
      l.nodes[i].rank = std::max(l.nodes[i].rank, l.nodes[size_t(from)].rank + 1);
    }
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    const size_t node = firstOutput + k;
    const int32_t from = producer[size_t(g.outputs[k])];
    if (from < 0) continue;
    l.edges.push_back({from, int32_t(node), g.outputs[k], {}, {}, {}});
    preds[node].push_back(from);
    l.nodes[node].rank = l.nodes[size_t(from)].rank + 1;
  }
  // Place rank by rank, ordering each rank by the mean x of its predecessors.
  int32_t maxRank = 0;
  for (const LayoutNode& n : l.nodes) maxRank = std::max(maxRank, n.rank);
  std::vector<std::vector<int32_t>> ranks(size_t(maxRank) + 1);
  for (size_t i = 0; i < l.nodes.size(); ++i) ranks[size_t(l.nodes[i].rank)].push_back(int32_t(i));
  std::vector<double> centreX(l.nodes.size(), 0);
  for (size_t r = 0; r < ranks.size(); ++r) {
    auto& row = ranks[r];
    std::vector<double> key(l.nodes.size(), 0);
    for (int32_t n : row) {
      double sum = 0;
      for (int32_t p : preds[size_t(n)]) sum += centreX[size_t(p)];
      key[size_t(n)] = preds[size_t(n)].empty() ? double(n) : sum / double(preds[size_t(n)].size());
    }
    std::stable_sort(row.begin(), row.end(), [&](int32_t a, int32_t b) { return key[size_t(a)] < key[size_t(b)]; });
    double width = -kNodeGap;
    for (int32_t n : row) width += l.nodes[size_t(n)].rect.width() + kNodeGap;
    double x = -width / 2;
    if (row.size() == 1 && !preds[size_t(row[0])].empty()) x = key[size_t(row[0])] - width / 2;
    for (int32_t n : row) {
      QRectF& rect = l.nodes[size_t(n)].rect;
      rect.moveTopLeft(QPointF(x, double(r) * (kNodeHeight + kRankGap)));
      centreX[size_t(n)] = rect.center().x();
      x += rect.width() + kNodeGap;
    }
  }
  for (LayoutEdge& e : l.edges) routeEdge(l.nodes, ranks, &e);
  for (const LayoutNode& n : l.nodes) l.bounds = l.bounds.united(n.rect);
  l.bounds.adjust(-40, -20, 40, 20);
  return l;
}

}  // namespace tinyforge::views
