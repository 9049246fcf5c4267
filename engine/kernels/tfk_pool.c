/* AVERAGE_POOL_2D / MAX_POOL_2D int8 kernels, taps outside the image skipped: the references, and
 * the fast average pool that sums four channels per tap in two pairs of 16-bit lanes (SXTAB16). */
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

/* The rounded average of `n` taps summing to `sum`, clamped (half away from zero, as TFLM). */
static inline int8_t avg_out(int32_t sum, int32_t n, int32_t lo, int32_t hi) {
  const int32_t avg = sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
  return (int8_t)tfk_clamp(avg, lo, hi);
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
          out[(((int64_t)b * out_dims->h + oy) * out_dims->w + ox) * c_n + c] =
              avg_out(sum, n > 0 ? n : 1, p->act_min, p->act_max);
        }
      }
}

/* more taps could overflow a 16-bit lane */
int tfk_avgpool_uses_lanes(const tfk_pool_params* p) { return p->filter_h * p->filter_w <= 255; }

void tfk_avgpool_fast_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                         const tfk_dims* out_dims, int8_t* out) {
  if (tfk_avgpool_uses_lanes(p)) {
    tfk_avgpool_lanes_s8(p, in_dims, in, out_dims, out);
  } else {
    tfk_avgpool_s8(p, in_dims, in, out_dims, out);
  }
}

void tfk_avgpool_lanes_s8(const tfk_pool_params* p, const tfk_dims* in_dims, const int8_t* in,
                          const tfk_dims* out_dims, int8_t* out) {
  const int32_t c_n = in_dims->c, c4 = c_n & ~3, lo = p->act_min, hi = p->act_max;
  const int64_t row = (int64_t)in_dims->w * c_n;
  int8_t* o = out;
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_dims->h * row;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      for (int32_t ox = 0; ox < out_dims->w; ++ox, o += c_n) {
        const pool_window w = window_at(p, in_dims, oy, ox);
        const int32_t taps = (w.y_end - w.y_start) * (w.x_end - w.x_start);
        const int32_t n = taps > 0 ? taps : 1;
        const int8_t* first = in_b + w.y_start * row + (int64_t)w.x_start * c_n;
        int32_t c = 0;
        for (; c < c4; c += 4) {
          int32_t even = 0, odd = 0; /* the sums of channels (c, c + 2) and (c + 1, c + 3) */
          const int8_t* r = first + c;
          for (int32_t y = w.y_start; y < w.y_end; ++y, r += row) {
            const int8_t* x = r;
            for (int32_t i = w.x_start; i < w.x_end; ++i, x += c_n) {
              const uint32_t v = tfk_load4(x);
              even = tfk_sxtab16(even, v);
              odd = tfk_sxtab16_ror8(odd, v);
            }
          }
          o[c] = avg_out((int16_t)(uint16_t)((uint32_t)even & 0xFFFFu), n, lo, hi);
          o[c + 1] = avg_out((int16_t)(uint16_t)((uint32_t)odd & 0xFFFFu), n, lo, hi);
          o[c + 2] = avg_out((int16_t)(uint16_t)((uint32_t)even >> 16), n, lo, hi);
          o[c + 3] = avg_out((int16_t)(uint16_t)((uint32_t)odd >> 16), n, lo, hi);
        }
        for (; c < c_n; ++c) {
          int32_t sum = 0;
          const int8_t* r = first + c;
          for (int32_t y = w.y_start; y < w.y_end; ++y, r += row) {
            for (int32_t i = 0; i < w.x_end - w.x_start; ++i) sum += r[(int64_t)i * c_n];
          }
          o[c] = avg_out(sum, n, lo, hi);
        }
      }
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
