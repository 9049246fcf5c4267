// The best planner on thousands of random executable graphs: plans are valid (no two live
// buffers share a byte except in-place uses the kernel allows), never above TFLM's greedy plan,
// and execution in the arena gives exactly the bytes of the plain executor.
#include <gtest/gtest.h>

#include "engine/executor.h"
#include "engine/pipeline.h"
#include "engine/plan/arena_executor.h"
#include "engine/plan/best_planner.h"
#include "engine/plan/tflm_planner.h"
#include "engine/validate.h"
#include "tests/random_graphs.h"

namespace tinyforge {
namespace {

TEST(PlanBestProperty, RandomGraphsPlanValidlyAndExecuteExactly) {
  std::mt19937 rng(2024);
  int inPlaceSeen = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Graph g = test::randomMobileNetGraph(&rng, 8 + int32_t(rng() % 40), 8 + 4 * int32_t(rng() % 4));
    ASSERT_TRUE(validateGraph(g).isOk()) << validateGraph(g).message();
    Result<PlannedModel> best = planModel(g, "best");
    ASSERT_TRUE(best.ok()) << best.error();
    Result<PlannedModel> tflm = planModel(g, "tflm");
    ASSERT_TRUE(tflm.ok()) << tflm.error();
    EXPECT_LE(best.value().plan.arenaBytes, tflm.value().plan.arenaBytes) << "trial " << trial;
    EXPECT_LE(best.value().plan.lowerBoundBytes, best.value().plan.arenaBytes);
    inPlaceSeen += int(best.value().plan.inPlace.size());
    const auto inputs = test::randomInputs(g, &rng);
    Result<TensorValues> plain = runGraph(g, inputs);
    ASSERT_TRUE(plain.ok()) << plain.error();
    Result<TensorValues> arena = runGraphInArena(best.value().graph, best.value().plan, inputs);
    ASSERT_TRUE(arena.ok()) << arena.error();
    for (size_t t = 0; t < g.tensors.size(); ++t) {
      if (!g.tensors[t].isConstant) {
        ASSERT_EQ(arena.value()[t], plain.value()[t]) << "trial " << trial << " tensor " << t;
      }
    }
  }
  EXPECT_GT(inPlaceSeen, 300);
}

TEST(PlanBestProperty, ThousandsOfPlansAreValid) {
  std::mt19937 rng(99);
  BestPlanner planner;
  for (int trial = 0; trial < 3000; ++trial) {
    const Graph g = test::randomMobileNetGraph(&rng, 6 + int32_t(rng() % 50), 16);
    Result<MemoryPlan> plan = planner.plan(g, fileOrder(g));
    ASSERT_TRUE(plan.ok()) << plan.error();
    const Status s = checkPlan(g, plan.value());
    ASSERT_TRUE(s.isOk()) << "trial " << trial << ": " << s.message();
  }
}

TEST(PlanBest, CheckPlanRejectsAnInPlaceUseTheKernelForbids) {
  std::mt19937 rng(5);
  const Graph g = test::randomMobileNetGraph(&rng, 20, 16);
  TflmPlanner planner;  // a plan without in-place uses
  Result<MemoryPlan> plan = planner.plan(g, fileOrder(g));
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE(checkPlan(g, plan.value()).isOk());
  // Claim that an expanding 1x1 convolution (Cout > Cin) ran in place: not allowed.
  MemoryPlan bad = plan.value();
  for (size_t k = 0; k < bad.order.size(); ++k) {
    const Op& op = g.ops[size_t(bad.order[k])];
    if (op.kind == OpKind::kConv2D && g.tensor(op.outputs[0]).shape[3] > g.tensor(op.inputs[0]).shape[3]) {
      bad.inPlace.push_back({int32_t(k) + 1, bad.order[k], op.inputs[0], op.outputs[0]});
      bad.offsets[size_t(op.outputs[0])] = bad.offsets[size_t(op.inputs[0])];
      break;
    }
  }
  const Status s = checkPlan(g, bad);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("may not write"), std::string::npos) << s.message();
}

TEST(PlanBest, AWrongPlanBreaksTheOutputs) {
  std::mt19937 rng(8);
  const Graph g = test::randomMobileNetGraph(&rng, 30, 16);
  TflmPlanner planner;
  Result<MemoryPlan> plan = planner.plan(g, fileOrder(g));
  ASSERT_TRUE(plan.ok());
  const auto inputs = test::randomInputs(g, &rng);
  Result<TensorValues> good = runGraphInArena(g, plan.value(), inputs);
  ASSERT_TRUE(good.ok());
  // Move the stem convolution's output 16 bytes past the start of its input: it now overwrites
  // input pixels that later output pixels still read.
  MemoryPlan bad = plan.value();
  const Op& stem = g.ops[0];
  const TensorId in = stem.inputs[0], out = stem.outputs[0];
  bad.offsets[size_t(out)] = bad.offsets[size_t(in)] + 16;
  bad.arenaBytes = std::max(bad.arenaBytes, bad.offsets[size_t(out)] + g.tensor(out).byteSize());
  EXPECT_FALSE(checkPlan(g, bad).isOk());
  Result<TensorValues> broken = runGraphInArena(g, bad, inputs);
  ASSERT_TRUE(broken.ok()) << broken.error();
  EXPECT_NE(broken.value()[size_t(g.outputs[0])], good.value()[size_t(g.outputs[0])]);
}

}  // namespace
}  // namespace tinyforge
