#include "engine/plan/patch_planner.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "engine/ops/fc_slices.h"
#include "engine/ops/op_def.h"
#include "engine/plan/best_planner.h"
#include "engine/plan/lifetimes.h"
#include "engine/plan/patch_stage.h"

namespace tinyforge {
namespace {

constexpr size_t kStageStarts = 4;  // the stage starts at one of the first ops of the order
constexpr int32_t kMaxGrid = 8;

int64_t totalMacs(const Graph& g) {
  int64_t macs = 0;
  for (const Op& op : g.ops) macs += opDef(op.kind).macs(g, op);
  return macs;
}

// Plans `order` with ops [start, end] of it run as one patch stage on a gridH x gridW split,
// followed by the fused `consumer` ops (none when empty); `rules`: inPlaceRules(g).
Result<MemoryPlan> planStage(const Graph& g, const std::vector<int32_t>& order,
                             const std::vector<InPlaceRule>& rules,
                             const std::vector<TensorLifetime>& lifetimes, size_t start, size_t end,
                             int32_t gridH, int32_t gridW, bool cached, const StageSchedule& geo,
                             bool splitOverInput, const std::vector<int32_t>& consumer) {
  PatchStage stage;
  stage.consumerOps = consumer;
  stage.ops.assign(order.begin() + long(start), order.begin() + long(end) + 1);
  stage.firstStep = int32_t(start) + 1;
  stage.lastStep = int32_t(end) + 1;
  stage.gridH = gridH;
  stage.gridW = gridW;
  stage.cached = cached;
  stage.bufferBytes = geo.bufferBytes;
  stage.tileScratchBytes = geo.tileScratchBytes;
  stage.stageMacs = geo.stageMacs;
  stage.tiledMacs = geo.tiledMacs;
  std::vector<bool> internal(g.tensors.size(), false);
  for (TensorId t : tiledTensors(g, stage)) internal[size_t(t)] = true;
  const TensorId stageIn = g.ops[size_t(stage.ops.front())].inputs[0];
  const TensorId split = g.ops[size_t(stage.ops.back())].outputs[0];
  PlacementRequest request;
  request.rules = &rules;
  request.noInPlace.assign(g.ops.size(), false);
  for (int32_t op : stage.ops) request.noInPlace[size_t(op)] = true;
  for (int32_t op : consumer) request.noInPlace[size_t(op)] = true;
  for (TensorLifetime l : lifetimes) {
    if (internal[size_t(l.tensor)]) continue;
    if (l.tensor == stageIn) l.lastStep = std::max(l.lastStep, stage.lastStep);
    if (l.tensor == split) l.firstStep = std::min(l.firstStep, stage.firstStep);
    request.lifetimes.push_back(l);
  }
  stage.splitOverInput = splitOverInput;
  if (splitOverInput) request.shared.push_back({stageIn, split});
  const int64_t work = stage.workBytes();
  const int64_t accBytes = fusedAccBytes(g, stage);
  request.spans.push_back({stage.firstStep, stage.lastStep + int32_t(consumer.size()),
                           work + accBytes,
                           "patch tiles (" + std::to_string(gridH) + "x" + std::to_string(gridW) +
                               (cached ? ", cached rows" : "") + ")" +
                               (consumer.empty() ? "" : " and the fused layer's accumulators")});
  std::vector<int64_t> spanOffsets;
  Result<MemoryPlan> plan = placeBuffers(g, order, std::move(request), &spanOffsets);
  if (!plan) return plan;
  stage.scratchOffset = spanOffsets[0];
  if (!consumer.empty()) stage.accOffset = stage.scratchOffset + work;
  plan.value().patches.push_back(std::move(stage));
  return plan;
}

// The stage input is read by the stage only (not later, not a graph output).
bool inputDiesInStage(const Graph& g, const std::vector<TensorLifetime>& lifetimes,
                      const std::vector<int32_t>& ops, int32_t lastStep) {
  const TensorId in = g.ops[size_t(ops.front())].inputs[0];
  if (std::find(g.outputs.begin(), g.outputs.end(), in) != g.outputs.end()) return false;
  for (const TensorLifetime& l : lifetimes) {
    if (l.tensor == in) return l.lastStep <= lastStep;
  }
  return false;
}

}  // namespace

Result<MemoryPlan> PatchPlanner::plan(const Graph& graph, const std::vector<int32_t>& order) const {
  Result<MemoryPlan> best = BestPlanner().plan(graph, order);
  if (!best) return best;
  const std::vector<int32_t> chosenOrder = best.value().order;
  Result<std::vector<TensorLifetime>> lifetimes = tensorLifetimes(graph, chosenOrder);
  if (!lifetimes) return lifetimes.status();
  const std::vector<InPlaceRule> rules = inPlaceRules(graph);  // asked once, not per candidate
  const int64_t budget = int64_t(double(totalMacs(graph)) * m_maxExtraMacs);
  // Ties on the arena go to fewer recomputed MACs, then to fewer kernel calls per inference
  // (fewer ops in the stage, then fewer tiles): less code and less per-call overhead.
  std::tuple<int64_t, size_t, int32_t> bestCost{0, 0, 0};
  for (size_t start = 0; start < std::min(kStageStarts, chosenOrder.size()); ++start) {
    for (size_t end = start; end < chosenOrder.size(); ++end) {
      const std::vector<int32_t> ops(chosenOrder.begin() + long(start), chosenOrder.begin() + long(end) + 1);
      if (!isPatchChain(graph, ops)) break;
      const std::vector<int32_t> consumer = sliceConsumer(graph, chosenOrder, end);
      for (int32_t columns : {0, 1, 2}) {  // square grids, row strips (read input in place), fused
        if ((columns == 2 && consumer.empty()) || (columns < 2 && ops.size() < 2)) continue;
        const std::vector<int32_t> fused = columns == 2 ? consumer : std::vector<int32_t>{};
        for (bool cached : {false, true}) {  // row strips: recomputing or keeping their overlap
          if (cached && columns == 0) continue;
          for (int32_t grid = 2; grid <= kMaxGrid; ++grid) {
            const int32_t gridW = columns == 0 ? grid : 1;
            const StageSchedule geo = stageSchedule(graph, ops, grid, gridW, cached, false);
            const int64_t extra = geo.tiledMacs - geo.stageMacs;
            if (extra > budget) break;  // finer grids only recompute more
            std::optional<StageSchedule> direct;  // the same tiles, the last op writing the split
            for (bool overInput : {false, true}) {
              if (overInput &&
                  !(fused.empty() &&
                    inputDiesInStage(graph, lifetimes.value(), ops, int32_t(end) + 1) &&
                    splitCanOverwriteInput(graph, ops, grid, gridW))) {
                continue;
              }
              const bool writesSplit =
                  writesSplitDirectly(cached, !fused.empty(), ops.size(), overInput);
              if (writesSplit && !direct)
                direct = stageSchedule(graph, ops, grid, gridW, cached, true);
              Result<MemoryPlan> p =
                  planStage(graph, chosenOrder, rules, lifetimes.value(), start, end, grid, gridW,
                            cached, writesSplit ? *direct : geo, overInput, fused);
              if (!p) return p;
              const int64_t arena = p.value().arenaBytes, bestArena = best.value().arenaBytes;
              const std::tuple<int64_t, size_t, int32_t> cost{extra, ops.size(), grid * gridW};
              if (arena < bestArena ||
                  (arena == bestArena && !best.value().patches.empty() && cost < bestCost)) {
                best = std::move(p);
                bestCost = cost;
              }
            }
          }
        }
      }
    }
  }
  best.value().planner = name();
  return best;
}

}  // namespace tinyforge
