#include "engine/io/tflite_options.h"

#include "tflite_subset_generated.h"

namespace tinyforge {
namespace {

Result<Activation> activation(tflite::ActivationFunctionType a, const std::string& where) {
  switch (a) {
    case tflite::ActivationFunctionType::NONE: return Activation::kNone;
    case tflite::ActivationFunctionType::RELU: return Activation::kRelu;
    case tflite::ActivationFunctionType::RELU_N1_TO_1: return Activation::kReluN1To1;
    case tflite::ActivationFunctionType::RELU6: return Activation::kRelu6;
    default: break;
  }
  const std::string name = tflite::EnumNameActivationFunctionType(a);
  return Result<Activation>::failure(where + ": unsupported fused activation " +
                                     (name.empty() ? std::to_string(int(a)) : name));
}

Result<Padding> padding(tflite::Padding p, const std::string& where) {
  if (p == tflite::Padding::SAME) return Padding::kSame;
  if (p == tflite::Padding::VALID) return Padding::kValid;
  return Result<Padding>::failure(where + ": unsupported padding " + std::to_string(int(p)));
}

// Convolution and pooling windows; false when the op has none of those options tables.
bool readWindowOptions(const tflite::Operator& src, OpParams* p, tflite::Padding* pad,
                       tflite::ActivationFunctionType* act) {
  if (const auto* o = src.builtin_options_as_Conv2DOptions()) {
    *pad = o->padding();
    p->strideW = o->stride_w();
    p->strideH = o->stride_h();
    p->dilationW = o->dilation_w_factor();
    p->dilationH = o->dilation_h_factor();
    *act = o->fused_activation_function();
  } else if (const auto* d = src.builtin_options_as_DepthwiseConv2DOptions()) {
    *pad = d->padding();
    p->strideW = d->stride_w();
    p->strideH = d->stride_h();
    p->depthMultiplier = d->depth_multiplier();
    p->dilationW = d->dilation_w_factor();
    p->dilationH = d->dilation_h_factor();
    *act = d->fused_activation_function();
  } else if (const auto* pl = src.builtin_options_as_Pool2DOptions()) {
    *pad = pl->padding();
    p->strideW = pl->stride_w();
    p->strideH = pl->stride_h();
    p->filterW = pl->filter_width();
    p->filterH = pl->filter_height();
    *act = pl->fused_activation_function();
  } else {
    return false;
  }
  return true;
}

// Reads the options of the ops we support. A missing options table keeps the defaults.
Status readOptions(const tflite::Operator& src, const std::string& where, Op* op) {
  OpParams& p = op->params;
  tflite::ActivationFunctionType act = tflite::ActivationFunctionType::NONE;
  tflite::Padding pad = tflite::Padding::SAME;
  if (readWindowOptions(src, &p, &pad, &act)) {
    // read above
  } else if (const auto* fc = src.builtin_options_as_FullyConnectedOptions()) {
    if (fc->weights_format() != 0) {
      return Status::error(where + ": shuffled weights (weights_format " +
                           std::to_string(int(fc->weights_format())) + ") unsupported");
    }
    p.keepDims = fc->keep_num_dims();
    act = fc->fused_activation_function();
  } else if (const auto* sm = src.builtin_options_as_SoftmaxOptions()) {
    p.beta = sm->beta();
  } else if (const auto* c = src.builtin_options_as_ConcatenationOptions()) {
    p.axis = c->axis();
    act = c->fused_activation_function();
  } else if (const auto* a = src.builtin_options_as_AddOptions()) {
    act = a->fused_activation_function();
  } else if (const auto* m = src.builtin_options_as_MulOptions()) {
    act = m->fused_activation_function();
  } else if (const auto* r = src.builtin_options_as_ReducerOptions()) {
    p.keepDims = r->keep_dims();
  } else if (const auto* rs = src.builtin_options_as_ResizeNearestNeighborOptions()) {
    p.alignCorners = rs->align_corners();
    p.halfPixelCenters = rs->half_pixel_centers();
  }
  Result<Padding> padResult = padding(pad, where);
  if (!padResult) return padResult.status();
  p.padding = padResult.value();
  Result<Activation> a = activation(act, where);
  if (!a) return a.status();
  p.activation = a.value();
  return Status::ok();
}

}  // namespace

std::string tfliteOpName(int32_t code) {
#define TINYFORGE_TFLITE_NAME(e, n, c) \
  if (code == (c)) return n;
  TINYFORGE_OP_KINDS(TINYFORGE_TFLITE_NAME)
#undef TINYFORGE_TFLITE_NAME
  switch (code) {
    case 14: return "LOGISTIC";
    case 19: return "RELU";
    case 21: return "RELU6";
    case 28: return "TANH";
    case 32: return "CUSTOM";
    case 41: return "SUB";
    case 42: return "DIV";
    case 43: return "SQUEEZE";
    case 45: return "STRIDED_SLICE";
    case 49: return "SPLIT";
    case 74: return "SUM";
    case 83: return "PACK";
    case 88: return "UNPACK";
    case 117: return "HARD_SWISH";
    default: return "code " + std::to_string(code);
  }
}

// The options table each op kind may carry (NONE is always accepted: defaults apply).
static tflite::BuiltinOptions expectedOptions(OpKind kind) {
  using O = tflite::BuiltinOptions;
  switch (kind) {
    case OpKind::kConv2D: return O::Conv2DOptions;
    case OpKind::kDepthwiseConv2D: return O::DepthwiseConv2DOptions;
    case OpKind::kAveragePool2D:
    case OpKind::kMaxPool2D: return O::Pool2DOptions;
    case OpKind::kFullyConnected: return O::FullyConnectedOptions;
    case OpKind::kSoftmax: return O::SoftmaxOptions;
    case OpKind::kConcatenation: return O::ConcatenationOptions;
    case OpKind::kAdd: return O::AddOptions;
    case OpKind::kMul: return O::MulOptions;
    case OpKind::kReshape: return O::ReshapeOptions;
    case OpKind::kPad: return O::PadOptions;
    case OpKind::kTranspose: return O::TransposeOptions;
    case OpKind::kMean: return O::ReducerOptions;
    case OpKind::kDequantize: return O::DequantizeOptions;
    case OpKind::kResizeNearestNeighbor: return O::ResizeNearestNeighborOptions;
    case OpKind::kQuantize: return O::QuantizeOptions;
  }
  return O::NONE;
}

Status readTfliteOptions(const tflite::Operator& src, int32_t opIndex, Op* op) {
  // Soft defaults where the file omits the options table (e.g. RESHAPE with NONE).
  op->params = OpParams{};
  const std::string where = "op " + std::to_string(opIndex) + " " + opKindName(op->kind);
  const tflite::BuiltinOptions tag = src.builtin_options_type();
  const tflite::BuiltinOptions expected = expectedOptions(op->kind);
  if (tag != tflite::BuiltinOptions::NONE && tag != expected) {
    return Status::error(where + ": options table of type " + std::to_string(int(tag)) +
                         ", expected " + std::to_string(int(expected)) + " (" +
                         tflite::EnumNameBuiltinOptions(expected) + ")");
  }
  if (op->kind == OpKind::kConv2D || op->kind == OpKind::kDepthwiseConv2D ||
      op->kind == OpKind::kAveragePool2D || op->kind == OpKind::kMaxPool2D) {
    if (src.builtin_options() == nullptr) return Status::error(where + ": missing builtin options");
  }
  return readOptions(src, where, op);
}

}  // namespace tinyforge
