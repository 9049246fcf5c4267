// CONV_2D: input [N,H,W,Cin], weights [Cout,KH,KW,Cin] per-channel int8, bias [Cout] int32.
#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 2, 3, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& w = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkRank(op, in, "input", 4));
  TINYFORGE_TRY(checkRank(op, w, "weights", 4));
  TINYFORGE_TRY(checkType(op, w, "weights", DType::kInt8));
  TINYFORGE_TRY(checkConstant(op, w, "weights"));
  const int32_t cout = w.shape[0];
  if (w.shape[3] != in.shape[3]) {
    return opError(op, "weights have " + std::to_string(w.shape[3]) +
                           " input channels, input has " + std::to_string(in.shape[3]));
  }
  TINYFORGE_TRY(checkWeightQuant(op, w, cout));
  TINYFORGE_TRY(checkBias(g, op, cout));
  const OpParams& p = op.params;
  TINYFORGE_TRY(checkConvParams(op));
  const ConvGeometry geo = convGeometry(in.shape[1], in.shape[2], w.shape[1], w.shape[2], p);
  const Window wh = geo.h, ww = geo.w;
  return checkShape(op, out, "output", {in.shape[0], wh.out, ww.out, cout});
}

int64_t macs(const Graph& g, const Op& op) {
  const Tensor& w = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  return out.elementCount() * int64_t(w.shape[1]) * w.shape[2] * w.shape[3];
}

