// The memory report of a plan: per step the live tensors with offsets and sizes, the peak and
// the tensors that cause it, scratch, totals. Text for the CLI, JSON for tools and the studio.
//
//   nlohmann::json j = memoryReportJson(model.graph, model.plan);   // j["peak_bytes"], ...
//   std::cout << memoryReportText(model.graph, model.plan);
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

// Keys: planner, peak_bytes (the arena, scratch included), lower_bound_bytes, peak_step,
// peak_tensors, steps [{step, op, op_name, op_kind, live: [{tensor, name, offset, bytes}],
// scratch: [...], live_bytes}], in_place [...], tensors [{tensor, name, offset, bytes, first_step,
// last_step}].
nlohmann::json memoryReportJson(const Graph& graph, const MemoryPlan& plan);
std::string memoryReportText(const Graph& graph, const MemoryPlan& plan, bool allSteps = false);

}  // namespace tinyforge
