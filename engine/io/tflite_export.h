// .tflite writer: an engine int8 graph as a TFLite flatbuffer (schema version 3) that TFLite,
// Netron and our own importer read back.
//
//   Result<std::vector<uint8_t>> bytes = exportTflite(graph);
//   Result<Graph> back = importTflite(bytes.value(), graph.name);   // back == graph
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

// Fails on graphs that TFLite cannot express (padding fused into a convolution by our own pass:
// write the graph before fusing).
Result<std::vector<uint8_t>> exportTflite(const Graph& graph);
Status exportTfliteFile(const Graph& graph, const std::string& path);

}  // namespace tinyforge
