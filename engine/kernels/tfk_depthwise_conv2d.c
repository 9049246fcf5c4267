/* DEPTHWISE_CONV_2D int8 reference kernel (TFLite integer_ops::DepthwiseConvPerChannel). */
#include "tfk.h"
#include "tfk_math.h"

void tfk_depthwise_conv2d_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                             const tfk_dims* in_dims, const int8_t* in,
                             const tfk_dims* filter_dims, const int8_t* filter,
                             const int32_t* bias, const tfk_dims* out_dims, int8_t* out) {
  const int32_t in_h = in_dims->h, in_w = in_dims->w, in_c = in_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t out_c = out_dims->c, dm = p->depth_multiplier;
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_h * in_w * in_c;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      for (int32_t ox = 0; ox < out_dims->w; ++ox) {
        const int32_t x0 = ox * p->stride_w - p->pad_left;
        int8_t* out_px = out + (((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * out_c;
        for (int32_t ic = 0; ic < in_c; ++ic) {
          for (int32_t m = 0; m < dm; ++m) {
            const int32_t oc = ic * dm + m;
            int32_t acc = 0;
            for (int32_t ky = 0; ky < k_h; ++ky) {
              const int32_t iy = y0 + ky * p->dilation_h;
              if (iy < 0 || iy >= in_h) continue;
              for (int32_t kx = 0; kx < k_w; ++kx) {
                const int32_t ix = x0 + kx * p->dilation_w;
                if (ix < 0 || ix >= in_w) continue;
                const int32_t x = in_b[((int64_t)iy * in_w + ix) * in_c + ic];
                const int32_t w = filter[((int64_t)ky * k_w + kx) * out_c + oc];
                acc += w * (x + p->input_offset);
              }
            }
            if (bias) acc += bias[oc];
            const int32_t k = q->per_channel ? oc : 0;
            acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
            out_px[oc] = (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
          }
        }
      }
    }
  }
}
