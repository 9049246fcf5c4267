// Internal to the importer: TFLite builtin options -> OpParams.
#pragma once

#include <string>

#include "engine/graph.h"
#include "engine/status.h"

namespace tflite {
struct Operator;
}

namespace tinyforge {

// Name of a TFLite builtin operator code ("CONV_2D"; "code 42" when unknown to us).
std::string tfliteOpName(int32_t code);

// Fills op->params from the operator's builtin options; errors name the op.
Status readTfliteOptions(const tflite::Operator& src, int32_t opIndex, Op* op);

}  // namespace tinyforge
