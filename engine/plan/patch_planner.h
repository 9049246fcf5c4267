// Patch-based inference planner (MCUNetV2): runs the memory-heavy first layers tile by tile so
// that their large activations never exist whole, then plans the rest like "best".
//
//   PatchPlanner planner;        // "patch": nothing computed twice
//   PatchPlanner planner(0.2);   // "patch-recompute": at most 20% extra MACs over the model
//   Result<MemoryPlan> plan = planner.plan(graph, fileOrder(graph));
//   plan.value().patches;        // empty when no stage lowers the peak within the MAC budget
//
// A stage is a run of consecutive ops of the order: a chain of conv/depthwise/pool ops, or with
// cached row strips also a residual block (its ADD reading the stage input, a strided shortcut
// beside the main branch: engine/plan/patch_stage.h, isPatchStage). Its split (the last op), its
// grid (2x2 .. 8x8 tiles, 2 .. 8 row strips, strips that keep their overlap:
// PatchStage::cached) and whether the split tensor lies over the dead stage input are chosen by
// trying them all and keeping the smallest arena whose recomputed MACs fit the budget. With no
// budget ("patch") that is row strips that keep the rows the next strip needs: a few rows more of
// arena than recomputing them, at the instructions of the layers run whole. Where the split
// tensor feeds a one-batch FULLY_CONNECTED layer (through RESHAPEs only), that layer may be fused
// into the stage on row strips (a stage of one op then pays too): its input then never exists
// whole.
// Stages are added one at a time, each where the plan's peak is then (the first may also start
// at one of the first four ops), until another stage no longer lowers the arena; after each
// addition every chosen stage's tiles are chosen again with the others fixed (ResNet-style
// networks: one stage per block, in less than half of best's arena).
#pragma once

#include "engine/plan/memory_plan.h"

namespace tinyforge {

class PatchPlanner : public MemoryPlanner {
 public:
  explicit PatchPlanner(double maxExtraMacsFraction = 0.0) : m_maxExtraMacs(maxExtraMacsFraction) {}
  const char* name() const override { return m_maxExtraMacs > 0 ? "patch-recompute" : "patch"; }
  Result<MemoryPlan> plan(const Graph& graph, const std::vector<int32_t>& order) const override;

 private:
  double m_maxExtraMacs;
};

}  // namespace tinyforge
