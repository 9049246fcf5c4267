/* TinyForge int8 kernels: the one public C header.
 *
 * C99, no heap, no globals, no libc beyond <stdint.h>/<string.h>: these files are compiled into
 * the host engine AND copied into generated firmware, so host and MCU run the same code.
 * Integer semantics are TFLite's (TFLM reference kernels, double rounding), bit for bit.
 *
 *   tfk_conv_params p = {...};  tfk_channel_quant q = {mult, shift, 1};
 *   tfk_conv2d_s8(&p, &q, &in_dims, in, &filter_dims, filter, bias, &out_dims, out);
 *
 * Names: tfk_<op>_<variant>_s8; a kernel that needs scratch has tfk_<op>_get_buffer_size().
 */
#ifndef TINYFORGE_KERNELS_TFK_H_
#define TINYFORGE_KERNELS_TFK_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* NHWC dimensions. For a conv filter: n = Cout, h = KH, w = KW, c = Cin.
 * For a depthwise filter: n = 1, h = KH, w = KW, c = Cout. */
typedef struct {
  int32_t n, h, w, c;
} tfk_dims;

/* Per-output-channel requantization (multiplier in [2^30, 2^31), shift > 0 = left).
 * per_channel == 0: only index 0 is read. */
typedef struct {
  const int32_t* multiplier;
  const int32_t* shift;
  int32_t per_channel;
} tfk_channel_quant;

typedef struct {
  int32_t input_offset;  /* -zero_point of the input */
  int32_t output_offset; /* zero_point of the output */
  int32_t stride_h, stride_w;
  int32_t dilation_h, dilation_w;
  int32_t pad_top, pad_left; /* TFLite "pad_before"; the odd remainder is implicit */
  int32_t act_min, act_max;
  int32_t depth_multiplier; /* depthwise only: Cout = Cin * depth_multiplier */
} tfk_conv_params;

/* CONV_2D, reference: acc = bias[oc] + sum w * (x + input_offset) over in-image taps. */
void tfk_conv2d_s8(const tfk_conv_params* p, const tfk_channel_quant* q, const tfk_dims* in_dims,
                   const int8_t* in, const tfk_dims* filter_dims, const int8_t* filter,
                   const int32_t* bias /* may be NULL */, const tfk_dims* out_dims, int8_t* out);

/* DEPTHWISE_CONV_2D, reference: oc = ic * depth_multiplier + j; weight [0][ky][kx][oc]. */
void tfk_depthwise_conv2d_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                             const tfk_dims* in_dims, const int8_t* in,
                             const tfk_dims* filter_dims, const int8_t* filter,
                             const int32_t* bias, const tfk_dims* out_dims, int8_t* out);

typedef struct {
  int32_t input_offset;
  int32_t output_offset;
  int32_t act_min, act_max;
} tfk_fc_params;

/* FULLY_CONNECTED: input [batches, depth], weights [units, depth], bias [units] or NULL. */
void tfk_fully_connected_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t batches,
                            int32_t depth, int32_t units, const int8_t* in, const int8_t* weights,
                            const int32_t* bias, int8_t* out);
/* A fully connected layer (one batch) fused into a patch stage, whose input never exists whole:
 * acc[u] += sum over i < n of w[u * depth + i] * (x[i] + input_offset), with x a slice of the
 * input and w its first column's weights (weights + the slice's offset). The accumulators start
 * at the bias (0 without one); tfk_fc_requantize_s8 then gives the outputs. */
void tfk_fc_accumulate_s8(const tfk_fc_params* p, const int8_t* x, int32_t n, const int8_t* w,
                          int32_t depth, int32_t units, int32_t* acc);
void tfk_fc_requantize_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t units,
                          const int32_t* acc, int8_t* out);

typedef struct {
  int32_t input1_offset, input2_offset; /* -zero points */
  int32_t left_shift;                   /* 20 for int8 */
  int32_t input1_multiplier, input1_shift;
  int32_t input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t output_offset;
  int32_t act_min, act_max;
} tfk_add_params;

/* ADD, same shapes: `size` elements. */
void tfk_add_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b,
                int8_t* out);
