// A top-to-bottom layered layout of an engine graph for the graph view, Netron-like: one rounded
// box per op (op kind, key attributes), small boxes for the graph inputs and outputs, one edge
// per activation tensor use labelled with its shape. Constants (weights) are not edges. Qt
// geometry only: the view turns it into scene items.
//
//   GraphLayout l = layoutGraph(graph, summary);   // graph.ops in execution order
//   l.nodes[3].rect (op 3's box) ...; for (const GraphLayoutEdge& e : l.edges) e.points ...
#pragma once
#include <QPointF>
#include <QRectF>
#include <QString>
#include <cstdint>
#include <vector>

#include "engine/graph.h"
#include "engine/model_summary.h"

namespace tinyforge::views {

// Text sizes (pixels) the node sizes are computed for; the view draws with these.
constexpr int kGraphTitlePixelSize = 13;   // bold: "DEPTHWISE_CONV_2D"
constexpr int kGraphDetailPixelSize = 12;  // "k3x3 s2x2 SAME RELU6"
constexpr int kGraphLabelPixelSize = 11;   // edge labels: "1x48x48x8"

enum class GraphNodeKind { kOp, kInput, kOutput };

struct GraphLayoutNode {
  GraphNodeKind kind = GraphNodeKind::kOp;
  int32_t op = -1;              // kOp: index into Graph::ops
  TensorId tensor = kNoTensor;  // kInput / kOutput: the graph input or output tensor
  int32_t rank = 0;             // longest path from the graph inputs
  QRectF rect;
  QString title;   // "CONV_2D", "input", "output"
  QString detail;  // "k3x3 s2x2 SAME RELU6"; the short op name when it has no attributes
};

struct GraphLayoutEdge {
  int32_t from = 0, to = 0;  // node indices
  TensorId tensor = kNoTensor;
  // From the producer's bottom to the consumer's top, through the columns reserved for it in
  // the ranks it crosses; draw a cubic with vertical tangents between consecutive points.
  std::vector<QPointF> points;
  QPointF labelAt;  // left end, vertical middle of the label
  QString label;    // "1x48x48x8"
};

struct GraphLayout {
  std::vector<GraphLayoutNode> nodes;  // ops first (node i = op i), then inputs, then outputs
  std::vector<GraphLayoutEdge> edges;
  QRectF bounds;  // all nodes and edges plus a margin
  int32_t ranks = 0;
};

GraphLayout layoutGraph(const Graph& g, const ModelSummary& s);

// "1x48x48x8"
QString graphShapeLabel(const std::vector<int32_t>& shape);

}  // namespace tinyforge::views
