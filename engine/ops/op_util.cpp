#include "engine/ops/op_util.h"

#include <cmath>

namespace tinyforge {

std::string opLabel(const Op& op) {
  return std::string(opKindName(op.kind)) + " '" + op.name + "'";
}

Status opError(const Op& op, const std::string& message) {
  return Status::error(opLabel(op) + ": " + message);
}

Status checkArity(const Graph& g, const Op& op, size_t minInputs, size_t maxInputs,
                  size_t outputs) {
  if (op.inputs.size() < minInputs || op.inputs.size() > maxInputs) {
    return opError(op, std::to_string(op.inputs.size()) + " inputs, expected " +
                           (minInputs == maxInputs
                                ? std::to_string(minInputs)
                                : std::to_string(minInputs) + ".." + std::to_string(maxInputs)));
  }
  if (op.outputs.size() != outputs) {
    return opError(
        op, std::to_string(op.outputs.size()) + " outputs, expected " + std::to_string(outputs));
  }
  const auto count = TensorId(g.tensors.size());
  for (size_t i = 0; i < op.inputs.size(); ++i) {
    const TensorId id = op.inputs[i];
    const bool optional = i >= minInputs && id == kNoTensor;
    if (!optional && (id < 0 || id >= count)) {
      return opError(op, "input " + std::to_string(i) + " refers to tensor " + std::to_string(id) +
                             ", graph has " + std::to_string(count));
    }
  }
  for (TensorId id : op.outputs) {
    if (id < 0 || id >= count) {
      return opError(op, "output refers to tensor " + std::to_string(id) + ", graph has " +
                             std::to_string(count));
    }
  }
  return Status::ok();
}

Status checkType(const Op& op, const Tensor& t, const char* role, DType type) {
  if (t.type == type) return Status::ok();
  return opError(op, std::string(role) + " '" + t.name + "' is " + dtypeName(t.type) +
                         ", expected " + dtypeName(type));
}

Status checkRank(const Op& op, const Tensor& t, const char* role, size_t rank) {
  if (t.shape.size() == rank) return Status::ok();
  return opError(op, std::string(role) + " rank " + std::to_string(t.shape.size()) + ", expected " +
                         std::to_string(rank));
}

Status checkShape(const Op& op, const Tensor& t, const char* role,
                  const std::vector<int32_t>& expected) {
  if (t.shape == expected) return Status::ok();
  return opError(op, std::string(role) + " shape " + shapeString(t.shape) + ", expected " +
                         shapeString(expected));
}

Status checkInt8Activation(const Op& op, const Tensor& t, const char* role) {
  TINYFORGE_TRY(checkType(op, t, role, DType::kInt8));
  if (t.quant.scale.size() != 1 || t.quant.zeroPoint.size() != 1) {
    return opError(op, std::string(role) + " '" + t.name + "' needs per-tensor quantization, has " +
                           std::to_string(t.quant.scale.size()) + " scales");
  }
  const float s = t.quant.scale[0];
  if (!(s > 0.0f) || !std::isfinite(s)) {
    return opError(op, std::string(role) + " '" + t.name + "' has scale " + std::to_string(s));
  }
  const int64_t zp = t.quant.zeroPoint[0];
  if (zp < -128 || zp > 127) {
    return opError(op, std::string(role) + " '" + t.name + "' has zero point " +
                           std::to_string(zp) + ", outside int8");
  }
  return Status::ok();
}

Status checkWeightQuant(const Op& op, const Tensor& w, int32_t channels) {
  const size_t n = w.quant.scale.size();
  if (n != 1 && n != size_t(channels)) {
    return opError(op, "weights '" + w.name + "' have " + std::to_string(n) +
                           " scales, expected 1 or " + std::to_string(channels));
  }
  if (w.quant.zeroPoint.size() != n) {
    return opError(op, "weights '" + w.name + "' have " + std::to_string(w.quant.zeroPoint.size()) +
                           " zero points for " + std::to_string(n) + " scales");
  }
  for (size_t i = 0; i < n; ++i) {
    if (!(w.quant.scale[i] > 0.0f) || !std::isfinite(w.quant.scale[i])) {
      return opError(op, "weights '" + w.name + "' scale " + std::to_string(i) + " is " +
                             std::to_string(w.quant.scale[i]));
    }
    if (w.quant.zeroPoint[i] != 0) {
      return opError(op, "weights '" + w.name + "' zero point " +
                             std::to_string(w.quant.zeroPoint[i]) + ", int8 weights need 0");
    }
  }
  return Status::ok();
}

Status checkConstant(const Op& op, const Tensor& t, const char* role) {
  if (t.isConstant && int64_t(t.data.size()) == t.byteSize()) return Status::ok();
  return opError(op, std::string(role) + " '" + t.name + "' must be a constant of " +
                         std::to_string(t.byteSize()) + " bytes");
}

Status checkBias(const Graph& g, const Op& op, int32_t channels) {
  if (op.inputs.size() < 3 || op.inputs[2] == kNoTensor) return Status::ok();
  const Tensor& b = g.tensor(op.inputs[2]);
  TINYFORGE_TRY(checkType(op, b, "bias", DType::kInt32));
  TINYFORGE_TRY(checkConstant(op, b, "bias"));
  if (b.elementCount() != channels) {
    return opError(op, "bias has " + std::to_string(b.elementCount()) + " values, expected " +
                           std::to_string(channels));
  }
  return Status::ok();
}

Status checkSameQuant(const Op& op, const Tensor& a, const Tensor& b, const char* what) {
  if (std::fabs(double(a.scale()) - double(b.scale())) <= 1e-6 && a.zeroPoint() == b.zeroPoint()) {
    return Status::ok();
  }
  return opError(op, std::string(what) + ": input scale " + std::to_string(a.scale()) + " zp " +
                         std::to_string(a.zeroPoint()) + " differs from output scale " +
                         std::to_string(b.scale()) + " zp " + std::to_string(b.zeroPoint()));
}

ActivationRange activationRange(Activation act, const Tensor& output) {
  const float scale = output.scale();
  const int32_t zp = output.zeroPoint();
  auto q = [&](float f) { return zp + int32_t(std::round(f / scale)); };
  ActivationRange r;
  switch (act) {
    case Activation::kNone:
      break;
    case Activation::kRelu:
      r.min = std::max(-128, q(0.0f));
      break;
    case Activation::kRelu6:
      r.min = std::max(-128, q(0.0f));
      r.max = std::min(127, q(6.0f));
      break;
    case Activation::kReluN1To1:
      r.min = std::max(-128, q(-1.0f));
      r.max = std::min(127, q(1.0f));
      break;
  }
  return r;
}

Window computeWindow(int32_t in, int32_t kernel, int32_t stride, int32_t dilation, Padding p) {
  const int64_t ek = int64_t(kernel - 1) * dilation + 1;
  Window w;
  if (stride <= 0) return w;
  const int64_t out = p == Padding::kSame ? (int64_t(in) + stride - 1) / stride
                                          : (int64_t(in) + stride - ek) / stride;
  w.out = int32_t(std::max<int64_t>(out, 0));
  const int64_t total = std::max<int64_t>((int64_t(w.out) - 1) * stride + ek - in, 0);
  w.padBefore = p == Padding::kSame ? int32_t(total / 2) : 0;
  return w;
}

tfk_dims dims4(const Tensor& t) { return {t.shape[0], t.shape[1], t.shape[2], t.shape[3]}; }

ChannelQuant convChannelQuant(const Tensor& in, const Tensor& w, const Tensor& out,
                              int32_t channels) {
  ChannelQuant q;
  const bool perChannel = w.quant.scale.size() > 1;
  const size_t n = perChannel ? size_t(channels) : 1;
  q.multiplier.resize(n);
  q.shift.resize(n);
  for (size_t c = 0; c < n; ++c) {
    const double real = double(in.scale()) * double(w.quant.scale[c]) / double(out.scale());
    tfk_quantize_multiplier(real, &q.multiplier[c], &q.shift[c]);
  }
  return q;
}

}  // namespace tinyforge

