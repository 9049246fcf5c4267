// Memory plans: where every activation tensor and scratch buffer lives in the one static arena,
// and the planners that make them ("tflm" now; "best" and "patch" later).
//
//   Result<std::unique_ptr<MemoryPlanner>> p = makePlanner("tflm");
//   Result<MemoryPlan> plan = p.value()->plan(graph, fileOrder(graph));
//   Status s = checkPlan(graph, plan.value());   // no two live buffers share a byte
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

// Steps follow TFLM's allocation scopes: step 0 is the start of the invocation (graph inputs
// arrive), and the op at position k of the order runs at step k + 1. With n ops there are
// n + 1 steps, 0..n. A buffer is live on every step of [firstStep, lastStep], both ends included.
struct TensorLifetime {
  TensorId tensor = kNoTensor;
  int32_t firstStep = 0;
  int32_t lastStep = 0;
  int64_t bytes = 0;  // arena bytes: the tensor's size rounded up to kArenaAlignment
};

// Working memory a kernel asks for while its op runs (live on that op's step only).
struct ScratchBuffer {
  int32_t step = 0;
  int64_t bytes = 0;  // arena bytes, rounded up to kArenaAlignment
  int64_t offset = -1;
  std::string what;  // "MEAN 'pool' (op 80): int32 sums"
};

// An op whose output 0 is placed on one of its inputs (same offset), which its kernel allows
// (OpDef::inPlace) and which dies at that step.
struct InPlaceUse {
  int32_t step = 0;
  int32_t op = 0;
  TensorId input = kNoTensor;
  TensorId output = kNoTensor;
};

// Patch-based inference (MCUNetV2): a chain of spatial ops (or, with cached strips, a block of
// them with ADDs: isPatchStage in engine/plan/patch_stage.h) whose last output (the split tensor)
// is computed tile by tile on a gridH x gridW split of its height and width; each tile's
// receptive field is traced back through the stage, so the stage's inner tensors never exist
// whole. They have no offset; the tiles' working buffers lie one after the other from
// `scratchOffset` (engine/plan/patch_stage.h: stageSchedule says which op reads and writes where):
//  - recomputing (cached false): two ping-pong buffers, op i writing its region into buffer
//    i % 2; the stage input's region is read in place when it is whole rows (contiguous),
//    otherwise first copied into buffer 1. Overlapping receptive fields are computed again by
//    every tile that needs them (tiledMacs > stageMacs).
//  - cached (row strips only, gridW 1): one buffer per op holding the rows of its output the
//    current strip needs (all its readers in the stage together); the rows the previous strip
//    computed are kept (moved to the buffer's start) and only the new rows computed, so nothing
//    is computed twice.
// After the buffers, `tileScratchBytes` for the kernels that need scratch on a tile (the 3x3
// depthwise's int16 plane).
// A stage may end in a fused FULLY_CONNECTED layer (consumerOps, engine/ops/fc_slices.h): then
// the split tensor never exists whole either; the tiles are whole rows, each tile's last region
// is accumulated into the layer's int32 accumulators (at accOffset, live over the stage and the
// consumer ops' steps), and the layer's output is written after the last tile.
struct PatchStage {
  std::vector<int32_t> ops;  // op indices, consecutive in the order (isPatchChain, or
                             // isPatchStage when cached)
  int32_t firstStep = 0, lastStep = 0;
  int32_t gridH = 1, gridW = 1;  // tiles: gridH rows x gridW columns of the split tensor
  bool cached = false;           // row strips that keep their overlap (see above)
  std::vector<int64_t> bufferBytes;  // the tile buffers, in order from scratchOffset
  int64_t tileScratchBytes = 0;      // kernel scratch, right after the buffers
  int64_t scratchOffset = -1;        // the first buffer
  bool splitOverInput = false;   // the split tensor shares the stage input's bytes (see
                                 // splitCanOverwriteInput in engine/plan/patch_stage.h)
  int64_t stageMacs = 0;         // the chain's MACs computed whole
  int64_t tiledMacs = 0;         // the chain's MACs computed tile by tile (with recomputation)
  std::vector<int32_t> consumerOps;  // RESHAPEs then the fused FULLY_CONNECTED, right after the
                                     // chain in the order; empty: the split tensor is whole
  int64_t accOffset = -1;            // the fused layer's accumulators

  // Bytes of the tile buffers and the kernel scratch (the fused accumulators not included).
  int64_t workBytes() const {
    int64_t bytes = tileScratchBytes;
    for (int64_t b : bufferBytes) bytes += b;
    return bytes;
  }
  // Arena offset of buffer i.
  int64_t bufferOffset(size_t i) const {
    int64_t at = scratchOffset;
    for (size_t k = 0; k < i && k < bufferBytes.size(); ++k) at += bufferBytes[k];
    return at;
  }
  int64_t tileScratchOffset() const { return bufferOffset(bufferBytes.size()); }
};

struct MemoryPlan {
  std::string planner;                    // the planner's name()
  std::vector<int32_t> order;             // op indices in execution order
  std::vector<TensorLifetime> lifetimes;  // planned tensors, by increasing tensor id
  std::vector<int64_t> offsets;           // per tensor id; -1 = not in the arena (constant, unused)
  std::vector<ScratchBuffer> scratch;
  std::vector<int64_t> liveBytes;     // per step: bytes of all live buffers (tensors + scratch)
  int64_t arenaBytes = 0;             // highest end offset of any buffer
  int32_t peakStep = 0;               // first step with the most live bytes
  std::vector<TensorId> peakTensors;  // tensors live at peakStep, by increasing id
  int64_t lowerBoundBytes = 0;        // liveBytes[peakStep]: no plan without aliasing is smaller
  std::vector<InPlaceUse> inPlace;    // empty for planners without in-place ops
  std::vector<PatchStage> patches;    // empty unless the patch planner found one that pays
};

// Every planner: lifetimes from the op order, then an offset for every buffer.
class MemoryPlanner {
 public:
  virtual ~MemoryPlanner();
  virtual const char* name() const = 0;
  // `order` must be a topological order of all of graph.ops (each op index once).
  virtual Result<MemoryPlan> plan(const Graph& graph, const std::vector<int32_t>& order) const = 0;
};

// The planner names makePlanner() knows, in the order they are listed to users.
std::vector<std::string> plannerNames();
// "tflm" -> TFLM's GreedyMemoryPlanner. An unknown name is an error that lists the choices.
Result<std::unique_ptr<MemoryPlanner>> makePlanner(const std::string& name);

// 0, 1, ..., ops.size() - 1: the order the ops are stored in (the .tflite file's order).
std::vector<int32_t> fileOrder(const Graph& graph);

// Checks a plan against its graph: the lifetimes cover every use of every non-constant tensor
// in plan.order, each planned tensor and scratch buffer has an offset >= 0 with
// offset + bytes <= arenaBytes, constants have none, and no two buffers whose lifetimes share a
// step share a byte. The message names the tensors or buffers at fault.
Status checkPlan(const Graph& graph, const MemoryPlan& plan);

}  // namespace tinyforge