/* ADD, same shapes, bit-exact with tfk_add_s8: the rescales without branches on the shifts and
 * the parameters held in registers (tfk_add.c): tfk_add_rescaled_s8 where
 * tfk_add_uses_rescaled (TFLite's parameters: left shift 20, no right shift on the inputs, ...),
 * otherwise tfk_add_s8. The code generator calls tfk_add_rescaled_s8 directly where it applies,
 * so that the firmware does not link the reference. */
void tfk_add_fast_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b,
                     int8_t* out);
int tfk_add_uses_rescaled(const tfk_add_params* p);
void tfk_add_rescaled_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b,
                         int8_t* out);
/* Whether tfk_add_fast_s8 rescales through two 256-entry tables (2 KB of stack, about 7,000
 * instructions to build, then about 15 an element): from TFK_ADD_TABLE_MIN elements. */
#define TFK_ADD_TABLE_MIN 512
int tfk_add_uses_tables(const tfk_add_params* p, int32_t size);
/* ADD with 4-D broadcasting (a dimension of 1 broadcasts). */
void tfk_add_broadcast_s8(const tfk_add_params* p, const tfk_dims* a_dims, const int8_t* a,
                          const tfk_dims* b_dims, const int8_t* b, const tfk_dims* out_dims,
                          int8_t* out);

typedef struct {
  int32_t input1_offset, input2_offset;
  int32_t output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} tfk_mul_params;

/* MUL with 4-D broadcasting. */
void tfk_mul_broadcast_s8(const tfk_mul_params* p, const tfk_dims* a_dims, const int8_t* a,
                          const tfk_dims* b_dims, const int8_t* b, const tfk_dims* out_dims,
                          int8_t* out);

typedef struct {
  int32_t stride_h, stride_w;
  int32_t filter_h, filter_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
} tfk_pool_params;

void tfk_avgpool_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                    const tfk_dims* out_dims, int8_t* out);
void tfk_maxpool_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                    const tfk_dims* out_dims, int8_t* out);
/* tfk_avgpool_s8's results, four channels at a time in 16-bit lanes: tfk_avgpool_lanes_s8 where
 * tfk_avgpool_uses_lanes (windows of up to 255 taps), larger ones the reference. The code
 * generator calls tfk_avgpool_lanes_s8 directly where it applies. */
void tfk_avgpool_fast_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                         const tfk_dims* out_dims, int8_t* out);
int tfk_avgpool_uses_lanes(const tfk_pool_params* p);
void tfk_avgpool_lanes_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                          const tfk_dims* out_dims, int8_t* out);

typedef struct {
  int32_t input_multiplier;
  int32_t input_left_shift;
  int32_t diff_min;
} tfk_softmax_params;

/* SOFTMAX int8 -> int8 (output zp -128, scale 1/256) over the last dimension. */
void tfk_softmax_s8(const tfk_softmax_params* p, int32_t rows, int32_t depth, const int8_t* in,
                    int8_t* out);

/* `rows` runs of `bytes` bytes from src (src_stride bytes apart) to dst (dst_stride apart), not
 * overlapping: a patch stage's tile copies, one call each in the generated code. */
void tfk_copy_rows(int8_t* dst, int32_t dst_stride, const int8_t* src, int32_t src_stride,
                   int32_t rows, int32_t bytes);

/* PAD, 4-D: out dims = in dims + before + after, filled with pad_value. */
void tfk_pad_s8(const tfk_dims* in_dims, const int8_t* in, const int32_t before[4],
                const int32_t after[4], int8_t pad_value, int8_t* out);

/* TRANSPOSE, 4-D: out dim i = in dim perm[i]. in_shape is [d0,d1,d2,d3]. */
void tfk_transpose_s8(const int32_t in_shape[4], const int8_t* in, const int32_t perm[4],
                      int8_t* out);

typedef struct {
  int32_t input_zero_point;
  int32_t output_zero_point;
  int32_t multiplier, shift; /* from tfk_mean_hw_multiplier */
} tfk_mean_params;

/* TFLite folds 1/count into the requantization: (multiplier, shift) = QuantizeMultiplier(s_in /
 * s_out), count = H * W; gives the multiplier and shift tfk_mean_hw_s8 expects. */
void tfk_mean_hw_multiplier(int32_t multiplier, int32_t shift, int32_t count, int32_t* out_multiplier,
                            int32_t* out_shift);

