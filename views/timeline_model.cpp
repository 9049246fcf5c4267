#include "views/timeline_model.h"

#include <algorithm>
#include <cstdio>

#include "engine/plan/patch_stage.h"

namespace tinyforge::views {

namespace {

std::string shapeText(const Tensor& t) {
  std::string s;
  for (size_t i = 0; i < t.shape.size(); ++i) s += (i ? "x" : "") + std::to_string(t.shape[i]);
  return s + " " + dtypeName(t.type);
}

std::vector<int32_t> producers(const Graph& g) {
  std::vector<int32_t> p(g.tensors.size(), -1);
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) {
      if (t >= 0 && size_t(t) < p.size()) p[size_t(t)] = int32_t(i);
    }
  }
  return p;
}

void addTensorBlocks(const Graph& g, const MemoryPlan& plan, TimelineData* t) {
  const std::vector<int32_t> producer = producers(g);
  for (const TensorLifetime& l : plan.lifetimes) {
    if (size_t(l.tensor) >= plan.offsets.size() || plan.offsets[size_t(l.tensor)] < 0) continue;
    TimelineBlock b;
    b.tensor = l.tensor;
    b.firstStep = l.firstStep;
    b.lastStep = l.lastStep;
    b.offset = plan.offsets[size_t(l.tensor)];
    b.bytes = l.bytes;
    b.producerOp = producer[size_t(l.tensor)];
    b.name = g.tensors[size_t(l.tensor)].name;
    b.shape = shapeText(g.tensors[size_t(l.tensor)]);
    b.atPeak = std::find(plan.peakTensors.begin(), plan.peakTensors.end(), l.tensor) !=
               plan.peakTensors.end();
    for (const InPlaceUse& u : plan.inPlace) b.inPlace = b.inPlace || u.output == l.tensor;
    t->blocks.push_back(b);
  }
}

void addScratchBlocks(const Graph& g, const MemoryPlan& plan, TimelineData* t) {
  for (const ScratchBuffer& s : plan.scratch) {
    if (s.offset < 0) continue;
    TimelineBlock b;
    b.kind = BlockKind::kScratch;
    b.firstStep = b.lastStep = s.step;
    b.offset = s.offset;
    b.bytes = s.bytes;
    b.name = s.what;
    b.atPeak = s.step == plan.peakStep;
    t->blocks.push_back(b);
  }
  for (const PatchStage& p : plan.patches) {
    if (p.scratchOffset < 0) continue;
    TimelineBlock b;
    b.kind = BlockKind::kPatchTiles;
    b.firstStep = p.firstStep;
    b.lastStep = p.lastStep + int32_t(p.consumerOps.size());
    b.offset = p.scratchOffset;
    b.bytes = p.workBytes() + fusedAccBytes(g, p);
    b.name = "patch stage: " + std::to_string(p.ops.size()) + " ops on a " +
             std::to_string(p.gridH) + "x" + std::to_string(p.gridW) + " grid (tile buffers" +
             (p.cached ? ", cached rows" : "") +
             (p.consumerOps.empty() ? ")" : ", fully connected layer fused: its accumulators)");
    b.atPeak = p.firstStep <= plan.peakStep && plan.peakStep <= b.lastStep;
    t->blocks.push_back(b);
  }
}

}  // namespace

TimelineData buildTimeline(const Graph& g, const MemoryPlan& plan) {
  TimelineData t;
  t.planner = plan.planner;
  t.liveBytes = plan.liveBytes;
  t.peakStep = plan.peakStep;
  t.arenaBytes = plan.arenaBytes;
  t.lowerBoundBytes = plan.lowerBoundBytes;
  t.stepLabels.assign(plan.liveBytes.size(), "inputs");
  t.stepOp.assign(plan.liveBytes.size(), -1);
  for (size_t k = 0; k < plan.order.size() && k + 1 < t.stepLabels.size(); ++k) {
    const Op& op = g.ops[size_t(plan.order[k])];
    t.stepOp[k + 1] = plan.order[k];
    t.stepLabels[k + 1] = std::to_string(plan.order[k]) + " " + opKindName(op.kind) +
                          (op.name.empty() ? "" : " '" + op.name + "'");
  }
  addTensorBlocks(g, plan, &t);
  addScratchBlocks(g, plan, &t);
  return t;
}

int32_t blockAt(const TimelineData& t, int32_t step, int64_t address) {
  for (size_t i = t.blocks.size(); i-- > 0;) {
    const TimelineBlock& b = t.blocks[i];
    if (step >= b.firstStep && step <= b.lastStep && address >= b.offset &&
        address < b.offset + b.bytes) {
      return int32_t(i);
    }
  }
  return -1;
}

std::string formatBytes(int64_t bytes) {
  char buf[48];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KB", double(bytes) / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f MB", double(bytes) / (1024.0 * 1024.0));
  }
  return buf;
}

std::string formatCount(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (n < 0 ? "-" : "") + out;
}

}  // namespace tinyforge::views
