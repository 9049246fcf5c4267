#include "engine/plan/arena_executor.h"

#include <cstring>

#include "engine/ops/fc_slices.h"
#include "engine/ops/op_def.h"
#include "engine/plan/patch_stage.h"
#include "engine/validate.h"

namespace tinyforge {
namespace {

Status checkPlanShape(const Graph& g, const MemoryPlan& plan) {
  if (plan.offsets.size() != g.tensors.size()) {
    return Status::error("plan has offsets for " + std::to_string(plan.offsets.size()) +
                         " tensors, graph has " + std::to_string(g.tensors.size()));
  }
  if (plan.order.size() != g.ops.size()) return Status::error("plan order does not cover the graph");
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int64_t off = plan.offsets[t];
    if (off >= 0 && off + g.tensors[t].byteSize() > plan.arenaBytes) {
      return Status::error("plan puts tensor '" + g.tensors[t].name + "' outside the arena");
    }
  }
  for (const ScratchBuffer& s : plan.scratch) {
    if (s.offset < 0 || s.offset + s.bytes > plan.arenaBytes) return Status::error("plan scratch outside the arena");
  }
  for (const PatchStage& p : plan.patches) {
    if (p.scratchOffset < 0 || p.scratchOffset + p.workBytes() > plan.arenaBytes) {
      return Status::error("plan puts a patch stage's tiles outside the arena");
    }
    if (p.consumerOps.empty()) continue;
    if (p.consumerOps.back() < 0 || size_t(p.consumerOps.back()) >= g.ops.size()) {
      return Status::error("plan fuses op " + std::to_string(p.consumerOps.back()) +
                           ", which the graph lacks");
    }
    const Op& fc = g.ops[size_t(p.consumerOps.back())];
    if (!fcTakesSlices(g, fc) || p.gridW != 1 || p.accOffset < 0 || p.accOffset % 4 != 0 ||
        p.accOffset + int64_t(fcUnits(g, fc)) * 4 > plan.arenaBytes) {
      return Status::error("plan fuses op " + std::to_string(p.consumerOps.back()) +
                           " into a patch stage it cannot run in");
    }
  }
  return Status::ok();
}

// Copies rows [r.y0, r.y1) x columns [r.x0, r.x1) between a whole NHWC tensor and a region.
void copyRegion(const int8_t* src, int32_t srcW, const TileRegion& r, int32_t c, int8_t* dst,
                bool toRegion) {
  const int32_t w = r.x1 - r.x0;
  for (int32_t y = r.y0; y < r.y1; ++y) {
    int8_t* whole = const_cast<int8_t*>(src) + (int64_t(y) * srcW + r.x0) * c;
    int8_t* region = dst + int64_t(y - r.y0) * w * c;
    if (toRegion) {
      std::memcpy(region, whole, size_t(w) * size_t(c));
    } else {
      std::memcpy(whole, region, size_t(w) * size_t(c));
    }
  }
}

// Runs a patch stage as its schedule says (engine/plan/patch_stage.h: stageSchedule), with the
// reference kernels: each tile's input region copied in where it is not whole rows, the rows a
// cached strip keeps moved, each op on its region, the last region copied into the split tensor
// (or accumulated by the fused layer, which writes its output after the last tile).
Status runPatchStage(const Graph& g, const PatchStage& stage, const TensorBuffers& b,
                     uint8_t* arena) {
  const Op* fused = stage.consumerOps.empty() ? nullptr : &g.ops[size_t(stage.consumerOps.back())];
  auto* acc = fused ? reinterpret_cast<int32_t*>(arena + stage.accOffset) : nullptr;
  if (fused) fcSlicesBegin(g, *fused, acc);
  const StageSchedule schedule = stageSchedule(g, stage);
  if (schedule.bufferBytes != stage.bufferBytes ||
      schedule.tileScratchBytes > stage.tileScratchBytes)
    return Status::error("plan: a patch stage's buffers do not match its tiles");
  std::vector<int8_t*> buffers;
  for (size_t i = 0; i < stage.bufferBytes.size(); ++i)
    buffers.push_back(reinterpret_cast<int8_t*>(arena + stage.bufferOffset(i)));
  const Tensor& in = g.tensor(g.ops[size_t(stage.ops.front())].inputs[0]);
  const TensorId splitId = g.ops[size_t(stage.ops.back())].outputs[0];
  const Tensor& split = g.tensor(splitId);
  const int8_t* whole = b.in<int8_t>(g.ops[size_t(stage.ops.front())].inputs[0]);
  for (const StageTile& t : schedule.tiles) {
    if (t.copyIn) copyRegion(whole, in.shape[2], t.in, in.shape[3], buffers[1], true);
    for (const StageMove& m : t.moves) {
      std::memmove(buffers[size_t(m.buffer)], buffers[size_t(m.buffer)] + m.from, size_t(m.bytes));
    }
    for (const StageRun& run : t.runs) {
      const Op& op = g.ops[size_t(stage.ops[run.index])];
      RegionArgs r = regionGeometry(run.step);
      r.in = (run.inBuffer < 0 ? whole : buffers[size_t(run.inBuffer)]) + run.inOffset;
      if (regionInputCount(op) > 1)
        r.in2 = (run.in2Buffer < 0 ? whole : buffers[size_t(run.in2Buffer)]) + run.in2Offset;
      int8_t* out =
          run.outBuffer == kSplitBuffer ? b.out<int8_t>(splitId) : buffers[size_t(run.outBuffer)];
      r.out = out + run.outOffset;
      if (Status s = opDef(op.kind).evaluateRegion(g, op, r); !s) return s;
    }
    if (t.outBuffer == kSplitBuffer) continue;  // the last op wrote the split tensor's rows
    const int8_t* last = buffers[size_t(t.outBuffer)] + t.outOffset;
    if (fused) {
      const int64_t row = int64_t(split.shape[2]) * split.shape[3];
      fcSlicesAccumulate(g, *fused, last, t.out.y0 * row, (t.out.y1 - t.out.y0) * row, acc);
      continue;
    }
    copyRegion(b.in<int8_t>(splitId), split.shape[2], t.out, split.shape[3],
               const_cast<int8_t*>(last), false);
  }
  if (fused) fcSlicesFinish(g, *fused, acc, b.out<int8_t>(fused->outputs[0]));
  return Status::ok();
}

}  // namespace

