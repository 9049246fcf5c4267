#include "engine/io/tflite_export.h"

#include <fstream>
#include <map>

#include "engine/validate.h"
#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

tflite::TensorType tfliteType(DType t) {
  switch (t) {
    case DType::kInt8: return tflite::TensorType::INT8;
    case DType::kInt32: return tflite::TensorType::INT32;
    case DType::kFloat32: return tflite::TensorType::FLOAT32;
    case DType::kUInt8: return tflite::TensorType::UINT8;
    case DType::kInt16: return tflite::TensorType::INT16;
    case DType::kInt64: return tflite::TensorType::INT64;
    case DType::kBool: return tflite::TensorType::BOOL;
  }
  return tflite::TensorType::INT8;
}

tflite::ActivationFunctionType tfliteActivation(Activation a) {
  switch (a) {
    case Activation::kNone: return tflite::ActivationFunctionType::NONE;
    case Activation::kRelu: return tflite::ActivationFunctionType::RELU;
    case Activation::kReluN1To1: return tflite::ActivationFunctionType::RELU_N1_TO_1;
    case Activation::kRelu6: return tflite::ActivationFunctionType::RELU6;
  }
  return tflite::ActivationFunctionType::NONE;
}

tflite::Padding tflitePadding(Padding p) {
  return p == Padding::kValid ? tflite::Padding::VALID : tflite::Padding::SAME;
}

int32_t builtinCode(OpKind k) {
  switch (k) {
#define TINYFORGE_OP_CODE(e, n, c) \
  case OpKind::k##e: return c;
    TINYFORGE_OP_KINDS(TINYFORGE_OP_CODE)
#undef TINYFORGE_OP_CODE
  }
  return 0;
}

// The builtin options table of one op.
std::pair<tflite::BuiltinOptions, Offset<void>> options(FlatBufferBuilder& b, const Graph& g, const Op& op) {
  using O = tflite::BuiltinOptions;
  const OpParams& p = op.params;
  const auto act = tfliteActivation(p.activation);
  switch (op.kind) {
    case OpKind::kConv2D:
      return {O::Conv2DOptions, tflite::CreateConv2DOptions(b, tflitePadding(p.padding), p.strideW, p.strideH,
                                                            act, p.dilationW, p.dilationH).Union()};
    case OpKind::kDepthwiseConv2D:
      return {O::DepthwiseConv2DOptions,
              tflite::CreateDepthwiseConv2DOptions(b, tflitePadding(p.padding), p.strideW, p.strideH,
                                                   p.depthMultiplier, act, p.dilationW, p.dilationH).Union()};
    case OpKind::kAveragePool2D:
    case OpKind::kMaxPool2D:
      return {O::Pool2DOptions, tflite::CreatePool2DOptions(b, tflitePadding(p.padding), p.strideW, p.strideH,
                                                            p.filterW, p.filterH, act).Union()};
    case OpKind::kFullyConnected:
      return {O::FullyConnectedOptions, tflite::CreateFullyConnectedOptions(b, act, 0, p.keepDims).Union()};
    case OpKind::kSoftmax: return {O::SoftmaxOptions, tflite::CreateSoftmaxOptions(b, p.beta).Union()};
    case OpKind::kConcatenation:
      return {O::ConcatenationOptions, tflite::CreateConcatenationOptions(b, p.axis, act).Union()};
    case OpKind::kAdd: return {O::AddOptions, tflite::CreateAddOptions(b, act).Union()};
    case OpKind::kMul: return {O::MulOptions, tflite::CreateMulOptions(b, act).Union()};
    case OpKind::kReshape:  // new_shape too, for readers without the shape operand
      return {O::ReshapeOptions,
              tflite::CreateReshapeOptions(b, b.CreateVector(g.tensor(op.outputs[0]).shape)).Union()};
    case OpKind::kPad: return {O::PadOptions, tflite::CreatePadOptions(b).Union()};
    case OpKind::kTranspose: return {O::TransposeOptions, tflite::CreateTransposeOptions(b).Union()};
    case OpKind::kMean: return {O::ReducerOptions, tflite::CreateReducerOptions(b, p.keepDims).Union()};
    case OpKind::kDequantize: return {O::DequantizeOptions, tflite::CreateDequantizeOptions(b).Union()};
    case OpKind::kQuantize: return {O::QuantizeOptions, tflite::CreateQuantizeOptions(b).Union()};
    case OpKind::kResizeNearestNeighbor:
      return {O::ResizeNearestNeighborOptions,
              tflite::CreateResizeNearestNeighborOptions(b, p.alignCorners, p.halfPixelCenters).Union()};
  }
  return {O::NONE, 0};
}

