// What the memory timeline draws, taken from a MemoryPlan: one block per arena buffer (tensor,
// kernel scratch, patch-stage tiles) spanning its lifetime, the live bytes per step and the peak.
// Qt-free data so it can be tested against the plan directly.
//
//   TimelineData t = buildTimeline(planned.graph, planned.plan);
//   t.blocks[i].offset, t.blocks[i].firstStep ...; t.peakStep; t.liveBytes[step]
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge::views {

enum class BlockKind { kTensor, kScratch, kPatchTiles };

struct TimelineBlock {
  BlockKind kind = BlockKind::kTensor;
  TensorId tensor = kNoTensor;  // kTensor only
  int32_t firstStep = 0, lastStep = 0;
  int64_t offset = 0, bytes = 0;
  int32_t producerOp = -1;  // op (of the planned graph) writing it; -1: graph input or scratch
  bool atPeak = false;      // live at the peak step (the buffers that cause the peak)
  bool inPlace = false;     // shares its bytes with an input of its producer
  std::string name;         // tensor name, or what the scratch is for
  std::string shape;        // "1x48x48x8 int8"
};

struct TimelineData {
  std::string planner;
  std::vector<TimelineBlock> blocks;
  std::vector<int64_t> liveBytes;       // per step 0..n
  std::vector<std::string> stepLabels;  // per step: "3 CONV_2D 'name'" (step 0: "inputs")
  std::vector<int32_t> stepOp;          // per step: the op (planned graph) that runs, -1 at 0
  int32_t peakStep = 0;
  int64_t arenaBytes = 0;
  int64_t lowerBoundBytes = 0;
  int32_t steps() const { return int32_t(liveBytes.size()); }
};

TimelineData buildTimeline(const Graph& plannedGraph, const MemoryPlan& plan);

// Index of the block covering (step, address), the last drawn one winning; -1 if none.
int32_t blockAt(const TimelineData& t, int32_t step, int64_t address);

// "61.2 KB" (KB = 1024 B) and "4,101,233" for people.
std::string formatBytes(int64_t bytes);
std::string formatCount(int64_t n);

}  // namespace tinyforge::views
