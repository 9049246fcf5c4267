// Runs a graph inside one byte arena at the offsets of a MemoryPlan, in the plan's op order,
// with the in-place kernels the plan chose. A wrong plan gives wrong outputs.
//
//   Result<TensorValues> r = runGraphInArena(graph, plan, {inputBytes});
//   // r.value()[t] holds each op output as it was right after its op ran
#pragma once

#include "engine/executor.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

Result<TensorValues> runGraphInArena(const Graph& graph, const MemoryPlan& plan,
                                     const std::vector<std::vector<uint8_t>>& inputs,
                                     const RunOptions& options = {});

}  // namespace tinyforge
