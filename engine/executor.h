// Host reference executor: runs a validated graph op by op with the C reference kernels.
//
//   Result<TensorValues> r = runGraph(graph, {inputBytes});
//   const std::vector<uint8_t>& out = r.value()[graph.outputs[0]];
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

// Bytes of every non-constant tensor after the run, indexed by TensorId (constants: empty).
using TensorValues = std::vector<std::vector<uint8_t>>;

struct RunOptions {
  std::function<void(size_t opIndex, size_t opCount)> progress;  // after each op
  const std::atomic<bool>* cancel = nullptr;                      // stops between ops
};

// `inputs` are raw bytes per graph input, in graph input order; sizes must match exactly.
Result<TensorValues> runGraph(const Graph& graph, const std::vector<std::vector<uint8_t>>& inputs,
                              const RunOptions& options = {});

}  // namespace tinyforge
