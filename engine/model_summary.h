// Per-layer summary of a graph (the `inspect` table and the studio's layer table).
//
//   ModelSummary s = summarizeModel(graph);
//   for (const LayerSummary& l : s.layers) std::cout << l.op << " " << l.macs << "\n";
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/graph.h"

namespace tinyforge {

struct LayerSummary {
  int32_t index = 0;
  std::string op;
  std::string name;
  std::vector<std::vector<int32_t>> inputShapes;  // non-constant inputs
  std::vector<int32_t> outputShape;
  std::string params;  // "k3x3 s2x2 SAME RELU6"
  int64_t macs = 0;
  int64_t weightBytes = 0;  // constant bytes the op reads
};

struct ModelSummary {
  std::string name;
  std::vector<LayerSummary> layers;
  int64_t totalMacs = 0;
  int64_t totalWeightBytes = 0;    // all constant tensors
  int64_t activationBytes = 0;     // sum of all non-constant tensors
  std::vector<std::string> inputs, outputs;  // "name [1,96,96,1] int8"
};

// Call on a validated graph.
ModelSummary summarizeModel(const Graph& graph);
std::string formatSummaryTable(const ModelSummary& summary);
nlohmann::json summaryToJson(const ModelSummary& summary);

}  // namespace tinyforge
