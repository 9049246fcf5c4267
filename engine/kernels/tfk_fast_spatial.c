/* Fast paths for k x k convolution and depthwise convolution, bit-exact with the reference:
 * the valid kernel taps of each output are computed once (no per-tap bounds checks), the input
 * offset is added to the input in 16-bit lanes (SXTAB16) so that border outputs use the same
 * SIMD code over their in-image taps, and requantization is one 64-bit multiply-add. Small
 * filters go through im2col (tfk_conv2d_im2col_s8, tfk_fast.c); 3x3 depthwise taps are
 * unrolled for the interior and the borders. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"

/* Two filters (w0, w1) against n input bytes with the input offset added in 16-bit lanes:
 * correct for any subset of taps, so border outputs need no folded bias. */
TFK_ALWAYS_INLINE void dot2_offset(const int8_t* x, const int8_t* w0, const int8_t* w1, int32_t n,
                                   int32_t off, int32_t offp, int32_t* a0, int32_t* a1) {
  int32_t s0 = *a0, s1 = *a1, i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t xv = tfk_load4(x + i), u = tfk_load4(w0 + i), v = tfk_load4(w1 + i);
    const int32_t xe = tfk_sxtab16(offp, xv), xo = tfk_sxtab16_ror8(offp, xv);
    s0 = tfk_smlad(tfk_sxtb16(u), xe, s0);
    s0 = tfk_smlad(tfk_sxtb16_ror8(u), xo, s0);
    s1 = tfk_smlad(tfk_sxtb16(v), xe, s1);
    s1 = tfk_smlad(tfk_sxtb16_ror8(v), xo, s1);
  }
  for (; i < n; ++i) {
    const int32_t xi = x[i] + off;
    s0 += w0[i] * xi;
    s1 += w1[i] * xi;
  }
  *a0 = s0;
  *a1 = s1;
}

/* Output channels in pairs over the in-image taps of each output; with dilation_w 1 a kernel row
 * is one contiguous run of (kx1 - kx0) * Cin bytes in input and filter. */
void tfk_conv2d_taps_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                        const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                        const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                        int8_t* out) {
  const int32_t in_w = in_dims->w, in_c = in_dims->c, k_h = filter_dims->h, k_w = filter_dims->w;
  const int32_t out_c = out_dims->c, off = p->input_offset, offp = tfk_offset_pair(off);
  const int32_t dh = p->dilation_h, dw = p->dilation_w, pc = q->per_channel ? 1 : 0;
  const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int64_t f_size = (int64_t)k_h * k_w * in_c;
  int8_t* o = out;
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_dims->h * in_w * in_c;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      int32_t ky0, ky1;
      tfk_tap_range(y0, dh, k_h, in_dims->h, &ky0, &ky1);
      for (int32_t ox = 0; ox < out_dims->w; ++ox, o += out_c) {
        const int32_t x0 = ox * p->stride_w - p->pad_left;
        int32_t kx0, kx1;
        tfk_tap_range(x0, dw, k_w, in_w, &kx0, &kx1);
        const int32_t runs = dw == 1 ? 1 : kx1 - kx0, run = dw == 1 ? (kx1 - kx0) * in_c : in_c;
        const int8_t* x_first = in_b + ((int64_t)(y0 + ky0 * dh) * in_w + x0 + kx0 * dw) * in_c;
        const int64_t x_row = (int64_t)dh * in_w * in_c;
        for (int32_t oc = 0; oc < out_c; oc += 2) {
          const int32_t oc1 = oc + 1 < out_c ? oc + 1 : oc;
          int32_t a0 = bias ? bias[oc] : 0, a1 = bias ? bias[oc1] : 0;
          const int8_t* x = x_first;
          const int8_t* w0 = filter + oc * f_size + ((int64_t)ky0 * k_w + kx0) * in_c;
          const int8_t* w1 = filter + oc1 * f_size + ((int64_t)ky0 * k_w + kx0) * in_c;
          for (int32_t ky = ky0; ky < ky1; ++ky, x += x_row, w0 += k_w * in_c, w1 += k_w * in_c) {
            for (int32_t r = 0; r < runs; ++r) {
              dot2_offset(x + (int64_t)r * dw * in_c, w0 + r * in_c, w1 + r * in_c, run, off, offp, &a0, &a1);
            }
          }
          o[oc] = tfk_requant_out(a0, q->multiplier[pc * oc], q->shift[pc * oc], out_off, lo, hi);
          o[oc1] = tfk_requant_out(a1, q->multiplier[pc * oc1], q->shift[pc * oc1], out_off, lo, hi);
        }
      }
    }
  }
}

/* The dispatchers of the fast convolution's paths: one rule (tfk_conv2d_fast_path) for them and
 * for the code generator, which calls the path directly. */
