/* In-place convolution kernels: the output overwrites the input in the same buffer. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"

static int32_t channel_index(const tfk_channel_quant* q, int32_t c) { return q->per_channel ? c : 0; }

int32_t tfk_depthwise_conv2d_inplace_get_buffer_size(const tfk_dims* in_dims) {
  return in_dims->h * in_dims->w;
}

/* Taps k in [*begin, *end) with 0 <= origin + k * dilation < size. */
static void tap_range(int32_t origin, int32_t dilation, int32_t taps, int32_t size, int32_t* begin,
                      int32_t* end) {
  int32_t b = 0, e = taps;
  while (b < e && origin + b * dilation < 0) ++b;
  while (e > b && origin + (e - 1) * dilation >= size) --e;
  *begin = b;
  *end = e;
}

/* One output channel computed from one input channel plane (H x W, no channel stride). */
static void depthwise_plane(const tfk_conv_params* p, int32_t multiplier, int32_t shift, int32_t bias,
                            const int8_t* plane, const tfk_dims* in_dims, const int8_t* filter,
                            const tfk_dims* filter_dims, int32_t c, const tfk_dims* out_dims,
                            int8_t* out) {
  const int32_t channels = out_dims->c, k_w = filter_dims->w, in_w = in_dims->w;
  for (int32_t oy = 0; oy < out_dims->h; ++oy) {
    const int32_t y0 = oy * p->stride_h - p->pad_top;
    int32_t ky0, ky1;
    tap_range(y0, p->dilation_h, filter_dims->h, in_dims->h, &ky0, &ky1);
    for (int32_t ox = 0; ox < out_dims->w; ++ox) {
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      int32_t kx0, kx1;
      tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
      int32_t acc = bias;
      for (int32_t ky = ky0; ky < ky1; ++ky) {
        const int8_t* x = plane + (y0 + ky * p->dilation_h) * in_w + x0 + kx0 * p->dilation_w;
        const int8_t* w = filter + (ky * k_w + kx0) * channels + c;
        for (int32_t kx = kx0; kx < kx1; ++kx) {
          acc += *w * (*x + p->input_offset);
          x += p->dilation_w;
          w += channels;
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
