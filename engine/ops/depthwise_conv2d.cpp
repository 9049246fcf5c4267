// DEPTHWISE_CONV_2D: input [N,H,W,Cin], weights [1,KH,KW,Cout], Cout = Cin * depth_multiplier.
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
  const OpParams& p = op.params;
  const int32_t cout = w.shape[3];
  if (w.shape[0] != 1)
    return opError(op, "weights shape " + shapeString(w.shape) + ", expected [1,KH,KW,C]");
  if (p.depthMultiplier < 1 || int64_t(in.shape[3]) * p.depthMultiplier != cout) {
    return opError(op, "depth multiplier " + std::to_string(p.depthMultiplier) + " with " +
                           std::to_string(in.shape[3]) + " input channels does not give " +
                           std::to_string(cout) + " output channels");
  }
  TINYFORGE_TRY(checkWeightQuant(op, w, cout));
  TINYFORGE_TRY(checkBias(g, op, cout));
  TINYFORGE_TRY(checkConvParams(op));
  const ConvGeometry geo = convGeometry(in.shape[1], in.shape[2], w.shape[1], w.shape[2], p);
  const Window wh = geo.h, ww = geo.w;
  return checkShape(op, out, "output", {in.shape[0], wh.out, ww.out, cout});
}

int64_t macs(const Graph& g, const Op& op) {
  const Tensor& w = g.tensor(op.inputs[1]);
  return g.tensor(op.outputs[0]).elementCount() * int64_t(w.shape[1]) * w.shape[2];
}

