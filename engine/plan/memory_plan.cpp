#include "engine/plan/memory_plan.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "engine/ops/op_def.h"
#include "engine/plan/best_planner.h"
#include "engine/plan/lifetimes.h"
#include "engine/plan/patch_planner.h"
#include "engine/plan/patch_stage.h"
#include "engine/plan/tflm_planner.h"

namespace tinyforge {

MemoryPlanner::~MemoryPlanner() = default;

std::vector<std::string> plannerNames() { return {"tflm", "best", "patch", "patch-recompute"}; }

Result<std::unique_ptr<MemoryPlanner>> makePlanner(const std::string& name) {
  if (name == "tflm") return std::unique_ptr<MemoryPlanner>(std::make_unique<TflmPlanner>());
  if (name == "best") return std::unique_ptr<MemoryPlanner>(std::make_unique<BestPlanner>());
  if (name == "patch") return std::unique_ptr<MemoryPlanner>(std::make_unique<PatchPlanner>());
  if (name == "patch-recompute")
    return std::unique_ptr<MemoryPlanner>(std::make_unique<PatchPlanner>(0.2));
  std::string choices;
  for (const std::string& n : plannerNames()) choices += (choices.empty() ? "" : ", ") + n;
  return Status::error("unknown memory planner '" + name + "' (choices: " + choices + ")");
}

std::vector<int32_t> fileOrder(const Graph& graph) {
  std::vector<int32_t> order(graph.ops.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

namespace {

// One arena buffer as checkPlan sees it.
struct PlacedBuffer {
  int32_t firstStep, lastStep;
  int64_t offset, bytes;
  std::string label;
  TensorId tensor = kNoTensor;  // kNoTensor for scratch
};

std::string tensorLabel(const Graph& g, TensorId t) {
  return "tensor '" + g.tensor(t).name + "' (id " + std::to_string(t) + ")";
}

std::string span(const PlacedBuffer& b) {
  return "bytes [" + std::to_string(b.offset) + ", " + std::to_string(b.offset + b.bytes) +
         ") steps [" + std::to_string(b.firstStep) + ", " + std::to_string(b.lastStep) + "]";
}

// A fused layer's accumulators lie in its stage's buffer, after the tile slots, on the stage's
// first step and on the fused layer's step (the buffer is planned over both and the steps between).
Status checkFusedAccumulators(const Graph& g, const MemoryPlan& plan, const PatchStage& stage) {
  if (stage.consumerOps.empty()) return Status::ok();
  const int32_t fusedStep = stage.lastStep + int32_t(stage.consumerOps.size());
  const int64_t slots = stage.workBytes();
  for (int32_t step : {stage.firstStep, fusedStep}) {
    bool inside = false;
    for (const ScratchBuffer& b : plan.scratch) {
      inside = inside || (b.step == step && b.offset == stage.scratchOffset &&
                          stage.accOffset >= b.offset + slots &&
                          stage.accOffset + fusedAccBytes(g, stage) <= b.offset + b.bytes);
    }
    if (!inside) {
      return Status::error("plan: the accumulators of op " +
                           std::to_string(stage.consumerOps.back()) +
                           ", fused into a patch stage, lie outside the stage's buffer on step " +
                           std::to_string(step));
    }
  }
  return Status::ok();
}

// Each plan lifetime names a real non-constant tensor once and covers its true lifetime.
Status checkLifetimes(const Graph& g, const MemoryPlan& plan, std::vector<int32_t>* planIndex) {
  Result<std::vector<TensorLifetime>> truth = tensorLifetimes(g, plan.order);
  if (!truth) return truth.status();
  planIndex->assign(g.tensors.size(), -1);
  for (size_t i = 0; i < plan.lifetimes.size(); ++i) {
    const TensorLifetime& l = plan.lifetimes[i];
    if (l.tensor < 0 || size_t(l.tensor) >= g.tensors.size()) {
      return Status::error("plan: lifetime of tensor id " + std::to_string(l.tensor) +
                           ", the graph has " + std::to_string(g.tensors.size()) + " tensors");
    }
    if ((*planIndex)[size_t(l.tensor)] >= 0) {
      return Status::error("plan: " + tensorLabel(g, l.tensor) + " has two lifetimes");
    }
    if (g.tensor(l.tensor).isConstant) {
      return Status::error("plan: constant " + tensorLabel(g, l.tensor) + " has a lifetime");
    }
    (*planIndex)[size_t(l.tensor)] = int32_t(i);
  }
  std::vector<bool> tiled(g.tensors.size(), false);  // tensors of patch stages never whole
  for (const PatchStage& stage : plan.patches) {
    for (int32_t op : stage.ops) {
      if (op < 0 || size_t(op) >= g.ops.size())
        return Status::error("plan: patch stage names op " + std::to_string(op));
    }
    for (int32_t op : stage.consumerOps) {
      if (op < 0 || size_t(op) >= g.ops.size())
        return Status::error("plan: patch stage names op " + std::to_string(op));
    }
    if (stage.ops.empty()) return Status::error("plan: a patch stage without ops");
    const bool runnable = stage.gridH >= 1 && stage.gridW >= 1 &&
                          (stage.cached ? stage.gridW == 1 && isPatchStage(g, stage.ops)
                                        : isPatchChain(g, stage.ops));
    if (!runnable) {
      return Status::error("plan: the patch stage at op " + std::to_string(stage.ops.front()) +
                           " is not one its tiles can run");
    }
    for (TensorId t : tiledTensors(g, stage)) tiled[size_t(t)] = true;
    if (Status s = checkFusedAccumulators(g, plan, stage); !s) return s;
  }
  for (const TensorLifetime& t : truth.value()) {
    if (tiled[size_t(t.tensor)] && (*planIndex)[size_t(t.tensor)] < 0) continue;
    const int32_t i = (*planIndex)[size_t(t.tensor)];
    if (i < 0) return Status::error("plan: " + tensorLabel(g, t.tensor) + " is not planned");
    const TensorLifetime& l = plan.lifetimes[size_t(i)];
    if (l.firstStep > t.firstStep || l.lastStep < t.lastStep || l.bytes < t.bytes) {
      return Status::error("plan: " + tensorLabel(g, t.tensor) + " planned for steps [" +
                           std::to_string(l.firstStep) + ", " + std::to_string(l.lastStep) +
                           "] x " + std::to_string(l.bytes) + " B, but lives in [" +
                           std::to_string(t.firstStep) + ", " + std::to_string(t.lastStep) +
                           "] x " + std::to_string(t.bytes) + " B");
    }
  }
  return Status::ok();
}

// Offsets inside the arena; constants and unplanned tensors outside it.
Status collectBuffers(const Graph& g, const MemoryPlan& plan, const std::vector<int32_t>& planIndex,
                      std::vector<PlacedBuffer>* out) {
  if (plan.offsets.size() != g.tensors.size()) {
    return Status::error("plan: " + std::to_string(plan.offsets.size()) + " offsets for " +
                         std::to_string(g.tensors.size()) + " tensors");
  }
  for (size_t t = 0; t < g.tensors.size(); ++t) {
    const int64_t offset = plan.offsets[t];
    if (planIndex[t] < 0) {
      if (offset != -1) {
        return Status::error("plan: unplanned " + tensorLabel(g, TensorId(t)) + " has offset " +
                             std::to_string(offset));
      }
      continue;
    }
    const TensorLifetime& l = plan.lifetimes[size_t(planIndex[t])];
    out->push_back({l.firstStep, l.lastStep, offset, l.bytes, tensorLabel(g, TensorId(t)), TensorId(t)});
  }
  const int32_t lastStep = int32_t(plan.order.size());
  for (const ScratchBuffer& s : plan.scratch) {
    if (s.step < 0 || s.step > lastStep || s.bytes < 0) {
      return Status::error("plan: scratch '" + s.what + "' at step " + std::to_string(s.step) +
                           " with " + std::to_string(s.bytes) + " B");
    }
    out->push_back({s.step, s.step, s.offset, s.bytes, "scratch '" + s.what + "'"});
  }
  for (const PlacedBuffer& b : *out) {
    if (b.offset < 0 || b.offset + b.bytes > plan.arenaBytes) {
      return Status::error("plan: " + b.label + " at " + span(b) + " is outside the arena of " +
                           std::to_string(plan.arenaBytes) + " B");
    }
  }
  return Status::ok();
}

// Each in-place use is one the op's kernel allows: output 0 of the op run at that step, on an
// input the op reads, which the memory rule (OpDef::inPlace) lets it overwrite, at the same offset.
Status checkInPlaceUses(const Graph& g, const MemoryPlan& plan) {
  for (const InPlaceUse& u : plan.inPlace) {
    const std::string where = "plan: in-place use at step " + std::to_string(u.step);
    if (u.step < 1 || size_t(u.step) > plan.order.size() || plan.order[size_t(u.step - 1)] != u.op) {
      return Status::error(where + " does not name the op run there");
    }
    const auto n = TensorId(g.tensors.size());
    if (u.input < 0 || u.input >= n || u.output < 0 || u.output >= n) {
      return Status::error(where + " names tensors " + std::to_string(u.input) + " and " +
                           std::to_string(u.output) + ", graph has " + std::to_string(n));
    }
    const Op& op = g.ops[size_t(u.op)];
    const OpDef& def = opDef(op.kind);
    const uint32_t mask = def.inPlace ? def.inPlace(g, op).inputMask : 0;
    bool allowed = false;
    for (size_t i = 0; i < op.inputs.size() && i < 32; ++i) {
      allowed = allowed || (op.inputs[i] == u.input && ((mask >> i) & 1));
    }
    if (op.outputs.empty() || op.outputs[0] != u.output || !allowed) {
      return Status::error(where + ": " + opKindName(op.kind) + " '" + op.name +
                           "' may not write " + tensorLabel(g, u.output) + " over " +
                           tensorLabel(g, u.input));
    }
    if (plan.offsets[size_t(u.input)] != plan.offsets[size_t(u.output)]) {
      return Status::error(where + ": " + tensorLabel(g, u.output) + " is not at the offset of " +
                           tensorLabel(g, u.input));
    }
  }
  return Status::ok();
}

// A patch stage that writes its split tensor over its input, where the tile order makes it safe.
bool isPatchOverwrite(const Graph& g, const MemoryPlan& plan, const PlacedBuffer& a,
                      const PlacedBuffer& b) {
  for (const PatchStage& p : plan.patches) {
    if (!p.splitOverInput || p.ops.empty() || a.offset != b.offset) continue;
    const TensorId in = g.ops[size_t(p.ops.front())].inputs[0];
    const TensorId split = g.ops[size_t(p.ops.back())].outputs[0];
    const bool pair = (a.tensor == in && b.tensor == split) || (a.tensor == split && b.tensor == in);
    if (pair && splitCanOverwriteInput(g, p.ops, stageSchedule(g, p))) return true;
  }
  return false;
}

bool isInPlacePair(const MemoryPlan& plan, const PlacedBuffer& a, const PlacedBuffer& b) {
  for (const InPlaceUse& u : plan.inPlace) {
    const bool pair = (u.input == a.tensor && u.output == b.tensor) ||
                      (u.input == b.tensor && u.output == a.tensor);
    if (!pair || a.offset != b.offset) continue;
    const PlacedBuffer& in = u.input == a.tensor ? a : b;
    const PlacedBuffer& out = u.input == a.tensor ? b : a;
    if (in.lastStep == u.step && out.firstStep == u.step) return true;
  }
  return false;
}

Status checkNoOverlap(const Graph& g, const MemoryPlan& plan, std::vector<PlacedBuffer> buffers) {
  std::sort(buffers.begin(), buffers.end(),
            [](const PlacedBuffer& a, const PlacedBuffer& b) { return a.offset < b.offset; });
  for (size_t i = 0; i < buffers.size(); ++i) {
    const PlacedBuffer& a = buffers[i];
    for (size_t j = i + 1; j < buffers.size() && buffers[j].offset < a.offset + a.bytes; ++j) {
      const PlacedBuffer& b = buffers[j];
      if (b.bytes == 0 || a.firstStep > b.lastStep || b.firstStep > a.lastStep) continue;
      if (isInPlacePair(plan, a, b) || isPatchOverwrite(g, plan, a, b)) continue;
      return Status::error("plan: " + a.label + " at " + span(a) + " overlaps " + b.label + " at " +
                           span(b));
    }
  }
  return Status::ok();
}

}  // namespace

Status checkPlan(const Graph& graph, const MemoryPlan& plan) {
  std::vector<int32_t> planIndex;
  if (Status s = checkLifetimes(graph, plan, &planIndex); !s) return s;
  std::vector<PlacedBuffer> buffers;
  if (Status s = collectBuffers(graph, plan, planIndex, &buffers); !s) return s;
  if (Status s = checkInPlaceUses(graph, plan); !s) return s;
  return checkNoOverlap(graph, plan, std::move(buffers));
}

}  // namespace tinyforge
