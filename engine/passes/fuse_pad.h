// Pass: fold a PAD whose only consumer is a convolution into that convolution's padding.
//
//   FusePadResult r = fusePadIntoConv(graph);   // r.graph computes the same bytes with fewer
//                                               // ops and without the padded tensor in memory
#pragma once

#include <vector>

#include "engine/graph.h"

namespace tinyforge {

struct FusePadResult {
  Graph graph;                   // same tensors (ids unchanged); fused PAD ops removed
  std::vector<int32_t> removed;  // indices (in the input graph) of the PAD ops folded away
};

// A PAD is folded when it pads only H and W of a 4-D int8 tensor, its output is read by exactly
// one CONV_2D or DEPTHWISE_CONV_2D (as the data input) and is not a graph output. The fill value
// of PAD is its output zero point, which is what the convolution's skipped taps stand for, so the
// result is bit-exact.
FusePadResult fusePadIntoConv(const Graph& graph);

}  // namespace tinyforge
