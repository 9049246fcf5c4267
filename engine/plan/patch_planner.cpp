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

constexpr size_t kStageStarts = 4;  // the first stage may start at one of the first ops
constexpr int32_t kMaxGrid = 8;
constexpr size_t kMaxStageOps = 8;  // ops of a stage that is not a chain
constexpr size_t kMaxStages = 4;

int64_t totalMacs(const Graph& g) {
  int64_t macs = 0;
  for (const Op& op : g.ops) macs += opDef(op.kind).macs(g, op);
  return macs;
}

// One patch stage: ops [start, end] of the order on a gridH x gridW split, then the fused
// `consumer` ops (none when empty), run as `schedule` says.
struct StageChoice {
  size_t start = 0, end = 0;
  int32_t gridH = 1, gridW = 1;
  bool cached = false, overInput = false;
  std::vector<int32_t> consumer;
  StageSchedule schedule;
  size_t last() const { return end + consumer.size(); }  // the last position it covers
};

// Plans `order` with `choices` (in order, none overlapping) run as patch stages; `rules`:
// inPlaceRules(g).
Result<MemoryPlan> planStages(const Graph& g, const std::vector<int32_t>& order,
                              const std::vector<InPlaceRule>& rules,
                              const std::vector<TensorLifetime>& lifetimes,
                              const std::vector<StageChoice>& choices) {
  std::vector<PatchStage> stages;
  std::vector<bool> internal(g.tensors.size(), false);
  PlacementRequest request;
  request.rules = &rules;
  request.noInPlace.assign(g.ops.size(), false);
  for (const StageChoice& c : choices) {
    PatchStage stage;
    stage.consumerOps = c.consumer;
    stage.ops.assign(order.begin() + long(c.start), order.begin() + long(c.end) + 1);
    stage.firstStep = int32_t(c.start) + 1;
    stage.lastStep = int32_t(c.end) + 1;
    stage.gridH = c.gridH;
    stage.gridW = c.gridW;
    stage.cached = c.cached;
    stage.bufferBytes = c.schedule.bufferBytes;
    stage.tileScratchBytes = c.schedule.tileScratchBytes;
    stage.stageMacs = c.schedule.stageMacs;
    stage.tiledMacs = c.schedule.tiledMacs;
    stage.splitOverInput = c.overInput;
    for (TensorId t : tiledTensors(g, stage)) internal[size_t(t)] = true;
    for (int32_t op : stage.ops) request.noInPlace[size_t(op)] = true;
    for (int32_t op : c.consumer) request.noInPlace[size_t(op)] = true;
    const TensorId stageIn = g.ops[size_t(stage.ops.front())].inputs[0];
    const TensorId split = g.ops[size_t(stage.ops.back())].outputs[0];
    if (c.overInput) request.shared.push_back({stageIn, split});
    request.spans.push_back(
        {stage.firstStep, stage.lastStep + int32_t(c.consumer.size()),
         stage.workBytes() + fusedAccBytes(g, stage),
         "patch tiles (" + std::to_string(c.gridH) + "x" + std::to_string(c.gridW) +
             (c.cached ? ", cached rows" : "") + ")" +
             (c.consumer.empty() ? "" : " and the fused layer's accumulators")});
    stages.push_back(std::move(stage));
  }
  for (TensorLifetime l : lifetimes) {
    if (internal[size_t(l.tensor)]) continue;
    for (const PatchStage& stage : stages) {
      // the stage input is read by every tile, the split tensor written from the first one on
      if (l.tensor == g.ops[size_t(stage.ops.front())].inputs[0])
        l.lastStep = std::max(l.lastStep, stage.lastStep);
      if (l.tensor == g.ops[size_t(stage.ops.back())].outputs[0])
        l.firstStep = std::min(l.firstStep, stage.firstStep);
    }
    request.lifetimes.push_back(l);
  }
  std::vector<int64_t> spanOffsets;
  Result<MemoryPlan> plan = placeBuffers(g, order, std::move(request), &spanOffsets);
  if (!plan) return plan;
  for (size_t k = 0; k < stages.size(); ++k) {
    stages[k].scratchOffset = spanOffsets[k];
    if (!stages[k].consumerOps.empty())
      stages[k].accOffset = stages[k].scratchOffset + stages[k].workBytes();
  }
  plan.value().patches = std::move(stages);
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

// Every way to run ops [start, end] of `order` as a stage (grids, row strips recomputing or
// cached, the split tensor over the input, a fused layer) that recomputes at most `budget` MACs.
std::vector<StageChoice> stageVariants(const Graph& graph, const std::vector<int32_t>& order,
                                       const std::vector<TensorLifetime>& lifetimes, size_t start,
                                       size_t end, int64_t budget) {
  std::vector<StageChoice> variants;
  const std::vector<int32_t> ops(order.begin() + long(start), order.begin() + long(end) + 1);
  const bool chain = isPatchChain(graph, ops);
  if (!chain && !isPatchStage(graph, ops)) return variants;
  const std::vector<int32_t> consumer = sliceConsumer(graph, order, end);
  for (int32_t columns : {0, 1, 2}) {  // square grids, row strips (read input in place), fused
    if ((columns == 2 && consumer.empty()) || (columns < 2 && ops.size() < 2)) continue;
    const std::vector<int32_t> fused = columns == 2 ? consumer : std::vector<int32_t>{};
    for (bool cached : {false, true}) {  // row strips: recomputing or keeping their overlap
      if ((cached && columns == 0) || (!cached && !chain)) continue;
      for (int32_t grid = 2; grid <= kMaxGrid; ++grid) {
        const int32_t gridW = columns == 0 ? grid : 1;
        const StageSchedule geo = stageSchedule(graph, ops, grid, gridW, cached, false);
        if (geo.tiledMacs - geo.stageMacs > budget) break;  // finer grids only recompute more
        std::optional<StageSchedule> direct;  // the same tiles, the last op writing the split
        for (bool overInput : {false, true}) {
          if (overInput &&
              !(fused.empty() && inputDiesInStage(graph, lifetimes, ops, int32_t(end) + 1)))
            continue;
          const bool writesSplit =
              writesSplitDirectly(cached, !fused.empty(), ops.size(), overInput);
          if (writesSplit && !direct) direct = stageSchedule(graph, ops, grid, gridW, cached, true);
          const StageSchedule& schedule = writesSplit ? *direct : geo;
          if (overInput && !splitCanOverwriteInput(graph, ops, schedule)) continue;
          variants.push_back({start, end, grid, gridW, cached, overInput, fused, schedule});
        }
      }
    }
  }
  return variants;
}

// Whether `v` (with its fused layer) covers a position one of `chosen` covers.
bool clashes(const StageChoice& v, const std::vector<StageChoice>& chosen) {
  for (const StageChoice& c : chosen) {
    if (v.start <= c.last() && c.start <= v.last()) return true;
  }
  return false;
}

// The most bytes live on a step outside `chosen` and outside positions [start, end] (a stage
// there with its fused layer included). A stage changes no lifetime outside its own steps (its
// input dies in it, its split tensor is born in it), so no plan that adds a stage at [start, end]
// to `chosen` has a smaller arena.
int64_t liveOutside(const MemoryPlan& plan, const std::vector<StageChoice>& chosen, size_t start,
                    size_t end) {
  int64_t most = 0;
  for (size_t step = 0; step < plan.liveBytes.size(); ++step) {
    const size_t pos = step - 1;  // the op run at this step (step 0: none)
    bool inside = step > 0 && start <= pos && pos <= end;
    for (const StageChoice& c : chosen)
      inside = inside || (step > 0 && c.start <= pos && pos <= c.last());
    if (!inside) most = std::max(most, plan.liveBytes[step]);
  }
  return most;
}

int64_t extraMacs(const StageChoice& c) { return c.schedule.tiledMacs - c.schedule.stageMacs; }

// Plans are compared by arena; ties go to fewer recomputed MACs, then to fewer kernel calls per
// inference (fewer ops in the stage, then fewer tiles): less code and less per-call overhead.
// `local` (refining one stage): before those, the stage's own peak (the most bytes live on one of
// its steps), so that a stage whose grid does not limit the arena now still ends as small as it
// can be, in case the other stages' grids do (each stage refined alone would keep its coarse
// grid when only both together lower the arena).
using Cost = std::tuple<int64_t, int64_t, int64_t, size_t, int32_t>;
Cost costOf(const MemoryPlan& plan, const StageChoice& c, bool local) {
  int64_t own = 0;
  if (local) {
    for (size_t step = c.start + 1; step <= c.last() + 1 && step < plan.liveBytes.size(); ++step)
      own = std::max(own, plan.liveBytes[step]);
  }
  return {plan.arenaBytes, own, extraMacs(c), c.end - c.start + 1, c.gridH * c.gridW};
}

// The best plan with `others` and one of `candidates` (none: nullopt).
struct Pick {
  StageChoice choice;
  MemoryPlan plan;
};
Result<std::optional<Pick>> bestWith(const Graph& graph, const std::vector<int32_t>& order,
                                     const std::vector<InPlaceRule>& rules,
                                     const std::vector<TensorLifetime>& lifetimes,
                                     const std::vector<StageChoice>& others,
                                     const std::vector<StageChoice>& candidates, bool local) {
  std::optional<Pick> pick;
  for (const StageChoice& c : candidates) {
    std::vector<StageChoice> all = others;
    all.push_back(c);
    std::sort(all.begin(), all.end(),
              [](const StageChoice& x, const StageChoice& y) { return x.start < y.start; });
    Result<MemoryPlan> p = planStages(graph, order, rules, lifetimes, all);
    if (!p) return p.status();
    if (!pick || costOf(p.value(), c, local) < costOf(pick->plan, pick->choice, local))
      pick = Pick{c, std::move(p).value()};
  }
  return pick;
}

// Stages added one at a time: each round tries every stage that covers the current plan's peak
// step (the first round also those starting at one of the first ops) beside the stages chosen so
// far, keeps the smallest arena if it is smaller than without it, then chooses each chosen
// stage's tiles again with the others fixed (a stage's grid that tied when it was added may be
// what limits the arena now). `budget`: recomputed MACs all stages together may add.
Result<MemoryPlan> searchStages(const Graph& graph, MemoryPlan best, int64_t budget) {
  const std::vector<int32_t> order = best.order;
  Result<std::vector<TensorLifetime>> lifetimes = tensorLifetimes(graph, order);
  if (!lifetimes) return lifetimes.status();
  const std::vector<InPlaceRule> rules = inPlaceRules(graph);  // asked once, not per candidate
  std::vector<StageChoice> chosen;
  auto spentBesides = [&](size_t skip) {
    int64_t spent = 0;
    for (size_t k = 0; k < chosen.size(); ++k) spent += k == skip ? 0 : extraMacs(chosen[k]);
    return spent;
  };
  for (size_t round = 0; round < kMaxStages; ++round) {
    const int64_t peakPos = int64_t(best.peakStep) - 1;
    std::vector<StageChoice> candidates;
    for (size_t start = 0; start < order.size(); ++start) {
      for (size_t end = start; end < order.size(); ++end) {
        bool taken = false;
        for (const StageChoice& c : chosen) taken = taken || (start <= c.last() && c.start <= end);
        if (taken || !isRegionOp(graph, graph.ops[size_t(order[end])])) break;
        const std::vector<int32_t> ops(order.begin() + long(start), order.begin() + long(end) + 1);
        if (ops.size() > kMaxStageOps && !isPatchChain(graph, ops)) break;
        const bool covers = int64_t(start) <= peakPos && peakPos <= int64_t(end);
        if (!covers && !(round == 0 && start < kStageStarts)) continue;
        const size_t reach = end + sliceConsumer(graph, order, end).size();  // a fused layer too
        if (liveOutside(best, chosen, start, reach) >= best.arenaBytes) continue;  // cannot pay
        for (StageChoice& v : stageVariants(graph, order, lifetimes.value(), start, end,
                                            budget - spentBesides(SIZE_MAX))) {
          if (!clashes(v, chosen)) candidates.push_back(std::move(v));
        }
      }
    }
    Result<std::optional<Pick>> pick =
        bestWith(graph, order, rules, lifetimes.value(), chosen, candidates, false);
    if (!pick) return pick.status();
    if (!pick.value() || pick.value()->plan.arenaBytes >= best.arenaBytes) break;
    chosen.push_back(std::move(pick.value()->choice));
    best = std::move(pick.value()->plan);
    // Each stage's tiles again, the others fixed, until nothing changes: first each as small as
    // it can be, then each as cheap as it can be without a larger arena.
    for (bool local : {true, false}) {
      for (bool changed = chosen.size() > 1; changed;) {
        changed = false;
        for (size_t k = 0; k < chosen.size(); ++k) {
          std::vector<StageChoice> others = chosen;
          others.erase(others.begin() + long(k));
          std::vector<StageChoice> variants =
              stageVariants(graph, order, lifetimes.value(), chosen[k].start, chosen[k].end,
                            budget - spentBesides(k));
          variants.erase(std::remove_if(variants.begin(), variants.end(),
                                        [&](const StageChoice& v) { return clashes(v, others); }),
                         variants.end());
          Result<std::optional<Pick>> again =
              bestWith(graph, order, rules, lifetimes.value(), others, variants, local);
          if (!again) return again.status();
          if (!again.value()) continue;
          Pick& p = *again.value();
          if (costOf(p.plan, p.choice, local) < costOf(best, chosen[k], local)) {
            chosen[k] = std::move(p.choice);
            best = std::move(p.plan);
            changed = true;
          }
        }
      }
    }
  }
  return best;
}

}  // namespace

Result<MemoryPlan> PatchPlanner::plan(const Graph& graph, const std::vector<int32_t>& order) const {
  Result<MemoryPlan> best = BestPlanner().plan(graph, order);
  if (!best) return best;
  Result<MemoryPlan> found =
      searchStages(graph, best.value(), int64_t(double(totalMacs(graph)) * m_maxExtraMacs));
  if (!found) return found;
  if (m_maxExtraMacs > 0) {  // stages added one at a time: recomputing first may end larger
    Result<MemoryPlan> exact = searchStages(graph, best.value(), 0);
    if (!exact) return exact;
    if (exact.value().arenaBytes <= found.value().arenaBytes) found = std::move(exact);
  }
  found.value().planner = name();
  return found;
}

}  // namespace tinyforge
