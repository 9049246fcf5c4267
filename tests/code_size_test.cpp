// The model library's flash estimate (engine/firmware/code_size.h): the parts it adds up, the
// code-size tables against the kernels as they are compiled now, and the estimate against the
// flash of a built library.
#include "engine/firmware/code_size.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "engine/codegen/c_emitter.h"
#include "engine/codegen/model_emitter.h"
#include "engine/firmware/exporter.h"
#include "engine/firmware/process.h"
#include "engine/firmware/verifier.h"
#include "engine/pipeline.h"
#include "search/arch_spec.h"
#include "search/search_space.h"
#include "tests/random_graphs.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

TEST(CodeSize, DeclaredDataBytesCountsArraysAndStructLiterals) {
  EXPECT_EQ(declaredDataBytes("static const int32_t op1_m[] = {1, 2, 3};\n"), 12);
  EXPECT_EQ(declaredDataBytes("static const int8_t op1_cw[] = {1,2,3,4,5};\n"),
            8);  // 5, rounded to 4
  EXPECT_EQ(declaredDataBytes("static const uint16_t a[] = {1, 2, 3};\n"), 8);
  // Several declarators of one type; a struct literal is 4 bytes per item.
  EXPECT_EQ(
      declaredDataBytes("static const tfk_dims op2_di = {1, 8, 8, 4}, op2_do = {1, 4, 4, 4};\n"),
      32);
  EXPECT_EQ(declaredDataBytes(
                "static const int32_t op3_m[] = {7};\nstatic const int32_t op3_s[] = {-9};\n"
                "static const tfk_channel_quant op3_q = {op3_m, op3_s, 1};\n"),
            4 + 4 + 12);
  // The constant arrays' style: a trailing comma, line breaks, INT32_MIN as an expression.
  EXPECT_EQ(declaredDataBytes(
                "static const int32_t k_t4[3] TF_ALIGN4 = {\n  1, (-2147483647 - 1), 3,\n};\n"),
            12);
  EXPECT_EQ(declaredDataBytes("static const int8_t e[] = {};\n"), 0);
  EXPECT_EQ(declaredDataBytes("int tf_model_invoke(void) { return 0; }"), 0);
}

TEST(CodeSize, LinkedBytesCountsEachReachableFunctionOnce) {
  CodeSizeTable t;
  t.functions["a"] = {100, {"helper@x.o", "memcpy"}};
  t.functions["b"] = {50, {"helper@x.o"}};
  t.functions["helper@x.o"] = {30, {"table@x.o"}};
  t.functions["table@x.o"] = {8, {}};
  t.functions["memcpy"] = {20, {}};
  t.functions["unused"] = {1000, {}};
  EXPECT_EQ(linkedBytes(t, {"a"}), 100 + 30 + 8 + 20);
  EXPECT_EQ(linkedBytes(t, {"a", "b"}), 100 + 50 + 30 + 8 + 20);  // the shared helper once
  EXPECT_EQ(linkedBytes(t, {"b", "b"}), 50 + 30 + 8);
  EXPECT_EQ(linkedBytes(t, {"not_a_function"}), 0);
  t.fixedBytes = 300;
  t.perCallBytes = 40;
  EXPECT_EQ(estimateLibraryFlash(t, CodeFootprint{{"b"}, 3, 1000}), 1000 + 88 + 300 + 120);
}

// The search's pass (constants named, not written out) sees what the full emission writes.
TEST(CodeSize, FootprintWithoutConstantsEqualsTheFullEmission) {
  std::mt19937 rng(11);
  std::vector<Graph> graphs;
  for (int i = 0; i < 4; ++i) graphs.push_back(test::randomMobileNetGraph(&rng, 20 + 10 * i));
  graphs.push_back(test::sparseFcGraph(&rng));
  const SearchSpace space = mcunetSpace(28, 28, 1, 10);
  std::mt19937_64 rng64(3);
  graphs.push_back(archToGraph(sampleArch(space, 0.35, 24, &rng64)).value());
  for (const std::string planner : {"best", "patch", "patch-recompute"}) {
    for (const Graph& g : graphs) {
      Result<PlannedModel> p = planModel(g, planner);
      ASSERT_TRUE(p.ok()) << p.error();
      Result<GeneratedModel> full = emitModelC(p.value());
      Result<CodeFootprint> quick = emitFootprint(p.value());
      ASSERT_TRUE(full.ok() && quick.ok());
      EXPECT_EQ(quick.value().functions, full.value().footprint.functions) << g.name;
      EXPECT_EQ(quick.value().calls, full.value().footprint.calls) << g.name;
      EXPECT_EQ(quick.value().dataBytes, full.value().footprint.dataBytes) << g.name;
      EXPECT_GE(quick.value().dataBytes, full.value().constantBytes / 2) << g.name;
      for (const std::string& f : quick.value().functions) {
        EXPECT_NE(full.value().source.find(f + "("), std::string::npos) << f;
      }
    }
  }
}

