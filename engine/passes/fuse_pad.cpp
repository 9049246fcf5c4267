#include "engine/passes/fuse_pad.h"

#include <algorithm>

namespace tinyforge {
namespace {

// Index of the single op reading `t`, or -1 when zero or several ops (or slots) read it.
int32_t singleConsumer(const Graph& g, TensorId t) {
  int32_t consumer = -1;
  int uses = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId in : g.ops[i].inputs) {
      if (in == t) {
        ++uses;
        consumer = int32_t(i);
      }
    }
  }
  return uses == 1 ? consumer : -1;
}

bool fusable(const Graph& g, const Op& pad, const int32_t* p) {
  if (pad.inputs.size() != 2 || pad.outputs.size() != 1) return false;
  const Tensor& in = g.tensor(pad.inputs[0]);
  const Tensor& out = g.tensor(pad.outputs[0]);
  if (in.shape.size() != 4 || in.type != DType::kInt8) return false;
  if (p[0] || p[1] || p[6] || p[7]) return false;  // batch and channel padding
  if (in.quant != out.quant) return false;
  return std::find(g.outputs.begin(), g.outputs.end(), pad.outputs[0]) == g.outputs.end();
}

}  // namespace

FusePadResult fusePadIntoConv(const Graph& graph) {
  FusePadResult r;
  r.graph = graph;
  Graph& g = r.graph;
  std::vector<bool> drop(g.ops.size(), false);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& pad = g.ops[i];
    if (pad.kind != OpKind::kPad || pad.inputs.size() != 2) continue;
    const Tensor& pads = g.tensor(pad.inputs[1]);
    if (!pads.isConstant || pads.data.size() != 8 * sizeof(int32_t)) continue;
    const auto* p = reinterpret_cast<const int32_t*>(pads.data.data());
    if (!fusable(g, pad, p)) continue;
    const int32_t c = singleConsumer(g, pad.outputs[0]);
    if (c < 0) continue;
    Op& conv = g.ops[size_t(c)];
    const bool isConv = conv.kind == OpKind::kConv2D || conv.kind == OpKind::kDepthwiseConv2D;
    if (!isConv || conv.inputs.empty() || conv.inputs[0] != pad.outputs[0]) continue;
    conv.inputs[0] = pad.inputs[0];
    conv.params.fusedPad[0] += p[2];
    conv.params.fusedPad[1] += p[3];
    conv.params.fusedPad[2] += p[4];
    conv.params.fusedPad[3] += p[5];
    drop[i] = true;
    r.removed.push_back(int32_t(i));
  }
  std::vector<Op> kept;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    if (!drop[i]) kept.push_back(std::move(g.ops[i]));
  }
  g.ops = std::move(kept);
  return r;
}

}  // namespace tinyforge
