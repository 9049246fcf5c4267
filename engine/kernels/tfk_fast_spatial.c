/* Fast paths for k x k convolution and depthwise convolution, bit-exact with the reference:
 * the valid kernel taps of each output are computed once (no per-tap bounds checks) and the
 * inner loops walk pointers over contiguous channels. */
#include "tfk.h"
#include "tfk_math.h"

void tfk_conv2d_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                        const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                        const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                        int8_t* out) {
  const int32_t in_w = in_dims->w, in_c = in_dims->c, k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t out_c = out_dims->c, off = p->input_offset;
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_dims->h * in_w * in_c;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tfk_tap_range(y0, p->dilation_h, k_h, in_dims->h, &ky0, &ky1);
      for (int32_t ox = 0; ox < out_dims->w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tfk_tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
        int8_t* o = out + (((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * out_c;
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int8_t* f = filter + (int64_t)oc * k_h * k_w * in_c;
          int32_t acc = bias ? bias[oc] : 0;
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const int8_t* x = in_b + ((int64_t)(y0 + ky * p->dilation_h) * in_w + x0 + kx0 * p->dilation_w) * in_c;
            const int8_t* w = f + ((int64_t)ky * k_w + kx0) * in_c;
            for (int32_t kx = kx0; kx < kx1; ++kx) {
              for (int32_t ic = 0; ic < in_c; ++ic) acc += w[ic] * (x[ic] + off);
              x += p->dilation_w * in_c;
              w += in_c;
            }
          }
          const int32_t k = q->per_channel ? oc : 0;
          acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
          o[oc] = (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}

/* 3x3, no dilation: interior outputs with all nine taps unrolled and the offset folded in. */
static void depthwise3x3(const tfk_conv_params* p, const tfk_channel_quant* q, const tfk_dims* in_dims,
                         const int8_t* in, const int8_t* filter, const int32_t* bias,
                         const tfk_dims* out_dims, int8_t* out) {
  const int32_t in_h = in_dims->h, in_w = in_dims->w, c_n = in_dims->c, off = p->input_offset;
  const int32_t sh = p->stride_h, sw = p->stride_w, pt = p->pad_top, pl = p->pad_left;
  const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int64_t row = (int64_t)in_w * c_n;
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_h * row;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * sh - pt;
      for (int32_t ox = 0; ox < out_dims->w; ++ox) {
        const int32_t x0 = ox * sw - pl;
        int8_t* o = out + (((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * c_n;
        const int inside = y0 >= 0 && y0 + 2 < in_h && x0 >= 0 && x0 + 2 < in_w;
        for (int32_t c = 0; c < c_n; ++c) {
          int32_t acc = bias ? bias[c] : 0;
          if (inside) {
            const int8_t* x = in_b + (int64_t)y0 * row + (int64_t)x0 * c_n + c;
            const int8_t* w = filter + c;
            for (int32_t ky = 0; ky < 3; ++ky, x += row, w += 3 * c_n) {
              acc += w[0] * (x[0] + off) + w[c_n] * (x[c_n] + off) + w[2 * c_n] * (x[2 * c_n] + off);
            }
          } else {
            for (int32_t ky = 0; ky < 3; ++ky) {
              const int32_t iy = y0 + ky;
              if (iy < 0 || iy >= in_h) continue;
              for (int32_t kx = 0; kx < 3; ++kx) {
                const int32_t ix = x0 + kx;
                if (ix < 0 || ix >= in_w) continue;
                acc += filter[(ky * 3 + kx) * c_n + c] * (in_b[(int64_t)iy * row + (int64_t)ix * c_n + c] + off);
              }
            }
          }
          const int32_t k = q->per_channel ? c : 0;
          acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + out_off;
          o[c] = (int8_t)tfk_clamp(acc, lo, hi);
        }
      }
    }
  }
}

void tfk_depthwise_conv2d_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const int8_t* in,
                                  const tfk_dims* filter_dims, const int8_t* filter,
                                  const int32_t* bias, const tfk_dims* out_dims, int8_t* out) {
  const int32_t in_w = in_dims->w, c_n = in_dims->c, k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t off = p->input_offset;
  if (k_h == 3 && k_w == 3 && p->dilation_h == 1 && p->dilation_w == 1) {
    depthwise3x3(p, q, in_dims, in, filter, bias, out_dims, out);
    return;
  }
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_dims->h * in_w * c_n;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tfk_tap_range(y0, p->dilation_h, k_h, in_dims->h, &ky0, &ky1);
      for (int32_t ox = 0; ox < out_dims->w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tfk_tap_range(x0, p->dilation_w, k_w, in_w, &kx0, &kx1);
        int8_t* o = out + (((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * c_n;
        for (int32_t c = 0; c < c_n; ++c) {
          int32_t acc = bias ? bias[c] : 0;
          for (int32_t ky = ky0; ky < ky1; ++ky) {
            const int8_t* x = in_b + ((int64_t)(y0 + ky * p->dilation_h) * in_w + x0 + kx0 * p->dilation_w) * c_n + c;
            const int8_t* w = filter + ((int64_t)ky * k_w + kx0) * c_n + c;
            for (int32_t kx = kx0; kx < kx1; ++kx) {
              acc += *w * (*x + off);
              x += p->dilation_w * c_n;
              w += c_n;
            }
          }
          const int32_t k = q->per_channel ? c : 0;
          acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
          o[c] = (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}
