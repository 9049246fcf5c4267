// MUL int8: out = MBQM((a - zp_a) * (b - zp_b), s_a * s_b / s_out) + zp_out, 4-D broadcasting.
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

Status validate(const Graph& g, const Op& op) { return checkBinaryElementwise(g, op); }

int64_t macs(const Graph& g, const Op& op) { return g.tensor(op.outputs[0]).elementCount(); }

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& buf) {
  const Tensor& a = g.tensor(op.inputs[0]);
  const Tensor& b = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  tfk_mul_params p{};
  p.input1_offset = -a.zeroPoint();
  p.input2_offset = -b.zeroPoint();
  p.output_offset = out.zeroPoint();
  const double real = double(a.scale()) * double(b.scale()) / double(out.scale());
  tfk_quantize_multiplier(real, &p.output_multiplier, &p.output_shift);
  const ActivationRange r = activationRange(op.params.activation, out);
  p.act_min = r.min;
  p.act_max = r.max;
  const tfk_dims da = dims4Padded(a.shape), db = dims4Padded(b.shape),
                 dout = dims4Padded(out.shape);
  tfk_mul_broadcast_s8(&p, &da, buf.in<int8_t>(op.inputs[0]), &db, buf.in<int8_t>(op.inputs[1]),
                       &dout, buf.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

}  // namespace

const OpDef& opDefMul() {
  static const OpDef def{OpKind::kMul, validate, macs, evaluate};
  return def;
}

}  // namespace tinyforge