ConvCall prepare(const Graph& g, const Op& op) { return prepareConvCall(g, op, true); }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const ConvCall c = prepare(g, op);
  const tfk_channel_quant qv = c.quant.view();
  const int32_t* bias = c.hasBias ? b.in<int32_t>(op.inputs[2]) : nullptr;
  if (b.ptr[size_t(op.outputs[0])] == b.ptr[size_t(op.inputs[0])]) {
    if (!b.scratch) return opError(op, "in-place depthwise needs a scratch buffer");
    tfk_depthwise_conv2d_inplace_s8(&c.params, &qv, &c.in, &c.filter, b.in<int8_t>(op.inputs[1]),
                                    bias, &c.out, b.out<int8_t>(op.outputs[0]),
                                    reinterpret_cast<int8_t*>(b.scratch));
    return Status::ok();
  }
  tfk_depthwise_conv2d_s8(&c.params, &qv, &c.in, b.in<int8_t>(op.inputs[0]), &c.filter,
                          b.in<int8_t>(op.inputs[1]), bias, &c.out, b.out<int8_t>(op.outputs[0]));
  return Status::ok();
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
  const bool inPlace = !r && e.sameBuffer(op.inputs[0], op.outputs[0]);
  // One input channel: a depthwise convolution is a plain convolution with Cout filters of
  // depth 1 (the conv kernels on the weights re-laid [Cout,KH,KW,1]).
  const bool oneChannel =
      e.fastKernels() && c.in.c == 1 && c.params.depth_multiplier > 1 && !inPlace;
  e.declare("static const tfk_conv_params " + n + "_p = " + cLiteral(c.params) + ";\n");
  if (r || oneChannel) {  // the filter's dims once per op (or the re-laid filter's)
    e.declare("static const tfk_dims " + n + "_di = " + cLiteral(c.in) + ", " + n +
              "_do = " + cLiteral(c.out) + ";\n");
    if (!oneChannel)
      e.declareOnce(o + "_df",
                    "static const tfk_dims " + o + "_df = " + cLiteral(c.filter) + ";\n");
  } else {
    e.declare("static const tfk_dims " + n + "_di = " + cLiteral(c.in) + ", " + n +
              "_df = " + cLiteral(c.filter) + ", " + n + "_do = " + cLiteral(c.out) + ";\n");
  }
  const std::string in = r ? r->in : e.tensor(op.inputs[0]);
  const std::string out = "(int8_t*)" + (r ? r->out : e.tensor(op.outputs[0]));
  // (named in the order the constants were always declared: weights before bias)
  auto biasArray = [&] { return c.hasBias ? e.tensor(op.inputs[2]) : std::string("0"); };
  if (oneChannel) {
    const std::string bias = biasArray();
    const auto* dw = reinterpret_cast<const int8_t*>(g.tensor(op.inputs[1]).data.data());
    const int32_t taps = c.filter.h * c.filter.w;
    std::vector<int8_t> rows(size_t(c.filter.c) * size_t(taps));
    for (int32_t oc = 0; oc < c.filter.c; ++oc) {
      for (int32_t t = 0; t < taps; ++t) rows[size_t(oc) * size_t(taps) + size_t(t)] = dw[t * c.filter.c + oc];
    }
    const tfk_dims convFilter{c.filter.c, c.filter.h, c.filter.w, 1};
    e.declareOnce(o + "_cf",
                  "static const tfk_dims " + o + "_cf = " + cLiteral(convFilter) + ";\n");
    if (tfk_conv2d_uses_im2col(&c.params, &c.in, &convFilter, c.hasBias)) {
      callIm2col(e, o + "_cf", rows.data(), c.filter.c, taps, in, bias, out);
      return Status::ok();
    }
    const std::string cw = declarePaddedRows(e, o + "_cw", rows.data(), c.filter.c, taps, taps);
    // tfk_conv2d_simd_s8's path for these shapes called directly: only it is linked
    const int path = tfk_conv2d_fast_path(&c.params, &c.in, &convFilter, c.hasBias, 1);
    const std::string head = "(&" + n + "_p, &" + o + "_q, &" + n + "_di, (const int8_t*)" + in +
                             ", &" + o + "_cf, " + cw + ", ";
    const std::string tail = ", &" + n + "_do, " + out + ");";
    if (path == TFK_CONV_TAPS || path == TFK_CONV_REFERENCE) {
      e.call(std::string(path == TFK_CONV_TAPS ? "tfk_conv2d_taps_s8" : "tfk_conv2d_s8") + head +
             bias + tail);
      return Status::ok();
    }
    // Bias with the input offset folded in, for the SIMD paths.
    std::vector<int32_t> folded(size_t(c.filter.c));
    tfk_fold_input_offset(
        c.params.input_offset, rows.data(), c.filter.c, taps,
        c.hasBias ? reinterpret_cast<const int32_t*>(g.tensor(op.inputs[2]).data.data()) : nullptr,
        folded.data());
    e.declareOnce(o + "_fb", "static const int32_t " + o + "_fb[] = " + cIntArray(folded) + ";\n");
    e.call(path == TFK_CONV_LANES ? "tfk_conv2d_lanes_s8" + head + o + "_fb" + tail
                                  : "tfk_conv2d_pairs_s8" + head + bias + ", " + o + "_fb" + tail);
    return Status::ok();
  }
  const std::string w = e.tensor(op.inputs[1]);
  const std::string bias = biasArray();
  const bool planes = tfk_depthwise_conv2d_inplace_uses_planes(&c.params, &c.filter, &c.out);
  if (inPlace && planes) {
    // The int16 planes with the output over the input (what tfk_depthwise_conv2d_3x3_planes_s8
    // does): one function linked for layers in place and tiles alike.
    e.call("tfk_depthwise_conv2d_3x3_planes_to_s8(&" + n + "_p, &" + o + "_q, &" + n +
           "_di, (const int8_t*)" + out + ", &" + n + "_df, " + w + ", " + bias + ", &" + n +
           "_do, " + out + ", (int8_t*)" + e.scratch() + ");");
    return Status::ok();
  }
  if (inPlace) {
    // The kernel's path for these shapes called directly: the firmware links only the paths used.
    const char* kernel = tfk_depthwise_conv2d_inplace_uses_rows(&c.params, &c.in, &c.filter, &c.out)
                             ? "tfk_depthwise_conv2d_ring_s8"
                             : "tfk_depthwise_conv2d_int8_planes_s8";
    e.call(std::string(kernel) + "(&" + n + "_p, &" + o + "_q, &" + n + "_di, &" + n + "_df, " + w +
           ", " + bias + ", &" + n + "_do, " + out + ", (int8_t*)" + e.scratch() + ");");
    return Status::ok();
  }
  if (r && e.fastKernels() && planes) {
    // a tile: the int16 planes from its slot into the next, in the stage's kernel scratch
    // (regionScratch below sized it)
    e.call("tfk_depthwise_conv2d_3x3_planes_to_s8(&" + n + "_p, &" + o + "_q, &" + n +
           "_di, (const int8_t*)" + in + ", &" + o + "_df, " + w + ", " + bias + ", &" + n +
           "_do, " + out + ", (int8_t*)" + r->scratch + ");");
    return Status::ok();
  }
  // tfk_depthwise_conv2d_fast_s8's path for these shapes called directly: one of the two is linked
  const bool fast = e.fastKernels() && tfk_depthwise_conv2d_uses_rows(&c.params, &c.filter);
  const char* kernel = fast ? "tfk_depthwise_conv2d_rows_s8" : "tfk_depthwise_conv2d_s8";
  e.call(std::string(kernel) + "(&" + n + "_p, &" + o + "_q, &" + n + "_di, (const int8_t*)" + in +
         ", &" + o + "_df, " + w + ", " + bias + ", &" + n + "_do, " + out + ");");
  return Status::ok();
}

