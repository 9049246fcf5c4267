// FULLY_CONNECTED: input read as [batches, depth], weights [units, depth], bias [units].
#include <cstring>

#include "engine/codegen/c_emitter.h"
#include "engine/ops/fc_slices.h"
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
  TINYFORGE_TRY(checkRank(op, w, "weights", 2));
  TINYFORGE_TRY(checkType(op, w, "weights", DType::kInt8));
  TINYFORGE_TRY(checkConstant(op, w, "weights"));
  const int32_t units = w.shape[0], depth = w.shape[1];
  if (depth <= 0 || units <= 0) return opError(op, "weights shape " + shapeString(w.shape));
  TINYFORGE_TRY(checkWeightQuant(op, w, units));
  if (in.elementCount() % depth != 0) {
    return opError(op, "input " + shapeString(in.shape) + " is not a multiple of depth " +
                           std::to_string(depth));
  }
  const int64_t batches = in.elementCount() / depth;
  if (out.shape.empty() || out.shape.back() != units || out.elementCount() != batches * units) {
    return opError(op, "output shape " + shapeString(out.shape) + ", expected " +
                           std::to_string(batches) + " x " + std::to_string(units));
  }
  TINYFORGE_TRY(checkBias(g, op, units));
  return Status::ok();
}

int64_t macs(const Graph& g, const Op& op) {
  return g.tensor(op.outputs[0]).elementCount() * int64_t(g.tensor(op.inputs[1]).shape[1]);
}

ChannelQuant fcQuant(const Tensor& in, const Tensor& w, const Tensor& out) {
  if (w.quant.scale.size() > 1) return convChannelQuant(in, w, out, w.shape[0]);
  // Per-tensor: TFLite takes the input x weight product in float32.
  ChannelQuant q;
  q.multiplier.resize(1);
  q.shift.resize(1);
  const float product = in.scale() * w.scale();
  tfk_quantize_multiplier(double(product) / double(out.scale()), &q.multiplier[0], &q.shift[0]);
  return q;
}

struct FcCall {
  tfk_fc_params params{};
  ChannelQuant quant;
  int32_t batches = 0, depth = 0, units = 0;
  bool hasBias = false;
};

FcCall prepare(const Graph& g, const Op& op) {
  const Tensor& in = g.tensor(op.inputs[0]);
  const Tensor& w = g.tensor(op.inputs[1]);
  const Tensor& out = g.tensor(op.outputs[0]);
  const ActivationRange act = activationRange(op.params.activation, out);
  FcCall c;
  c.params = {-in.zeroPoint(), out.zeroPoint(), act.min, act.max};
  c.quant = fcQuant(in, w, out);
  c.units = w.shape[0];
  c.depth = w.shape[1];
  c.batches = int32_t(in.elementCount() / c.depth);
  c.hasBias = op.inputs.size() == 3 && op.inputs[2] != kNoTensor;
  return c;
}

Status evaluate(const Graph& g, const Op& op, const TensorBuffers& b) {
  const FcCall c = prepare(g, op);
  const tfk_channel_quant qv = c.quant.view();
  tfk_fully_connected_s8(&c.params, &qv, c.batches, c.depth, c.units, b.in<int8_t>(op.inputs[0]),
                         b.in<int8_t>(op.inputs[1]),
                         c.hasBias ? b.in<int32_t>(op.inputs[2]) : nullptr,
                         b.out<int8_t>(op.outputs[0]));
  return Status::ok();
}

// The CSR encoding of int8 weights [units, depth]: row starts, columns, values.
struct SparseWeights {
  std::vector<int32_t> rowStart, cols, vals;
  int64_t bytes() const { return int64_t(rowStart.size()) * 2 + int64_t(cols.size()) * 3; }
};

SparseWeights encodeSparse(const Tensor& w) {
  SparseWeights s;
  const int32_t units = w.shape[0], depth = w.shape[1];
  for (int32_t u = 0; u < units; ++u) {
    s.rowStart.push_back(int32_t(s.cols.size()));
    for (int32_t j = 0; j < depth; ++j) {
      const int8_t v = int8_t(w.data[size_t(u) * size_t(depth) + size_t(j)]);
      if (v == 0) continue;
      s.cols.push_back(j);
      s.vals.push_back(v);
    }
  }
  s.rowStart.push_back(int32_t(s.cols.size()));
  return s;
}

// Sparse storage pays when it is smaller than the dense weights and fits 16-bit indices.
bool sparsePays(const Tensor& w, const SparseWeights& s) {
  return s.bytes() < w.byteSize() && s.cols.size() < 65536 && w.shape[1] < 65536;
}