/* MEAN over H and W of an NHWC tensor (keep_dims or not: the output is N x C either way). */
void tfk_mean_hw_s8(const tfk_mean_params* p, const tfk_dims* in_dims, const int8_t* in,
                    int8_t* out);

/* CONCATENATION of int8 tensors sharing quantization: `count` inputs, each outer x inner_i. */
void tfk_concat_s8(int32_t count, const int8_t* const* inputs, const int32_t* inner_sizes,
                   int32_t outer, int8_t* out);

typedef struct {
  int32_t align_corners, half_pixel_centers;
} tfk_resize_params;

/* RESIZE_NEAREST_NEIGHBOR, NHWC. */
void tfk_resize_nearest_s8(const tfk_resize_params* p, const tfk_dims* in_dims, const int8_t* in,
                           const tfk_dims* out_dims, int8_t* out);

/* QUANTIZE float32 -> int8: clamp(round_half_away(x / scale) + zp). */
void tfk_quantize_f32_s8(int32_t size, const float* in, float scale, int32_t zero_point,
                         int8_t* out);
/* QUANTIZE int8 -> int8 (requantize): clamp(MBQM(x - zp_in, m, shift) + zp_out). */
void tfk_requantize_s8(int32_t size, const int8_t* in, int32_t input_zero_point,
                       int32_t multiplier, int32_t shift, int32_t output_zero_point,
                       int8_t* out);
/* DEQUANTIZE int8 -> float32: (float)(scale * (x - zp)) with scale as double. */
void tfk_dequantize_s8_f32(int32_t size, const int8_t* in, double scale, int32_t zero_point,
                           float* out);

/* Host-side preparation (double math; not needed by generated firmware). */
/* TFLite QuantizeMultiplier: real -> (multiplier in [2^30, 2^31), shift). */
void tfk_quantize_multiplier(double real, int32_t* multiplier, int32_t* shift);

/* In-place variants (the memory planner puts the output on top of the input). */
/* DEPTHWISE_CONV_2D, depth_multiplier 1, batch 1: channel by channel, each input channel plane is
 * first copied to `scratch` (tfk_depthwise_conv2d_inplace_get_buffer_size bytes: for a 3x3 kernel
 * with stride 1 or 2 across, the full int8 range and 16 outputs or more per channel, as int16
 * with its padding), then the output channel is written over the input; or row by row
 * (tfk_depthwise_conv2d_inplace_uses_rows). Needs out H*W <= in H*W. */
int32_t tfk_depthwise_conv2d_inplace_get_buffer_size(const tfk_conv_params* p,
                                                     const tfk_dims* in_dims,
                                                     const tfk_dims* filter_dims,
                                                     const tfk_dims* out_dims);
/* 1 when tfk_depthwise_conv2d_inplace_s8 runs these shapes row by row with the fast row kernel
 * (the input rows it overwrites kept in scratch), 0 when it goes channel plane by plane (int16
 * planes: tfk_depthwise_conv2d_inplace_uses_planes). */
int tfk_depthwise_conv2d_inplace_uses_rows(const tfk_conv_params* p, const tfk_dims* in_dims,
                                           const tfk_dims* filter_dims, const tfk_dims* out_dims);
void tfk_depthwise_conv2d_inplace_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                     const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                     const int8_t* filter, const int32_t* bias,
                                     const tfk_dims* out_dims, int8_t* inout, int8_t* scratch);
/* Its paths as entry points of their own (generated code calls the one a layer takes, so that
 * firmware links only those): the 3x3 int16 planes when tfk_depthwise_conv2d_inplace_uses_planes,
 * and otherwise tfk_depthwise_conv2d_inplace_rows_s8: the rows through a ring of input rows in
 * scratch (tfk_depthwise_conv2d_ring_s8) when tfk_depthwise_conv2d_inplace_uses_rows, else the
 * int8 channel planes (tfk_depthwise_conv2d_int8_planes_s8). */
int tfk_depthwise_conv2d_inplace_uses_planes(const tfk_conv_params* p, const tfk_dims* filter_dims,
                                             const tfk_dims* out_dims);
void tfk_depthwise_conv2d_3x3_planes_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                        const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                        const int8_t* filter, const int32_t* bias,
                                        const tfk_dims* out_dims, int8_t* inout, int8_t* scratch);
