// The .tflite importer: real models import; hostile files give one-line errors, never crashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/io/tflite_import.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

// A one-op FULLY_CONNECTED model: input [1,4] -> weights [2,4] + bias [2] -> output [1,2].
struct ModelSpec {
  std::vector<int32_t> inputShape = {1, 4};
  std::vector<int32_t> weightShape = {2, 4};
  size_t weightBytes = 8;
  uint32_t weightBuffer = 1;
  uint64_t weightBufferOffset = 0;  // > 1: the >2 GB external form
  std::vector<int32_t> opInputs = {0, 1, 2};
  std::vector<int32_t> opOutputs = {3};
  std::vector<int32_t> graphInputs = {0};
  std::vector<int32_t> graphOutputs = {3};
  int32_t opcode = 9;  // FULLY_CONNECTED
  uint32_t opcodeIndex = 0;
  bool withSubgraph = true;
  tflite::TensorType inputType = tflite::TensorType::INT8;
  tflite::ActivationFunctionType activation = tflite::ActivationFunctionType::NONE;
  tflite::BuiltinOptions optionsType = tflite::BuiltinOptions::FullyConnectedOptions;
  bool keepNumDims = false;
};

std::vector<uint8_t> finish(flatbuffers::FlatBufferBuilder* b,
                            flatbuffers::Offset<tflite::Model> model) {
  tflite::FinishModelBuffer(*b, model);
  return std::vector<uint8_t>(b->GetBufferPointer(), b->GetBufferPointer() + b->GetSize());
}

std::vector<uint8_t> buildModel(const ModelSpec& m) {
  flatbuffers::FlatBufferBuilder b;
  auto quant = [&](float scale) {
    return tflite::CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{scale}),
                                                b.CreateVector(std::vector<int64_t>{0}));
  };
  auto tensor = [&](const std::vector<int32_t>& shape, tflite::TensorType type, uint32_t buffer,
                    const char* name, flatbuffers::Offset<tflite::QuantizationParameters> q) {
    return tflite::CreateTensor(b, b.CreateVector(shape), type, buffer, b.CreateString(name), q);
  };
  const auto i8 = tflite::TensorType::INT8;
  std::vector<flatbuffers::Offset<tflite::Tensor>> tensors = {
      tensor(m.inputShape, m.inputType, 0, "in", quant(0.5f)),
      tensor(m.weightShape, i8, m.weightBuffer, "w", quant(0.25f)),
      tensor({2}, tflite::TensorType::INT32, 2, "b", 0), tensor({1, 2}, i8, 0, "out", quant(1.0f))};
  const auto options = tflite::CreateFullyConnectedOptions(b, m.activation, 0, m.keepNumDims);
  std::vector<flatbuffers::Offset<tflite::Operator>> ops = {
      tflite::CreateOperator(b, m.opcodeIndex, b.CreateVector(m.opInputs),
                             b.CreateVector(m.opOutputs), m.optionsType, options.Union())};
  std::vector<flatbuffers::Offset<tflite::SubGraph>> subgraphs;
  if (m.withSubgraph) {
    subgraphs.push_back(tflite::CreateSubGraph(b, b.CreateVector(tensors),
                                               b.CreateVector(m.graphInputs),
                                               b.CreateVector(m.graphOutputs), b.CreateVector(ops)));
  }
  const auto weights = b.CreateVector(std::vector<uint8_t>(m.weightBytes, 1));
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {
      tflite::CreateBuffer(b), tflite::CreateBuffer(b, weights, m.weightBufferOffset),
      tflite::CreateBuffer(b, b.CreateVector(std::vector<uint8_t>(8, 0)))};
  std::vector<flatbuffers::Offset<tflite::OperatorCode>> codes = {
      tflite::CreateOperatorCode(b, int8_t(std::min(m.opcode, 127)), 0, 1, m.opcode)};
  return finish(&b, tflite::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(subgraphs),
                                        b.CreateString("test"), b.CreateVector(buffers)));
}