// The requantization constants and parameters of the current op (prefix "opN": _m, _s, _q, _p).
void declareQuant(const FcCall& c, CEmitter& e) {
  const std::string& n = e.prefix();
  e.declare("static const int32_t " + n + "_m[] = " + cIntArray(c.quant.multiplier) + ";\n");
  e.declare("static const int32_t " + n + "_s[] = " + cIntArray(c.quant.shift) + ";\n");
  e.declare("static const tfk_channel_quant " + n + "_q = {" + n + "_m, " + n + "_s, " +
            (c.quant.multiplier.size() > 1 ? "1" : "0") + "};\n");
  e.declare("static const tfk_fc_params " + n + "_p = " + cLiteral(c.params) + ";\n");
}

// The bias with the input offset folded in (the fast kernels' starting accumulators).
std::vector<int32_t> foldedBias(const Graph& g, const Op& op, const FcCall& c) {
  std::vector<int32_t> folded(size_t(c.units));
  tfk_fold_input_offset(
      c.params.input_offset, reinterpret_cast<const int8_t*>(g.tensor(op.inputs[1]).data.data()),
      c.units, c.depth,
      c.hasBias ? reinterpret_cast<const int32_t*>(g.tensor(op.inputs[2]).data.data()) : nullptr,
      folded.data());
  return folded;
}

Status emit(const Graph& g, const Op& op, CEmitter& e) {
  const FcCall c = prepare(g, op);
  const std::string& n = e.prefix();
  declareQuant(c, e);
  if (!e.fastKernels()) {
    e.call("tfk_fully_connected_s8(&" + n + "_p, &" + n + "_q, " + std::to_string(c.batches) + ", " +
           std::to_string(c.depth) + ", " + std::to_string(c.units) + ", (const int8_t*)" +
           e.tensor(op.inputs[0]) + ", " + e.tensor(op.inputs[1]) + ", " +
           (c.hasBias ? e.tensor(op.inputs[2]) : std::string("0")) + ", (int8_t*)" +
           e.tensor(op.outputs[0]) + ");");
    return Status::ok();
  }
  e.declare("static const int32_t " + n + "_fb[] = " + cIntArray(foldedBias(g, op, c)) + ";\n");
  const SparseWeights sparse = encodeSparse(g.tensor(op.inputs[1]));
  if (sparsePays(g.tensor(op.inputs[1]), sparse)) {  // the dense weights are never declared
    e.comment("sparse weights: " + std::to_string(sparse.cols.size()) + " non-zero of " +
              std::to_string(g.tensor(op.inputs[1]).elementCount()) + ", " + std::to_string(sparse.bytes()) +
              " B instead of " + std::to_string(g.tensor(op.inputs[1]).byteSize()));
    e.declare("static const uint16_t " + n + "_rs[] = " + cIntArray(sparse.rowStart) + ";\n");
    e.declare("static const uint16_t " + n + "_ci[] = " + cIntArray(sparse.cols.empty() ? std::vector<int32_t>{0} : sparse.cols) + ";\n");
    e.declare("static const int8_t " + n + "_wv[] = " + cIntArray(sparse.vals.empty() ? std::vector<int32_t>{0} : sparse.vals) + ";\n");
    e.call("tfk_fully_connected_sparse_s8(&" + n + "_p, &" + n + "_q, " + std::to_string(c.batches) + ", " +
           std::to_string(c.depth) + ", " + std::to_string(c.units) + ", (const int8_t*)" + e.tensor(op.inputs[0]) +
           ", " + n + "_rs, " + n + "_ci, " + n + "_wv, " + n + "_fb, (int8_t*)" + e.tensor(op.outputs[0]) + ");");
    return Status::ok();
  }
  if (tfk_fc_uses_rows4(c.batches, c.depth, c.units)) {  // the dense weights are never declared
    const Tensor& w = g.tensor(op.inputs[1]);
    std::vector<int8_t> relaid(w.data.size());
    tfk_fc_rows4_layout(reinterpret_cast<const int8_t*>(w.data.data()), c.depth, c.units,
                        relaid.data());
    const std::string w4 = n + "_w4";  // word-aligned: the assembly loads it with LDM
    e.declare("static const int8_t " + w4 + "[] TF_ALIGN4 = " +
              cIntArray(std::vector<int32_t>(relaid.begin(), relaid.end())) + ";\n");
    e.call("tfk_fully_connected_rows4_s8(&" + n + "_p, &" + n + "_q, " + std::to_string(c.depth) +
           ", " + std::to_string(c.units) + ", (const int8_t*)" + e.tensor(op.inputs[0]) + ", " +
           w4 + ", " + n + "_fb, (int8_t*)" + e.tensor(op.outputs[0]) + ");");
    return Status::ok();
  }
  e.call("tfk_fully_connected_fast_s8(&" + n + "_p, &" + n + "_q, " + std::to_string(c.batches) + ", " +
         std::to_string(c.depth) + ", " + std::to_string(c.units) + ", (const int8_t*)" +
         e.tensor(op.inputs[0]) + ", " + e.tensor(op.inputs[1]) + ", " + n + "_fb, (int8_t*)" +
         e.tensor(op.outputs[0]) + ");");
  return Status::ok();
}

}  // namespace