namespace tinyforge {

bool broadcastShape(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                    std::vector<int32_t>* out) {
  if (a.size() > 4 || b.size() > 4) return false;
  const size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int32_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    (*out)[i] = da == 1 ? db : da;
  }
  return true;
}

tfk_dims dims4Padded(const std::vector<int32_t>& shape) {
  int32_t d[4] = {1, 1, 1, 1};
  const size_t off = 4 - std::min<size_t>(shape.size(), 4);
  for (size_t i = 0; i < shape.size() && i < 4; ++i) d[off + i] = shape[i];
  return {d[0], d[1], d[2], d[3]};
}

Status checkBinaryElementwise(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 2, 2, 1));
  const Tensor& a = g.tensor(op.inputs[0]);
  const Tensor& b = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, a, "input 0"));
  TINYFORGE_TRY(checkInt8Activation(op, b, "input 1"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  std::vector<int32_t> shape;
  if (!broadcastShape(a.shape, b.shape, &shape)) {
    return opError(op, "inputs " + shapeString(a.shape) + " and " + shapeString(b.shape) +
                           " do not broadcast (rank <= 4)");
  }
  return checkShape(op, out, "output", shape);
}

}  // namespace tinyforge

namespace tinyforge {

ConvGeometry convGeometry(int32_t inH, int32_t inW, int32_t kh, int32_t kw, const OpParams& p) {
  const auto& f = p.fusedPad;
  ConvGeometry g;
  g.h = computeWindow(inH + f[0] + f[1], kh, p.strideH, p.dilationH, p.padding);
  g.w = computeWindow(inW + f[2] + f[3], kw, p.strideW, p.dilationW, p.padding);
  g.h.padBefore += f[0];
  g.w.padBefore += f[2];
  return g;
}

Status checkConvParams(const Op& op) {
  const OpParams& p = op.params;
  if (p.strideH < 1 || p.strideW < 1 || p.dilationH < 1 || p.dilationW < 1) {
    return opError(op, "stride " + std::to_string(p.strideH) + "x" + std::to_string(p.strideW) +
                           " dilation " + std::to_string(p.dilationH) + "x" +
                           std::to_string(p.dilationW) + ", all must be >= 1");
  }
  for (int32_t v : p.fusedPad) {
    if (v < 0 || v > (1 << 16)) return opError(op, "fused padding " + std::to_string(v));
  }
  return Status::ok();
}

}  // namespace tinyforge