// Channel by channel over one input plane of scratch: depth multiplier 1, batch 1, and an output
// no larger than the input (stride >= 1 keeps output channel c on input channel c's bytes).
InPlaceRule inPlace(const Graph& g, const Op& op) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  InPlaceRule r;
  if (op.params.depthMultiplier == 1 && in.shape[0] == 1 &&
      int64_t(out.shape[1]) * out.shape[2] <= int64_t(in.shape[1]) * in.shape[2]) {
    r.inputMask = 1;
    const ConvCall c = prepareConvShapes(g, op, true);
    r.scratchBytes =
        tfk_depthwise_conv2d_inplace_get_buffer_size(&c.params, &c.in, &c.filter, &c.out);
  }
  return r;
}

Status evaluateRegion(const Graph& g, const Op& op, const RegionArgs& r) {
  ConvCall c = prepare(g, op);
  restrictToRegion(&c, r);
  const tfk_channel_quant qv = c.quant.view();
  const Tensor& w = g.tensor(op.inputs[1]);
  tfk_depthwise_conv2d_s8(
      &c.params, &qv, &c.in, r.in, &c.filter, reinterpret_cast<const int8_t*>(w.data.data()),
      c.hasBias ? reinterpret_cast<const int32_t*>(g.tensor(op.inputs[2]).data.data()) : nullptr,
      &c.out, r.out);
  return Status::ok();
}

// A tile whose shapes take the 3x3 int16 planes (see emit) needs one plane of scratch.
int64_t regionScratch(const Graph& g, const Op& op, const RegionArgs& r) {
  ConvCall c = prepareConvShapes(g, op, true);
  restrictToRegion(&c, r);
  if (!tfk_depthwise_conv2d_inplace_uses_planes(&c.params, &c.filter, &c.out)) return 0;
  return tfk_depthwise_conv2d_3x3_planes_buffer_size(&c.params, &c.out);
}

}  // namespace

const OpDef& opDefDepthwiseConv2D() {
  static const OpDef def{OpKind::kDepthwiseConv2D, validate, macs,         evaluate, inPlace,
                         evaluateRegion,           emit,     regionScratch};
  return def;
}

}  // namespace tinyforge