bool fcTakesSlices(const Graph& g, const Op& op) {
  return op.kind == OpKind::kFullyConnected && op.inputs.size() >= 2 &&
         g.tensor(op.inputs[0]).elementCount() == g.tensor(op.inputs[1]).shape[1];
}

int32_t fcUnits(const Graph& g, const Op& op) { return g.tensor(op.inputs[1]).shape[0]; }

void fcSlicesBegin(const Graph& g, const Op& op, int32_t* acc) {
  const FcCall c = prepare(g, op);
  if (c.hasBias) {
    std::memcpy(acc, g.tensor(op.inputs[2]).data.data(), size_t(c.units) * 4);
  } else {
    std::memset(acc, 0, size_t(c.units) * 4);
  }
}

void fcSlicesAccumulate(const Graph& g, const Op& op, const int8_t* x, int64_t first, int64_t count,
                        int32_t* acc) {
  const FcCall c = prepare(g, op);
  const auto* w = reinterpret_cast<const int8_t*>(g.tensor(op.inputs[1]).data.data());
  tfk_fc_accumulate_s8(&c.params, x, int32_t(count), w + first, c.depth, c.units, acc);
}

void fcSlicesFinish(const Graph& g, const Op& op, const int32_t* acc, int8_t* out) {
  const FcCall c = prepare(g, op);
  const tfk_channel_quant qv = c.quant.view();
  tfk_fc_requantize_s8(&c.params, &qv, c.units, acc, out);
}

void emitFcSlicesBegin(const Graph& g, const Op& op, CEmitter& e, const std::string& acc) {
  const FcCall c = prepare(g, op);
  const std::string& n = e.prefix();
  declareQuant(c, e);
  const std::string bytes = std::to_string(int64_t(c.units) * 4);
  if (e.fastKernels()) {
    e.declare("static const int32_t " + n + "_fb[] = " + cIntArray(foldedBias(g, op, c)) + ";\n");
    e.call("memcpy(" + acc + ", " + n + "_fb, " + bytes + ");");
  } else if (c.hasBias) {
    e.call("memcpy(" + acc + ", " + e.tensor(op.inputs[2]) + ", " + bytes + ");");
  } else {
    e.call("memset(" + acc + ", 0, " + bytes + ");");
  }
}

void emitFcSlicesAccumulate(const Graph& g, const Op& op, CEmitter& e, const std::string& x,
                            int64_t first, int64_t count, const std::string& acc) {
  const FcCall c = prepare(g, op);
  const std::string args = "(const int8_t*)" + x + ", " + std::to_string(count) + ", " +
                           e.tensor(op.inputs[1]) + " + " + std::to_string(first) + ", " +
                           std::to_string(c.depth) + ", " + std::to_string(c.units) +
                           ", (int32_t*)" + acc + ");";
  if (e.fastKernels()) {
    e.call("tfk_fc_accumulate_fast_s8(" + args);
  } else {
    e.call("tfk_fc_accumulate_s8(&" + e.prefix() + "_p, " + args);
  }
}

void emitFcSlicesFinish(const Graph& g, const Op& op, CEmitter& e, const std::string& acc) {
  const FcCall c = prepare(g, op);
  e.call("tfk_fc_requantize_s8(&" + e.prefix() + "_p, &" + e.prefix() + "_q, " +
         std::to_string(c.units) + ", (const int32_t*)" + acc + ", (int8_t*)" +
         e.tensor(op.outputs[0]) + ");");
}

const OpDef& opDefFullyConnected() {
  static const OpDef def{OpKind::kFullyConnected, validate, macs, evaluate, nullptr, nullptr, emit};
  return def;
}

}  // namespace tinyforge
