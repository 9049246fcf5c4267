// The .tflite writer: every real model written and read back gives the identical graph (and so
// identical outputs); graphs TFLite cannot express are refused.
#include <gtest/gtest.h>

#include "engine/io/tflite_export.h"
#include "engine/io/tflite_import.h"
#include "engine/passes/fuse_pad.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

TEST(TfliteExport, EveryModelRoundTripsToAnIdenticalGraph) {
  TINYFORGE_REQUIRE_SHARED();
  for (const std::string& stem : test::sharedModelStems()) {
    SCOPED_TRACE(stem);
    Result<Graph> g = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
    ASSERT_TRUE(g.ok()) << g.error();
    Result<std::vector<uint8_t>> bytes = exportTflite(g.value());
    ASSERT_TRUE(bytes.ok()) << bytes.error();
    Result<Graph> back = importTflite(bytes.value(), g.value().name);
    ASSERT_TRUE(back.ok()) << back.error();
    EXPECT_TRUE(back.value() == g.value());
    // Written twice, the bytes are the same (deterministic output).
    EXPECT_EQ(exportTflite(g.value()).value(), bytes.value());
  }
}

TEST(TfliteExport, FusedPaddingIsRefused) {
  TINYFORGE_REQUIRE_SHARED();
  Result<Graph> g = importTfliteFile(
      (test::sharedDir() / "models/tflm_xtensa_mobilenet_v2_quantized_1x3x224x224.tflite").string());
  ASSERT_TRUE(g.ok());
  const Graph fused = fusePadIntoConv(g.value()).graph;
  Result<std::vector<uint8_t>> bytes = exportTflite(fused);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.error().find("padding fused"), std::string::npos) << bytes.error();
}

}  // namespace
}  // namespace tinyforge
