#include <gtest/gtest.h>

#include <cstring>

#include "engine/executor.h"
#include "engine/graph.h"
#include "engine/graph_json.h"
#include "engine/model_summary.h"
#include "engine/validate.h"

namespace tinyforge {
namespace {

Tensor activation(const std::string& name, std::vector<int32_t> shape, float scale, int64_t zp) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.quant.scale = {scale};
  t.quant.zeroPoint = {zp};
  return t;
}

template <typename T>
Tensor constant(const std::string& name, std::vector<int32_t> shape, DType type,
                const std::vector<T>& values) {
  Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.type = type;
  t.isConstant = true;
  t.data.resize(values.size() * sizeof(T));
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

// input [1,2,2,1] -> CONV_2D 1x1 (2 filters, per-channel) -> [1,2,2,2] -> RESHAPE -> [1,8]
Graph smallConvGraph() {
  Graph g;
  g.name = "small";
  g.tensors.push_back(activation("in", {1, 2, 2, 1}, 0.5f, 0));
  Tensor w = constant<int8_t>("w", {2, 1, 1, 1}, DType::kInt8, {1, -2});
  w.quant.scale = {1.0f, 0.5f};
  w.quant.zeroPoint = {0, 0};
  g.tensors.push_back(w);
  g.tensors.push_back(constant<int32_t>("b", {2}, DType::kInt32, {1, 0}));
  g.tensors.push_back(activation("conv", {1, 2, 2, 2}, 0.5f, 0));
  g.tensors.push_back(activation("flat", {1, 8}, 0.5f, 0));
  Op conv;
  conv.kind = OpKind::kConv2D;
  conv.name = "conv";
  conv.inputs = {0, 1, 2};
  conv.outputs = {3};
  g.ops.push_back(conv);
  Op reshape;
  reshape.kind = OpKind::kReshape;
  reshape.name = "flat";
  reshape.inputs = {3};
  reshape.outputs = {4};
  g.ops.push_back(reshape);
  g.inputs = {0};
  g.outputs = {4};
  return g;
}

TEST(Graph, OpKindNamesRoundTrip) {
  OpKind k;
  ASSERT_TRUE(opKindFromName("CONV_2D", &k));
  EXPECT_EQ(k, OpKind::kConv2D);
  EXPECT_STREQ(opKindName(OpKind::kDepthwiseConv2D), "DEPTHWISE_CONV_2D");
  EXPECT_FALSE(opKindFromName("LSTM", &k));
}

TEST(Graph, TensorSizes) {
  Tensor t;
  t.shape = {1, 4, 4, 3};
  t.type = DType::kInt32;
  EXPECT_EQ(t.elementCount(), 48);
  EXPECT_EQ(t.byteSize(), 192);
  EXPECT_EQ(shapeString(t.shape), "[1,4,4,3]");
}

TEST(GraphValidate, AcceptsAWellFormedGraph) {
  const Status s = validateGraph(smallConvGraph());
  EXPECT_TRUE(s.isOk()) << s.message();
}

TEST(GraphValidate, ErrorsNameTheOpAndTheValue) {
  Graph g = smallConvGraph();
  g.tensors[3].shape = {1, 2, 2, 3};
  Status s = validateGraph(g);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("CONV_2D 'conv'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("[1,2,2,3]"), std::string::npos) << s.message();

  g = smallConvGraph();
  g.tensors[1].quant.zeroPoint = {0, 3};
  s = validateGraph(g);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("zero point 3"), std::string::npos) << s.message();

  g = smallConvGraph();
  g.tensors[2].data.pop_back();
  s = validateGraph(g);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("'b'"), std::string::npos) << s.message();
}

TEST(GraphValidate, RejectsUseBeforeDefinitionAndCycles) {
  Graph g = smallConvGraph();
  std::swap(g.ops[0], g.ops[1]);
  Status s = validateGraph(g);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("not produced before"), std::string::npos) << s.message();

  g = smallConvGraph();
  g.ops[0].inputs[0] = 3;  // consumes its own output
  s = validateGraph(g);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("op 0"), std::string::npos) << s.message();
}

TEST(GraphValidate, RejectsHugeAndBadShapes) {
  Graph g = smallConvGraph();
  g.tensors[4].shape = {65536, 65536, 65536};
  EXPECT_FALSE(validateGraph(g).isOk());
  g.tensors[4].shape = {1, -8};
  const Status s = validateGraph(g);
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("dimension -8"), std::string::npos) << s.message();
}

TEST(GraphJson, RoundTripIsIdentical) {
  const Graph g = smallConvGraph();
  const std::string text = graphToJson(g).dump(1);
  Result<Graph> back = graphFromJson(nlohmann::json::parse(text));
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_TRUE(back.value() == g);
  nlohmann::json broken = graphToJson(g);
  broken["ops"][0]["kind"] = "LSTM";
  EXPECT_FALSE(graphFromJson(broken).ok());
  broken = graphToJson(g);
  broken["tensors"][1]["data"] = "!!!!";
  EXPECT_FALSE(graphFromJson(broken).ok());
}

TEST(Executor, RunsASmallGraphWithExpectedValues) {
  const Graph g = smallConvGraph();
  // x real = 0.5 * q. Filter 0: w=1 (scale 1) bias 1 -> acc = q + 1, M = 0.5*1/0.5 = 1.
  // Filter 1: w=-2 (scale 0.5) -> acc = -2q, M = 0.5*0.5/0.5 = 0.5 -> -q.
  const std::vector<uint8_t> in = {uint8_t(3), uint8_t(-4), uint8_t(10), uint8_t(0)};
  Result<TensorValues> r = runGraph(g, {in});
  ASSERT_TRUE(r.ok()) << r.error();
  const std::vector<uint8_t>& out = r.value()[4];
  const std::vector<int8_t> expected = {4, -3, -3, 4, 11, -10, 1, 0};
  ASSERT_EQ(out.size(), expected.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(int8_t(out[i]), expected[i]) << i;
}

TEST(Executor, RejectsWrongInputSize) {
  Result<TensorValues> r = runGraph(smallConvGraph(), {{1, 2, 3}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("needs 4 bytes"), std::string::npos) << r.error();
}

TEST(ModelSummary, CountsMacsAndWeights) {
  const ModelSummary s = summarizeModel(smallConvGraph());
  ASSERT_EQ(s.layers.size(), 2u);
  EXPECT_EQ(s.layers[0].macs, 8);  // 4 pixels x 2 filters x 1 tap
  EXPECT_EQ(s.layers[0].weightBytes, 2 + 8);
  EXPECT_EQ(s.totalMacs, 8);
  EXPECT_NE(formatSummaryTable(s).find("CONV_2D"), std::string::npos);
}

}  // namespace
}  // namespace tinyforge
