// The int8 graph IR: tensors, ops, a graph with inputs and outputs.
//
//   Graph g = ...;                      // from importTflite() or built by hand
//   Status s = validateGraph(g);        // names the op and the value on error
//   nlohmann::json j = graphToJson(g);  // and graphFromJson(j) gives it back
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/op_kinds.h"

namespace tinyforge {

using TensorId = int32_t;
constexpr TensorId kNoTensor = -1;  // an absent optional input

enum class DType : uint8_t { kInt8, kInt32, kFloat32, kUInt8, kInt16, kInt64, kBool };

const char* dtypeName(DType t);
int dtypeSize(DType t);

// real = scale * (q - zeroPoint). One scale = per-tensor; N scales = per-channel along `axis`.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zeroPoint;
  int32_t axis = 0;

  bool empty() const { return scale.empty(); }
  bool perChannel() const { return scale.size() > 1; }
  bool operator==(const QuantParams&) const = default;
};

struct Tensor {
  std::string name;
  std::vector<int32_t> shape;  // activations NHWC
  DType type = DType::kInt8;
  QuantParams quant;
  std::vector<uint8_t> data;   // constant data (little-endian, row-major); empty = activation
  bool isConstant = false;

  int64_t elementCount() const;
  int64_t byteSize() const { return elementCount() * dtypeSize(type); }
  int32_t zeroPoint() const { return quant.zeroPoint.empty() ? 0 : int32_t(quant.zeroPoint[0]); }
  float scale() const { return quant.scale.empty() ? 0.0f : quant.scale[0]; }
  bool operator==(const Tensor&) const = default;
};

enum class OpKind : uint8_t {
#define TINYFORGE_OP_ENUM(e, n, c) k##e,
  TINYFORGE_OP_KINDS(TINYFORGE_OP_ENUM)
#undef TINYFORGE_OP_ENUM
};

const char* opKindName(OpKind k);
bool opKindFromName(const std::string& name, OpKind* out);

enum class Padding : uint8_t { kSame, kValid };
enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6 };

const char* paddingName(Padding p);
const char* activationName(Activation a);

// Options of every op kind in one plain struct; each op reads the fields it needs.
struct OpParams {
  Padding padding = Padding::kSame;
  Activation activation = Activation::kNone;
  int32_t strideW = 1, strideH = 1;
  int32_t dilationW = 1, dilationH = 1;
  int32_t filterW = 0, filterH = 0;  // pooling window
  int32_t depthMultiplier = 1;
  int32_t axis = 0;                  // concatenation
  bool keepDims = false;             // mean, fully connected
  bool alignCorners = false, halfPixelCenters = false;  // resize
  float beta = 1.0f;                 // softmax
  // Conv/depthwise only: zero-point padding fused from a preceding PAD op, added around the
  // input before `padding` is applied: {top, bottom, left, right}.
  std::array<int32_t, 4> fusedPad = {0, 0, 0, 0};
  bool operator==(const OpParams&) const = default;
};

struct Op {
  OpKind kind = OpKind::kAdd;
  std::string name;
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;
  OpParams params;
  bool operator==(const Op&) const = default;
};

struct Graph {
  std::string name;
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Op> ops;  // in execution order
  std::vector<TensorId> inputs;
  std::vector<TensorId> outputs;

  const Tensor& tensor(TensorId id) const { return tensors[size_t(id)]; }
  Tensor& tensor(TensorId id) { return tensors[size_t(id)]; }
  bool operator==(const Graph&) const = default;
};

// "[1,96,96,1]"
std::string shapeString(const std::vector<int32_t>& shape);

}  // namespace tinyforge
