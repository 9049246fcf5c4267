// .tflite import: verify the flatbuffer, then build a Graph of subgraph 0.
//
//   Result<Graph> g = importTfliteFile("model.tflite");
//   if (!g) { std::cerr << g.error() << "\n"; }   // one line, names what is wrong
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

Result<Graph> importTflite(std::span<const uint8_t> bytes, const std::string& name = "model");
Result<Graph> importTfliteFile(const std::string& path);

}  // namespace tinyforge
