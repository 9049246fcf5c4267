// The .tflite importer: real models import; hostile files give one-line errors, never crashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "engine/io/tflite_import.h"
#include "tests/golden_data.h"
#include "tests/shared_data.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

// A one-op FULLY_CONNECTED model: input [1,4] -> weights [2,4] + bias [2] -> output [1,2].
struct ModelSpec {
  std::vector<int32_t> inputShape = {1, 4};
  std::vector<int32_t> weightShape = {2, 4};
  size_t weightBytes = 8;
  uint32_t weightBuffer = 1;
  std::vector<int32_t> opInputs = {0, 1, 2};
  std::vector<int32_t> opOutputs = {3};
  std::vector<int32_t> graphOutputs = {3};
  int32_t opcode = 9;  // FULLY_CONNECTED
  uint32_t opcodeIndex = 0;
  bool withSubgraph = true;
  tflite::TensorType inputType = tflite::TensorType::INT8;
};

std::vector<uint8_t> buildModel(const ModelSpec& m) {
  flatbuffers::FlatBufferBuilder b;
  auto quant = [&](float scale) {
    return tflite::CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{scale}),
                                                b.CreateVector(std::vector<int64_t>{0}));
  };
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors = {
      tflite::CreateTensor(b, b.CreateVector(m.inputShape), m.inputType, 0, b.CreateString("in"), quant(0.5f)),
      tflite::CreateTensor(b, b.CreateVector(m.weightShape), tflite::TensorType::INT8, m.weightBuffer,
                           b.CreateString("w"), quant(0.25f)),
      tflite::CreateTensor(b, b.CreateVector(std::vector<int32_t>{2}), tflite::TensorType::INT32, 2,
                           b.CreateString("b")),
      tflite::CreateTensor(b, b.CreateVector(std::vector<int32_t>{1, 2}), tflite::TensorType::INT8, 0,
                           b.CreateString("out"), quant(1.0f))};
  std::vector<flatbuffers::Offset<tflite::Operator>> ops = {tflite::CreateOperator(
      b, m.opcodeIndex, b.CreateVector(m.opInputs), b.CreateVector(m.opOutputs),
      tflite::BuiltinOptions::FullyConnectedOptions, tflite::CreateFullyConnectedOptions(b).Union())};
  std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
  if (m.withSubgraph) {
    subgraphs.push_back(tflite::CreateSubGraph(b, b.CreateVector(tensors),
                                               b.CreateVector(std::vector<int32_t>{0}),
                                               b.CreateVector(m.graphOutputs), b.CreateVector(ops)));
  }
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {
      tflite::CreateBuffer(b), tflite::CreateBuffer(b, b.CreateVector(std::vector<uint8_t>(m.weightBytes, 1))),
      tflite::CreateBuffer(b, b.CreateVector(std::vector<uint8_t>(8, 0)))};
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes = {
      tflite::CreateOperatorCode(b, int8_t(std::min(m.opcode, 127)), 0, 1, m.opcode)};
  auto model = tflite::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(subgraphs),
                                   b.CreateString("test"), b.CreateVector(buffers));
  tflite::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// The import fails with a single line that contains `fragment`.
