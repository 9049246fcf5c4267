// A top-to-bottom layered layout of an engine graph, Netron-like: ops as boxes (op kind and
// key attributes), graph inputs and outputs as small boxes, one edge per activation tensor use
// labelled with its shape. Weights and other constants are not edges.
//
//   ArchitectureLayout l = layoutArchitecture(graph, summary, QFontMetricsF(font));
//   l.nodes[i].rect ...; l.edges[j].path ...
#pragma once
#include <QFontMetricsF>
#include <QPainterPath>
#include <QRectF>
#include <QString>
#include <vector>

#include "engine/graph.h"
#include "engine/model_summary.h"

namespace tinyforge::views {

struct LayoutNode {
  int32_t op = -1;          // op index; -1 for a graph input or output box
  TensorId tensor = kNoTensor;  // the graph input or output (op == -1)
  int32_t rank = 0;
  QRectF rect;
  QString title, detail;
};

struct LayoutEdge {
  int32_t from = 0, to = 0;  // node indices
  TensorId tensor = kNoTensor;
  QPainterPath path;
  QPointF labelAt;
  QString label;  // "1x48x48x8"
};

struct ArchitectureLayout {
  std::vector<LayoutNode> nodes;  // ops first (node i = op i), then inputs, then outputs
  std::vector<LayoutEdge> edges;
  QRectF bounds;
};

ArchitectureLayout layoutArchitecture(const Graph& graph, const ModelSummary& summary,
                                      const QFontMetricsF& metrics);

}  // namespace tinyforge::views