bool haveArmTools() { return haveTool("arm-none-eabi-gcc") && haveTool("qemu-system-arm"); }

#define TINYFORGE_REQUIRE_ARM_TOOLS()                                                        \
  do {                                                                                       \
    if (!haveArmTools()) {                                                                   \
      if (test::runningInCi()) FAIL() << "CI=true but arm-none-eabi-gcc or qemu is missing"; \
      GTEST_SKIP()                                                                           \
          << "arm-none-eabi-gcc / qemu-system-arm not installed (make test installs them)";  \
    }                                                                                        \
  } while (0)

// A table that no longer describes the kernels would mislead every flash estimate: this fails
// when a kernel changes and resources/codesize/ was not written again (bench/code_size_table).
TEST(CodeSize, TablesMatchTheKernelsAsCompiledNow) {
  TINYFORGE_REQUIRE_ARM_TOOLS();
  for (const auto& [core, device] : std::vector<std::pair<std::string, std::string>>{
           {"cortex-m4", "mps2-an386"}, {"cortex-m7", "mps2-an500"}, {"cortex-m0plus", "rp2040"}}) {
    Result<const CodeSizeTable*> table = codeSizeTable(core);
    ASSERT_TRUE(table.ok()) << table.error();
    Result<DeviceProfile> d = findDevice(device);
    ASSERT_TRUE(d.ok());
    const fs::path work = fs::temp_directory_path() / ("tinyforge_codesize_test_" + core);
    fs::remove_all(work);
    Result<CodeSizeTable> now = measureKernelCode(d.value(), work.string());
    fs::remove_all(work);
    ASSERT_TRUE(now.ok()) << now.error();
    EXPECT_GT(now.value().functions.size(), 20u);
    for (const auto& [name, f] : now.value().functions) {
      const auto it = table.value()->functions.find(name);
      ASSERT_NE(it, table.value()->functions.end())
          << core << ": " << name << " is not in resources/codesize/" << core
          << ".json (run bench/code_size_table)";
      EXPECT_EQ(it->second.bytes, f.bytes)
          << core << ": " << name << " (run bench/code_size_table)";
      EXPECT_EQ(it->second.calls, f.calls) << core << ": " << name;
    }
    EXPECT_EQ(table.value()->functions.size(), now.value().functions.size()) << core;
  }
}

// The search's flash figure for a TinyNAS candidate against its library as built.
TEST(CodeSize, SearchEstimateMatchesTheBuiltLibrary) {
  TINYFORGE_REQUIRE_ARM_TOOLS();
  const SearchSpace space = mcunetSpace(28, 28, 1, 10);
  std::mt19937_64 rng(5);
  const ArchSpec spec = sampleArch(space, 0.35, 20, &rng);
  DeviceBudget budget;
  budget.sramBytes = budget.flashBytes = 1 << 20;
  budget.core = "cortex-m7";
  Result<CandidateCost> cost = evaluateArch(spec, budget);
  ASSERT_TRUE(cost.ok()) << cost.error();
  ExportOptions o;
  o.device = "stm32f746";
  const fs::path dir = fs::temp_directory_path() / "tinyforge_codesize_tinynas";
  fs::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(archToGraph(spec).value(), o, dir.string());
  ASSERT_TRUE(e.ok()) << e.error();
  EXPECT_EQ(e.value().libraryFlashEstimate, cost.value().flashBytes);
  Result<VerifyReport> v = verifyFirmware(dir.string());
  fs::remove_all(dir);
  ASSERT_TRUE(v.ok()) << v.error();
  const int64_t measured = v.value().libraryFlashBytes,
                estimate = v.value().predictedLibraryFlashBytes;
  EXPECT_EQ(estimate, cost.value().flashBytes);
  EXPECT_GE(estimate, measured) << "the estimate must not promise flash the build does not keep";
  EXPECT_LE(estimate - measured, std::max<int64_t>(256, measured / 100)) << spec.name;
}

}  // namespace
}  // namespace tinyforge
