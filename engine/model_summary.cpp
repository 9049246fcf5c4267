#include "engine/model_summary.h"

#include <cstdio>

#include "engine/ops/op_def.h"

namespace tinyforge {
namespace {

std::string paramString(const Graph& g, const Op& op) {
  const OpParams& p = op.params;
  std::string s;
  auto add = [&s](const std::string& part) { s += (s.empty() ? "" : " ") + part; };
  switch (op.kind) {
    case OpKind::kConv2D:
    case OpKind::kDepthwiseConv2D: {
      const Tensor& w = g.tensor(op.inputs[1]);
      add("k" + std::to_string(w.shape[1]) + "x" + std::to_string(w.shape[2]));
      add("s" + std::to_string(p.strideH) + "x" + std::to_string(p.strideW));
      if (p.dilationH != 1 || p.dilationW != 1) {
        add("d" + std::to_string(p.dilationH) + "x" + std::to_string(p.dilationW));
      }
      add(paddingName(p.padding));
      if (op.kind == OpKind::kDepthwiseConv2D && p.depthMultiplier != 1) {
        add("dm" + std::to_string(p.depthMultiplier));
      }
      if (g.tensor(op.inputs[1]).quant.perChannel()) add("per-channel");
      break;
    }
    case OpKind::kAveragePool2D:
    case OpKind::kMaxPool2D:
      add("k" + std::to_string(p.filterH) + "x" + std::to_string(p.filterW));
      add("s" + std::to_string(p.strideH) + "x" + std::to_string(p.strideW));
      add(paddingName(p.padding));
      break;
    case OpKind::kConcatenation: add("axis " + std::to_string(p.axis)); break;
    case OpKind::kMean:
      if (p.keepDims) add("keep_dims");
      break;
    case OpKind::kSoftmax: add("beta " + std::to_string(p.beta).substr(0, 4)); break;
    default: break;
  }
  if (p.activation != Activation::kNone) add(activationName(p.activation));
  return s;
}

std::string tensorLine(const Tensor& t) {
  return t.name + " " + shapeString(t.shape) + " " + dtypeName(t.type);
}

}  // namespace

ModelSummary summarizeModel(const Graph& graph) {
  ModelSummary s;
  s.name = graph.name;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    LayerSummary l;
    l.index = int32_t(i);
    l.op = opKindName(op.kind);
    l.name = op.name;
    for (TensorId id : op.inputs) {
      if (id != kNoTensor && !graph.tensor(id).isConstant) l.inputShapes.push_back(graph.tensor(id).shape);
    }
    l.outputShape = graph.tensor(op.outputs[0]).shape;
    l.params = paramString(graph, op);
    l.macs = opDef(op.kind).macs(graph, op);
    l.weightBytes = opConstantBytes(graph, op);
    s.totalMacs += l.macs;
    s.layers.push_back(std::move(l));
  }
  for (const Tensor& t : graph.tensors) {
    (t.isConstant ? s.totalWeightBytes : s.activationBytes) += t.byteSize();
  }
  for (TensorId id : graph.inputs) s.inputs.push_back(tensorLine(graph.tensor(id)));
  for (TensorId id : graph.outputs) s.outputs.push_back(tensorLine(graph.tensor(id)));
  return s;
}

std::string formatSummaryTable(const ModelSummary& s) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-4s %-24s %-32s %-18s %-18s %-28s %12s %10s\n", "#", "op", "name",
                "input", "output", "params", "MACs", "weights");
  out += line;
  for (const LayerSummary& l : s.layers) {
    std::string name = l.name.size() > 32 ? "..." + l.name.substr(l.name.size() - 29) : l.name;
    std::snprintf(line, sizeof line, "%-4d %-24s %-32s %-18s %-18s %-28s %12lld %10lld\n", l.index,
                  l.op.c_str(), name.c_str(),
                  l.inputShapes.empty() ? "-" : shapeString(l.inputShapes[0]).c_str(),
                  shapeString(l.outputShape).c_str(), l.params.c_str(), (long long)l.macs,
                  (long long)l.weightBytes);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "total: %zu ops, %lld MACs, %lld constant bytes, %lld activation bytes (all tensors)\n",
                s.layers.size(), (long long)s.totalMacs, (long long)s.totalWeightBytes,
                (long long)s.activationBytes);
  out += line;
  for (const auto& i : s.inputs) out += "input:  " + i + "\n";
  for (const auto& o : s.outputs) out += "output: " + o + "\n";
  return out;
}

nlohmann::json summaryToJson(const ModelSummary& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerSummary& l : s.layers) {
    layers.push_back({{"index", l.index},          {"op", l.op},
                      {"name", l.name},            {"input_shapes", l.inputShapes},
                      {"output_shape", l.outputShape}, {"params", l.params},
                      {"macs", l.macs},            {"weight_bytes", l.weightBytes}});
  }
  return {{"model", s.name},
          {"layers", layers},
          {"totals",
           {{"ops", s.layers.size()},
            {"macs", s.totalMacs},
            {"weight_bytes", s.totalWeightBytes},
            {"activation_bytes", s.activationBytes}}},
          {"inputs", s.inputs},
          {"outputs", s.outputs}};
}

}  // namespace tinyforge
