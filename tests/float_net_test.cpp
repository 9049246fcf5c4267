// Int8 conversion of a trained float network (no libtorch needed): TFLite's activation
// parameters, per-channel weights and biases, and a converted graph that computes what the
// float network computes, within quantization error.
#include "search/float_net.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "engine/executor.h"
#include "engine/validate.h"
#include "search/dataset.h"
#include "search/pruning.h"

namespace tinyforge {
namespace {

TEST(ActivationQuant, MatchesTfliteChoice) {
  const QuantParams relu6 = activationQuant(0.0f, 6.0f);
  EXPECT_FLOAT_EQ(relu6.scale[0], 6.0f / 255.0f);
  EXPECT_EQ(relu6.zeroPoint[0], -128);
  const QuantParams sym = activationQuant(-2.0f, 2.0f);
  EXPECT_NEAR(sym.scale[0], 4.0f / 255.0f, 1e-7);
  EXPECT_EQ(sym.zeroPoint[0], -1);  // -128 + 2 / (4/255) = -0.5, rounded half away from zero
}

// conv 3x3 (2 filters) -> global average pool -> fc 2, with weights chosen by hand.
FloatNet handNet() {
  FloatNet n;
  n.spec.name = "hand";
  n.spec.inputH = n.spec.inputW = 4;
  n.spec.inputC = 1;
  n.spec.classes = 2;
  LayerSpec conv;
  conv.type = LayerType::kConv;
  conv.out = 2;
  conv.kernel = 3;
  conv.activation = Activation::kRelu;
  LayerSpec pool;
  pool.type = LayerType::kGlobalPool;
  LayerSpec fc;
  fc.type = LayerType::kFullyConnected;
  fc.out = 2;
  fc.activation = Activation::kNone;
  n.spec.layers = {conv, pool, fc};
  FloatOp c;
  for (int o = 0; o < 2; ++o) {
    for (int k = 0; k < 9; ++k) c.weights.push_back(o == 0 ? 0.1f * float(k - 4) : 0.5f);
  }
  c.bias = {0.05f, -0.2f};
  c.outMin = 0;
  c.outMax = 4.0f;
  FloatOp p;
  p.outMin = 0;
  p.outMax = 4.0f;
  FloatOp r;  // reshape
  r.outMin = 0;
  r.outMax = 4.0f;
  FloatOp f;
  f.weights = {1.0f, -1.0f, -0.5f, 0.5f};
  f.bias = {0.1f, 0.0f};
  f.outMin = -4.0f;
  f.outMax = 4.0f;
  n.ops = {c, p, r, f};
  return n;
}

TEST(QuantizeFloatNet, PerChannelWeightsAndBiases) {
  Result<Graph> g = quantizeFloatNet(handNet());
  ASSERT_TRUE(g) << g.status().message();
  ASSERT_TRUE(validateGraph(g.value()));
  const Graph& graph = g.value();
  ASSERT_EQ(graph.ops.size(), 4u);
  const Tensor& w = graph.tensor(graph.ops[0].inputs[1]);
  ASSERT_EQ(w.quant.scale.size(), 2u);
  EXPECT_FLOAT_EQ(w.quant.scale[0], 0.4f / 127.0f);
  EXPECT_FLOAT_EQ(w.quant.scale[1], 0.5f / 127.0f);
  EXPECT_EQ(int8_t(w.data[0]), -127);  // -0.4 is the channel's largest magnitude
  EXPECT_EQ(int8_t(w.data[9]), 127);
  const Tensor& b = graph.tensor(graph.ops[0].inputs[2]);
  int32_t b1 = 0;
  std::memcpy(&b1, b.data.data() + 4, 4);
  EXPECT_EQ(b1, int32_t(std::lround(-0.2 / (double(kInputScale) * double(w.quant.scale[1])))));
  // Pooling and reshape keep their input's parameters (TFLite requires it).
  EXPECT_EQ(graph.tensor(graph.ops[1].outputs[0]).quant, graph.tensor(graph.ops[0].outputs[0]).quant);
  EXPECT_EQ(graph.tensor(graph.ops[3].inputs[1]).quant.scale.size(), 1u);  // fc: per tensor
}

TEST(QuantizeFloatNet, ComputesTheFloatNetwork) {
  const FloatNet n = handNet();
  Result<Graph> g = quantizeFloatNet(n);
  ASSERT_TRUE(g);
  // A 4x4 image; the float network by hand (SAME padding, stride 1).
  std::vector<float> img(16);
  std::vector<uint8_t> in(16);
  for (int i = 0; i < 16; ++i) {
    const int pixel = (i * 37) % 256;
    img[size_t(i)] = float(pixel) / 255.0f;
    in[size_t(i)] = uint8_t(int8_t(pixel - 128));
  }
  double mean[2] = {0, 0};
  for (int o = 0; o < 2; ++o) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        double acc = n.ops[0].bias[size_t(o)];
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            const int iy = y + ky - 1, ix = x + kx - 1;
            if (iy < 0 || iy >= 4 || ix < 0 || ix >= 4) continue;
            acc += img[size_t(iy * 4 + ix)] * n.ops[0].weights[size_t(o * 9 + ky * 3 + kx)];
          }
        }
        mean[o] += std::max(acc, 0.0) / 16.0;
      }
    }
  }
  const double logit0 = 1.0 * mean[0] - 1.0 * mean[1] + 0.1, logit1 = -0.5 * mean[0] + 0.5 * mean[1];
  Result<TensorValues> r = runGraph(g.value(), {in});
  ASSERT_TRUE(r);
  const Tensor& out = g.value().tensor(g.value().outputs[0]);
  const auto& bytes = r.value()[size_t(g.value().outputs[0])];
  const double q0 = double(out.scale()) * double(int8_t(bytes[0]) - out.zeroPoint());
  const double q1 = double(out.scale()) * double(int8_t(bytes[1]) - out.zeroPoint());
  EXPECT_NEAR(q0, logit0, 0.08);
  EXPECT_NEAR(q1, logit1, 0.08);
}