namespace tinyforge {

bool spatialGeometry(const Graph& g, const Op& op, SpatialGeometry* out) {
  const OpParams& p = op.params;
  const Tensor& in = g.tensor(op.inputs[0]);
  SpatialGeometry s;
  s.strideH = p.strideH;
  s.strideW = p.strideW;
  if (op.kind == OpKind::kConv2D || op.kind == OpKind::kDepthwiseConv2D) {
    const Tensor& w = g.tensor(op.inputs[1]);
    s.kernelH = w.shape[1];
    s.kernelW = w.shape[2];
    s.dilationH = p.dilationH;
    s.dilationW = p.dilationW;
    const ConvGeometry geo = convGeometry(in.shape[1], in.shape[2], s.kernelH, s.kernelW, p);
    s.padTop = geo.h.padBefore;
    s.padLeft = geo.w.padBefore;
  } else if (op.kind == OpKind::kAveragePool2D || op.kind == OpKind::kMaxPool2D) {
    s.kernelH = p.filterH;
    s.kernelW = p.filterW;
    s.padTop = computeWindow(in.shape[1], p.filterH, p.strideH, 1, p.padding).padBefore;
    s.padLeft = computeWindow(in.shape[2], p.filterW, p.strideW, 1, p.padding).padBefore;
  } else {
    return false;
  }
  *out = s;
  return true;
}

}  // namespace tinyforge

namespace tinyforge {

tfk_add_params prepareAddParams(const Graph& g, const Op& op) {
  const Tensor& a = g.tensor(op.inputs[0]);
  const Tensor& b = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  tfk_add_params p{};
  p.input1_offset = -a.zeroPoint();
  p.input2_offset = -b.zeroPoint();
  p.output_offset = out.zeroPoint();
  p.left_shift = 20;
  const double twiceMax = 2.0 * double(std::max(a.scale(), b.scale()));
  tfk_quantize_multiplier(double(a.scale()) / twiceMax, &p.input1_multiplier, &p.input1_shift);
  tfk_quantize_multiplier(double(b.scale()) / twiceMax, &p.input2_multiplier, &p.input2_shift);
  tfk_quantize_multiplier(twiceMax / (double(1 << p.left_shift) * double(out.scale())),
                          &p.output_multiplier, &p.output_shift);
  const ActivationRange r = activationRange(op.params.activation, out);
  p.act_min = r.min;
  p.act_max = r.max;
  return p;
}

ConvCall prepareConvCall(const Graph& g, const Op& op, bool depthwise) {
  ConvCall c = prepareConvShapes(g, op, depthwise);
  const Tensor& w = g.tensor(op.inputs[1]);
  c.quant = convChannelQuant(g.tensor(op.inputs[0]), w, g.tensor(op.outputs[0]),
                             depthwise ? w.shape[3] : w.shape[0]);
  return c;
}

ConvCall prepareConvShapes(const Graph& g, const Op& op, bool depthwise) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& w = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const OpParams& p = op.params;
  const ConvGeometry geo = convGeometry(in.shape[1], in.shape[2], w.shape[1], w.shape[2], p);
  const ActivationRange act = activationRange(p.activation, out);
  ConvCall c;
  c.params = {-in.zeroPoint(),
              out.zeroPoint(),
              p.strideH,
              p.strideW,
              p.dilationH,
              p.dilationW,
              geo.h.padBefore,
              geo.w.padBefore,
              act.min,
              act.max,
              depthwise ? p.depthMultiplier : 1};
  c.in = dims4(in);
  c.filter = dims4(w);
  c.out = dims4(out);
  c.hasBias = op.inputs.size() == 3 && op.inputs[2] != kNoTensor;
  return c;
}

void restrictToRegion(ConvCall* c, const RegionArgs& r) {
  c->params.pad_top = r.padTop;
  c->params.pad_left = r.padLeft;
  c->in = {1, r.inH, r.inW, c->in.c};
  c->out = {1, r.outH, r.outW, c->out.c};
}

}  // namespace tinyforge
