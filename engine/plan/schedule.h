// Op orders: the file order, and an order that minimises the peak of live activation bytes
// for graphs with branches (residual adds, concatenations, parallel paths).
//
//   ScheduleResult s = minimumPeakOrder(graph);   // exact up to kExactScheduleStateLimit states
//   Result<MemoryPlan> p = planner.plan(graph, s.order);
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph.h"

namespace tinyforge {

// Exact search visits at most this many distinct "executed op sets"; beyond it the greedy
// heuristic (see minimumPeakOrder) is used. Chains and MobileNet-style residual graphs have
// one state per op; a graph with k independent branches of length n has about n^k.
constexpr int64_t kExactScheduleStateLimit = 200000;

struct ScheduleResult {
  std::vector<int32_t> order;   // op indices
  int64_t peakBytes = 0;        // max over steps of live bytes (16-byte aligned sizes)
  bool exact = false;           // true: proven minimal over all topological orders
  int64_t statesVisited = 0;
};

// Peak live bytes of one order: at each step, the sizes of the op's outputs plus every tensor
// produced earlier (or a graph input) that a later op or the graph output still needs.
int64_t orderPeakBytes(const Graph& graph, const std::vector<int32_t>& order);

// Minimises orderPeakBytes over topological orders: memoised search over the sets of executed
// ops (as muNAS does), falling back to a greedy choice (the ready op whose execution keeps the
// running peak lowest, ties broken by bytes freed, then file order) past the state limit.
ScheduleResult minimumPeakOrder(const Graph& graph, int64_t stateLimit = kExactScheduleStateLimit);

}  // namespace tinyforge
