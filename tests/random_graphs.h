// Valid random int8 graphs (MobileNet-like chains with residual ADDs and branches) for property
// tests and benchmarks: every op has real weights and quantization, so graphs execute.
//
//   std::mt19937 rng(1);
//   Graph g = randomMobileNetGraph(&rng, 40);   // about 40 ops
#pragma once

#include <random>

#include "engine/graph.h"

namespace tinyforge::test {

// Stem conv, inverted-residual blocks (1x1 expand, 3x3 depthwise, 1x1 project, ADD when the
// shape repeats), sometimes a two-branch block joined by ADD, then average pool, reshape, FC.
// fullRangeDepthwise: the depthwise layers without ReLU6 (the full int8 range, as the 3x3
// int16-plane kernels need).
Graph randomMobileNetGraph(std::mt19937* rng, int32_t targetOps, int32_t inputHw = 32,
                           bool fullRangeDepthwise = false);

// Random int8 input bytes for every graph input.
std::vector<std::vector<uint8_t>> randomInputs(const Graph& g, std::mt19937* rng);

// An 8x8 conv (8 channels, stride 2) then a fully connected layer of 10 units whose int8
// weights are about 90 % zero: the sparse code path.
Graph sparseFcGraph(std::mt19937* rng);

// Spatial layers (1 to 3 of conv, depthwise-separable or pooling, strides 1 or 2) on a small
// random input, then a fully connected layer of 1 to 12 units reading them flattened (through a
// RESHAPE): the shape the patch planner fuses.
Graph spatialFcGraph(std::mt19937* rng);

}  // namespace tinyforge::test
