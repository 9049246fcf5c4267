// Shared checks and parameter preparation for the op files in engine/ops/.
#pragma once

#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/kernels/tfk.h"
#include "engine/ops/op_def.h"
#include "engine/status.h"

#define TINYFORGE_TRY(expr)          \
  do {                               \
    ::tinyforge::Status s_ = (expr); \
    if (!s_) return s_;              \
  } while (0)

namespace tinyforge {

std::string opLabel(const Op& op);                         // CONV_2D 'name'
Status opError(const Op& op, const std::string& message);  // "CONV_2D 'name': message"

// Operand counts and that every required operand refers to an existing tensor.
Status checkArity(const Graph& g, const Op& op, size_t minInputs, size_t maxInputs, size_t outputs);
Status checkType(const Op& op, const Tensor& t, const char* role, DType type);
Status checkRank(const Op& op, const Tensor& t, const char* role, size_t rank);
Status checkShape(const Op& op, const Tensor& t, const char* role,
                  const std::vector<int32_t>& expected);
// int8 activation with one positive scale and a zero point in [-128, 127].
Status checkInt8Activation(const Op& op, const Tensor& t, const char* role);
// Per-channel (count == channels) or per-tensor positive scales with zero points 0.
Status checkWeightQuant(const Op& op, const Tensor& w, int32_t channels);
Status checkConstant(const Op& op, const Tensor& t, const char* role);
// The optional bias (input 2): a constant int32 tensor of `channels` values.
Status checkBias(const Graph& g, const Op& op, int32_t channels);
Status checkSameQuant(const Op& op, const Tensor& a, const Tensor& b, const char* what);

struct ActivationRange {
  int32_t min = -128, max = 127;
};
// TFLite CalculateActivationRangeQuantized for an int8 output.
ActivationRange activationRange(Activation act, const Tensor& output);

struct Window {
  int32_t out = 0;
  int32_t padBefore = 0;
};
// TFLite output size and pad_before for one spatial dimension.
Window computeWindow(int32_t in, int32_t kernel, int32_t stride, int32_t dilation, Padding p);

tfk_dims dims4(const Tensor& t);  // NHWC of a rank-4 tensor

// Per-channel requantization constants: real[c] = s_in * s_w[c] / s_out (double products).
struct ChannelQuant {
  std::vector<int32_t> multiplier, shift;
  tfk_channel_quant view() const {
    return {multiplier.data(), shift.data(), multiplier.size() > 1 ? 1 : 0};
  }
};
ChannelQuant convChannelQuant(const Tensor& in, const Tensor& w, const Tensor& out,
                              int32_t channels);

}  // namespace tinyforge

namespace tinyforge {

// NumPy-style broadcast of two shapes of rank <= 4; false when incompatible.
bool broadcastShape(const std::vector<int32_t>& a, const std::vector<int32_t>& b,
                    std::vector<int32_t>* out);
// A shape of rank <= 4 as NHWC dims, padded with leading 1s.
tfk_dims dims4Padded(const std::vector<int32_t>& shape);
// Validation shared by ADD and MUL: two int8 inputs broadcasting to the int8 output.
Status checkBinaryElementwise(const Graph& g, const Op& op);

}  // namespace tinyforge

namespace tinyforge {

// Output size and pad_before of a conv/depthwise over input H x W (plus any fused PAD).
struct ConvGeometry {
  Window h, w;
};
ConvGeometry convGeometry(int32_t inH, int32_t inW, int32_t kh, int32_t kw, const OpParams& p);
// Strides, dilations >= 1 and fused padding within [0, 1 << 16].
Status checkConvParams(const Op& op);

}  // namespace tinyforge

namespace tinyforge {

// Window geometry of a spatial op (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D).
struct SpatialGeometry {
  int32_t kernelH = 1, kernelW = 1, strideH = 1, strideW = 1, dilationH = 1, dilationW = 1;
  int32_t padTop = 0, padLeft = 0;
};
// False for ops that are not spatial windows. Call on a validated graph.
bool spatialGeometry(const Graph& g, const Op& op, SpatialGeometry* out);

}  // namespace tinyforge

namespace tinyforge {

// Everything a CONV_2D or DEPTHWISE_CONV_2D kernel call needs, shared by evaluation, region
// evaluation (patch stages) and code generation.
struct ConvCall {
  tfk_conv_params params{};
  ChannelQuant quant;
  tfk_dims in{}, filter{}, out{};
  bool hasBias = false;
};
// depthwise: output channels are filter dim 3 and the depth multiplier comes from the op.
ConvCall prepareConvCall(const Graph& g, const Op& op, bool depthwise);
// The same without the per-channel quantization (empty `quant`): what the planners ask of a
// kernel's shapes (scratch sizes, paths) many times per plan.
ConvCall prepareConvShapes(const Graph& g, const Op& op, bool depthwise);
// An ADD op's kernel parameters (TFLite's rescaling to twice the larger input scale, shift 20).
tfk_add_params prepareAddParams(const Graph& g, const Op& op);
// The same call restricted to one region (local input size, padding and output size).
void restrictToRegion(ConvCall* c, const RegionArgs& region);

}  // namespace tinyforge