int tfk_conv2d_fast_path(const tfk_conv_params* p, const tfk_dims* in_dims, const tfk_dims* f_dims,
                         int has_bias, int simd) {
  const int64_t k_size = (int64_t)f_dims->h * f_dims->w * in_dims->c;
  if (!simd || k_size <= TFK_IM2COL_MAX) { /* tfk_conv2d_fast_s8 */
    if (p->input_offset < -255 || p->input_offset > 255) return TFK_CONV_REFERENCE;
    return tfk_conv2d_uses_im2col(p, in_dims, f_dims, has_bias) ? TFK_CONV_IM2COL : TFK_CONV_TAPS;
  }
  return tfk_conv2d_simd_uses_lanes(p, in_dims, f_dims) ? TFK_CONV_LANES : TFK_CONV_PAIRS;
}

/* The path `path` names; folded_bias is needed by the lanes and pairs paths only. */
static void conv_path(int path, const tfk_conv_params* p, const tfk_channel_quant* q,
                      const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                      const int8_t* filter, const int32_t* bias, const int32_t* folded_bias,
                      const tfk_dims* out_dims, int8_t* out) {
  switch (path) {
    case TFK_CONV_IM2COL:
      tfk_conv2d_im2col_s8(p, q, in_dims, in, filter_dims, filter,
                           filter_dims->h * filter_dims->w * in_dims->c, bias, out_dims, out);
      break;
    case TFK_CONV_TAPS:
      tfk_conv2d_taps_s8(p, q, in_dims, in, filter_dims, filter, bias, out_dims, out);
      break;
    case TFK_CONV_LANES:
      tfk_conv2d_lanes_s8(p, q, in_dims, in, filter_dims, filter, folded_bias, out_dims, out);
      break;
    case TFK_CONV_PAIRS:
      tfk_conv2d_pairs_s8(p, q, in_dims, in, filter_dims, filter, bias, folded_bias, out_dims, out);
      break;
    default:
      tfk_conv2d_s8(p, q, in_dims, in, filter_dims, filter, bias, out_dims, out);
  }
}

void tfk_conv2d_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                        const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                        const int8_t* filter, const int32_t* bias, const tfk_dims* out_dims,
                        int8_t* out) {
  conv_path(tfk_conv2d_fast_path(p, in_dims, filter_dims, bias != 0, 0), p, q, in_dims, in,
            filter_dims, filter, bias, 0, out_dims, out);
}

TFK_NO_EARLY_SCHEDULE void tfk_conv2d_simd_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                              const tfk_dims* in_dims, const int8_t* in,
                                              const tfk_dims* filter_dims, const int8_t* filter,
                                              const int32_t* bias, const int32_t* folded_bias,
                                              const tfk_dims* out_dims, int8_t* out) {
  conv_path(tfk_conv2d_fast_path(p, in_dims, filter_dims, bias != 0, 1), p, q, in_dims, in,
            filter_dims, filter, bias, folded_bias, out_dims, out);
}

/* Four channels of one depthwise tap: x + offset and w as 16-bit lanes (bytes 0, 2 and 1, 3),
 * one multiply-accumulate per channel. */
TFK_ALWAYS_INLINE void dw_tap4(uint32_t xv, uint32_t wv, int32_t offp, int32_t acc[4]) {
  const int32_t xe = tfk_sxtab16(offp, xv), xo = tfk_sxtab16_ror8(offp, xv);
  const int32_t we = tfk_sxtb16(wv), wo = tfk_sxtb16_ror8(wv);
  acc[0] = tfk_smlabb(we, xe, acc[0]);
  acc[1] = tfk_smlabb(wo, xo, acc[1]);
  acc[2] = tfk_smlatt(we, xe, acc[2]);
  acc[3] = tfk_smlatt(wo, xo, acc[3]);
}

/* The nc (2 or 3, a constant where inlined) taps of one kernel row: r and w at the first. */
TFK_ALWAYS_INLINE void dw_row_taps4(const int8_t* r, const int8_t* w, int32_t c_n, int32_t nc, int32_t offp,
                                    int32_t acc[4]) {
  dw_tap4(tfk_load4(r), tfk_load4(w), offp, acc);
  dw_tap4(tfk_load4(r + c_n), tfk_load4(w + c_n), offp, acc);
  if (nc == 3) dw_tap4(tfk_load4(r + 2 * c_n), tfk_load4(w + 2 * c_n), offp, acc);
}

/* The nr x nc in-image taps of a 3x3 kernel without dilation (nr, nc: 2 or 3, constants where
 * inlined: 3 x 3 for an interior output, fewer at a border), unrolled: r0..r2 at the first
 * in-image tap of each row and channel c, w at channel c of that tap in the filter. */
