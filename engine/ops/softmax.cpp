// SOFTMAX int8 -> int8 over the last dimension (output zp -128, scale 1/256).
#include <cmath>

#include "engine/codegen/c_emitter.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) {
  TINYFORGE_TRY(checkArity(g, op, 1, 1, 1));
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& out = g.tensor(op.outputs[0]);
  TINYFORGE_TRY(checkInt8Activation(op, in, "input"));
  TINYFORGE_TRY(checkInt8Activation(op, out, "output"));
  TINYFORGE_TRY(checkShape(op, out, "output", in.shape));
  if (in.shape.empty() || in.shape.back() < 1) return opError(op, "input has no last dimension");
  if (out.zeroPoint() != -128 || std::fabs(out.scale() - 1.0f / 256) > 0.001f / 256) {
    return opError(op, "int8 output needs zero point -128 and scale 1/256, has " +
                           std::to_string(out.zeroPoint()) + " and " + std::to_string(out.scale()));
  }
  if (!(op.params.beta > 0.0f)) return opError(op, "beta " + std::to_string(op.params.beta));
  return Status::ok();
}

int64_t macs(const Graph&, const Op&) { return 0; }

tfk_softmax_params softmaxParams(float beta, float inputScale) {
  constexpr int kScaledDiffIntegerBits = 5;
  const double real = std::min(double(beta) * double(inputScale) *
                                   double(1 << (31 - kScaledDiffIntegerBits)),
                               double((1ll << 31) - 1));
  tfk_softmax_params p{};
  tfk_quantize_multiplier(real, &p.input_multiplier, &p.input_left_shift);
  const double radius = double((1 << kScaledDiffIntegerBits) - 1) *
                        double(1ll << (31 - kScaledDiffIntegerBits)) /
                        double(1ll << p.input_left_shift);
  p.diff_min = -int32_t(std::floor(radius));
  return p;
}

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const tfk_softmax_params p = softmaxParams(op.params.beta, in.scale());
  const int32_t depth = in.shape.back();
  tfk_softmax_s8(&p, int32_t(in.elementCount() / depth), depth, b.in<int8_t>(op.inputs[0]),
                 b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const tfk_softmax_params p = softmaxParams(op.params.beta, in.scale());
  const int32_t depth = in.shape.back();
  const std::string& n = e.prefix();
  e.declare("static const tfk_softmax_params " + n + "_p = " + cLiteral(p) + ";\n");
  e.call("tfk_softmax_s8(&" + n + "_p, " + std::to_string(in.elementCount() / depth) + ", " +
         std::to_string(depth) + ", (const int8_t*)" + e.tensor(op.inputs[0]) + ", (int8_t*)" +
         e.tensor(op.outputs[0]) + ");");
  return Status::ok();
}

}  // namespace

const OpDef& opDefSoftmax() {
  static const OpDef def{OpKind::kSoftmax, validate, macs, evaluate, nullptr, nullptr, emit};
  return def;
}

}  // namespace tinyforge
