// A FULLY_CONNECTED layer fused into a patch stage (engine/plan/memory_plan.h: PatchStage): its
// input, the stage's split tensor, never exists whole. Each tile's region of it (contiguous in
// the flattened input when tiles are whole rows) is accumulated into one int32 per unit, and the
// units are requantized after the last tile, bit-exact with the layer run on the whole input.
//
//   std::vector<int32_t> acc(fcUnits(g, fc));
//   fcSlicesBegin(g, fc, acc.data());
//   for each tile: fcSlicesAccumulate(g, fc, tileOutput, firstElement, elements, acc.data());
//   fcSlicesFinish(g, fc, acc.data(), output);
//
// Code generation does the same through the fast kernels (tfk_fc_accumulate_fast_s8 from the
// folded bias) or, without fast kernels, the reference ones (tfk_fc_accumulate_s8 from the bias).
#pragma once

#include <cstdint>
#include <string>

#include "engine/graph.h"

namespace tinyforge {

class CEmitter;

// A FULLY_CONNECTED op with one batch (a validated graph).
bool fcTakesSlices(const Graph& g, const Op& op);
int32_t fcUnits(const Graph& g, const Op& op);

void fcSlicesBegin(const Graph& g, const Op& op, int32_t* acc);
void fcSlicesAccumulate(const Graph& g, const Op& op, const int8_t* x, int64_t first, int64_t count,
                        int32_t* acc);
void fcSlicesFinish(const Graph& g, const Op& op, const int32_t* acc, int8_t* out);

// The same as C statements of the invoke function; `acc` and `x` are C pointer expressions, and
// e.selectOp(op index) must be in effect (the declarations take its prefix).
void emitFcSlicesBegin(const Graph& g, const Op& op, CEmitter& e, const std::string& acc);
void emitFcSlicesAccumulate(const Graph& g, const Op& op, CEmitter& e, const std::string& x,
                            int64_t first, int64_t count, const std::string& acc);
void emitFcSlicesFinish(const Graph& g, const Op& op, CEmitter& e, const std::string& acc);

}  // namespace tinyforge
