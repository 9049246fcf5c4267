/* In-place convolution kernels: the output overwrites the input in the same buffer. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"

static int32_t channel_index(const tfk_channel_quant* q, int32_t c) { return q->per_channel ? c : 0; }

int32_t tfk_depthwise_conv2d_inplace_get_buffer_size(const tfk_dims* in_dims) {
  return in_dims->h * in_dims->w;
}

/* One output channel computed from one input channel plane (H x W, no channel stride). */
static void depthwise_plane(const tfk_conv_params* p, int32_t multiplier, int32_t shift, int32_t bias,
                            const int8_t* plane, const tfk_dims* in_dims, const int8_t* filter,
                            const tfk_dims* filter_dims, int32_t c, const tfk_dims* out_dims,
                            int8_t* out) {
  const int32_t channels = out_dims->c;
  for (int32_t oy = 0; oy < out_dims->h; ++oy) {
    for (int32_t ox = 0; ox < out_dims->w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      int32_t acc = bias;
      for (int32_t ky = 0; ky < filter_dims->h; ++ky) {
        const int32_t iy = y0 + ky * p->dilation_h;
        if (iy < 0 || iy >= in_dims->h) continue;
        for (int32_t kx = 0; kx < filter_dims->w; ++kx) {
          const int32_t ix = x0 + kx * p->dilation_w;
          if (ix < 0 || ix >= in_dims->w) continue;
          const int32_t w = filter[(ky * filter_dims->w + kx) * channels + c];
          acc += w * (plane[iy * in_dims->w + ix] + p->input_offset);
        }
      }
      acc = tfk_mbqm(acc, multiplier, shift) + p->output_offset;
      out[(oy * out_dims->w + ox) * channels + c] = (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
    }
  }
}

void tfk_depthwise_conv2d_inplace_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                     const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                     const int8_t* filter, const int32_t* bias,
                                     const tfk_dims* out_dims, int8_t* inout, int8_t* scratch) {
  const int32_t channels = in_dims->c;
  const int32_t pixels = in_dims->h * in_dims->w;
  for (int32_t c = 0; c < channels; ++c) {
    for (int32_t i = 0; i < pixels; ++i) scratch[i] = inout[i * channels + c];
    const int32_t k = channel_index(q, c);
    depthwise_plane(p, q->multiplier[k], q->shift[k], bias ? bias[c] : 0, scratch, in_dims, filter,
                    filter_dims, c, out_dims, inout);
  }
}

int32_t tfk_conv2d_1x1_inplace_get_buffer_size(const tfk_dims* in_dims) { return in_dims->c; }

void tfk_conv2d_1x1_inplace_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                               const tfk_dims* in_dims, const tfk_dims* filter_dims,
                               const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                               int8_t* inout, int8_t* scratch) {
  const int32_t cin = in_dims->c;
  const int32_t cout = out_dims->c;
  const int32_t pixels = out_dims->n * out_dims->h * out_dims->w;
  (void)filter_dims;
  for (int32_t px = 0; px < pixels; ++px) {
    memcpy(scratch, inout + px * cin, (size_t)cin);
    for (int32_t oc = 0; oc < cout; ++oc) {
      const int8_t* w = filter + oc * cin;
      int32_t acc = bias ? bias[oc] : 0;
      for (int32_t ic = 0; ic < cin; ++ic) acc += w[ic] * (scratch[ic] + p->input_offset);
      const int32_t k = channel_index(q, oc);
      acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
      inout[px * cout + oc] = (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
    }
  }
}
