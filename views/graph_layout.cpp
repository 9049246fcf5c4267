#include "views/graph_layout.h"

#include <algorithm>
#include <utility>

namespace tinyforge::views {

namespace {

constexpr double kPadX = 12, kMinNodeWidth = 72;
constexpr double kOpHeight = 44, kIoHeight = 32, kRankHeight = 44, kRankGap = 44;
constexpr double kNodeGap = 28, kDummyGap = 14, kDummyWidth = 8, kDummyWeight = 0.05;
constexpr double kMargin = 30;
constexpr qsizetype kMaxNameChars = 24;
constexpr int kOrderSweeps = 8;

// The last path component of an op or tensor name, elided in the middle when long.
QString shortName(const std::string& name) {
  QString s = QString::fromStdString(name);
  s = s.mid(s.lastIndexOf('/') + 1);
  if (s.size() <= kMaxNameChars) return s;
  const qsizetype half = (kMaxNameChars - 1) / 2;
  return s.left(half) + QChar(0x2026) + s.right(half);
}

// Text width from a fixed advance per character (in ems: capitals, digits and '_' wide, the
// rest narrow), measured on DejaVu Sans, a wide UI sans, plus 5%.
double textWidth(const QString& text, int pixelSize, bool bold) {
  double ems = 0;
  for (QChar c : text) ems += c.isUpper() || c.isDigit() || c == QLatin1Char('_') ? 0.66 : 0.54;
  return ems * pixelSize * (bold ? 1.1 : 1.0) * 1.05;
}

GraphLayoutNode makeNode(GraphNodeKind kind, QString title, QString detail) {
  GraphLayoutNode n;
  n.kind = kind;
  n.title = std::move(title);
  n.detail = std::move(detail);
  const double text = std::max(textWidth(n.title, kGraphTitlePixelSize, true),
                               textWidth(n.detail, kGraphDetailPixelSize, false));
  const double height = kind == GraphNodeKind::kOp ? kOpHeight : kIoHeight;
  n.rect = QRectF(0, 0, std::max(kMinNodeWidth, text + 2 * kPadX), height);
  return n;
}

void makeNodes(const Graph& g, const ModelSummary& s, GraphLayout* l) {
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const std::string params = i < s.layers.size() ? s.layers[i].params : std::string();
    GraphLayoutNode n =
        makeNode(GraphNodeKind::kOp, QString::fromLatin1(opKindName(g.ops[i].kind)),
                 params.empty() ? shortName(g.ops[i].name) : QString::fromStdString(params));
    n.op = int32_t(i);
    l->nodes.push_back(std::move(n));
  }
  auto addIo = [&](GraphNodeKind kind, const QString& title, TensorId t) {
    const QString name = shortName(g.tensor(t).name);  // or the shape where it says nothing
    l->nodes.push_back(makeNode(
        kind, title, name.isEmpty() || name == title ? graphShapeLabel(g.tensor(t).shape) : name));
    l->nodes.back().tensor = t;
  };
  for (TensorId t : g.inputs) addIo(GraphNodeKind::kInput, QStringLiteral("input"), t);
  for (TensorId t : g.outputs) addIo(GraphNodeKind::kOutput, QStringLiteral("output"), t);
}

// One edge per activation use; ranks as longest paths (ops are in execution order, so one pass).
void makeEdges(const Graph& g, GraphLayout* l) {
  const size_t firstInput = g.ops.size(), firstOutput = firstInput + g.inputs.size();
  std::vector<int32_t> producer(g.tensors.size(), -1);
  for (size_t k = 0; k < g.inputs.size(); ++k)
    producer[size_t(g.inputs[k])] = int32_t(firstInput + k);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) {
      if (t >= 0 && size_t(t) < g.tensors.size()) producer[size_t(t)] = int32_t(i);
    }
  }
  auto addEdge = [&](size_t to, TensorId t) {
    const int32_t from = producer[size_t(t)];
    GraphLayoutEdge e;
    e.from = from;
    e.to = int32_t(to);
    e.tensor = t;
    e.label = graphShapeLabel(g.tensor(t).shape);
    l->edges.push_back(std::move(e));
    int32_t& rank = l->nodes[to].rank;
    rank = std::max(rank, l->nodes[size_t(from)].rank + 1);
  };
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].inputs) {
      if (t < 0 || size_t(t) >= g.tensors.size() || g.tensor(t).isConstant) continue;
      if (producer[size_t(t)] >= 0) addEdge(i, t);
    }
  }
  for (size_t k = 0; k < g.outputs.size(); ++k) {
    if (producer[size_t(g.outputs[k])] >= 0) addEdge(firstOutput + k, g.outputs[k]);
  }
}

