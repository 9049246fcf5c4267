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

RegionArgs regionGeometry(const TileStep& st) {
  RegionArgs r;
  r.inH = st.in.y1 - st.in.y0;
  r.inW = st.in.x1 - st.in.x0;
  r.padTop = st.padTop;
  r.padLeft = st.padLeft;
  r.outH = st.out.y1 - st.out.y0;
  r.outW = st.out.x1 - st.out.x0;
  return r;
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

namespace {

int64_t rounded16(int64_t bytes) { return (bytes + 15) / 16 * 16; }

// The step of one op for the output rows / columns `out` (its input region and local padding).
TileStep stepFor(const Graph& g, int32_t op, const TileRegion& out) {
  return tileSteps(g, {op}, out).front();
}

int64_t runScratch(const Graph& g, const Op& op, const TileStep& st) {
  const auto fn = opDef(op.kind).regionScratch;
  return fn ? rounded16(fn(g, op, regionGeometry(st))) : 0;
}

}  // namespace

StageSchedule stageSchedule(const Graph& g, const std::vector<int32_t>& ops, int32_t gridH,
                            int32_t gridW, bool cached, bool direct) {
  StageSchedule s;
  const size_t n = ops.size();
  const Tensor& in = g.tensor(g.ops[size_t(ops[0])].inputs[0]);
  const Tensor& last = g.tensor(g.ops[size_t(ops.back())].outputs[0]);
  std::vector<int64_t> pixelBytes, macsPerPixel;  // per op: output channels, MACs per pixel
  for (int32_t o : ops) {
    const Op& op = g.ops[size_t(o)];
    const Tensor& out = g.tensor(op.outputs[0]);
    const int64_t m = opDef(op.kind).macs(g, op);
    s.stageMacs += m;
    pixelBytes.push_back(out.shape[3]);
    macsPerPixel.push_back(m / std::max<int64_t>(1, int64_t(out.shape[1]) * out.shape[2]));
  }
  const int64_t inPixel = in.shape[3], inRow = int64_t(in.shape[2]) * inPixel;
  direct = direct && cached;
  s.bufferBytes.assign(cached ? n - (direct ? 1 : 0) : 2, 0);
  auto use = [&](int32_t buffer, int64_t end) {
    s.bufferBytes[size_t(buffer)] = std::max(s.bufferBytes[size_t(buffer)], rounded16(end));
  };
  auto addRun = [&](StageTile& t, StageRun r) {
    const Op& op = g.ops[size_t(ops[r.index])];
    s.tiledMacs += r.step.out.pixels() * macsPerPixel[r.index];
    s.tileScratchBytes = std::max(s.tileScratchBytes, runScratch(g, op, r.step));
    if (r.outBuffer >= 0) use(r.outBuffer, r.outOffset + r.step.out.pixels() * pixelBytes[r.index]);
    t.runs.push_back(r);
  };
  std::vector<TileRegion> held(n);  // cached: the rows of each op's output in its buffer
  const int64_t splitRow = int64_t(last.shape[2]) * last.shape[3];
  for (const TileRegion& tile : tileGrid(last.shape[1], last.shape[2], gridH, gridW)) {
    StageTile t;
    t.out = tile;
    const std::vector<TileRegion> regions = traceTile(g, ops, tile);
    if (!cached) {
      const std::vector<TileStep> steps = tileSteps(g, ops, tile);
      t.in = regions[0];
      t.copyIn = !wholeRows(regions[0], in.shape[2]);
      if (t.copyIn) use(1, regions[0].pixels() * inPixel);
      for (size_t i = 0; i < n; ++i) {
        StageRun r;
        r.index = i;
        r.step = steps[i];
        r.inBuffer = i == 0 ? (t.copyIn ? 1 : -1) : int32_t((i - 1) % 2);
        r.inOffset = i == 0 && !t.copyIn ? regions[0].y0 * inRow : 0;
        r.outBuffer = int32_t(i % 2);
        addRun(t, r);
      }
      t.outBuffer = int32_t((n - 1) % 2);
      s.tiles.push_back(std::move(t));
      continue;
    }
    // Cached strips: op i's buffer holds rows [a, b) of its output (regions[i + 1]); the rows it
    // already holds from the previous strip are kept, only the rows below them computed.
    t.in = regions[0];
    for (size_t i = 0; i < n; ++i) {
      const TileRegion want = regions[i + 1];
      const Tensor& out = g.tensor(g.ops[size_t(ops[i])].outputs[0]);
      const int64_t row = int64_t(out.shape[2]) * pixelBytes[i];
      TileRegion& have = held[i];
      int32_t first = want.y0;  // the first row to compute
      if (have.y1 > want.y0 && have.y0 <= want.y0) {
        first = std::min(have.y1, want.y1);
        if (have.y0 < want.y0 && first > want.y0)
          t.moves.push_back({int32_t(i), (want.y0 - have.y0) * row, (first - want.y0) * row});
      }
      have = want;
      if (first >= want.y1) continue;
      // Whole rows in and out (a buffer row is a tensor row), even where a VALID window leaves
      // the last columns unread: computing them is what keeps the rows contiguous.
      const TileRegion fresh{first, want.y1, 0, out.shape[2]};
      StageRun r;
      r.index = i;
      r.step = stepFor(g, ops[i], fresh);
      r.step.in.x1 = g.tensor(g.ops[size_t(ops[i])].inputs[0]).shape[2];
      if (i == 0) {
        r.inOffset = r.step.in.y0 * inRow;
      } else {
        const Tensor& prev = g.tensor(g.ops[size_t(ops[i - 1])].outputs[0]);
        r.inBuffer = int32_t(i - 1);
        r.inOffset = int64_t(r.step.in.y0 - held[i - 1].y0) * prev.shape[2] * pixelBytes[i - 1];
      }
      if (direct && i + 1 == n) {  // the split tensor's own rows
        r.outBuffer = kSplitBuffer;
        r.outOffset = int64_t(first) * splitRow;
      } else {
        r.outBuffer = int32_t(i);
        r.outOffset = int64_t(first - want.y0) * row;
        use(r.outBuffer, int64_t(want.y1 - want.y0) * row);
      }
      addRun(t, r);
    }
    t.outBuffer = direct ? kSplitBuffer : int32_t(n - 1);
    t.outOffset =
        direct ? int64_t(tile.y0) * splitRow : int64_t(tile.y0 - held[n - 1].y0) * splitRow;
    s.tiles.push_back(std::move(t));
  }
  return s;
}

}  // namespace tinyforge
