#include "engine/validate.h"

#include <string>
#include <vector>

#include "engine/ops/op_def.h"

namespace tinyforge {
namespace {

std::string tensorLabel(const Graph& g, TensorId id) {
  return "tensor " + std::to_string(id) + " '" + g.tensor(id).name + "'";
}

Status validateTensor(const Graph& g, TensorId id) {
  const Tensor& t = g.tensor(id);
  if (t.shape.size() > 6) {
    return Status::error(tensorLabel(g, id) + ": rank " + std::to_string(t.shape.size()) +
                         ", at most 6 supported");
  }
  int64_t bytes = dtypeSize(t.type);
  for (int32_t d : t.shape) {
    if (d < 1) {
      return Status::error(tensorLabel(g, id) + ": dimension " + std::to_string(d) + " in shape " +
                           shapeString(t.shape));
    }
    if (bytes > kMaxTensorBytes / d) {
      return Status::error(tensorLabel(g, id) + ": shape " + shapeString(t.shape) +
                           " exceeds the 1 GiB tensor limit");
    }
    bytes *= d;
  }
  if (t.isConstant && int64_t(t.data.size()) != bytes) {
    return Status::error(tensorLabel(g, id) + ": constant has " + std::to_string(t.data.size()) +
                         " bytes, shape " + shapeString(t.shape) + " " + dtypeName(t.type) +
                         " needs " + std::to_string(bytes));
  }
  if (!t.quant.scale.empty() && t.quant.zeroPoint.size() != t.quant.scale.size()) {
    return Status::error(tensorLabel(g, id) + ": " + std::to_string(t.quant.scale.size()) +
                         " scales but " + std::to_string(t.quant.zeroPoint.size()) + " zero points");
  }
  return Status::ok();
}

Status checkIds(const Graph& g, const std::vector<TensorId>& ids, const char* what) {
  for (TensorId id : ids) {
    if (id < 0 || size_t(id) >= g.tensors.size()) {
      return Status::error(std::string(what) + " refers to tensor " + std::to_string(id) +
                           ", graph has " + std::to_string(g.tensors.size()));
    }
  }
  return Status::ok();
}

// Every op input must exist before the op runs; every tensor has at most one producer.
Status validateDataflow(const Graph& g) {
  std::vector<bool> defined(g.tensors.size(), false);
  for (size_t i = 0; i < g.tensors.size(); ++i) defined[i] = g.tensors[i].isConstant;
  for (TensorId id : g.inputs) {
    if (g.tensor(id).isConstant) return Status::error("graph input " + tensorLabel(g, id) + " is a constant");
    defined[size_t(id)] = true;
  }
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Op& op = g.ops[i];
    const std::string where = "op " + std::to_string(i) + " " + opKindName(op.kind) + " '" + op.name + "'";
    for (TensorId id : op.inputs) {
      if (id == kNoTensor) continue;
      if (id < 0 || size_t(id) >= g.tensors.size()) {
        return Status::error(where + ": input refers to tensor " + std::to_string(id) +
                             ", graph has " + std::to_string(g.tensors.size()));
      }
      if (!defined[size_t(id)]) {
        return Status::error(where + ": input " + tensorLabel(g, id) +
                             " is not produced before this op (cycle or missing producer)");
      }
    }
    for (TensorId id : op.outputs) {
      if (id < 0 || size_t(id) >= g.tensors.size()) {
        return Status::error(where + ": output refers to tensor " + std::to_string(id));
      }
      if (defined[size_t(id)]) {
        return Status::error(where + ": output " + tensorLabel(g, id) +
                             " is already defined (constant, graph input or earlier op)");
      }
      defined[size_t(id)] = true;
    }
  }
  for (TensorId id : g.outputs) {
    if (!defined[size_t(id)]) return Status::error("graph output " + tensorLabel(g, id) + " is never produced");
  }
  return Status::ok();
}

}  // namespace

Status validateGraph(const Graph& graph) {
  if (graph.inputs.empty()) return Status::error("graph has no inputs");
  if (graph.outputs.empty()) return Status::error("graph has no outputs");
  if (Status s = checkIds(graph, graph.inputs, "graph input"); !s) return s;
  if (Status s = checkIds(graph, graph.outputs, "graph output"); !s) return s;
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    if (Status s = validateTensor(graph, TensorId(i)); !s) return s;
  }
  if (Status s = validateDataflow(graph); !s) return s;
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const Op& op = graph.ops[i];
    if (Status s = opDef(op.kind).validate(graph, op); !s) {
      return Status::error("op " + std::to_string(i) + ": " + s.message());
    }
  }
  return Status::ok();
}

}  // namespace tinyforge
