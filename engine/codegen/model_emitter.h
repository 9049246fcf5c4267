// C code generation for a planned model: model.h / model.c, the portable model library.
//
//   Result<GeneratedModel> c = emitModelC(plannedModel);
//   write c.value().header to model.h, c.value().source to model.c, compile with engine/kernels
//
// model.c holds all weights, biases and requantization constants as const arrays (flash), one
// static arena of the plan's size, and tf_model_invoke(): a straight list of kernel calls with
// literal arena offsets (no interpreter, no op dispatch, no heap). TF_LAYER_BEGIN(i) before
// each op (and TF_LAYER_BEGIN(-1) at the end) is a hook for per-layer profiling.
#pragma once

#include <string>
#include <vector>

#include "engine/pipeline.h"
#include "engine/status.h"

namespace tinyforge {

// What a model library holds besides the functions' code: the basis of its flash estimate
// (engine/firmware/code_size.h).
struct CodeFootprint {
  std::vector<std::string> functions;  // kernel and C library functions the invoke calls, sorted
  int32_t calls = 0;                   // statements of the invoke function
  int64_t dataBytes = 0;               // const data model.c defines (CEmitter::dataBytes)
};

struct GeneratedModel {
  std::string header;  // model.h
  std::string source;  // model.c
  int64_t arenaBytes = 0;
  int64_t constantBytes = 0;  // weights, biases and operands emitted as const arrays
  CodeFootprint footprint;
};

struct EmitOptions {
  bool fastKernels = true;  // false: plain reference kernels only (benchmark baseline)
};

Result<GeneratedModel> emitModelC(const PlannedModel& model, const EmitOptions& options = {});

// emitModelC's footprint without writing the constants out (a fraction of the time): for flash
// estimates inside a search loop.
Result<CodeFootprint> emitFootprint(const PlannedModel& model, const EmitOptions& options = {});

}  // namespace tinyforge