// The layered graph: the layout's nodes, then one dummy node per rank a long edge crosses, so
// that every segment joins adjacent ranks and long edges get a column of their own.
struct Layering {
  size_t real = 0;  // nodes [0, real) are the layout's
  std::vector<int32_t> rank;
  std::vector<double> width, weight, x;
  std::vector<std::vector<int32_t>> preds, succs;  // one rank up / down
  std::vector<std::vector<int32_t>> rows;          // per rank, left to right
  std::vector<std::vector<int32_t>> chains;        // per layout edge: from, dummies..., to
  bool dummy(int32_t n) const { return size_t(n) >= real; }
};

Layering buildLayering(const GraphLayout& l) {
  Layering y;
  y.real = l.nodes.size();
  auto addNode = [&y](int32_t rank, double width, double weight) {
    y.rank.push_back(rank);
    y.width.push_back(width);
    y.weight.push_back(weight);
    y.preds.emplace_back();
    y.succs.emplace_back();
    return int32_t(y.rank.size() - 1);
  };
  for (const GraphLayoutNode& n : l.nodes) addNode(n.rank, n.rect.width(), 1.0);
  for (const GraphLayoutEdge& e : l.edges) {
    std::vector<int32_t> chain{e.from};
    for (int32_t r = l.nodes[size_t(e.from)].rank + 1; r < l.nodes[size_t(e.to)].rank; ++r) {
      chain.push_back(addNode(r, kDummyWidth, kDummyWeight));
    }
    chain.push_back(e.to);
    for (size_t k = 1; k < chain.size(); ++k) {
      y.succs[size_t(chain[k - 1])].push_back(chain[k]);
      y.preds[size_t(chain[k])].push_back(chain[k - 1]);
    }
    y.chains.push_back(std::move(chain));
  }
  y.rows.resize(size_t(*std::max_element(y.rank.begin(), y.rank.end())) + 1);
  for (size_t n = 0; n < y.rank.size(); ++n) y.rows[size_t(y.rank[n])].push_back(int32_t(n));
  y.x.assign(y.rank.size(), 0.0);
  return y;
}

int64_t crossings(const Layering& y, const std::vector<int32_t>& pos) {
  int64_t count = 0;
  std::vector<std::pair<int32_t, int32_t>> segs;
  for (const std::vector<int32_t>& row : y.rows) {
    segs.clear();
    for (int32_t u : row) {
      for (int32_t v : y.succs[size_t(u)]) segs.emplace_back(pos[size_t(u)], pos[size_t(v)]);
    }
    std::sort(segs.begin(), segs.end());
    for (size_t i = 0; i < segs.size(); ++i) {
      for (size_t j = i + 1; j < segs.size(); ++j) {
        count += segs[i].first < segs[j].first && segs[i].second > segs[j].second;
      }
    }
  }
  return count;
}

