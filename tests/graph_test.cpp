#include <gtest/gtest.h>

#include "engine/graph.h"

namespace tinyforge {
namespace {

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

}  // namespace
}  // namespace tinyforge