TFK_ALWAYS_INLINE void dw_taps4_3x3(const int8_t* r0, const int8_t* r1, const int8_t* r2, const int8_t* w,
                                    int32_t c_n, int32_t nr, int32_t nc, int32_t offp, int32_t acc[4]) {
  dw_row_taps4(r0, w, c_n, nc, offp, acc);
  dw_row_taps4(r1, w + 3 * c_n, c_n, nc, offp, acc);
  if (nr == 3) dw_row_taps4(r2, w + 6 * c_n, c_n, nc, offp, acc);
}

/* Requantizes channels c..c+3 (step: 1 per-channel, 0 per-tensor) into o[c..c+3]. */
TFK_ALWAYS_INLINE void requant4(const int32_t* mult, const int32_t* shift, int32_t step, int32_t c,
                                const int32_t acc[4], int32_t out_off, int32_t lo, int32_t hi, int full, int8_t* o) {
  const int32_t* m = mult + step * c;
  const int32_t* s = shift + step * c;
  o[c] = tfk_requant_out_r(acc[0], m[0], s[0], out_off, lo, hi, full);
  o[c + 1] = tfk_requant_out_r(acc[1], m[step], s[step], out_off, lo, hi, full);
  o[c + 2] = tfk_requant_out_r(acc[2], m[2 * step], s[2 * step], out_off, lo, hi, full);
  o[c + 3] = tfk_requant_out_r(acc[3], m[3 * step], s[3 * step], out_off, lo, hi, full);
}

static void load_bias4(const int32_t* bias, int32_t c, int32_t acc[4]) {
  for (int32_t i = 0; i < 4; ++i) acc[i] = bias ? bias[c + i] : 0;
}

/* Channels c4 = 0, 4, .. < c_end of one output of a 3x3 depthwise kernel over nr x nc in-image
 * taps (see dw_taps4_3x3). */
TFK_ALWAYS_INLINE void dw_pixel_3x3(const int8_t* r0, const int8_t* r1, const int8_t* r2, const int8_t* w,
                                    const int32_t* bias, int32_t c_n, int32_t c_end, int32_t nr, int32_t nc,
                                    int32_t offp, const int32_t* mult, const int32_t* shift, int32_t step,
                                    int32_t out_off, int32_t lo, int32_t hi, int full, int8_t* o) {
  for (int32_t c = 0; c < c_end; c += 4, r0 += 4, r1 += 4, r2 += 4, w += 4) {
    int32_t acc[4];
    load_bias4(bias, c, acc);
    dw_taps4_3x3(r0, r1, r2, w, c_n, nr, nc, offp, acc);
    requant4(mult, shift, step, c, acc, out_off, lo, hi, full, o);
  }
}

/* One output row (see tfk_depthwise_conv2d_row_s8); `full` as in tfk_requant_out_r (here decided
 * per output, except in the unrolled code). A 3x3 kernel without dilation has its in-image taps
 * unrolled, for the interior and for the borders. */
