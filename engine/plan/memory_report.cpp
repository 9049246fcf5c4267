#include "engine/plan/memory_report.h"

#include <cstdio>

namespace tinyforge {
namespace {

using nlohmann::json;

json liveAt(const Graph& g, const MemoryPlan& plan, int32_t step) {
  json live = json::array();
  for (const TensorLifetime& l : plan.lifetimes) {
    if (l.firstStep <= step && step <= l.lastStep) {
      live.push_back({{"tensor", l.tensor},
                      {"name", g.tensor(l.tensor).name},
                      {"offset", plan.offsets[size_t(l.tensor)]},
                      {"bytes", l.bytes}});
    }
  }
  return live;
}

json scratchAt(const MemoryPlan& plan, int32_t step) {
  json s = json::array();
  for (const ScratchBuffer& b : plan.scratch) {
    if (b.step == step) s.push_back({{"what", b.what}, {"offset", b.offset}, {"bytes", b.bytes}});
  }
  return s;
}

}  // namespace

json memoryReportJson(const Graph& g, const MemoryPlan& plan) {
  json steps = json::array();
  for (int32_t step = 0; step <= int32_t(plan.order.size()); ++step) {
    json s = {{"step", step}, {"live", liveAt(g, plan, step)}, {"scratch", scratchAt(plan, step)},
              {"live_bytes", size_t(step) < plan.liveBytes.size() ? plan.liveBytes[size_t(step)] : 0}};
    if (step == 0) {
      s["op"] = -1;
    } else {
      const int32_t op = plan.order[size_t(step - 1)];
      s["op"] = op;
      s["op_kind"] = opKindName(g.ops[size_t(op)].kind);
      s["op_name"] = g.ops[size_t(op)].name;
    }
    steps.push_back(std::move(s));
  }
  json tensors = json::array();
  for (const TensorLifetime& l : plan.lifetimes) {
    tensors.push_back({{"tensor", l.tensor}, {"name", g.tensor(l.tensor).name},
                       {"offset", plan.offsets[size_t(l.tensor)]}, {"bytes", l.bytes},
                       {"first_step", l.firstStep}, {"last_step", l.lastStep}});
  }
  json inPlace = json::array();
  for (const InPlaceUse& u : plan.inPlace) {
    inPlace.push_back({{"step", u.step}, {"op", u.op}, {"input", u.input}, {"output", u.output}});
  }
  json patches = json::array();
  for (const PatchStage& p : plan.patches) {
    patches.push_back({{"ops", p.ops},
                       {"first_step", p.firstStep},
                       {"last_step", p.lastStep},
                       {"grid", {p.gridH, p.gridW}},
                       {"cached_rows", p.cached},
                       {"buffer_bytes", p.bufferBytes},
                       {"tile_scratch_bytes", p.tileScratchBytes},
                       {"scratch_offset", p.scratchOffset},
                       {"stage_macs", p.stageMacs},
                       {"tiled_macs", p.tiledMacs},
                       {"fused_ops", p.consumerOps},
                       {"acc_offset", p.accOffset}});
  }
  json peakNames = json::array();
  for (TensorId t : plan.peakTensors) peakNames.push_back(g.tensor(t).name);
  return {{"planner", plan.planner},       {"peak_bytes", plan.arenaBytes},
          {"lower_bound_bytes", plan.lowerBoundBytes}, {"peak_step", plan.peakStep},
          {"peak_tensors", plan.peakTensors}, {"peak_tensor_names", peakNames},
          {"op_count", plan.order.size()},  {"steps", steps},
          {"tensors", tensors},             {"in_place", inPlace},
          {"patches", patches}};
}

std::string memoryReportText(const Graph& g, const MemoryPlan& plan, bool allSteps) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "planner %s: arena %lld B (lower bound %lld B), peak at step %d\n",
                plan.planner.c_str(), (long long)plan.arenaBytes, (long long)plan.lowerBoundBytes,
                plan.peakStep);
  out += line;
  const int32_t peakOp = plan.peakStep > 0 ? plan.order[size_t(plan.peakStep - 1)] : -1;
  out += "peak: " + (peakOp >= 0 ? std::string(opKindName(g.ops[size_t(peakOp)].kind)) + " '" +
                                       g.ops[size_t(peakOp)].name + "' (op " + std::to_string(peakOp) + ")"
                                 : std::string("graph inputs")) + "\n";
  for (TensorId t : plan.peakTensors) {
    std::snprintf(line, sizeof line, "  %-40s %-16s offset %8lld  %8lld B\n", g.tensor(t).name.c_str(),
                  shapeString(g.tensor(t).shape).c_str(), (long long)plan.offsets[size_t(t)],
                  (long long)(g.tensor(t).byteSize() + 15) / 16 * 16);
    out += line;
  }
  for (const ScratchBuffer& s : plan.scratch) {
    if (s.step == plan.peakStep) {
      std::snprintf(line, sizeof line, "  scratch %-32s offset %8lld  %8lld B\n", s.what.c_str(),
                    (long long)s.offset, (long long)s.bytes);
      out += line;
    }
  }
  if (!plan.inPlace.empty()) out += std::to_string(plan.inPlace.size()) + " ops run in place\n";
  for (const PatchStage& p : plan.patches) {
    std::snprintf(
        line, sizeof line,
        "patch stage: ops %d..%d (%zu ops) on a %dx%d grid%s, tiles in %lld B, "
        "recomputation +%lld MACs (+%.1f%% of the stage)\n",
        p.ops.front(), p.ops.back(), p.ops.size(), p.gridH, p.gridW,
        p.cached ? " (cached rows)" : "", (long long)p.workBytes(),
        (long long)(p.tiledMacs - p.stageMacs),
        p.stageMacs ? 100.0 * double(p.tiledMacs - p.stageMacs) / double(p.stageMacs) : 0.0);
    out += line;
    if (!p.consumerOps.empty()) {
      std::snprintf(line, sizeof line,
                    "  fused: op %d (FULLY_CONNECTED) accumulates each tile at offset %lld; "
                    "its input never exists whole\n",
                    p.consumerOps.back(), (long long)p.accOffset);
      out += line;
    }
  }
  if (allSteps) {
    out += "step  op  kind                      live bytes\n";
    for (size_t s = 0; s < plan.liveBytes.size(); ++s) {
      const int32_t op = s == 0 ? -1 : plan.order[s - 1];
      std::snprintf(line, sizeof line, "%4zu %4d  %-24s %10lld\n", s, op,
                    op >= 0 ? opKindName(g.ops[size_t(op)].kind) : "(inputs)",
                    (long long)plan.liveBytes[s]);
      out += line;
    }
  }
  return out;
}

}  // namespace tinyforge
