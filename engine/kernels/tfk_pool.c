/* AVERAGE_POOL_2D / MAX_POOL_2D int8 reference kernels: taps outside the image are skipped. */
#include "tfk.h"
#include "tfk_math.h"

typedef struct {
  int32_t y_start, y_end, x_start, x_end;
} pool_window;

static pool_window window_at(const tfk_pool_params* p, const tfk_dims* in, int32_t oy, int32_t ox) {
  pool_window w;
  const int32_t y0 = oy * p->stride_h - p->pad_top;
  const int32_t x0 = ox * p->stride_w - p->pad_left;
  w.y_start = y0 < 0 ? 0 : y0;
  w.x_start = x0 < 0 ? 0 : x0;
  w.y_end = y0 + p->filter_h > in->h ? in->h : y0 + p->filter_h;
  w.x_end = x0 + p->filter_w > in->w ? in->w : x0 + p->filter_w;
  return w;
}

void tfk_avgpool_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                    const tfk_dims* out_dims, int8_t* out) {
  const int32_t c_n = in_dims->c;
  for (int32_t b = 0; b < out_dims->n; ++b)
    for (int32_t oy = 0; oy < out_dims->h; ++oy)
      for (int32_t ox = 0; ox < out_dims->w; ++ox) {
        const pool_window w = window_at(p, in_dims, oy, ox);
        for (int32_t c = 0; c < c_n; ++c) {
          int32_t sum = 0, n = 0;
          for (int32_t y = w.y_start; y < w.y_end; ++y)
            for (int32_t x = w.x_start; x < w.x_end; ++x) {
              sum += in[(((int64_t)b * in_dims->h + y) * in_dims->w + x) * c_n + c];
              ++n;
            }
          if (n == 0) n = 1;
          const int32_t avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
          out[(((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * c_n + c] =
              (int8_t)tfk_clamp(avg, p->act_min, p->act_max);
        }
      }
}

void tfk_maxpool_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                    const tfk_dims* out_dims, int8_t* out) {
  const int32_t c_n = in_dims->c;
  for (int32_t b = 0; b < out_dims->n; ++b)
    for (int32_t oy = 0; oy < out_dims->h; ++oy)
      for (int32_t ox = 0; ox < out_dims->w; ++ox) {
        const pool_window w = window_at(p, in_dims, oy, ox);
        for (int32_t c = 0; c < c_n; ++c) {
          int32_t mx = -128;
          for (int32_t y = w.y_start; y < w.y_end; ++y)
            for (int32_t x = w.x_start; x < w.x_end; ++x) {
              const int32_t v = in[(((int64_t)b * in_dims->h + y) * in_dims->w + x) * c_n + c];
              if (v > mx) mx = v;
            }
          out[(((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * c_n + c] =
              (int8_t)tfk_clamp(mx, p->act_min, p->act_max);
        }
      }
}
