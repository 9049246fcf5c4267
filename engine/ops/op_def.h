// Everything the compiler knows about one op kind, in one table per kind (engine/ops/<op>.cpp).
//
//   const OpDef& def = opDef(op.kind);
//   Status s = def.validate(graph, op);           // shapes, types, quantization
//   int64_t macs = def.macs(graph, op);
//   s = def.evaluate(graph, op, buffers);         // reference int8 execution
#pragma once

#include <cstdint>
#include <vector>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

class CEmitter;

// Memory of every tensor during execution, indexed by TensorId (constants point at their data).
struct TensorBuffers {
  std::vector<uint8_t*> ptr;
  uint8_t* scratch = nullptr;  // the op's scratch buffer (in-place variants), if planned

  template <typename T>
  const T* in(TensorId id) const {
    return reinterpret_cast<const T*>(ptr[size_t(id)]);
  }
  template <typename T>
  T* out(TensorId id) const {
    return reinterpret_cast<T*>(ptr[size_t(id)]);
  }
};

// Memory rule: which inputs output 0 may overwrite (same arena offset), and the scratch bytes the
// in-place kernel then needs. An input may only be overwritten when no later op reads it.
struct InPlaceRule {
  uint32_t inputMask = 0;  // bit i: output 0 may share input i's bytes
  int64_t scratchBytes = 0;
};

// One rectangular region of a spatial op (patch-based inference): the input region holds every
// row and column the output region reads that lies inside the image; taps outside the region
// are outside the image, so the kernel's skipping of them stays exact. ADD (same shapes) runs on
// whole rows: `in` and `in2` hold the same rows of its two inputs.
struct RegionArgs {
  const int8_t* in = nullptr;
  const int8_t* in2 = nullptr;  // ADD's second input (nullptr for one-input ops)
  int32_t inH = 0, inW = 0;
  int32_t padTop = 0, padLeft = 0;  // local pad_before: image rows above the region's first
  int8_t* out = nullptr;
  int32_t outH = 0, outW = 0;
};

struct OpDef {
  OpKind kind;
  // Checks operand count, types, shapes and quantization; never crashes on hostile graphs.
  Status (*validate)(const Graph& graph, const Op& op);
  // Multiply-accumulates (0 for data movement).
  int64_t (*macs)(const Graph& graph, const Op& op);
  // Runs the reference kernel. Call only on a validated graph. When output 0 shares an input's
  // memory (the planner allowed it through `inPlace`), the in-place kernel variant runs.
  Status (*evaluate)(const Graph& graph, const Op& op, const TensorBuffers& buffers);
  // nullptr: never in place.
  InPlaceRule (*inPlace)(const Graph& graph, const Op& op) = nullptr;
  // Spatial ops and same-shape ADD only (nullptr otherwise): runs the op on one region, see
  // RegionArgs.
  Status (*evaluateRegion)(const Graph& graph, const Op& op, const RegionArgs& region) = nullptr;
  // C code generation: this op's constants and its kernel call (engine/codegen/c_emitter.h).
  Status (*emit)(const Graph& graph, const Op& op, CEmitter& out) = nullptr;
  // Spatial ops whose generated code needs scratch on a region (nullptr: none need it): the
  // bytes for this region (its pointers unused), 0 where the kernel it takes needs none.
  int64_t (*regionScratch)(const Graph& graph, const Op& op, const RegionArgs& region) = nullptr;
};

const OpDef& opDef(OpKind kind);

// Constant bytes an op reads (weights, biases, small operands).
int64_t opConstantBytes(const Graph& graph, const Op& op);

}  // namespace tinyforge
