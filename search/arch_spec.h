// Network architectures as data: a list of layers (conv, depthwise-separable, MBConv, pooling,
// fully connected) with shapes, MACs and parameters counted from the spec alone, JSON in and
// out, and an engine graph of the same structure for cost queries (memory plan, flash, MACs).
//
//   Result<ArchSpec> s = archSpecFromJson(nlohmann::json::parse(text));
//   ArchCost c = archCost(s.value());               // MACs, params, per-layer shapes
//   Result<Graph> g = archToGraph(s.value());        // placeholder int8 weights, real shapes
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

enum class LayerType : uint8_t { kConv, kDepthwiseSeparable, kMbConv, kPool, kGlobalPool, kFullyConnected };

struct LayerSpec {
  LayerType type = LayerType::kConv;
  int32_t out = 0;         // output channels / units (conv, dwsep, mbconv, fc)
  int32_t kernel = 3;      // conv, dwsep, mbconv, pool
  int32_t stride = 1;
  int32_t expand = 1;      // mbconv expand ratio (1: no expansion conv)
  bool maxPool = false;    // pool: max (true) or average
  Activation activation = Activation::kRelu6;  // conv, dwsep, mbconv (not on the projection), fc
};

struct ArchSpec {
  std::string name;
  int32_t inputH = 28, inputW = 28, inputC = 1;
  int32_t classes = 10;
  std::vector<LayerSpec> layers;
};

struct LayerCost {
  std::vector<int32_t> outputShape;  // NHWC or [1, units]
  int64_t macs = 0;
  int64_t params = 0;                // weights + biases
  bool residual = false;             // mbconv with stride 1 and equal channels
};

struct ArchCost {
  std::vector<LayerCost> layers;
  int64_t macs = 0, params = 0;
};

Result<ArchSpec> archSpecFromJson(const nlohmann::json& json);
nlohmann::json archSpecToJson(const ArchSpec& spec);
// Checks channels, kernels, strides and that spatial sizes stay >= 1; errors name the layer.
Status validateArchSpec(const ArchSpec& spec);
ArchCost archCost(const ArchSpec& spec);  // call on a valid spec
// An int8 engine graph with the spec's structure (MBConv residuals as ADD, a final SOFTMAX-free
// FC); weights are deterministic placeholders with valid quantization.
Result<Graph> archToGraph(const ArchSpec& spec);

}  // namespace tinyforge
