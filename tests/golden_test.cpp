// Every model in ../shared/models against TFLM's reference outputs in ../shared/golden: every
// dumped tensor must match byte for byte, with the plain executor and through every planner's
// arena (where a wrong plan would break the bytes).
#include <gtest/gtest.h>

#include "engine/graph_json.h"
#include "engine/io/tflite_import.h"
#include "engine/pipeline.h"
#include "engine/plan/arena_executor.h"
#include "engine/plan/patch_stage.h"
#include "tests/golden_data.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

using test::sharedDir;

Result<Graph> importShared(const std::string& stem) {
  return importTfliteFile((sharedDir() / "models" / (stem + ".tflite")).string());
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, EveryTensorMatchesTflmReference) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string stem = GetParam();
  Result<Graph> graph = importShared(stem);
  ASSERT_TRUE(graph.ok()) << graph.error();
  const Graph& g = graph.value();
  const nlohmann::json manifest = test::readManifest(stem);
  ASSERT_EQ(manifest["operators"].size(), g.ops.size());
  for (const auto& c : manifest["cases"]) {
    SCOPED_TRACE("case " + c["name"].get<std::string>());
    const auto inputs = test::caseInputs(stem, manifest, c);
    ASSERT_EQ(inputs.size(), g.inputs.size());
    if (c["input"].value("kind", "") == "prng" && g.tensor(g.inputs[0]).type == DType::kInt8) {
      EXPECT_EQ(inputs[0], test::splitmixInt8(c["input"]["seed"].get<uint64_t>(), inputs[0].size()))
          << "the splitmix64 generator does not reproduce the golden input";
    }
    Result<TensorValues> values = runGraph(g, inputs);
    ASSERT_TRUE(values.ok()) << values.error();
    int compared = 0;
    EXPECT_EQ(test::compareCase(g, stem, c, values.value(), {}, &compared), "") << stem;
    EXPECT_EQ(size_t(compared), c["tensors"].size());
  }
}

TEST_P(GoldenTest, ExecutionThroughEveryPlanMatches) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string stem = GetParam();
  Result<Graph> graph = importShared(stem);
  ASSERT_TRUE(graph.ok()) << graph.error();
  const nlohmann::json manifest = test::readManifest(stem);
  int64_t previousArena = INT64_MAX;                   // tflm >= best >= patch >= patch-recompute
  for (const std::string& planner : plannerNames()) {  // arenas never grow along the list
    SCOPED_TRACE("planner " + planner);
    Result<PlannedModel> m = planModel(graph.value(), planner);
    ASSERT_TRUE(m.ok()) << m.error();
    EXPECT_LE(m.value().plan.arenaBytes, previousArena);
    EXPECT_LE(m.value().plan.lowerBoundBytes, m.value().plan.arenaBytes);
    previousArena = m.value().plan.arenaBytes;
    std::set<TensorId> skip;  // outputs of PAD ops fused away no longer exist
    for (int32_t op : m.value().fusedPadOps) skip.insert(graph.value().ops[size_t(op)].outputs[0]);
    for (const PatchStage& stage : m.value().plan.patches) {  // tiled tensors never exist whole
      for (TensorId t : tiledTensors(m.value().graph, stage)) skip.insert(t);
    }
    for (const auto& c : manifest["cases"]) {
      SCOPED_TRACE("case " + c["name"].get<std::string>());
      Result<TensorValues> values =
          runGraphInArena(m.value().graph, m.value().plan, test::caseInputs(stem, manifest, c));
      ASSERT_TRUE(values.ok()) << values.error();
      int compared = 0;
      EXPECT_EQ(test::compareCase(m.value().graph, stem, c, values.value(), skip, &compared), "");
      EXPECT_EQ(size_t(compared) + skip.size(), c["tensors"].size());
    }
  }
}

TEST(GoldenPatch, VisionModelsRunPatchBased) {
  TINYFORGE_REQUIRE_SHARED();
  for (const std::string stem : {"tflm_person_detect", "mlperftiny_vww_96_int8"}) {
    Result<Graph> graph = importShared(stem);
    ASSERT_TRUE(graph.ok()) << graph.error();
    Result<PlannedModel> patch = planModel(graph.value(), "patch-recompute");
    Result<PlannedModel> cached = planModel(graph.value(), "patch");
    Result<PlannedModel> best = planModel(graph.value(), "best");
    Result<PlannedModel> tflm = planModel(graph.value(), "tflm");
    ASSERT_TRUE(patch.ok() && cached.ok() && best.ok() && tflm.ok());
    EXPECT_EQ(patch.value().plan.patches.size(), 1u) << stem;
    EXPECT_LE(patch.value().plan.arenaBytes * 2, tflm.value().plan.arenaBytes) << stem;
    // "patch": row strips that keep their overlap, nothing computed twice, in a quarter less
    // arena than "best" at least
    ASSERT_EQ(cached.value().plan.patches.size(), 1u) << stem;
    const PatchStage& stage = cached.value().plan.patches[0];
    EXPECT_TRUE(stage.cached) << stem;
    EXPECT_EQ(stage.gridW, 1) << stem;
    EXPECT_EQ(stage.tiledMacs, stage.stageMacs) << stem;
    EXPECT_LE(cached.value().plan.arenaBytes * 4, best.value().plan.arenaBytes * 3) << stem;
  }
}