/* The same 3x3 int16 planes with a separate output (patch-stage tiles): where
 * tfk_depthwise_conv2d_inplace_uses_planes holds, any shapes, `scratch` of
 * tfk_depthwise_conv2d_3x3_planes_buffer_size bytes. */
int32_t tfk_depthwise_conv2d_3x3_planes_buffer_size(const tfk_conv_params* p,
                                                    const tfk_dims* out_dims);
void tfk_depthwise_conv2d_3x3_planes_to_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                           const tfk_dims* in_dims, const int8_t* in,
                                           const tfk_dims* filter_dims, const int8_t* filter,
                                           const int32_t* bias, const tfk_dims* out_dims,
                                           int8_t* out, int8_t* scratch);
void tfk_depthwise_conv2d_inplace_rows_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                          const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                          const int8_t* filter, const int32_t* bias,
                                          const tfk_dims* out_dims, int8_t* inout, int8_t* scratch);
void tfk_depthwise_conv2d_ring_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                  const int8_t* filter, const int32_t* bias,
                                  const tfk_dims* out_dims, int8_t* inout, int8_t* scratch);
void tfk_depthwise_conv2d_int8_planes_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                         const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                         const int8_t* filter, const int32_t* bias,
                                         const tfk_dims* out_dims, int8_t* inout, int8_t* scratch);
/* CONV_2D 1x1, stride 1, no padding, Cout <= Cin: pixel by pixel; each input pixel is copied to
 * `scratch` before its output pixel overwrites it (buffer size: two pixels, for the fast variant). */
int32_t tfk_conv2d_1x1_inplace_get_buffer_size(const tfk_dims* in_dims);
void tfk_conv2d_1x1_inplace_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                               const tfk_dims* in_dims, const tfk_dims* filter_dims,
                               const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                               int8_t* inout, int8_t* scratch);

/* Fast paths (tfk_fast.c), bit-exact with the reference kernels. The input offset is folded into
 * the bias ahead of time: folded_bias[c] = bias[c] + input_offset * sum(filter[c][:]). */
void tfk_fold_input_offset(int32_t input_offset, const int8_t* filter, int32_t channels,
                           int32_t depth, const int32_t* bias, int32_t* out_bias);
/* CONV_2D 1x1, stride 1, no padding (a [pixels, Cin] x [Cout, Cin]^T product). */
void tfk_conv2d_1x1_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                            const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                            const int8_t* filter, const int32_t* folded_bias,
                            const tfk_dims* out_dims, int8_t* out);
void tfk_fully_connected_fast_s8(const tfk_fc_params* p, const tfk_channel_quant* q,
                                 int32_t batches, int32_t depth, int32_t units, const int8_t* in,
                                 const int8_t* weights, const int32_t* folded_bias, int8_t* out);
/* The fully connected fast path four weight rows at a time (tfk_fully_connected_rows4_s8): one
 * batch, a depth that is a multiple of eight and at least 32, at least eight units and
 * TFK_FC_ROWS4_MIN_MACS multiply-accumulates. The input is extended to 16-bit lanes
 * TFK_FC_ROWS4_CHUNK elements at a time (on the stack), and each group of four rows takes the chunk
 * against its weights, re-laid by tfk_fc_rows4_layout; up to TFK_FC_ROWS4_BATCH units keep their
 * accumulators on the stack across the chunks. On Cortex-M4/M7 the groups run in assembly: per
 * eight input elements one LDM of the lanes, then per row one LDM of two weight words, four SXTB16
 * and four SMLAD; the last chunk requantizes there too (per-tensor, full range, a right shift of at
 * least 2). */
#define TFK_FC_ROWS4_CHUNK 128
#define TFK_FC_ROWS4_BATCH 128
#define TFK_FC_ROWS4_MIN_MACS 8192
static inline int tfk_fc_uses_rows4(int32_t batches, int32_t depth, int32_t units) {
  /* smaller layers keep the plain row code: its few hundred instructions saved would cost more
   * stack (hello world: 150 B for 120 instructions) and, where no layer is large, about 1.2 KB of
   * flash for the path's code (a TinyNAS classifier) */
  return batches == 1 && depth >= 32 && depth % 8 == 0 && units >= 8 &&
         (int64_t)depth * units >= TFK_FC_ROWS4_MIN_MACS;
}
/* The weights [units, depth] re-laid for it: each group of four rows (units / 4 groups) as eight
 * bytes of rows 0, 1, 2 and 3 in turn along the depth, then the last units % 4 rows unchanged.
 * `out` holds units * depth bytes. */