// One barycenter sweep: each row sorted by the mean position of its neighbours in the row
// before it (above when going down, below when going up).
void sweep(Layering& y, std::vector<int32_t>& pos, bool down) {
  const size_t n = y.rows.size();
  std::vector<std::pair<double, int32_t>> keyed;
  for (size_t k = 1; k < n; ++k) {
    std::vector<int32_t>& row = y.rows[down ? k : n - 1 - k];
    keyed.clear();
    for (int32_t v : row) {
      const std::vector<int32_t>& adj = down ? y.preds[size_t(v)] : y.succs[size_t(v)];
      double key = pos[size_t(v)];
      if (!adj.empty()) {
        key = 0;
        for (int32_t a : adj) key += pos[size_t(a)];
        key /= double(adj.size());
      }
      keyed.emplace_back(key, v);
    }
    std::stable_sort(keyed.begin(), keyed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < row.size(); ++i) {
      row[i] = keyed[i].second;
      pos[size_t(row[i])] = int32_t(i);
    }
  }
}

void orderRows(Layering& y) {
  std::vector<int32_t> pos(y.rank.size());
  for (const std::vector<int32_t>& row : y.rows) {
    for (size_t i = 0; i < row.size(); ++i) pos[size_t(row[i])] = int32_t(i);
  }
  std::vector<std::vector<int32_t>> best = y.rows;
  int64_t fewest = crossings(y, pos);
  for (int s = 0; s < kOrderSweeps && fewest > 0; ++s) {
    sweep(y, pos, s % 2 == 0);
    const int64_t c = crossings(y, pos);
    if (c < fewest) {
      fewest = c;
      best = y.rows;
    }
  }
  y.rows = std::move(best);
}

// Places one row in its order, each node as near its wanted centre as the gaps allow (least
// weighted squared displacement: neighbouring blocks merge while they overlap).
void packRow(Layering& y, const std::vector<int32_t>& row, const std::vector<double>& want) {
  struct Block {
    size_t begin, end;
    double weight, sum;  // sum of weight * (want - offset in block)
  };
  std::vector<double> off(row.size(), 0.0);
  std::vector<Block> blocks;
  for (size_t i = 0; i < row.size(); ++i) {
    const double w = y.weight[size_t(row[i])];
    blocks.push_back({i, i + 1, w, w * want[i]});
    while (blocks.size() > 1) {
      Block& b = blocks.back();
      Block& a = blocks[blocks.size() - 2];
      const int32_t left = row[a.end - 1], right = row[b.begin];
      const double gap = y.dummy(left) || y.dummy(right) ? kDummyGap : kNodeGap;
      const double sep =
          off[a.end - 1] + (y.width[size_t(left)] + y.width[size_t(right)]) / 2 + gap;
      if (b.sum / b.weight >= a.sum / a.weight + sep) break;
      for (size_t k = b.begin; k < b.end; ++k) off[k] += sep;
      a.sum += b.sum - b.weight * sep;
      a.weight += b.weight;
      a.end = b.end;
      blocks.pop_back();
    }
  }
  for (const Block& b : blocks) {
    for (size_t k = b.begin; k < b.end; ++k) y.x[size_t(row[k])] = b.sum / b.weight + off[k];
  }
}

// Alternating passes: down (centre under the predecessors), up (over the successors). Long
// edges weigh little, so that a chain of ops stays straight and its skip connections go around.
void placeRows(Layering& y) {
  const size_t n = y.rows.size();
  std::vector<double> want;
  for (int pass = 0; pass < 5; ++pass) {
    const bool down = pass % 2 == 0;
    for (size_t k = 0; k < n; ++k) {
      const std::vector<int32_t>& row = y.rows[down ? k : n - 1 - k];
      want.assign(row.size(), 0.0);
      for (size_t i = 0; i < row.size(); ++i) {
        const std::vector<int32_t>& adj = down ? y.preds[size_t(row[i])] : y.succs[size_t(row[i])];
        if (adj.empty()) {
          want[i] = pass == 0 ? 0.0 : y.x[size_t(row[i])];
          continue;
        }
        double weight = 0;
        for (int32_t a : adj) {
          want[i] += y.weight[size_t(a)] * y.x[size_t(a)];
          weight += y.weight[size_t(a)];
        }
        want[i] /= weight;
      }
      packRow(y, row, want);
    }
  }
}

