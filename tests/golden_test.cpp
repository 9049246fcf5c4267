// Every model in ../shared/models against TFLM's reference outputs in ../shared/golden:
// every dumped tensor must match byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/executor.h"
#include "engine/graph_json.h"
#include "engine/io/tflite_import.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

using test::readFileBytes;
using test::sharedDir;

// The golden README's splitmix64 input generator.
std::vector<uint8_t> splitmixInt8(uint64_t seed, size_t n) {
  std::vector<uint8_t> out(n);
  uint64_t state = seed;
  for (size_t i = 0; i < n; ++i) {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    out[i] = uint8_t((z ^ (z >> 31)) & 0xFF);
  }
  return out;
}

nlohmann::json readManifest(const std::string& stem) {
  std::ifstream in(sharedDir() / "golden" / stem / "manifest.json");
  return nlohmann::json::parse(in);
}

// First mismatch as "op 3 CONV_2D, tensor 7 'name', byte 12: got 5, expected 6".
std::string compareCase(const Graph& g, const nlohmann::json& manifest, const nlohmann::json& c,
                        const TensorValues& values, int* compared) {
  const auto base = sharedDir() / "golden" / manifest["model"].get<std::string>().substr(
                                                 0, manifest["model"].get<std::string>().size() - 7);
  for (const auto& t : c["tensors"]) {
    const auto index = t["index"].get<size_t>();
    const std::vector<uint8_t> expected = readFileBytes(base / t["file"].get<std::string>());
    const std::vector<uint8_t>& got = values.at(index);
    const int producer = t["producer_op"].get<int>();
    const std::string where =
        (producer >= 0 ? "op " + std::to_string(producer) + " " +
                             opKindName(g.ops[size_t(producer)].kind)
                       : std::string("model input")) +
        ", tensor " + std::to_string(index) + " '" + t["name"].get<std::string>() + "'";
    if (got.size() != expected.size()) {
      return where + ": " + std::to_string(got.size()) + " bytes, expected " +
             std::to_string(expected.size());
    }
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != expected[i]) {
        return where + ", byte " + std::to_string(i) + ": got " + std::to_string(int8_t(got[i])) +
               ", expected " + std::to_string(int8_t(expected[i]));
      }
    }
    ++*compared;
  }
  return "";
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, EveryTensorMatchesTflmReference) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string stem = GetParam();
  Result<Graph> graph = importTfliteFile((sharedDir() / "models" / (stem + ".tflite")).string());
  ASSERT_TRUE(graph.ok()) << graph.error();
  const Graph& g = graph.value();
  const nlohmann::json manifest = readManifest(stem);
  ASSERT_EQ(manifest["operators"].size(), g.ops.size());
  for (const auto& c : manifest["cases"]) {
    SCOPED_TRACE("case " + c["name"].get<std::string>());
    std::vector<std::vector<uint8_t>> inputs;
    for (const auto& idx : manifest["subgraph_inputs"]) {
      for (const auto& t : c["tensors"]) {
        if (t["index"] == idx) {
          inputs.push_back(readFileBytes(sharedDir() / "golden" / stem / t["file"].get<std::string>()));
        }
      }
    }
    ASSERT_EQ(inputs.size(), g.inputs.size());
    if (c["input"].value("kind", "") == "prng" && g.tensor(g.inputs[0]).type == DType::kInt8) {
      EXPECT_EQ(inputs[0], splitmixInt8(c["input"]["seed"].get<uint64_t>(), inputs[0].size()))
          << "the splitmix64 generator does not reproduce the golden input";
    }
    Result<TensorValues> values = runGraph(g, inputs);
    ASSERT_TRUE(values.ok()) << values.error();
    int compared = 0;
    const std::string mismatch = compareCase(g, manifest, c, values.value(), &compared);
    EXPECT_EQ(mismatch, "") << stem;
    EXPECT_EQ(size_t(compared), c["tensors"].size());
  }
}

TEST_P(GoldenTest, JsonRoundTripGivesTheSameGraph) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string stem = GetParam();
  Result<Graph> graph = importTfliteFile((sharedDir() / "models" / (stem + ".tflite")).string());
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