void tfk_fc_rows4_layout(const int8_t* weights, int32_t depth, int32_t units, int8_t* out);
void tfk_fully_connected_rows4_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t depth,
                                  int32_t units, const int8_t* in, const int8_t* weights4,
                                  const int32_t* folded_bias, int8_t* out);
/* tfk_fc_accumulate_s8 without the input offset: the accumulators start at the folded bias. */
void tfk_fc_accumulate_fast_s8(const int8_t* x, int32_t n, const int8_t* w, int32_t depth,
                               int32_t units, int32_t* acc);
/* Unstructured-sparse FULLY_CONNECTED (tfk_sparse.c): row u's non-zero weights are
 * vals[row_start[u] .. row_start[u + 1]) at input columns cols[...]; folded bias as above. */
void tfk_fully_connected_sparse_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t batches,
                                   int32_t depth, int32_t units, const int8_t* in,
                                   const uint16_t* row_start, const uint16_t* cols, const int8_t* vals,
                                   const int32_t* folded_bias, int8_t* out);
/* k x k convolution. Where tfk_conv2d_simd_uses_lanes (whole-word kernel rows, a filter of at
 * most TFK_CONV_LANES_MAX taps, the full int8 range, -127 <= input_offset <= 128): every pixel
 * pair's two patches as 16-bit lanes, border pixels with zero points at the padding, then pairs
 * of channels with SMLAD over the whole patch (folded bias; about 4 * k_h * k_w * Cin bytes of
 * stack). Otherwise pairs of interior output pixels x pairs of channels per kernel row (folded
 * bias), border pixels one at a time with taps skipped (plain bias). */
#define TFK_CONV_LANES_MAX 576
int tfk_conv2d_simd_uses_lanes(const tfk_conv_params* p, const tfk_dims* in_dims,
                               const tfk_dims* f_dims);
void tfk_conv2d_simd_s8(const tfk_conv_params* p, const tfk_channel_quant* q, const tfk_dims* in_dims,
                        const int8_t* in, const tfk_dims* filter_dims, const int8_t* filter,
                        const int32_t* bias, const int32_t* folded_bias, const tfk_dims* out_dims,
                        int8_t* out);
/* The paths of the fast convolution, each callable on its own so that generated code links only
 * the one it takes: tfk_conv2d_fast_path says which tfk_conv2d_simd_s8 (simd 1) or
 * tfk_conv2d_fast_s8 (simd 0) takes, with has_bias as in tfk_conv2d_uses_im2col:
 *  - TFK_CONV_IM2COL: tfk_conv2d_im2col_s8 (tfk_conv2d_uses_im2col);
 *  - TFK_CONV_TAPS: tfk_conv2d_taps_s8, output channels in pairs over each output's in-image taps
 *    (tfk_conv2d_fast_s8, or a filter of at most TFK_IM2COL_MAX taps; |input_offset| <= 255);
 *  - TFK_CONV_REFERENCE: tfk_conv2d_s8 (there with a larger input offset);
 *  - TFK_CONV_LANES: tfk_conv2d_lanes_s8 (tfk_conv2d_simd_uses_lanes; folded bias only);
 *  - TFK_CONV_PAIRS: tfk_conv2d_pairs_s8 (pixel pairs per kernel row, borders one at a time).
 * Same arguments as the kernels they come from; the same bytes as the reference. */
enum { TFK_CONV_REFERENCE, TFK_CONV_IM2COL, TFK_CONV_TAPS, TFK_CONV_LANES, TFK_CONV_PAIRS };
int tfk_conv2d_fast_path(const tfk_conv_params* p, const tfk_dims* in_dims, const tfk_dims* f_dims,
                         int has_bias, int simd);
void tfk_conv2d_taps_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                        const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                        const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                        int8_t* out);
void tfk_conv2d_lanes_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                         const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                         const int8_t* filter, const int32_t* folded_bias, const tfk_dims* out_dims,
                         int8_t* out);
void tfk_conv2d_pairs_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                         const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                         const int8_t* filter, const int32_t* bias, const int32_t* folded_bias,
                         const tfk_dims* out_dims, int8_t* out);
