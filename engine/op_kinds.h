// The one list of operator kinds the engine implements (LOGISTIC and HARD_SWISH are not yet:
// the importer names them as unsupported). Adding an op: add a line here and one file in engine/ops/.
//
//   X(Enum, "display name", tflite builtin code)
#pragma once

#define TINYFORGE_OP_KINDS(X)                         \
  X(Add, "ADD", 0)                                    \
  X(AveragePool2D, "AVERAGE_POOL_2D", 1)              \
  X(Concatenation, "CONCATENATION", 2)                \
  X(Conv2D, "CONV_2D", 3)                             \
  X(DepthwiseConv2D, "DEPTHWISE_CONV_2D", 4)          \
  X(Dequantize, "DEQUANTIZE", 6)                      \
  X(FullyConnected, "FULLY_CONNECTED", 9)             \
  X(MaxPool2D, "MAX_POOL_2D", 17)                     \
  X(Mul, "MUL", 18)                                   \
  X(Reshape, "RESHAPE", 22)                           \
  X(Softmax, "SOFTMAX", 25)                           \
  X(Pad, "PAD", 34)                                   \
  X(Transpose, "TRANSPOSE", 39)                       \
  X(Mean, "MEAN", 40)                                 \
  X(ResizeNearestNeighbor, "RESIZE_NEAREST_NEIGHBOR", 97) \
  X(Quantize, "QUANTIZE", 114)