double rankTop(int32_t rank) { return double(rank) * (kRankHeight + kRankGap); }

// Points of every edge; the edges entering a node spread over its top, ordered by origin.
void routeEdges(const Layering& y, GraphLayout* l) {
  std::vector<std::vector<size_t>> incoming(l->nodes.size());
  for (size_t e = 0; e < l->edges.size(); ++e) incoming[size_t(l->edges[e].to)].push_back(e);
  for (std::vector<size_t>& in : incoming) {
    auto lastX = [&](size_t e) { return y.x[size_t(y.chains[e][y.chains[e].size() - 2])]; };
    std::stable_sort(in.begin(), in.end(), [&](size_t a, size_t b) { return lastX(a) < lastX(b); });
    for (size_t k = 0; k < in.size(); ++k) {
      GraphLayoutEdge& e = l->edges[in[k]];
      const std::vector<int32_t>& chain = y.chains[in[k]];
      const QRectF& from = l->nodes[size_t(e.from)].rect;
      const QRectF& to = l->nodes[size_t(e.to)].rect;
      e.points = {QPointF(from.center().x(), from.bottom())};
      for (size_t c = 1; c + 1 < chain.size(); ++c) {
        const double x = y.x[size_t(chain[c])], top = rankTop(y.rank[size_t(chain[c])]);
        e.points.emplace_back(x, top);
        e.points.emplace_back(x, top + kRankHeight);
      }
      const double spread = in.size() < 2 ? 0.0 : to.width() * 0.5;
      const double t = in.size() < 2 ? 0.5 : double(k) / double(in.size() - 1);
      e.points.emplace_back(to.center().x() - spread / 2 + spread * t, to.top());
      const QPointF& p = e.points[e.points.size() - 2];
      const QPointF& q = e.points.back();
      e.labelAt = QPointF((p.x() + q.x()) / 2 + 6, (p.y() + q.y()) / 2);
    }
  }
}

}  // namespace

QString graphShapeLabel(const std::vector<int32_t>& shape) {
  QString s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += QLatin1Char('x');
    s += QString::number(shape[i]);
  }
  return s.isEmpty() ? QStringLiteral("scalar") : s;
}

GraphLayout layoutGraph(const Graph& g, const ModelSummary& s) {
  GraphLayout l;
  makeNodes(g, s, &l);
  makeEdges(g, &l);
  if (l.nodes.empty()) return l;
  Layering y = buildLayering(l);
  orderRows(y);
  placeRows(y);
  double left = 0;
  for (size_t n = 0; n < y.rank.size(); ++n) left = std::min(left, y.x[n] - y.width[n] / 2);
  for (size_t n = 0; n < y.real; ++n) {
    y.x[n] -= left;  // the leftmost box starts at x = 0
    QRectF& r = l.nodes[n].rect;
    r.moveCenter(QPointF(y.x[n], rankTop(y.rank[n]) + kRankHeight / 2));
  }
  for (size_t n = y.real; n < y.x.size(); ++n) y.x[n] -= left;
  routeEdges(y, &l);
  l.ranks = int32_t(y.rows.size());
  for (const GraphLayoutNode& n : l.nodes) l.bounds |= n.rect;
  for (const GraphLayoutEdge& e : l.edges) {
    for (const QPointF& p : e.points) l.bounds |= QRectF(p, QSizeF(1, 1));
    const double w = textWidth(e.label, kGraphLabelPixelSize, false);
    l.bounds |=
        QRectF(e.labelAt - QPointF(0, kGraphLabelPixelSize), QSizeF(w, 2 * kGraphLabelPixelSize));
  }
  l.bounds.adjust(-kMargin, -kMargin, kMargin, kMargin);
  return l;
}

}  // namespace tinyforge::views