void expectError(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  Result<Graph> g = importTflite(bytes);
  ASSERT_FALSE(g.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(g.error().find(fragment), std::string::npos) << g.error();
  EXPECT_EQ(g.error().find('\n'), std::string::npos) << g.error();
}

TEST(TfliteImport, BuiltModelImports) {
  Result<Graph> g = importTflite(buildModel({}));
  ASSERT_TRUE(g.ok()) << g.error();
  ASSERT_EQ(g.value().ops.size(), 1u);
  EXPECT_EQ(g.value().ops[0].kind, OpKind::kFullyConnected);
  EXPECT_EQ(g.value().ops[0].name, "out");
  EXPECT_TRUE(g.value().tensor(1).isConstant);
  EXPECT_EQ(g.value().description, "test");
}

TEST(TfliteImport, HostileStructureGivesOneLineErrors) {
  ModelSpec m;
  m.inputShape = {65536, 65536, 65536, 4};
  expectError(buildModel(m), "1 GiB");
  m = {};
  m.inputShape = {1, -4};
  expectError(buildModel(m), "dimension -4");
  m = {};
  m.weightBytes = 7;
  expectError(buildModel(m), "needs 8");
  m = {};
  m.weightBuffer = 99;
  expectError(buildModel(m), "buffer index 99 out of range");
  m = {};
  m.opInputs = {0, 77, 2};
  expectError(buildModel(m), "refers to tensor 77");
  m = {};
  m.opOutputs = {3};
  m.opInputs = {3, 1, 2};  // reads its own output: a cycle
  expectError(buildModel(m), "not produced before");
  m = {};
  m.graphOutputs = {12};
  expectError(buildModel(m), "graph output refers to tensor 12");
  m = {};
  m.opcode = 14;  // LOGISTIC
  expectError(buildModel(m), "unsupported operator LOGISTIC");
  m = {};
  m.opcode = 150;
  expectError(buildModel(m), "builtin code 150");
  m = {};
  m.opcodeIndex = 5;
  expectError(buildModel(m), "opcode index 5 out of range");
  m = {};
  m.withSubgraph = false;
  expectError(buildModel(m), "no subgraphs");
  m = {};
  m.inputType = tflite::TensorType::COMPLEX64;
  expectError(buildModel(m), "unsupported tensor type");
  m = {};
  m.inputShape = {1, 5};  // FC depth 4 does not divide 5
  expectError(buildModel(m), "FULLY_CONNECTED 'out'");
}

TEST(TfliteImport, DamagedBytesGiveOneLineErrors) {
  const std::vector<uint8_t> good = buildModel({});
  expectError({}, "empty file");
  expectError({1, 2, 3}, "too small");
  std::vector<uint8_t> notTflite(64, 'x');
  expectError(notTflite, "not a .tflite file (identifier 'xxxx'");
  for (size_t cut : {good.size() / 2, good.size() - 1, size_t(12)}) {
    expectError(std::vector<uint8_t>(good.begin(), good.begin() + long(cut)), "");
  }
  std::vector<uint8_t> badRoot = good;
  badRoot[0] = 0xF0;  // root offset far beyond the end
  badRoot[1] = 0xFF;
  expectError(badRoot, "verifier");
}

TEST(TfliteImport, MissingFileAndDirectoryAreErrors) {
  Result<Graph> g = importTfliteFile("/nonexistent/model.tflite");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "no such file");
  g = importTfliteFile(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "not a regular file");
}

TEST(TfliteImport, EveryBitFlipOfASmallModelIsHandled) {
  const std::vector<uint8_t> good = buildModel({});
  int rejected = 0;
  for (size_t i = 0; i < good.size(); ++i) {
    std::vector<uint8_t> bad = good;
    bad[i] ^= uint8_t(1u << (i % 8));
    Result<Graph> g = importTflite(bad);
    if (!g.ok()) {
      ++rejected;
      EXPECT_FALSE(g.error().empty());
    }
  }
  EXPECT_GT(rejected, 0);
}

TEST(TfliteImportModels, EveryModelImportsWithTheManifestOps) {
  TINYFORGE_REQUIRE_SHARED();
  for (const std::string& stem : test::sharedModelStems()) {
    SCOPED_TRACE(stem);
    Result<Graph> g = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
    ASSERT_TRUE(g.ok()) << g.error();
    const nlohmann::json manifest = test::readManifest(stem);
    ASSERT_EQ(g.value().ops.size(), manifest["operators"].size());
    for (const auto& op : manifest["operators"]) {
      const auto i = op["index"].get<size_t>();
      EXPECT_STREQ(opKindName(g.value().ops[i].kind), op["op"].get<std::string>().c_str());
      EXPECT_EQ(g.value().ops[i].inputs, op["inputs"].get<std::vector<TensorId>>());
      EXPECT_EQ(g.value().ops[i].outputs, op["outputs"].get<std::vector<TensorId>>());
    }
    for (const auto& t : manifest["cases"][0]["tensors"]) {
      const Tensor& tensor = g.value().tensor(t["index"].get<TensorId>());
      EXPECT_EQ(tensor.shape, t["shape"].get<std::vector<int32_t>>());
      EXPECT_EQ(tensor.name, t["name"].get<std::string>());
      if (t.contains("scale")) {
        EXPECT_FLOAT_EQ(tensor.scale(), t["scale"].get<float>());
        EXPECT_EQ(tensor.zeroPoint(), t["zero_point"].get<int32_t>());
      }
    }
    EXPECT_EQ(g.value().inputs, manifest["subgraph_inputs"].get<std::vector<TensorId>>());
    EXPECT_EQ(g.value().outputs, manifest["subgraph_outputs"].get<std::vector<TensorId>>());
  }
}

}  // namespace
}  // namespace tinyforge
