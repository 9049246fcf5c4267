#include "engine/graph.h"

#include <cstring>

namespace tinyforge {

const char* dtypeName(DType t) {
  switch (t) {
    case DType::kInt8: return "int8";
    case DType::kInt32: return "int32";
    case DType::kFloat32: return "float32";
    case DType::kUInt8: return "uint8";
    case DType::kInt16: return "int16";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
  }
  return "?";
}

int dtypeSize(DType t) {
  switch (t) {
    case DType::kInt8:
    case DType::kUInt8:
    case DType::kBool: return 1;
    case DType::kInt16: return 2;
    case DType::kInt32:
    case DType::kFloat32: return 4;
    case DType::kInt64: return 8;
  }
  return 1;
}

int64_t Tensor::elementCount() const {
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  return n;
}

const char* opKindName(OpKind k) {
  switch (k) {
#define TINYFORGE_OP_NAME(e, n, c) \
  case OpKind::k##e: return n;
    TINYFORGE_OP_KINDS(TINYFORGE_OP_NAME)
#undef TINYFORGE_OP_NAME
  }
  return "?";
}

bool opKindFromName(const std::string& name, OpKind* out) {
#define TINYFORGE_OP_FROM_NAME(e, n, c) \
  if (name == n) {                      \
    *out = OpKind::k##e;                \
    return true;                        \
  }
  TINYFORGE_OP_KINDS(TINYFORGE_OP_FROM_NAME)
#undef TINYFORGE_OP_FROM_NAME
  return false;
}

const char* paddingName(Padding p) { return p == Padding::kSame ? "SAME" : "VALID"; }

const char* activationName(Activation a) {
  switch (a) {
    case Activation::kNone: return "NONE";
    case Activation::kRelu: return "RELU";
    case Activation::kReluN1To1: return "RELU_N1_TO_1";
    case Activation::kRelu6: return "RELU6";
  }
  return "?";
}

std::string shapeString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace tinyforge