Offset<tflite::Tensor> tensor(FlatBufferBuilder& b, const Tensor& t, uint32_t buffer) {
  Offset<tflite::QuantizationParameters> quant = 0;
  if (!t.quant.empty()) {
    quant = tflite::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.quant.scale),
                                                 b.CreateVector(t.quant.zeroPoint),
                                                 tflite::QuantizationDetails::NONE, 0, t.quant.axis);
  }
  return tflite::CreateTensor(b, b.CreateVector(t.shape), tfliteType(t.type), buffer, b.CreateString(t.name), quant);
}

}  // namespace

Result<std::vector<uint8_t>> exportTflite(const Graph& graph) {
  if (Status s = validateGraph(graph); !s) return s;
  for (const Op& op : graph.ops) {
    if (op.params.fusedPad != std::array<int32_t, 4>{0, 0, 0, 0}) {
      return Result<std::vector<uint8_t>>::failure(std::string(opKindName(op.kind)) + " '" + op.name +
                                                   "' has padding fused by TinyForge; TFLite cannot express it");
    }
  }
  FlatBufferBuilder b(1 << 16);
  std::vector<Offset<tflite::Buffer>> buffers = {tflite::CreateBuffer(b)};
  std::vector<Offset<tflite::Tensor>> tensors;
  for (const Tensor& t : graph.tensors) {
    uint32_t index = 0;
    if (t.isConstant) {
      b.ForceVectorAlignment(t.data.size(), sizeof(uint8_t), 16);
      buffers.push_back(tflite::CreateBuffer(b, b.CreateVector(t.data)));
      index = uint32_t(buffers.size() - 1);
    }
    tensors.push_back(tensor(b, t, index));
  }
  std::map<int32_t, uint32_t> codeIndex;
  std::vector<Offset<tflite::OperatorCode>> codes;
  std::vector<Offset<tflite::Operator>> ops;
  for (const Op& op : graph.ops) {
    const int32_t code = builtinCode(op.kind);
    if (!codeIndex.count(code)) {
      codeIndex[code] = uint32_t(codes.size());
      codes.push_back(tflite::CreateOperatorCode(b, int8_t(std::min(code, 127)), 0, 1, code));
    }
    const auto [type, opts] = options(b, graph, op);
    ops.push_back(tflite::CreateOperator(b, codeIndex[code], b.CreateVector(op.inputs), b.CreateVector(op.outputs),
                                         type, opts));
  }
  const auto subgraph = tflite::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(graph.inputs),
                                               b.CreateVector(graph.outputs), b.CreateVector(ops),
                                               b.CreateString(graph.name));
  std::vector<Offset<tflite::SubGraph>> subgraphs = {subgraph};
  const auto model = tflite::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(subgraphs),
                                         b.CreateString(graph.description.empty() ? "TinyForge" : graph.description),
                                         b.CreateVector(buffers));
  tflite::FinishModelBuffer(b, model);
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

Status exportTfliteFile(const Graph& graph, const std::string& path) {
  Result<std::vector<uint8_t>> bytes = exportTflite(graph);
  if (!bytes) return bytes.status();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.value().data()), std::streamsize(bytes.value().size()));
  if (!out) return Status::error("cannot write " + path);
  return Status::ok();
}

}  // namespace tinyforge
