// Graph validation: structure (indices, cycles, sizes) and per-op shape/type/quantization rules.
//
//   Status s = validateGraph(graph);
//   if (!s) std::cerr << s.message();   // "CONV_2D 'stem' (op 3): input rank 3, expected 4"
#pragma once

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

// Checks tensor references, that every op input is a constant, a graph input or produced by an
// earlier op (no cycles, no use before definition), constant buffer sizes, and each op's own
// rules (engine/ops/*). Never crashes on hostile graphs.
Status validateGraph(const Graph& graph);

// Largest tensor the engine accepts (bytes); bigger shapes are rejected as hostile.
constexpr int64_t kMaxTensorBytes = int64_t(1) << 30;

}  // namespace tinyforge
