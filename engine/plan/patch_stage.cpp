#include "engine/plan/patch_stage.h"

#include <algorithm>

#include "engine/ops/fc_slices.h"
#include "engine/ops/op_def.h"
#include "engine/ops/op_util.h"

namespace tinyforge {

namespace {

// The window geometry a region op reads its input(s) with: ADD reads each output pixel's own.
bool stageGeometry(const Graph& g, const Op& op, SpatialGeometry* s) {
  if (op.kind == OpKind::kAdd) {
    *s = SpatialGeometry{};
    return true;
  }
  return spatialGeometry(g, op, s);
}

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

int32_t regionInputCount(const Op& op) { return op.kind == OpKind::kAdd ? 2 : 1; }

bool isRegionOp(const Graph& g, const Op& op) {
  SpatialGeometry s;
  if (opDef(op.kind).evaluateRegion == nullptr || !stageGeometry(g, op, &s) ||
      op.inputs.size() < size_t(regionInputCount(op)) || op.outputs.empty())
    return false;
  const Tensor& in = g.tensor(op.inputs[0]);
  if (in.shape.size() != 4 || in.shape[0] != 1) return false;
  if (op.kind != OpKind::kAdd) return true;
  const Tensor& out = g.tensor(op.outputs[0]);
  return in.shape == out.shape && g.tensor(op.inputs[1]).shape == out.shape;
}

bool isPatchChain(const Graph& g, const std::vector<int32_t>& ops) {
  if (ops.empty()) return false;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = g.ops[size_t(ops[i])];
    if (!isRegionOp(g, op) || regionInputCount(op) != 1) return false;
    if (i == 0) continue;
    const TensorId prev = g.ops[size_t(ops[i - 1])].outputs[0];
    if (op.inputs[0] != prev) return false;
    if (isGraphOutput(g, prev) || readersOf(g, prev) != 1) return false;
  }
  return true;
}

bool isPatchStage(const Graph& g, const std::vector<int32_t>& ops) {
  if (ops.empty()) return false;
  const TensorId input =
      g.ops[size_t(ops.front())].inputs.empty() ? kNoTensor : g.ops[size_t(ops.front())].inputs[0];
  if (input < 0 || g.tensor(input).isConstant) return false;
  std::vector<TensorId> produced;
  for (int32_t o : ops) {
    const Op& op = g.ops[size_t(o)];
    if (!isRegionOp(g, op)) return false;
    for (int32_t k = 0; k < regionInputCount(op); ++k) {
      const TensorId t = op.inputs[size_t(k)];
      if (t != input && std::find(produced.begin(), produced.end(), t) == produced.end())
        return false;
    }
    produced.push_back(op.outputs[0]);
  }
  for (size_t i = 0; i + 1 < ops.size(); ++i) {
    const TensorId t = produced[i];
    if (isGraphOutput(g, t)) return false;
    int inside = 0;
    for (int32_t o : ops) {
      for (TensorId in : g.ops[size_t(o)].inputs) inside += in == t ? 1 : 0;
    }
    if (inside == 0 || inside != readersOf(g, t)) return false;
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
    stageGeometry(g, op, &s);
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
    stageGeometry(g, g.ops[size_t(ops[i])], &s);
    steps[i].in = regions[i];
    steps[i].out = regions[i + 1];
    steps[i].padTop = s.padTop - regions[i + 1].y0 * s.strideH + regions[i].y0;
    steps[i].padLeft = s.padLeft - regions[i + 1].x0 * s.strideW + regions[i].x0;
  }
  return steps;
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
  const TensorId inId = g.ops[size_t(ops[0])].inputs[0];
  const Tensor& in = g.tensor(inId);
  const Tensor& last = g.tensor(g.ops[size_t(ops.back())].outputs[0]);
  std::vector<int64_t> pixelBytes, macsPerPixel;  // per op: output channels, MACs per pixel
  // per op and region input: -1 the stage input, otherwise the stage op that writes it
  std::vector<std::vector<int32_t>> source(n);
  for (size_t i = 0; i < n; ++i) {
    const Op& op = g.ops[size_t(ops[i])];
    const Tensor& out = g.tensor(op.outputs[0]);
    const int64_t m = opDef(op.kind).macs(g, op);
    s.stageMacs += m;
    pixelBytes.push_back(out.shape[3]);
    macsPerPixel.push_back(m / std::max<int64_t>(1, int64_t(out.shape[1]) * out.shape[2]));
    for (int32_t k = 0; k < regionInputCount(op); ++k) {
      int32_t from = -1;
      for (size_t j = 0; j < i; ++j) {
        if (g.ops[size_t(ops[j])].outputs[0] == op.inputs[size_t(k)]) from = int32_t(j);
      }
      source[i].push_back(from);
    }
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
    if (!cached) {  // a chain (isPatchChain)
      const std::vector<TileRegion> regions = traceTile(g, ops, tile);
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
    // Cached strips: the rows of each op's output this strip needs, the union over its readers
    // (later ops first); op i's buffer holds them. The rows it already holds from the previous
    // strip are kept, only the rows below them computed.
    std::vector<TileRegion> need(n);
    std::vector<bool> needed(n, false);
    need[n - 1] = {tile.y0, tile.y1, 0, last.shape[2]};
    needed[n - 1] = true;
    t.in = {0, 0, 0, in.shape[2]};
    bool inNeeded = false;
    for (size_t i = n; i-- > 0;) {
      if (!needed[i]) continue;
      const TileRegion rows = traceTile(g, {ops[i]}, need[i]).front();
      for (int32_t from : source[i]) {
        TileRegion& r = from < 0 ? t.in : need[size_t(from)];
        const bool had = from < 0 ? inNeeded : bool(needed[size_t(from)]);
        r.y0 = had ? std::min(r.y0, rows.y0) : rows.y0;
        r.y1 = had ? std::max(r.y1, rows.y1) : rows.y1;
        r.x0 = 0;  // whole rows
        r.x1 = g.tensor(from < 0 ? inId : g.ops[size_t(ops[size_t(from)])].outputs[0]).shape[2];
        if (from < 0)
          inNeeded = true;
        else
          needed[size_t(from)] = true;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      if (!needed[i]) continue;
      const TileRegion want = need[i];
      const Op& op = g.ops[size_t(ops[i])];
      const Tensor& out = g.tensor(op.outputs[0]);
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
      r.step.in.x1 = g.tensor(op.inputs[0]).shape[2];
      for (size_t k = 0; k < source[i].size(); ++k) {
        const int32_t from = source[i][k];
        int64_t offset = r.step.in.y0 * inRow;
        if (from >= 0) {
          const Tensor& prev = g.tensor(g.ops[size_t(ops[size_t(from)])].outputs[0]);
          offset = int64_t(r.step.in.y0 - held[size_t(from)].y0) * prev.shape[2] *
                   pixelBytes[size_t(from)];
        }
        (k == 0 ? r.inBuffer : r.in2Buffer) = from;
        (k == 0 ? r.inOffset : r.in2Offset) = offset;
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

bool splitCanOverwriteInput(const Graph& g, const std::vector<int32_t>& ops,
                            const StageSchedule& schedule) {
  const Tensor& in = g.tensor(g.ops[size_t(ops.front())].inputs[0]);
  const Tensor& split = g.tensor(g.ops[size_t(ops.back())].outputs[0]);
  const int64_t inPixel = in.shape[3], inRow = int64_t(in.shape[2]) * inPixel;
  const int64_t outPixel = split.shape[3], outRow = int64_t(split.shape[2]) * outPixel;
  using Range = std::pair<int64_t, int64_t>;  // bytes [first, second)
  auto bytesOf = [](const TileRegion& r, int64_t pixel, int64_t row) {
    return Range{r.y0 * row + r.x0 * pixel, (r.y1 - 1) * row + r.x1 * pixel};
  };
  auto meets = [](const Range& a, const Range& b) {
    return a.first < a.second && b.first < b.second && a.first < b.second && b.first < a.second;
  };
  std::vector<Range> written;  // split bytes written so far
  auto clobbered = [&](const Range& r) {
    for (const Range& w : written) {
      if (meets(r, w)) return true;
    }
    return false;
  };
  for (const StageTile& t : schedule.tiles) {
    if (t.copyIn && clobbered(bytesOf(t.in, inPixel, inRow))) return false;
    for (const StageRun& run : t.runs) {
      const Op& op = g.ops[size_t(ops[run.index])];
      const int64_t rows = run.step.in.y1 - run.step.in.y0;
      std::vector<Range> reads;
      if (run.inBuffer == -1) reads.push_back({run.inOffset, run.inOffset + rows * inRow});
      if (regionInputCount(op) > 1 && run.in2Buffer == -1)
        reads.push_back({run.in2Offset, run.in2Offset + rows * inRow});
      Range write{0, 0};
      if (run.outBuffer == kSplitBuffer)
        write = {run.outOffset, run.outOffset + run.step.out.pixels() * outPixel};
      for (const Range& r : reads) {
        if (clobbered(r)) return false;
        // an element-wise op may read and write the same elements in one call
        const bool sameElements = op.kind == OpKind::kAdd && r == write;
        if (meets(r, write) && !sameElements) return false;
      }
      if (write.second > write.first) written.push_back(write);
    }
    if (t.outBuffer != kSplitBuffer) written.push_back(bytesOf(t.out, outPixel, outRow));
  }
  return true;
}

}  // namespace tinyforge