TEST(QuantizeFloatNet, MismatchedParametersAreAnError) {
  FloatNet n = handNet();
  n.ops[0].weights.pop_back();
  Result<Graph> g = quantizeFloatNet(n);
  ASSERT_FALSE(g);
  EXPECT_NE(g.status().message().find("op 0"), std::string::npos);
  n = handNet();
  n.ops.pop_back();
  EXPECT_FALSE(quantizeFloatNet(n));
}

TEST(Pruning, ChannelsAreReallyRemoved) {
  const FloatNet n = handNet();
  Result<FloatNet> slim = pruneChannels(n, {{0, 0.5}});
  ASSERT_TRUE(slim) << slim.status().message();
  EXPECT_EQ(slim.value().spec.layers[0].out, 1);
  EXPECT_EQ(slim.value().ops[0].weights, std::vector<float>(9, 0.5f));  // the stronger filter stays
  EXPECT_EQ(slim.value().ops[0].bias, std::vector<float>{-0.2f});
  EXPECT_EQ(slim.value().ops[3].weights, (std::vector<float>{-1.0f, 0.5f}));  // fc reads channel 1 only
  Result<Graph> g = quantizeFloatNet(slim.value());
  ASSERT_TRUE(g) << g.status().message();
  EXPECT_EQ(g.value().tensor(g.value().ops[0].inputs[1]).shape, (std::vector<int32_t>{1, 3, 3, 1}));
  EXPECT_EQ(g.value().tensor(g.value().ops[3].inputs[1]).shape, (std::vector<int32_t>{2, 1}));
  EXPECT_FALSE(pruneChannels(n, {{1, 0.5}}));  // a pooling layer has no channels to prune
  EXPECT_FALSE(pruneChannels(n, {{0, 0.0}}));
}

TEST(Pruning, MagnitudeReachesTheSparsityAndKeepsAMask) {
  FloatNet n = handNet();
  ASSERT_TRUE(pruneMagnitude(&n, 0, 0.5));
  EXPECT_NEAR(weightSparsity(n, 0), 0.5, 1.0 / 18);
  EXPECT_EQ(n.ops[0].mask.size(), n.ops[0].weights.size());
  for (size_t i = 0; i < n.ops[0].weights.size(); ++i) {
    EXPECT_EQ(n.ops[0].mask[i] == 0, n.ops[0].weights[i] == 0.0f);
  }
  EXPECT_FALSE(pruneMagnitude(&n, 1, 0.5));  // pooling: no weights
  EXPECT_DOUBLE_EQ(sparsitySchedule(0.8, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(sparsitySchedule(0.8, 1.0), 0.8);
  EXPECT_GT(sparsitySchedule(0.8, 0.5), 0.4);  // front-loaded, as Zhu & Gupta
}

}  // namespace
}  // namespace tinyforge