/* The fast 1x1 convolution and fully connected layer extend two input rows of up to
 * TFK_PAIR_DEPTH_MAX bytes to 16-bit lanes once for all output channels (4 * depth bytes of
 * stack); deeper rows are computed one at a time. */
#define TFK_PAIR_DEPTH_MAX 288
/* The in-place 1x1 convolution on pixel pairs (scratch: tfk_conv2d_1x1_inplace_get_buffer_size). */
void tfk_conv2d_1x1_inplace_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                    const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                    const int8_t* filter, const int32_t* folded_bias,
                                    const tfk_dims* out_dims, int8_t* inout, int8_t* scratch);

/* k x k convolution and depthwise convolution (depth multiplier 1) without per-tap bounds
 * checks (tfk_fast_spatial.c); same arguments and results as the reference kernels. A
 * convolution whose filter has at most TFK_IM2COL_MAX taps (k_h * k_w * Cin) goes through
 * im2col: two pixels' patches (about 6 * TFK_IM2COL_MAX bytes of stack) against every filter. */
#define TFK_IM2COL_MAX 80
/* tfk_conv2d_fast_s8's im2col path (tfk_fast.c) for a filter of at most TFK_IM2COL_MAX taps, the
 * full int8 range, -127 <= input_offset <= 128 and a bias (has_bias): 1 when it applies. */
int tfk_conv2d_uses_im2col(const tfk_conv_params* p, const tfk_dims* in_dims,
                           const tfk_dims* f_dims, int has_bias);
/* Bytes per filter row that the code generator gives tfk_conv2d_im2col_s8: the patch rounded up to
 * a multiple of eight, zeros after it (the 2 x 2 blocks' assembly takes eight bytes a step). */
#define TFK_IM2COL_ROW(patch) (((patch) + 7) / 8 * 8)
/* The im2col convolution where tfk_conv2d_uses_im2col: per pixel pair, both patches (the input's
 * zero point at padding) are extended to 16-bit lanes of x + input_offset once, then every
 * channel pair takes the 1x1 kernel's 2 x 2 block over them. Filter rows are `row` bytes apart
 * (k_h * k_w * Cin, or up to TFK_IM2COL_ROW of it with zeros after the taps). */
void tfk_conv2d_im2col_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                          const tfk_dims* in_dims, const int8_t* in, const tfk_dims* f_dims,
                          const int8_t* filter, int32_t row, const int32_t* bias,
                          const tfk_dims* out_dims, int8_t* out);
void tfk_conv2d_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                        const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                        const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                        int8_t* out);
void tfk_depthwise_conv2d_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const int8_t* in,
                                  const tfk_dims* filter_dims, const int8_t* filter,
                                  const int32_t* bias, const tfk_dims* out_dims, int8_t* out);
/* tfk_depthwise_conv2d_fast_s8 is tfk_depthwise_conv2d_rows_s8 (row by row, see
 * tfk_depthwise_conv2d_row_s8) where tfk_depthwise_conv2d_uses_rows (depth multiplier 1,
 * |input_offset| <= 255, at most TFK_DEPTHWISE_MAX_KH kernel rows), else the reference; the code
 * generator calls tfk_depthwise_conv2d_rows_s8 directly where it applies. */
int tfk_depthwise_conv2d_uses_rows(const tfk_conv_params* p, const tfk_dims* filter_dims);
void tfk_depthwise_conv2d_rows_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const int8_t* in,
                                  const tfk_dims* filter_dims, const int8_t* filter,
                                  const int32_t* bias, const tfk_dims* out_dims, int8_t* out);

/* One output row of a depthwise convolution (depth multiplier 1, |input_offset| <= 255), four
 * channels at a time: rows[ky] is input row oy * stride_h - pad_top + ky * dilation_h, or NULL
 * where that row is outside the image (up to TFK_DEPTHWISE_MAX_KH kernel rows). Used by the fast
 * and the in-place depthwise kernels. */
#define TFK_DEPTHWISE_MAX_KH 16
void tfk_depthwise_conv2d_row_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                 const tfk_dims* in_dims, const int8_t* const* rows,
                                 const tfk_dims* filter_dims, const int8_t* filter,
                                 const int32_t* bias, int32_t out_w, int8_t* out_row);

#ifdef __cplusplus
}
#endif

#endif /* TINYFORGE_KERNELS_TFK_H_ */
