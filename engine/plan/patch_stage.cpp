#include "engine/plan/patch_stage.h"

#include <algorithm>

#include "engine/ops/fc_slices.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {

bool isRegionOp(const Graph& g, const Op& op) {
  SpatialGeometry s;
  return opDef(op.kind).evaluateRegion != nullptr && spatialGeometry(g, op, &s) &&
         g.tensor(op.inputs[0]).shape.size() == 4 && g.tensor(op.inputs[0]).shape[0] == 1;
}

namespace {

bool isGraphOutput(const Graph& g, TensorId t) {
  return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
}

int readersOf(const Graph& g, TensorId t) {
  int readers = 0;
  for (const Op& other : g.ops) {
    for (TensorId in : other.inputs) readers += in == t ? 1 : 0;
  }
  return readers;
}

}  // namespace

bool isPatchChain(const Graph& g, const std::vector<int32_t>& ops) {
  if (ops.empty()) return false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = g.ops[size_t(ops[i])];
    if (!isRegionOp(g, op)) return false;
    if (i == 0) continue;
    const TensorId prev = g.ops[size_t(ops[i - 1])].outputs[0];
    if (op.inputs[0] != prev) return false;
    if (isGraphOutput(g, prev) || readersOf(g, prev) != 1) return false;
  }
  return true;
}

std::vector<int32_t> sliceConsumer(const Graph& g, const std::vector<int32_t>& order, size_t end) {
  std::vector<int32_t> ops;
  TensorId t = g.ops[size_t(order[end])].outputs[0];
  for (size_t k = end + 1; k < order.size(); ++k) {
    const Op& op = g.ops[size_t(order[k])];
    if (isGraphOutput(g, t) || readersOf(g, t) != 1 || op.inputs.empty() || op.inputs[0] != t)
      break;
    ops.push_back(order[k]);
    if (op.kind == OpKind::kFullyConnected)
      return fcTakesSlices(g, op) ? ops : std::vector<int32_t>{};
    if (op.kind != OpKind::kReshape) break;
    t = op.outputs[0];
  }
  return {};
}

int64_t fusedAccBytes(const Graph& g, const PatchStage& stage) {
  if (stage.consumerOps.empty()) return 0;
  return (int64_t(fcUnits(g, g.ops[size_t(stage.consumerOps.back())])) * 4 + 15) / 16 * 16;
}

std::vector<TensorId> tiledTensors(const Graph& g, const PatchStage& stage) {
  std::vector<TensorId> tiled;
  for (size_t k = 0; k + 1 < stage.ops.size(); ++k)
    tiled.push_back(g.ops[size_t(stage.ops[k])].outputs[0]);
  if (!stage.consumerOps.empty()) {
    tiled.push_back(g.ops[size_t(stage.ops.back())].outputs[0]);
    for (size_t k = 0; k + 1 < stage.consumerOps.size(); ++k) {
      tiled.push_back(g.ops[size_t(stage.consumerOps[k])].outputs[0]);
    }
  }
  return tiled;
}

std::vector<TileRegion> tileGrid(int32_t h, int32_t w, int32_t gridH, int32_t gridW) {
  std::vector<TileRegion> tiles;
  for (int32_t i = 0; i < gridH; ++i) {
    for (int32_t j = 0; j < gridW; ++j) {
      TileRegion t{int32_t(int64_t(h) * i / gridH), int32_t(int64_t(h) * (i + 1) / gridH),
                   int32_t(int64_t(w) * j / gridW), int32_t(int64_t(w) * (j + 1) / gridW)};
      if (t.y1 > t.y0 && t.x1 > t.x0) tiles.push_back(t);
    }
  }
  return tiles;
}

std::vector<TileRegion> traceTile(const Graph& g, const std::vector<int32_t>& ops,
                                  const TileRegion& tile) {
  std::vector<TileRegion> regions(ops.size() + 1);
  regions.back() = tile;
  for (size_t i = ops.size(); i-- > 0;) {
    const Op& op = g.ops[size_t(ops[i])];
    const Tensor& in = g.tensor(op.inputs[0]);
    SpatialGeometry s;
    spatialGeometry(g, op, &s);
    const TileRegion& out = regions[i + 1];
    const int32_t ekh = (s.kernelH - 1) * s.dilationH + 1, ekw = (s.kernelW - 1) * s.dilationW + 1;
    TileRegion r;
    r.y0 = std::max(0, out.y0 * s.strideH - s.padTop);
    r.y1 = std::min(in.shape[1], (out.y1 - 1) * s.strideH - s.padTop + ekh);
    r.x0 = std::max(0, out.x0 * s.strideW - s.padLeft);
    r.x1 = std::min(in.shape[2], (out.x1 - 1) * s.strideW - s.padLeft + ekw);
    regions[i] = r;
  }
  return regions;
}

