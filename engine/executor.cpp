#include "engine/executor.h"

#include "engine/ops/op_def.h"
#include "engine/validate.h"

namespace tinyforge {

Result<TensorValues> runGraph(const Graph& graph, const std::vector<std::vector<uint8_t>>& inputs,
                              const RunOptions& options) {
  if (Status s = validateGraph(graph); !s) return s;
  if (inputs.size() != graph.inputs.size()) {
    return Result<TensorValues>::failure("graph has " + std::to_string(graph.inputs.size()) +
                                         " inputs, " + std::to_string(inputs.size()) + " given");
  }
  TensorValues values(graph.tensors.size());
  TensorBuffers buffers;
  buffers.ptr.assign(graph.tensors.size(), nullptr);
  for (size_t i = 0; i < graph.tensors.size(); ++i) {
    const Tensor& t = graph.tensors[i];
    if (t.isConstant) {
      buffers.ptr[i] = const_cast<uint8_t*>(t.data.data());
    } else {
      values[i].assign(size_t(t.byteSize()), 0);
      buffers.ptr[i] = values[i].data();
    }
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = graph.tensor(graph.inputs[i]);
    if (int64_t(inputs[i].size()) != t.byteSize()) {
      return Result<TensorValues>::failure("input " + std::to_string(i) + " '" + t.name + "' needs " +
                                           std::to_string(t.byteSize()) + " bytes (" +
                                           shapeString(t.shape) + " " + dtypeName(t.type) + "), got " +
                                           std::to_string(inputs[i].size()));
    }
    values[size_t(graph.inputs[i])] = inputs[i];
    buffers.ptr[size_t(graph.inputs[i])] = values[size_t(graph.inputs[i])].data();
  }
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    if (options.cancel && options.cancel->load()) return Result<TensorValues>::failure("cancelled");
    const Op& op = graph.ops[i];
    if (Status s = opDef(op.kind).evaluate(graph, op, buffers); !s) {
      return Result<TensorValues>::failure("op " + std::to_string(i) + ": " + s.message());
    }
    if (options.progress) options.progress(i + 1, graph.ops.size());
  }
  return values;
}

}  // namespace tinyforge
