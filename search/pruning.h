// SpArSe's pruning on a trained (batch-norm folded) network, without libtorch:
// - structured: keep the output channels of a convolution with the largest L1 norms and remove
//   the others everywhere they flow (the next pointwise, depthwise or fully connected op), so
//   the spec and the int8 graph really get smaller;
// - unstructured: zero the weights of smallest magnitude to a target sparsity and keep a mask,
//   which fine-tuning (qatFinetune) holds at zero; sparsitySchedule gives the gradual schedule
//   (Zhu & Gupta's cubic ramp).
//
//   Result<FloatNet> slim = pruneChannels(net, {{0, 0.5}});   // layer 0 keeps half its channels
//   pruneMagnitude(&slim.value(), 2, 0.8);                     // op 2: 80 % zeros, masked
#pragma once
#include <cstdint>
#include <map>
#include <vector>

#include "engine/status.h"
#include "search/float_net.h"

namespace tinyforge {

// Keep ratios per spec layer index (conv or dwsep layers of a plain network; MBConv blocks keep
// their channels because of their residual additions). Errors name the layer.
Result<FloatNet> pruneChannels(const FloatNet& net, const std::map<int32_t, double>& keepRatio);

// Zeroes the smallest |w| of op `op` so that `sparsity` of its weights are zero; sets its mask.
Status pruneMagnitude(FloatNet* net, int32_t op, double sparsity);

// Share of zero weights of op `op` (0 for ops without weights).
double weightSparsity(const FloatNet& net, int32_t op);

// Target sparsity at training progress t in [0, 1]: s * (1 - (1 - t)^3).
double sparsitySchedule(double finalSparsity, double t);

}  // namespace tinyforge