Result<TensorValues> runGraphInArena(const Graph& graph, const MemoryPlan& plan,
                                     const std::vector<std::vector<uint8_t>>& inputs,
                                     const RunOptions& options) {
  if (Status s = validateGraph(graph); !s) return s;
  if (Status s = checkPlanShape(graph, plan); !s) return s;
  if (inputs.size() != graph.inputs.size()) {
    return Result<TensorValues>::failure("graph has " + std::to_string(graph.inputs.size()) +
                                         " inputs, " + std::to_string(inputs.size()) + " given");
  }
  std::vector<uint64_t> storage(size_t(plan.arenaBytes + 7) / 8 + 1, 0);
  auto* arena = reinterpret_cast<uint8_t*>(storage.data());
  TensorBuffers buffers;
  buffers.ptr.assign(graph.tensors.size(), nullptr);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    const Tensor& tensor = graph.tensors[t];
    if (tensor.isConstant) buffers.ptr[t] = const_cast<uint8_t*>(tensor.data.data());
    else if (plan.offsets[t] >= 0) buffers.ptr[t] = arena + plan.offsets[t];
  }
  TensorValues values(graph.tensors.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorId id = graph.inputs[i];
    const Tensor& t = graph.tensor(id);
    if (int64_t(inputs[i].size()) != t.byteSize()) {
      return Result<TensorValues>::failure("input " + std::to_string(i) + " '" + t.name + "' needs " +
                                           std::to_string(t.byteSize()) + " bytes, got " +
                                           std::to_string(inputs[i].size()));
    }
    if (!buffers.ptr[size_t(id)]) return Result<TensorValues>::failure("plan has no place for input '" + t.name + "'");
    std::memcpy(buffers.ptr[size_t(id)], inputs[i].data(), inputs[i].size());
    values[size_t(id)] = inputs[i];
  }
  std::vector<int32_t> stageOf(graph.ops.size(), -1);
  for (size_t p = 0; p < plan.patches.size(); ++p) {
    for (int32_t op : plan.patches[p].ops) stageOf[size_t(op)] = int32_t(p);
    for (int32_t op : plan.patches[p].consumerOps) stageOf[size_t(op)] = int32_t(p);
  }
  for (size_t k = 0; k < plan.order.size(); ++k) {
    if (options.cancel && options.cancel->load()) return Result<TensorValues>::failure("cancelled");
    const Op& op = graph.ops[size_t(plan.order[k])];
    if (const int32_t p = stageOf[size_t(plan.order[k])]; p >= 0) {
      const PatchStage& stage = plan.patches[size_t(p)];
      if (stage.ops.front() == plan.order[k]) {
        if (Status s = runPatchStage(graph, stage, buffers, arena); !s) {
          return Result<TensorValues>::failure("patch stage at op " + std::to_string(plan.order[k]) + ": " + s.message());
        }
      }
      const bool fused = !stage.consumerOps.empty();
      if (fused ? stage.consumerOps.back() == plan.order[k] : stage.ops.back() == plan.order[k]) {
        const TensorId out = op.outputs[0];  // the split tensor, or the fused layer's output
        const uint8_t* sp = buffers.ptr[size_t(out)];
        values[size_t(out)].assign(sp, sp + graph.tensor(out).byteSize());
      }
      if (options.progress) options.progress(k + 1, plan.order.size());
      continue;
    }
    buffers.scratch = nullptr;
    for (const ScratchBuffer& s : plan.scratch) {
      if (s.step == int32_t(k) + 1) buffers.scratch = arena + s.offset;
    }
    for (TensorId id : op.outputs) {
      if (!buffers.ptr[size_t(id)]) return Result<TensorValues>::failure("plan has no place for '" + graph.tensor(id).name + "'");
    }
    if (Status s = opDef(op.kind).evaluate(graph, op, buffers); !s) {
      return Result<TensorValues>::failure("op " + std::to_string(plan.order[k]) + ": " + s.message());
    }
    for (TensorId id : op.outputs) {
      const uint8_t* p = buffers.ptr[size_t(id)];
      values[size_t(id)].assign(p, p + graph.tensor(id).byteSize());
    }
    if (options.progress) options.progress(k + 1, plan.order.size());
  }
  return values;
}

}  // namespace tinyforge
