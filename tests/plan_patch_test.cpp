// The patch planner's fused fully connected layer on random spatial-then-FC graphs: plans are
// valid, never above best, the fused layer's input never gets an offset, and execution in the
// arena gives exactly the plain executor's outputs.
#include <gtest/gtest.h>

#include "engine/executor.h"
#include "engine/pipeline.h"
#include "engine/plan/arena_executor.h"
#include "engine/plan/patch_stage.h"
#include "tests/random_graphs.h"

namespace tinyforge {
namespace {

TEST(PlanPatchProperty, FusedFullyConnectedLayersPlanValidlyAndExecuteExactly) {
  std::mt19937 rng(2026);
  int fused = 0;
  for (int trial = 0; trial < 80; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Graph g = test::spatialFcGraph(&rng);
    Result<PlannedModel> best = planModel(g, "best");
    Result<PlannedModel> patch = planModel(g, "patch");
    ASSERT_TRUE(best.ok() && patch.ok()) << (best.ok() ? patch.error() : best.error());
    const MemoryPlan& plan = patch.value().plan;
    EXPECT_LE(plan.arenaBytes, best.value().plan.arenaBytes);
    const Status valid = checkPlan(patch.value().graph, plan);
    ASSERT_TRUE(valid.isOk()) << valid.message();
    for (const PatchStage& stage : plan.patches) {
      if (stage.consumerOps.empty()) continue;
      ++fused;
      EXPECT_LT(plan.arenaBytes, best.value().plan.arenaBytes);
      EXPECT_EQ(stage.gridW, 1);
      for (TensorId t : tiledTensors(patch.value().graph, stage))
        EXPECT_EQ(plan.offsets[size_t(t)], -1);
    }
    const auto inputs = test::randomInputs(g, &rng);
    Result<TensorValues> plain = runGraph(g, inputs);
    ASSERT_TRUE(plain.ok()) << plain.error();
    Result<TensorValues> arena = runGraphInArena(patch.value().graph, plan, inputs);
    ASSERT_TRUE(arena.ok()) << arena.error();
    for (TensorId out : g.outputs)
      EXPECT_EQ(arena.value()[size_t(out)], plain.value()[size_t(out)]);
  }
  EXPECT_GE(fused, 30);
}

// checkPlan catches accumulators moved out of the stage's buffer (onto a live tensor).
TEST(PlanPatch, CheckPlanRejectsAccumulatorsOutsideTheStageBuffer) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    const Graph g = test::spatialFcGraph(&rng);
    Result<PlannedModel> patch = planModel(g, "patch");
    ASSERT_TRUE(patch.ok()) << patch.error();
    MemoryPlan plan = patch.value().plan;
    if (plan.patches.empty() || plan.patches[0].consumerOps.empty()) continue;
    ASSERT_TRUE(checkPlan(patch.value().graph, plan).isOk());
    plan.patches[0].accOffset = plan.patches[0].scratchOffset;  // over the tile slots
    const Status s = checkPlan(patch.value().graph, plan);
    EXPECT_FALSE(s.isOk());
    EXPECT_NE(s.message().find("accumulators"), std::string::npos) << s.message();
    return;
  }
  FAIL() << "no fused stage in 50 random graphs";
}

}  // namespace
}  // namespace tinyforge
