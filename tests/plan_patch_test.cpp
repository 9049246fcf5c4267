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

// "grid 4x1 cached, 0 fused: AVERAGE_POOL_2D 22x7x2->11x3x2 ...": what a failing trial planned.
std::string describeStages(const Graph& g, const MemoryPlan& plan) {
  auto hwc = [](const Tensor& t) {
    return std::to_string(t.shape[1]) + "x" + std::to_string(t.shape[2]) + "x" +
           std::to_string(t.shape[3]);
  };
  std::string what;
  for (const PatchStage& st : plan.patches) {
    what += "grid " + std::to_string(st.gridH) + "x" + std::to_string(st.gridW) +
            (st.cached ? " cached, " : ", ") + std::to_string(st.consumerOps.size()) + " fused:";
    for (int32_t o : st.ops) {
      const Op& op = g.ops[size_t(o)];
      what += " " + std::string(opKindName(op.kind)) + " " + hwc(g.tensor(op.inputs[0])) + "->" +
              hwc(g.tensor(op.outputs[0]));
    }
  }
  return what;
}

TEST(PlanPatchProperty, FusedFullyConnectedLayersPlanValidlyAndExecuteExactly) {
  for (const std::string planner : {"patch", "patch-recompute"}) {
    SCOPED_TRACE(planner);
    std::mt19937 rng(2026);
    int fused = 0;
    for (int trial = 0; trial < 80; ++trial) {
      SCOPED_TRACE("trial " + std::to_string(trial));
      const Graph g = test::spatialFcGraph(&rng);
      Result<PlannedModel> best = planModel(g, "best");
      Result<PlannedModel> patch = planModel(g, planner);
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
      const std::string what = describeStages(patch.value().graph, plan);
      for (TensorId out : g.outputs)
        EXPECT_EQ(arena.value()[size_t(out)], plain.value()[size_t(out)]) << what;
    }
    EXPECT_GE(fused, 30);
  }
}

// Random MobileNet-like graphs: "patch" plans cached row strips (over chains, residual blocks and
// branches, several stages per plan) that compute nothing twice and never need more arena than
// "best"; "patch-recompute" never more than "patch"; both execute to the plain executor's bytes.
TEST(PlanPatchProperty, CachedStripsPlanValidlyAndExecuteExactly) {
  std::mt19937 rng(77);
  int cached = 0, residual = 0;
  size_t stages = 0;
  for (int trial = 0; trial < 40; ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    const Graph g =
        test::randomMobileNetGraph(&rng, 12 + trial % 20, 24 + 8 * (trial % 4), trial % 2);
    Result<PlannedModel> best = planModel(g, "best");
    Result<PlannedModel> patch = planModel(g, "patch");
    Result<PlannedModel> recompute = planModel(g, "patch-recompute");
    ASSERT_TRUE(best.ok() && patch.ok() && recompute.ok());
    EXPECT_LE(patch.value().plan.arenaBytes, best.value().plan.arenaBytes);
    EXPECT_LE(recompute.value().plan.arenaBytes, patch.value().plan.arenaBytes);
    for (const PatchStage& stage : patch.value().plan.patches) {
      EXPECT_LE(stage.tiledMacs, stage.stageMacs);
      cached += stage.cached ? 1 : 0;
      residual += isPatchChain(patch.value().graph, stage.ops) ? 0 : 1;
    }
    stages += patch.value().plan.patches.size();
    const auto inputs = test::randomInputs(g, &rng);
    Result<TensorValues> plain = runGraph(g, inputs);
    ASSERT_TRUE(plain.ok()) << plain.error();
    for (const Result<PlannedModel>* m : {&patch, &recompute}) {
      const Status valid = checkPlan(m->value().graph, m->value().plan);
      ASSERT_TRUE(valid.isOk()) << valid.message();
      Result<TensorValues> arena = runGraphInArena(m->value().graph, m->value().plan, inputs);
      ASSERT_TRUE(arena.ok()) << arena.error();
      for (TensorId out : g.outputs)
        EXPECT_EQ(arena.value()[size_t(out)], plain.value()[size_t(out)])
            << m->value().plan.planner;
    }
  }
  EXPECT_GE(cached, 10);
  // several stages per plan, and stages over residual blocks and branches (43 / 63 / 13 when
  // written)
  EXPECT_GT(stages, 40u);
  EXPECT_GE(residual, 5);
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
