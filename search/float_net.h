// A trained float network in the engine's terms, and its int8 conversion exactly as TFLite
// does it: per op of archToGraph(spec) the batch-norm-folded float weights (engine layout) and
// the observed output range; per-channel symmetric int8 weights, asymmetric int8 activations,
// int32 biases at input_scale * weight_scale.
//
//   FloatNet net = ...;                           // from the trainer (search/trainer.h)
//   Result<Graph> g = quantizeFloatNet(net);      // the int8 engine graph
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "engine/graph.h"
#include "engine/status.h"
#include "search/arch_spec.h"

namespace tinyforge {

struct FloatOp {
  std::vector<float> weights;  // CONV_2D: OHWI; DEPTHWISE_CONV_2D: 1HWC; FULLY_CONNECTED: [out, in]
  std::vector<float> bias;     // per output channel
  float outMin = 0, outMax = 0;  // observed range of the op's output (after its activation)
  std::vector<uint8_t> mask;   // unstructured pruning: 0 = weight pruned; empty = dense
};

struct FloatNet {
  ArchSpec spec;
  std::vector<FloatOp> ops;  // one per op of archToGraph(spec), in its order
};

// Input images (0..255) enter as real value pixel / 255: int8 scale 1/255, zero point -128.
constexpr float kInputScale = 1.0f / 255.0f;
constexpr int32_t kInputZeroPoint = -128;

// TFLite's asymmetric int8 parameters for the real range [lo, hi] (widened to contain 0).
QuantParams activationQuant(float lo, float hi);

// The int8 engine graph of a trained network (validated).
Result<Graph> quantizeFloatNet(const FloatNet& net);

// Accuracy (0..1) of an int8 graph on images of `data` (all when `indices` is empty), and the
// predicted class per image (argmax of the int8 logits, lowest index on ties).
struct Int8Evaluation {
  double accuracy = 0;
  std::vector<int32_t> predictions;
};
struct Dataset;
Result<Int8Evaluation> evaluateInt8(const Graph& graph, const Dataset& data,
                                    const std::vector<uint32_t>& indices = {}, int threads = 2);

}  // namespace tinyforge
