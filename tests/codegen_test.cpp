// Generated C (model.c + the same kernels), compiled for the host with -Wall -Werror, gives the
// golden bytes for every golden case of the models.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/codegen/model_emitter.h"
#include "engine/executor.h"
#include "engine/io/tflite_import.h"
#include "engine/pipeline.h"
#include "engine/plan/patch_stage.h"
#include "tests/golden_data.h"
#include "tests/random_graphs.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

void writeText(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

void writeBytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// Builds the generated library and the host runner; returns the executable.
fs::path buildHostRunner(const GeneratedModel& c, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  writeText(dir / "model.h", c.header);
  writeText(dir / "model.c", c.source);
  const fs::path src = TINYFORGE_SOURCE_DIR;
  std::string cmd = std::string(TINYFORGE_HOST_CC) + " -std=c99 -O1 -Wall -Wextra -Werror -I" +
                    dir.string() + " -I" + (src / "engine/kernels").string() + " " +
                    (dir / "model.c").string() + " " + (src / "resources/firmware/host_main.c").string();
  for (const auto& e : fs::directory_iterator(src / "engine/kernels")) {
    if (e.path().extension() == ".c") cmd += " " + e.path().string();
  }
  cmd += " -lm -o " + (dir / "run_model").string() + " 2> " + (dir / "build.log").string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "host build failed, see " << (dir / "build.log");
  return dir / "run_model";
}

// Builds the host runner of `c` in `dir`, runs it on one input and returns its output bytes
// (empty if it failed).
std::vector<uint8_t> runOnHost(const GeneratedModel& c, const fs::path& dir,
                               const std::vector<uint8_t>& input) {
  const fs::path runner = buildHostRunner(c, dir);
  writeBytes(dir / "in0.bin", input);
  const std::string cmd =
      runner.string() + " " + (dir / "in0.bin").string() + " " + (dir / "out0.bin").string();
  if (std::system(cmd.c_str()) != 0) return {};
  return test::readFileBytes(dir / "out0.bin");
}

class CodegenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CodegenTest, GeneratedCMatchesGoldenOnTheHost) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string stem = GetParam();
  Result<Graph> graph = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
  ASSERT_TRUE(graph.ok()) << graph.error();
  for (const std::string& planner : plannerNames()) {
    SCOPED_TRACE(planner);
    Result<PlannedModel> m = planModel(graph.value(), planner);
    ASSERT_TRUE(m.ok()) << m.error();
    if (planner.rfind("patch", 0) == 0 && m.value().plan.patches.empty()) continue;  // best again
    Result<GeneratedModel> c = emitModelC(m.value());
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_NE(c.value().source.find("TF_MODEL_ARENA_BYTES"), std::string::npos - 1);
    const fs::path dir = fs::temp_directory_path() / ("tinyforge_codegen_" + stem + "_" + planner);
    const fs::path runner = buildHostRunner(c.value(), dir);
    const nlohmann::json manifest = test::readManifest(stem);
    for (const auto& cs : manifest["cases"]) {
      const auto inputs = test::caseInputs(stem, manifest, cs);
      std::string cmd = runner.string();
      for (size_t i = 0; i < inputs.size(); ++i) {
        writeBytes(dir / ("in" + std::to_string(i) + ".bin"), inputs[i]);
        cmd += " " + (dir / ("in" + std::to_string(i) + ".bin")).string();
      }
      for (size_t i = 0; i < m.value().graph.outputs.size(); ++i) cmd += " " + (dir / ("out" + std::to_string(i) + ".bin")).string();
      ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
      for (size_t i = 0; i < m.value().graph.outputs.size(); ++i) {
        const TensorId id = m.value().graph.outputs[i];
        for (const auto& t : cs["tensors"]) {
          if (t["index"].get<TensorId>() != id) continue;
          EXPECT_EQ(test::readFileBytes(dir / ("out" + std::to_string(i) + ".bin")),
                    test::readFileBytes(test::sharedDir() / "golden" / stem / t["file"].get<std::string>()))
              << stem << " case " << cs["name"];
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SmallModels, CodegenTest,
                         ::testing::Values("tflm_hello_world_int8", "mlperftiny_ad01_int8",
                                           "tflm_micro_speech_quantized", "mlperftiny_kws_ref_model",
                                           "mlperftiny_ic_pretrainedResnet_quant"),
                         [](const auto& param) { return param.param; });

// A fully connected layer with 90 % zero weights: the generator stores it sparsely (no dense
// array), and the generated code computes the executor's bytes.
TEST(Codegen, SparseFullyConnectedIsStoredSparselyAndBitExact) {
  std::mt19937 rng(7);
  Result<Graph> g = test::sparseFcGraph(&rng);
  const Op& fcOp = g.value().ops.back();
  Result<PlannedModel> m = planModel(g.value(), "best");
  ASSERT_TRUE(m.ok()) << m.error();
  Result<GeneratedModel> c = emitModelC(m.value());
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_NE(c.value().source.find("tfk_fully_connected_sparse_s8"), std::string::npos);
  const std::string denseName = "k_t" + std::to_string(fcOp.inputs[1]) + "[";
  EXPECT_EQ(c.value().source.find(denseName), std::string::npos) << "the dense weights were emitted too";
  const fs::path dir = fs::temp_directory_path() / "tinyforge_codegen_sparse";
  std::vector<uint8_t> in(64);
  for (size_t i = 0; i < in.size(); ++i) in[i] = uint8_t(rng());
  Result<TensorValues> ref = runGraph(m.value().graph, {in});
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(runOnHost(c.value(), dir, in), ref.value()[size_t(m.value().graph.outputs[0])]);
}

// The generated C of `m` with the fast kernels and with the plain ones, each run on the host on
// `input` in temp/<name>f and temp/<name>p: both must give the executor's output. Returns the two
// sources (fast, plain) for checks on the calls they make; empty where emission failed.
std::pair<std::string, std::string> expectBothKernelSetsMatch(const PlannedModel& m,
                                                              const std::vector<uint8_t>& input,
                                                              const std::string& name) {
  Result<TensorValues> ref = runGraph(m.graph, {input});
  EXPECT_TRUE(ref.ok()) << ref.error();
  std::string sources[2];
  for (bool fast : {true, false}) {
    SCOPED_TRACE(fast ? "fast kernels" : "plain kernels");
    EmitOptions options;
    options.fastKernels = fast;
    Result<GeneratedModel> c = emitModelC(m, options);
    EXPECT_TRUE(c.ok()) << c.error();
    if (!c || !ref) continue;
    sources[fast ? 0 : 1] = c.value().source;
    EXPECT_EQ(runOnHost(c.value(), fs::temp_directory_path() / (name + (fast ? "f" : "p")), input),
              ref.value()[size_t(m.graph.outputs[0])]);
  }
  return {sources[0], sources[1]};
}

// Patch stages with a fused fully connected layer, in generated C with the fast kernels and with
// the plain ones, give the executor's bytes.
TEST(Codegen, FusedFullyConnectedStagesAreBitExact) {
  for (const std::string planner : {"patch", "patch-recompute"}) {
    SCOPED_TRACE(planner);
    std::mt19937 rng(44);
    int built = 0;
    for (int trial = 0; trial < 40 && built < 3; ++trial) {
      const Graph g = test::spatialFcGraph(&rng);
      Result<PlannedModel> m = planModel(g, planner);
      ASSERT_TRUE(m.ok()) << m.error();
      if (m.value().plan.patches.empty() || m.value().plan.patches[0].consumerOps.empty()) continue;
      SCOPED_TRACE("trial " + std::to_string(trial));
      const auto [fast, plain] = expectBothKernelSetsMatch(
          m.value(), test::randomInputs(g, &rng)[0],
          "tinyforge_codegen_fused_" + planner + "_" + std::to_string(built));
      EXPECT_NE(fast.find("tfk_fc_accumulate_fast_s8"), std::string::npos);
      EXPECT_NE(plain.find("tfk_fc_accumulate_s8("), std::string::npos);
      for (const std::string& source : {fast, plain}) {
        EXPECT_EQ(source.find("tfk_fully_connected"), std::string::npos)
            << "the layer also ran whole";
      }
      ++built;
    }
    EXPECT_EQ(built, 3);
  }
}

// Cached row strips (moves of the kept rows, regions at offsets inside the per-op buffers, the
// 3x3 depthwise tiles on int16 planes in the stage's scratch, strips alike run as one loop) in
// generated C with the fast kernels and with the plain ones give the executor's bytes.
TEST(Codegen, CachedStripsAreBitExact) {
  std::mt19937 rng(91);
  int built = 0, planes = 0, loops = 0;
  for (int trial = 0; trial < 60 && built < 4; ++trial) {
    const Graph g =
        test::randomMobileNetGraph(&rng, 10 + trial % 8, 32 + 8 * (trial % 3), trial % 2);
    Result<PlannedModel> m = planModel(g, "patch");
    ASSERT_TRUE(m.ok()) << m.error();
    if (m.value().plan.patches.empty() || !m.value().plan.patches[0].cached) continue;
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto [fast, plain] =
        expectBothKernelSetsMatch(m.value(), test::randomInputs(g, &rng)[0],
                                  "tinyforge_codegen_cached_" + std::to_string(built));
    if (fast.find("tfk_depthwise_conv2d_3x3_planes_to_s8(") != std::string::npos) ++planes;
    if (fast.find("for (int32_t k = 0; k < ") != std::string::npos) ++loops;
    ++built;
  }
  EXPECT_EQ(built, 4);
  EXPECT_GE(planes, 1) << "no tile took the int16 planes";
  EXPECT_GE(loops, 1) << "no strips ran as a loop";
}

// Stages that are not chains (a residual block's ADD reading the stage input, a strided shortcut
// beside the main branch) in generated C with both kernel sets give the executor's bytes.
TEST(Codegen, ResidualStagesAreBitExact) {
  std::mt19937 rng(5);
  int built = 0;
  for (int trial = 0; trial < 80 && built < 3; ++trial) {
    const Graph g =
        test::randomMobileNetGraph(&rng, 10 + trial % 8, 24 + 8 * (trial % 3), trial % 2);
    Result<PlannedModel> m = planModel(g, "patch");
    ASSERT_TRUE(m.ok()) << m.error();
    bool residual = false;
    for (const PatchStage& s : m.value().plan.patches)
      residual = residual || !isPatchChain(m.value().graph, s.ops);
    if (!residual) continue;
    SCOPED_TRACE("trial " + std::to_string(trial));
    const auto [fast, plain] =
        expectBothKernelSetsMatch(m.value(), test::randomInputs(g, &rng)[0],
                                  "tinyforge_codegen_residual_" + std::to_string(built));
    EXPECT_NE(plain.find("tfk_add_s8("), std::string::npos);
    ++built;
  }
  EXPECT_EQ(built, 3);
}

TEST(Codegen, HostileNamesStayInComments) {
  Graph g;
  Tensor in;
  in.name = "x */ int evil = 1; /*\n#include <stdio.h>";
  in.shape = {1, 4};
  in.quant.scale = {0.5f};
  in.quant.zeroPoint = {0};
  g.tensors.push_back(in);
  Tensor out = in;
  out.name = "?" "?/ \\";  // a trigraph line splice
  out.shape = {1, 4};
  g.tensors.push_back(out);
  Op op;
  op.kind = OpKind::kReshape;
  op.name = "*/ system(\"rm -rf /\"); /*";
  op.inputs = {0};
  op.outputs = {1};
  g.ops.push_back(op);
  g.inputs = {0};
  g.outputs = {1};
  g.name = "../../etc/passwd */";
  Result<PlannedModel> m = planModel(g, "tflm");
  ASSERT_TRUE(m.ok()) << m.error();
  Result<GeneratedModel> c = emitModelC(m.value());
  ASSERT_TRUE(c.ok()) << c.error();
  // No comment is closed early, so every injected token stays inside a comment.
  for (const std::string bad : {"*/ int evil", "*/ system", "\n#include <stdio.h>", "?" "?/"}) {
    EXPECT_EQ(c.value().source.find(bad), std::string::npos) << bad;
  }
  const fs::path dir = fs::temp_directory_path() / "tinyforge_codegen_hostile";
  buildHostRunner(c.value(), dir);
}

}  // namespace
}  // namespace tinyforge
