// Geometry of patch-based inference: tiles of a chain's last output and their receptive fields.
//
//   if (isPatchChain(graph, ops)) {
//     StageSchedule s = stageSchedule(graph, ops, 3, 3, false);   // buffer bytes, MACs
//     for (const StageTile& t : s.tiles) { for (const StageRun& r : t.runs) ...; }
//   }
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph.h"
#include "engine/ops/op_def.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

// Rows [y0, y1) and columns [x0, x1) of an NHWC tensor.
struct TileRegion {
  int32_t y0 = 0, y1 = 0, x0 = 0, x1 = 0;
  int64_t pixels() const { return int64_t(y1 - y0) * (x1 - x0); }
};

// Ops that can run on a region: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D with batch 1, and
// ADD of two tensors of its output's shape (on whole rows only: cached strips).
bool isRegionOp(const Graph& graph, const Op& op);
// The region inputs of a region op: input 0, and for ADD input 1 too.
int32_t regionInputCount(const Op& op);

// True when `ops` (indices into graph.ops) is a chain of one-input region ops: each reads the
// previous one's output as its data input, and that output is read by nothing else and is no
// graph output. Recomputing tiles (PatchStage::cached false) need a chain.
bool isPatchChain(const Graph& graph, const std::vector<int32_t>& ops);
// True when `ops`, in execution order, is a stage that cached row strips can run: region ops
// whose region inputs are the stage input (input 0 of the first op) or outputs of earlier ops
// of the stage, each of those outputs (all but the last op's, the split tensor) read by stage
// ops only and no graph output. A chain is one; so is a residual block whose ADD reads the stage
// input, or a block with a strided shortcut beside its main branch.
bool isPatchStage(const Graph& graph, const std::vector<int32_t>& ops);

// The gridH x gridW tiles of an h x w output, row-major (near-equal sizes).
std::vector<TileRegion> tileGrid(int32_t h, int32_t w, int32_t gridH, int32_t gridW);
// Whether a region of an h x w tensor is whole rows (contiguous in NHWC).
inline bool wholeRows(const TileRegion& r, int32_t w) { return r.x0 == 0 && r.x1 == w; }

// Receptive field of `tile` (a region of the last op's output) through the chain (isPatchChain):
// result[0] = region of the chain input, result[i + 1] = region of ops[i]'s output.
std::vector<TileRegion> traceTile(const Graph& graph, const std::vector<int32_t>& ops,
                                  const TileRegion& tile);

// One op of a patch stage on one tile: the regions it reads and writes and the padding local to
// its input region (the rows and columns of the image edge the region starts at).
struct TileStep {
  TileRegion in, out;
  int32_t padTop = 0, padLeft = 0;
};
// A step's local geometry as the region kernels take it (RegionArgs with null pointers).
RegionArgs regionGeometry(const TileStep& step);
// The steps of every op of the chain (isPatchChain) for `tile` (a region of the last op's output).
std::vector<TileStep> tileSteps(const Graph& graph, const std::vector<int32_t>& ops,
                                const TileRegion& tile);

// A fused consumer of the chain `ops` whose end is at position `end` of `order`: the RESHAPE ops
// and then a one-batch FULLY_CONNECTED right after it in the order, each the only reader of the
// previous output (the chain's split tensor first), none of those a graph output. Empty: none.
std::vector<int32_t> sliceConsumer(const Graph& graph, const std::vector<int32_t>& order,
                                   size_t end);

// Tensors of a planned stage that never exist whole: the chain's inner outputs, and with a fused
// consumer the split tensor and the RESHAPE outputs too.
std::vector<TensorId> tiledTensors(const Graph& graph, const PatchStage& stage);

// Arena bytes of a stage's fused-layer accumulators (0 without a fused layer).
int64_t fusedAccBytes(const Graph& graph, const PatchStage& stage);

// Where one op of a stage runs on one tile: buffer -1 is the stage input tensor (whole rows,
// read in place), kSplitBuffer the split tensor, otherwise one of the stage's buffers
// (PatchStage::bufferBytes); offsets are bytes from the start of that buffer or tensor.
struct StageRun {
  size_t index = 0;  // into the stage's ops
  TileStep step;
  int32_t inBuffer = -1, outBuffer = 0;
  int64_t inOffset = 0, outOffset = 0;
  int32_t in2Buffer = -1;  // ADD's second input (the same rows); unused for one-input ops
  int64_t in2Offset = 0;
};
// Rows a cached strip keeps from the previous one: `bytes` at `from` in `buffer` moved to its
// start (a forward copy; the ranges may overlap).
struct StageMove {
  int32_t buffer = 0;
  int64_t from = 0, bytes = 0;
};
// One tile of a stage, in the order its parts run: the copy of the input region into buffer 1
// (recomputing stages, where the region is not whole rows), the moves, the ops, then the split
// tensor's region `out` is read from `outBuffer` at `outOffset` (nothing to copy where that is
// kSplitBuffer: the last op wrote it there).
struct StageTile {
  bool copyIn = false;
  TileRegion in;
  std::vector<StageMove> moves;
  std::vector<StageRun> runs;
  TileRegion out;
  int32_t outBuffer = 0;
  int64_t outOffset = 0;
};
// A stage's tiles and the sizes they need: buffer bytes, kernel scratch (OpDef::regionScratch of
// every run) and the MACs the tiles compute. One description that the planner sizes, the host
// executor runs and the code generator unrolls.
struct StageSchedule {
  std::vector<StageTile> tiles;
  std::vector<int64_t> bufferBytes;
  int64_t tileScratchBytes = 0;
  int64_t stageMacs = 0;  // MACs of the chain computed whole
  int64_t tiledMacs = 0;  // MACs of the chain computed tile by tile
};
// `cached` needs row strips (gridW 1) and isPatchStage; recomputing tiles need isPatchChain; see
// PatchStage. With cached strips each op's buffer holds the rows of its output that the strip's
// readers need (the union over its readers in the stage). `direct` (cached only): the last op
// writes its rows straight into the split tensor (StageRun::outBuffer and StageTile::outBuffer
// kSplitBuffer), so it needs no buffer and no copy; see writesSplitDirectly.
StageSchedule stageSchedule(const Graph& graph, const std::vector<int32_t>& ops, int32_t gridH,
                            int32_t gridW, bool cached, bool direct);
constexpr int32_t kSplitBuffer = -2;

// Whether the split tensor may share the stage input's bytes (both at one offset) when the stage
// runs as `schedule` says: no step reads input bytes that an earlier step wrote into the split
// tensor, and a step that writes split bytes it reads is an element-wise ADD reading and writing
// the same elements.
bool splitCanOverwriteInput(const Graph& graph, const std::vector<int32_t>& ops,
                            const StageSchedule& schedule);
// Cached strips of a stage without a fused layer write the split tensor directly, unless the
// last op reads the stage input while the split tensor lies over it (one op on its own input).
inline bool writesSplitDirectly(bool cached, bool fused, size_t ops, bool splitOverInput) {
  return cached && !fused && (ops >= 2 || !splitOverInput);
}
inline StageSchedule stageSchedule(const Graph& graph, const PatchStage& stage) {
  return stageSchedule(graph, stage.ops, stage.gridH, stage.gridW, stage.cached,
                       writesSplitDirectly(stage.cached, !stage.consumerOps.empty(),
                                           stage.ops.size(), stage.splitOverInput));
}

}  // namespace tinyforge