// The image classifier's residual blocks: "patch" runs each of the first two as one stage of
// cached row strips with its ADD (and the second block's strided shortcut) inside, the block's
// output written over its input, in less than half of best's arena. (ExecutionThroughEveryPlan
// compares its bytes with the golden ones.)
TEST(GoldenPatch, ResidualBlocksRunAsStages) {
  TINYFORGE_REQUIRE_SHARED();
  Result<Graph> graph = importShared("mlperftiny_ic_pretrainedResnet_quant");
  ASSERT_TRUE(graph.ok()) << graph.error();
  Result<PlannedModel> patch = planModel(graph.value(), "patch");
  Result<PlannedModel> best = planModel(graph.value(), "best");
  ASSERT_TRUE(patch.ok() && best.ok());
  const Graph& g = patch.value().graph;
  const MemoryPlan& plan = patch.value().plan;
  EXPECT_TRUE(checkPlan(g, plan).isOk());
  int residual = 0;
  for (const PatchStage& stage : plan.patches) {
    EXPECT_TRUE(stage.cached);
    EXPECT_EQ(stage.tiledMacs, stage.stageMacs);
    if (isPatchChain(g, stage.ops)) continue;
    ++residual;
    EXPECT_EQ(g.ops[size_t(stage.ops.back())].kind, OpKind::kAdd);
    EXPECT_TRUE(stage.splitOverInput);
  }
  EXPECT_EQ(residual, 2);
  EXPECT_LE(plan.arenaBytes * 2, best.value().plan.arenaBytes)
      << plan.arenaBytes << " B against best's " << best.value().plan.arenaBytes;
}

// micro_speech: the depthwise layer's 4,000-byte output feeds only the fully connected layer, so
// the patch planner fuses that layer into a stage of row strips and the output never exists.
TEST(GoldenPatch, MicroSpeechFusesItsFullyConnectedLayer) {
  TINYFORGE_REQUIRE_SHARED();
  Result<Graph> graph = importShared("tflm_micro_speech_quantized");
  ASSERT_TRUE(graph.ok()) << graph.error();
  Result<PlannedModel> patch = planModel(graph.value(), "patch");
  Result<PlannedModel> best = planModel(graph.value(), "best");
  ASSERT_TRUE(patch.ok() && best.ok());
  ASSERT_EQ(patch.value().plan.patches.size(), 1u);
  const PatchStage& stage = patch.value().plan.patches[0];
  ASSERT_FALSE(stage.consumerOps.empty());
  EXPECT_EQ(patch.value().graph.ops[size_t(stage.consumerOps.back())].kind,
            OpKind::kFullyConnected);
  const TensorId split = patch.value().graph.ops[size_t(stage.ops.back())].outputs[0];
  EXPECT_EQ(patch.value().plan.offsets[size_t(split)], -1);
  EXPECT_TRUE(checkPlan(patch.value().graph, patch.value().plan).isOk());
  // best holds the 1,960-byte input and the 4,000-byte output together (5,968 B)
  EXPECT_EQ(best.value().plan.arenaBytes, 5968);
  EXPECT_LE(patch.value().plan.arenaBytes, 2700);
}

TEST_P(GoldenTest, JsonRoundTripGivesTheSameGraph) {
  TINYFORGE_REQUIRE_SHARED();
  Result<Graph> graph = importShared(GetParam());
  ASSERT_TRUE(graph.ok()) << graph.error();
  const std::string text = graphToJson(graph.value()).dump();
  Result<Graph> back = graphFromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back.value() == graph.value());
}

std::vector<std::string> goldenStems() {
  std::vector<std::string> stems = test::sharedModelStems();
  if (stems.empty()) stems.push_back("no_shared_models");  // the test then skips (or fails in CI)
  return stems;
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::ValuesIn(goldenStems()),
                         [](const auto& param) { return param.param; });

}  // namespace
}  // namespace tinyforge