TFK_ALWAYS_INLINE void dw_row_body(const tfk_conv_params* p, const tfk_channel_quant* q, const tfk_dims* in_dims,
                                   const int8_t* const* rows, const tfk_dims* f_dims, const int8_t* filter,
                                   const int32_t* bias, int32_t out_w, int8_t* out_row, int full) {
  const int32_t in_w = in_dims->w, c_n = in_dims->c, k_h = f_dims->h, k_w = f_dims->w;
  const int32_t dw = p->dilation_w, off = p->input_offset, offp = tfk_offset_pair(off);
  const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
  const int32_t* mult = q->multiplier;
  const int32_t* shift = q->shift;
  const int32_t step = q->per_channel ? 1 : 0, c4 = c_n & ~3, x_col = dw * c_n, w_row = k_w * c_n;
  int32_t ky0 = 0, ky1 = k_h;
  while (ky0 < ky1 && !rows[ky0]) ++ky0;
  while (ky1 > ky0 && !rows[ky1 - 1]) --ky1;
  const int32_t nr = ky1 - ky0;
  /* Unrolled only for the full int8 range (nearly every model), so that one copy of it is linked. */
  const int k3 = full && k_h == 3 && k_w == 3 && dw == 1 && nr >= 2;
  const int8_t* r0 = rows[ky0];
  const int8_t* r1 = nr > 1 ? rows[ky0 + 1] : r0;
  const int8_t* r2 = nr > 2 ? rows[ky0 + 2] : r1;
  int8_t* o = out_row;
  for (int32_t ox = 0; ox < out_w; ++ox, o += c_n) {
    const int32_t x0 = ox * p->stride_w - p->pad_left;
    int32_t kx0, kx1;
    tfk_tap_range(x0, dw, k_w, in_w, &kx0, &kx1);
    const int32_t col = (x0 + kx0 * dw) * c_n, nc = kx1 - kx0;
    const int8_t* w = filter + ((int64_t)ky0 * k_w + kx0) * c_n;
    int32_t c = 0;
    if (k3 && nc >= 2) {
      const int8_t *a = r0 + col, *b = r1 + col, *d = r2 + col;
      const int32_t shape = nr * 4 + nc;
      if (shape == 3 * 4 + 3) {
        dw_pixel_3x3(a, b, d, w, bias, c_n, c4, 3, 3, offp, mult, shift, step, out_off, lo, hi, 1, o);
      } else if (shape == 3 * 4 + 2) {
        dw_pixel_3x3(a, b, d, w, bias, c_n, c4, 3, 2, offp, mult, shift, step, out_off, lo, hi, 1, o);
      } else {
        dw_pixel_3x3(a, b, d, w, bias, c_n, c4, 2, nc, offp, mult, shift, step, out_off, lo, hi, 1, o);
      }
      c = c4;
    } else {
      for (; c < c4; c += 4) {
        int32_t acc[4];
        load_bias4(bias, c, acc);
        for (int32_t ky = ky0; ky < ky1; ++ky) {
          const int8_t* xp = rows[ky] + col + c;
          const int8_t* wp = w + (ky - ky0) * w_row + c;
          for (int32_t kx = kx0; kx < kx1; ++kx, xp += x_col, wp += c_n) {
            dw_tap4(tfk_load4(xp), tfk_load4(wp), offp, acc);
          }
        }
        requant4(mult, shift, step, c, acc, out_off, lo, hi, full, o);
      }
    }
    for (; c < c_n; ++c) {
      int32_t acc = bias ? bias[c] : 0;
      for (int32_t ky = ky0; ky < ky1; ++ky) {
        const int8_t* xp = rows[ky] + col + c;
        const int8_t* wp = w + (ky - ky0) * w_row + c;
        for (int32_t kx = kx0; kx < kx1; ++kx, xp += x_col, wp += c_n) acc += *wp * (*xp + off);
      }
      o[c] = tfk_requant_out_r(acc, mult[step * c], shift[step * c], out_off, lo, hi, full);
    }
  }
}

TFK_NO_EARLY_SCHEDULE void tfk_depthwise_conv2d_row_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                                       const tfk_dims* in_dims, const int8_t* const* rows,
                                                       const tfk_dims* f_dims, const int8_t* filter,
                                                       const int32_t* bias, int32_t out_w, int8_t* out_row) {
  dw_row_body(p, q, in_dims, rows, f_dims, filter, bias, out_w, out_row, TFK_FULL_RANGE(p->act_min, p->act_max));
}

int tfk_depthwise_conv2d_uses_rows(const tfk_conv_params* p, const tfk_dims* filter_dims) {
  return p->depth_multiplier == 1 && p->input_offset >= -255 && p->input_offset <= 255 &&
         filter_dims->h <= TFK_DEPTHWISE_MAX_KH;
}

void tfk_depthwise_conv2d_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const int8_t* in,
                                  const tfk_dims* filter_dims, const int8_t* filter,
                                  const int32_t* bias, const tfk_dims* out_dims, int8_t* out) {
  if (tfk_depthwise_conv2d_uses_rows(p, filter_dims)) {
    tfk_depthwise_conv2d_rows_s8(p, q, in_dims, in, filter_dims, filter, bias, out_dims, out);
  } else {
    tfk_depthwise_conv2d_s8(p, q, in_dims, in, filter_dims, filter, bias, out_dims, out);
  }
}

void tfk_depthwise_conv2d_rows_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const int8_t* in,
                                  const tfk_dims* filter_dims, const int8_t* filter,
                                  const int32_t* bias, const tfk_dims* out_dims, int8_t* out) {
  const int32_t k_h = filter_dims->h, in_h = in_dims->h;
  const int64_t row = (int64_t)in_dims->w * in_dims->c, out_row = (int64_t)out_dims->w * out_dims->c;
  const int8_t* rows[TFK_DEPTHWISE_MAX_KH];
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_h * row;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      for (int32_t ky = 0; ky < k_h; ++ky) {
        const int32_t iy = y0 + ky * p->dilation_h;
        rows[ky] = iy >= 0 && iy < in_h ? in_b + iy * row : 0;
      }
      tfk_depthwise_conv2d_row_s8(p, q, in_dims, rows, filter_dims, filter, bias, out_dims->w,
                                  out + ((int64_t)b * out_dims->h + oy) * out_row);
    }
  }
}