// Everything the kernel call needs, shared by evaluation and code generation.
ConvCall prepare(const Graph& g, const Op& op) { return prepareConvCall(g, op, false); }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const ConvCall c = prepare(g, op);
  const tfk_channel_quant qv = c.quant.view();
  const int32_t* bias = c.hasBias ? b.in<int32_t>(op.inputs[2]) : nullptr;
  if (b.ptr[size_t(op.outputs[0])] == b.ptr[size_t(op.inputs[0])]) {
    if (!b.scratch) return opError(op, "in-place 1x1 convolution needs a scratch buffer");
    tfk_conv2d_1x1_inplace_s8(&c.params, &qv, &c.in, &c.filter, b.in<int8_t>(op.inputs[1]), bias,
                              &c.out, b.out<int8_t>(op.outputs[0]),
                              reinterpret_cast<int8_t*>(b.scratch));
    return Status::ok();
  }
  tfk_conv2d_s8(&c.params, &qv, &c.in, b.in<int8_t>(op.inputs[0]), &c.filter,
                b.in<int8_t>(op.inputs[1]), bias, &c.out, b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

// "<op>_fb": bias + input_offset * sum of each filter (the fast kernels' folded bias), declared
// once per op.
std::string declareFoldedBias(const Graph& g, const Op& op, const ConvCall& c, CEmitter& e) {
  std::vector<int32_t> folded(size_t(c.filter.n));
  tfk_fold_input_offset(
      c.params.input_offset, reinterpret_cast<const int8_t*>(g.tensor(op.inputs[1]).data.data()),
      c.filter.n, c.filter.h * c.filter.w * c.filter.c,
      c.hasBias ? reinterpret_cast<const int32_t*>(g.tensor(op.inputs[2]).data.data()) : nullptr,
      folded.data());
  const std::string name = e.opPrefix() + "_fb";
  e.declareOnce(name, "static const int32_t " + name + "[] = " + cIntArray(folded) + ";\n");
  return name;
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  ConvCall c = prepare(g, op);
  const std::string& n = e.prefix();
  const std::string& o = e.opPrefix();
  e.declareOnce(o + "_q", "static const int32_t " + o + "_m[] = " + cIntArray(c.quant.multiplier) +
                              ";\nstatic const int32_t " + o +
                              "_s[] = " + cIntArray(c.quant.shift) +
                              ";\nstatic const tfk_channel_quant " + o + "_q = {" + o + "_m, " + o +
                              "_s, " + (c.quant.multiplier.size() > 1 ? "1" : "0") + "};\n");
  const RegionCall* r = e.region();  // one tile of a patch stage: its slots, local geometry
  if (r) restrictToRegion(&c, r->geo);
  e.declare("static const tfk_conv_params " + n + "_p = " + cLiteral(c.params) + ";\n");
  if (r) {  // the filter's dims once per op
    e.declare("static const tfk_dims " + n + "_di = " + cLiteral(c.in) + ", " + n +
              "_do = " + cLiteral(c.out) + ";\n");
    e.declareOnce(o + "_df", "static const tfk_dims " + o + "_df = " + cLiteral(c.filter) + ";\n");
  } else {
    e.declare("static const tfk_dims " + n + "_di = " + cLiteral(c.in) + ", " + n +
              "_df = " + cLiteral(c.filter) + ", " + n + "_do = " + cLiteral(c.out) + ";\n");
  }
  // (named only where a call uses it: an unused constant array would fail -Werror)
  auto w = [&] { return e.tensor(op.inputs[1]); };
  const std::string in = r ? r->in : e.tensor(op.inputs[0]);
  const std::string out = "(int8_t*)" + (r ? r->out : e.tensor(op.outputs[0]));
  auto biasArray = [&] { return c.hasBias ? e.tensor(op.inputs[2]) : std::string("0"); };
  const bool inPlace = !r && e.sameBuffer(op.inputs[0], op.outputs[0]);
  const bool pointwise = c.filter.h == 1 && c.filter.w == 1 && c.params.stride_h == 1 &&
                         c.params.stride_w == 1 && c.params.pad_top == 0 && c.params.pad_left == 0;
  if (e.fastKernels() && pointwise && !inPlace) {
    const std::string fb = declareFoldedBias(g, op, c, e);
    e.call("tfk_conv2d_1x1_fast_s8(&" + n + "_p, &" + o + "_q, &" + n + "_di, (const int8_t*)" +
           in + ", &" + o + "_df, " + w() + ", " + fb + ", &" + n + "_do, " + out + ");");
  } else if (inPlace && e.fastKernels()) {
    const std::string fb = declareFoldedBias(g, op, c, e);
    e.call("tfk_conv2d_1x1_inplace_fast_s8(&" + n + "_p, &" + o + "_q, &" + n + "_di, &" + n +
           "_df, " + w() + ", " + fb + ", &" + n + "_do, " + out + ", (int8_t*)" + e.scratch() +
           ");");
  } else if (inPlace) {
    const std::string bias = biasArray();
    e.call("tfk_conv2d_1x1_inplace_s8(&" + n + "_p, &" + o + "_q, &" + n + "_di, &" + n + "_df, " +
           w() + ", " + bias + ", &" + n + "_do, " + out + ", (int8_t*)" + e.scratch() + ");");
  } else if (e.fastKernels() && tfk_conv2d_uses_im2col(&c.params, &c.in, &c.filter, c.hasBias)) {
    callIm2col(e, o + "_df", reinterpret_cast<const int8_t*>(g.tensor(op.inputs[1]).data.data()),
               c.filter.n, c.filter.h * c.filter.w * c.filter.c, in, biasArray(), out);
  } else {
    // the fast convolution's path for these shapes called directly: only it is linked
    // (2x2 SIMD blocks pay from two input channels: tfk_conv2d_simd_s8's paths from there)
    const int path = e.fastKernels() ? tfk_conv2d_fast_path(&c.params, &c.in, &c.filter, c.hasBias,
                                                            c.filter.c >= 2)
                                     : TFK_CONV_REFERENCE;
    const std::string head = "(&" + n + "_p, &" + o + "_q, &" + n + "_di, (const int8_t*)" + in +
                             ", &" + o + "_df, " + w() + ", ";
    const std::string tail = ", &" + n + "_do, " + out + ");";
    if (path == TFK_CONV_LANES) {
      e.call("tfk_conv2d_lanes_s8" + head + declareFoldedBias(g, op, c, e) + tail);
    } else if (path == TFK_CONV_PAIRS) {
      const std::string bias = biasArray();
      e.call("tfk_conv2d_pairs_s8" + head + bias + ", " + declareFoldedBias(g, op, c, e) + tail);
    } else {
      e.call(std::string(path == TFK_CONV_TAPS ? "tfk_conv2d_taps_s8" : "tfk_conv2d_s8") + head +
             biasArray() + tail);
    }
  }
  return Status::ok();
}

// Pixel by pixel with a Cin-byte temporary: 1x1, stride 1, no padding, Cout <= Cin.
InPlaceRule inPlace(const Graph& g, const Op& op) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& w = g.tensor(op.inputs[1]);
  const OpParams& p = op.params;
  const bool noPad = p.fusedPad == std::array<int32_t, 4>{0, 0, 0, 0};
  InPlaceRule r;
  if (w.shape[1] == 1 && w.shape[2] == 1 && p.strideH == 1 && p.strideW == 1 && noPad &&
      w.shape[0] <= in.shape[3]) {
    r.inputMask = 1;
    const tfk_dims d = dims4(in);
    r.scratchBytes = tfk_conv2d_1x1_inplace_get_buffer_size(&d);
  }
  return r;
}

Status evaluateRegion(const Graph& g, const Op& op, const RegionArgs& r) {
  ConvCall c = prepare(g, op);
  restrictToRegion(&c, r);
  const tfk_channel_quant qv = c.quant.view();
  const Tensor& w = g.tensor(op.inputs[1]);
  tfk_conv2d_s8(
      &c.params, &qv, &c.in, r.in, &c.filter, reinterpret_cast<const int8_t*>(w.data.data()),
      c.hasBias ? reinterpret_cast<const int32_t*>(g.tensor(op.inputs[2]).data.data()) : nullptr,
      &c.out, r.out);
  return Status::ok();
}

}  // namespace

const OpDef& opDefConv2D() {
  static const OpDef def{OpKind::kConv2D, validate, macs, evaluate, inPlace, evaluateRegion, emit};
  return def;
}

}  // namespace tinyforge