// A small file whose tensor vector names one 64 KiB constant tensor `copies` times.
std::vector<uint8_t> buildSharedTensorModel(size_t copies) {
  flatbuffers::FlatBufferBuilder b;
  const auto big = tflite::CreateTensor(b, b.CreateVector(std::vector<int32_t>{65536}),
                                        tflite::TensorType::INT8, 1, b.CreateString("big"));
  const std::vector<flatbuffers::Offset<tflite::Tensor>> tensors(copies, big);
  const auto sg = tflite::CreateSubGraph(b, b.CreateVector(tensors));
  std::vector<flatbuffers::Offset<tflite::Buffer>> buffers = {
      tflite::CreateBuffer(b), tflite::CreateBuffer(b, b.CreateVector(std::vector<uint8_t>(65536)))};
  return finish(&b, tflite::CreateModel(b, 3, 0, b.CreateVector(std::vector{sg}), 0,
                                        b.CreateVector(buffers)));
}

// The import fails with a single line that contains `fragment`.
void expectError(const std::vector<uint8_t>& bytes, const std::string& fragment) {
  Result<Graph> g = importTflite(bytes);
  ASSERT_FALSE(g.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_NE(g.error().find(fragment), std::string::npos) << g.error();
  EXPECT_EQ(g.error().find('\n'), std::string::npos) << g.error();
}

TEST(TfliteImport, BuiltModelImports) {
  ModelSpec m;
  m.keepNumDims = true;
  m.activation = tflite::ActivationFunctionType::RELU_N1_TO_1;
  Result<Graph> g = importTflite(buildModel(m), "tiny");
  ASSERT_TRUE(g.ok()) << g.error();
  ASSERT_EQ(g.value().ops.size(), 1u);
  EXPECT_EQ(g.value().name, "tiny");
  EXPECT_EQ(g.value().ops[0].kind, OpKind::kFullyConnected);
  EXPECT_EQ(g.value().ops[0].name, "out");
  EXPECT_TRUE(g.value().ops[0].params.keepDims);
  EXPECT_EQ(g.value().ops[0].params.activation, Activation::kReluN1To1);
  EXPECT_TRUE(g.value().tensor(1).isConstant);
  EXPECT_FALSE(g.value().tensor(3).isConstant);
  EXPECT_EQ(g.value().tensor(1).data, std::vector<uint8_t>(8, 1));
  EXPECT_EQ(g.value().tensor(0).quant.scale, std::vector<float>{0.5f});
  EXPECT_EQ(g.value().description, "test");
}

TEST(TfliteImport, OptionalInputMinusOneIsKept) {
  ModelSpec m;
  m.opInputs = {0, 1, -1};  // FULLY_CONNECTED without bias
  Result<Graph> g = importTflite(buildModel(m));
  ASSERT_TRUE(g.ok()) << g.error();
  EXPECT_EQ(g.value().ops[0].inputs, (std::vector<TensorId>{0, 1, kNoTensor}));
}

TEST(TfliteImport, HostileStructureGivesOneLineErrors) {
  // Each case changes one thing of the valid model.
  const std::vector<std::pair<void (*)(ModelSpec*), const char*>> cases = {
      {[](ModelSpec* m) { m->inputShape = {65536, 65536, 65536, 4}; }, "1 GiB tensor limit"},
      {[](ModelSpec* m) { m->inputShape = {1, -4}; }, "tensor 0 'in': dimension -4 in shape"},
      {[](ModelSpec* m) { m->inputShape = {1, 1, 1, 1, 1, 1, 4}; }, "'in': rank 7, at most 6"},
      {[](ModelSpec* m) { m->weightBytes = 7; }, "buffer has 7 bytes, shape [2,4] int8 needs 8"},
      {[](ModelSpec* m) { m->weightBuffer = 99; }, "buffer index 99 out of range (3 buffers)"},
      {[](ModelSpec* m) { m->weightBufferOffset = uint64_t(3) << 31; }, ">2 GB external offset"},
      {[](ModelSpec* m) { m->opInputs = {0, 77, 2}; }, "input refers to tensor 77"},
      {[](ModelSpec* m) { m->opOutputs = {-1}; }, "output refers to tensor -1"},
      {[](ModelSpec* m) { m->opOutputs = {}; }, "FULLY_CONNECTED: no outputs"},
      {[](ModelSpec* m) { m->opInputs = {3, 1, 2}; }, "not produced before"},  // reads its output
      {[](ModelSpec* m) { m->graphInputs = {4}; }, "graph input refers to tensor 4"},
      {[](ModelSpec* m) { m->graphOutputs = {12}; }, "graph output refers to tensor 12"},
      {[](ModelSpec* m) { m->opcode = 14; }, "unsupported operator LOGISTIC (builtin code 14) at op 0"},
      {[](ModelSpec* m) { m->opcode = 117; }, "unsupported operator HARD_SWISH"},
      {[](ModelSpec* m) { m->opcode = 32; }, "unsupported operator CUSTOM"},
      {[](ModelSpec* m) { m->opcode = 150; }, "builtin code 150"},
      {[](ModelSpec* m) { m->opcodeIndex = 5; }, "opcode index 5 out of range (1 operator codes)"},
      {[](ModelSpec* m) { m->withSubgraph = false; }, "no subgraphs"},
      {[](ModelSpec* m) { m->inputType = tflite::TensorType::COMPLEX64; }, "type COMPLEX64"},
      {[](ModelSpec* m) { m->inputType = tflite::TensorType::FLOAT16; }, "'in': unsupported tensor"},
      {[](ModelSpec* m) { m->activation = tflite::ActivationFunctionType::TANH; },
       "op 0 FULLY_CONNECTED: unsupported fused activation TANH"},
      {[](ModelSpec* m) { m->activation = tflite::ActivationFunctionType::SIGN_BIT; }, "SIGN_BIT"},
      {[](ModelSpec* m) { m->optionsType = tflite::BuiltinOptions::Conv2DOptions; },
       "options table of type 1, expected 8"},
      {[](ModelSpec* m) { m->inputShape = {1, 5}; }, "FULLY_CONNECTED 'out'"},  // 5 % depth 4
  };
  for (const auto& [change, fragment] : cases) {
    SCOPED_TRACE(fragment);
    ModelSpec m;
    change(&m);
    expectError(buildModel(m), fragment);
  }
}

TEST(TfliteImport, SharedTablesCannotMultiplyMemory) {
  const std::vector<uint8_t> bytes = buildSharedTensorModel(20000);  // 1.3 GB if copied
  ASSERT_LT(bytes.size(), 200000u);
  expectError(bytes, "import needs more than");
}

TEST(TfliteImport, DamagedBytesGiveOneLineErrors) {
  const std::vector<uint8_t> good = buildModel({});
  expectError({}, "empty file");
  expectError({1, 2, 3}, "too small");
  std::vector<uint8_t> notTflite(64, 'x');
  expectError(notTflite, "not a .tflite file (identifier 'xxxx'");
  for (size_t cut : {good.size() / 2, good.size() - 1, size_t(12)}) {
    expectError(std::vector<uint8_t>(good.begin(), good.begin() + long(cut)), "verifier");
  }
  std::vector<uint8_t> badRoot = good;
  badRoot[0] = 0xF0;  // root offset far beyond the end
  badRoot[1] = 0xFF;
  expectError(badRoot, "verifier");
}

TEST(TfliteImport, MissingEmptyAndDirectoryFilesAreErrors) {
  Result<Graph> g = importTfliteFile("/nonexistent/model.tflite");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "no such file");
  g = importTfliteFile(std::filesystem::temp_directory_path().string());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "not a regular file");
  const auto empty = std::filesystem::temp_directory_path() / "tinyforge_import_empty.tflite";
  std::ofstream(empty).close();
  g = importTfliteFile(empty.string());
  std::filesystem::remove(empty);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.error(), "empty file");
}

TEST(TfliteImport, EveryBitFlipOfASmallModelIsHandled) {
  const std::vector<uint8_t> good = buildModel({});
  int rejected = 0;
  for (size_t i = 0; i < good.size() * 8; ++i) {
    std::vector<uint8_t> bad = good;
    bad[i / 8] ^= uint8_t(1u << (i % 8));
    Result<Graph> g = importTflite(bad);
    if (!g.ok()) {
      ++rejected;
      EXPECT_FALSE(g.error().empty());
      EXPECT_EQ(g.error().find('\n'), std::string::npos) << g.error();
    }
  }
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace tinyforge