std::vector<TileStep> tileSteps(const Graph& g, const std::vector<int32_t>& ops,
                                const TileRegion& tile) {
  const std::vector<TileRegion> regions = traceTile(g, ops, tile);
  std::vector<TileStep> steps(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    SpatialGeometry s;
    spatialGeometry(g, g.ops[size_t(ops[i])], &s);
    steps[i].in = regions[i];
    steps[i].out = regions[i + 1];
    steps[i].padTop = s.padTop - regions[i + 1].y0 * s.strideH + regions[i].y0;
    steps[i].padLeft = s.padLeft - regions[i + 1].x0 * s.strideW + regions[i].x0;
  }
  return steps;
}

bool splitCanOverwriteInput(const Graph& g, const std::vector<int32_t>& ops, int32_t gridH,
                            int32_t gridW) {
  const Tensor& in = g.tensor(g.ops[size_t(ops.front())].inputs[0]);
  const Tensor& split = g.tensor(g.ops[size_t(ops.back())].outputs[0]);
  const int64_t inPixel = in.shape[3], inRow = int64_t(in.shape[2]) * inPixel;
  const int64_t outPixel = split.shape[3], outRow = int64_t(split.shape[2]) * outPixel;
  const std::vector<TileRegion> tiles = tileGrid(split.shape[1], split.shape[2], gridH, gridW);
  std::vector<int64_t> firstNeeded(tiles.size());
  for (size_t t = 0; t < tiles.size(); ++t) {
    const TileRegion r = traceTile(g, ops, tiles[t]).front();
    firstNeeded[t] = r.y0 * inRow + r.x0 * inPixel;
  }
  int64_t lastWritten = -1;
  for (size_t t = 0; t < tiles.size(); ++t) {
    lastWritten = std::max(lastWritten, (tiles[t].y1 - 1) * outRow + tiles[t].x1 * outPixel - 1);
    for (size_t later = t + 1; later < tiles.size(); ++later) {
      if (lastWritten >= firstNeeded[later]) return false;
    }
  }
  return true;
}

PatchGeometry patchGeometry(const Graph& g, const std::vector<int32_t>& ops, int32_t gridH,
                            int32_t gridW) {
  PatchGeometry geo;
  const Tensor& last = g.tensor(g.ops[size_t(ops.back())].outputs[0]);
  std::vector<int64_t> channels, macsPerPixel;
  channels.push_back(g.tensor(g.ops[size_t(ops[0])].inputs[0]).shape[3]);
  for (int32_t o : ops) {
    const Op& op = g.ops[size_t(o)];
    const Tensor& out = g.tensor(op.outputs[0]);
    const int64_t m = opDef(op.kind).macs(g, op);
    geo.stageMacs += m;
    channels.push_back(out.shape[3]);
    macsPerPixel.push_back(m / std::max<int64_t>(1, int64_t(out.shape[1]) * out.shape[2]));
  }
  const int32_t inW = g.tensor(g.ops[size_t(ops[0])].inputs[0]).shape[2];
  for (const TileRegion& tile : tileGrid(last.shape[1], last.shape[2], gridH, gridW)) {
    const std::vector<TileRegion> regions = traceTile(g, ops, tile);
    for (size_t i = 0; i < regions.size(); ++i) {
      const int64_t bytes = (regions[i].pixels() * channels[i] + 15) / 16 * 16;
      if (i == 0) {  // the stage input: read in place when whole rows, else copied to slot 1
        if (!wholeRows(regions[0], inW)) geo.slotBytes[1] = std::max(geo.slotBytes[1], bytes);
        continue;
      }
      geo.slotBytes[(i - 1) % 2] = std::max(geo.slotBytes[(i - 1) % 2], bytes);
      geo.tiledMacs += regions[i].pixels() * macsPerPixel[i - 1];
    }
  }
  return geo;
}

}  // namespace tinyforge
