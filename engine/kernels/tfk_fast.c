/* Fast paths for 1x1 convolution and fully connected layers, bit-exact with the reference:
 * the input offset is folded into the bias at code generation time (tfk_fold_input_offset),
 * outputs are computed in 2 x 2 blocks (two pixels or batches x two channels; a single row four
 * channels at a time), and on Cortex-M4/M7 four int8 products are accumulated with two SMLAD
 * (ACLE) instructions; the same code runs on the host with tfk_math.h's C equivalents. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"


void tfk_fold_input_offset(int32_t input_offset, const int8_t* filter, int32_t channels,
                           int32_t depth, const int32_t* bias, int32_t* out_bias) {
  for (int32_t c = 0; c < channels; ++c) {
    int32_t sum = 0;
    for (int32_t d = 0; d < depth; ++d) sum += filter[(int64_t)c * depth + d];
    out_bias[c] = (bias ? bias[c] : 0) + input_offset * sum;
  }
}

/* Two rows of weights (w0, w1) against two input vectors (x0, x1): four dot products. */
TFK_ALWAYS_INLINE void dot_2x2(const int8_t* w0, const int8_t* w1, const int8_t* x0, const int8_t* x1,
                    int32_t depth, int32_t acc[4]) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  int32_t d = 0;
  for (; d + 4 <= depth; d += 4) {
    /* the inputs extended first, then one weight row at a time: few registers live at once */
    const uint32_t xa = tfk_load4(x0 + d), xb = tfk_load4(x1 + d);
    const int32_t xa_e = tfk_sxtb16(xa), xa_o = tfk_sxtb16_ror8(xa);
    const int32_t xb_e = tfk_sxtb16(xb), xb_o = tfk_sxtb16_ror8(xb);
    const uint32_t wa = tfk_load4(w0 + d);
    const int32_t wa_e = tfk_sxtb16(wa), wa_o = tfk_sxtb16_ror8(wa);
    a00 = tfk_smlad(wa_o, xa_o, tfk_smlad(wa_e, xa_e, a00));
    a01 = tfk_smlad(wa_o, xb_o, tfk_smlad(wa_e, xb_e, a01));
    const uint32_t wb = tfk_load4(w1 + d);
    const int32_t wb_e = tfk_sxtb16(wb), wb_o = tfk_sxtb16_ror8(wb);
    a10 = tfk_smlad(wb_o, xa_o, tfk_smlad(wb_e, xa_e, a10));
    a11 = tfk_smlad(wb_o, xb_o, tfk_smlad(wb_e, xb_e, a11));
  }
  for (; d < depth; ++d) {
    const int32_t wa = w0[d], wb = w1[d], xa = x0[d], xb = x1[d];
    a00 += wa * xa;
    a01 += wa * xb;
    a10 += wb * xa;
    a11 += wb * xb;
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

/* Two rows of weights against one input vector. */
TFK_ALWAYS_INLINE void dot_2x1(const int8_t* w0, const int8_t* w1, const int8_t* x0, int32_t depth, int32_t acc[2]) {
  int32_t a0 = acc[0], a1 = acc[1];
  int32_t d = 0;
  for (; d + 4 <= depth; d += 4) {
    const uint32_t wa = tfk_load4(w0 + d), wb = tfk_load4(w1 + d), xa = tfk_load4(x0 + d);
    const int32_t xa_e = tfk_sxtb16(xa), xa_o = tfk_sxtb16_ror8(xa);
    a0 = tfk_smlad(tfk_sxtb16_ror8(wa), xa_o, tfk_smlad(tfk_sxtb16(wa), xa_e, a0));
    a1 = tfk_smlad(tfk_sxtb16_ror8(wb), xa_o, tfk_smlad(tfk_sxtb16(wb), xa_e, a1));
  }
  for (; d < depth; ++d) {
    a0 += w0[d] * x0[d];
    a1 += w1[d] * x0[d];
  }
  acc[0] = a0;
  acc[1] = a1;
}

/* Four rows of weights (w, w + depth, ...) against one input vector: the input's bytes are
 * extended once for all four. */
TFK_ALWAYS_INLINE void dot_4x1(const int8_t* w, int32_t depth, const int8_t* x0, int32_t acc[4]) {
  const int8_t* w0 = w;
  const int8_t* w1 = w0 + depth;
  const int8_t* w2 = w1 + depth;
  const int8_t* w3 = w2 + depth;
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  int32_t d = 0;
  for (; d + 4 <= depth; d += 4) {
    const uint32_t xv = tfk_load4(x0 + d);
    const int32_t xe = tfk_sxtb16(xv), xo = tfk_sxtb16_ror8(xv);
    uint32_t v = tfk_load4(w0 + d);
    a0 = tfk_smlad(tfk_sxtb16_ror8(v), xo, tfk_smlad(tfk_sxtb16(v), xe, a0));
    v = tfk_load4(w1 + d);
    a1 = tfk_smlad(tfk_sxtb16_ror8(v), xo, tfk_smlad(tfk_sxtb16(v), xe, a1));
    v = tfk_load4(w2 + d);
    a2 = tfk_smlad(tfk_sxtb16_ror8(v), xo, tfk_smlad(tfk_sxtb16(v), xe, a2));
    v = tfk_load4(w3 + d);
    a3 = tfk_smlad(tfk_sxtb16_ror8(v), xo, tfk_smlad(tfk_sxtb16(v), xe, a3));
  }
  for (; d < depth; ++d) {
    const int32_t x = x0[d];
    a0 += w0[d] * x;
    a1 += w1[d] * x;
    a2 += w2[d] * x;
    a3 += w3[d] * x;
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

TFK_ALWAYS_INLINE int8_t requant(int32_t acc, const tfk_channel_quant* q, int32_t c, int32_t offset,
                      int32_t lo, int32_t hi) {
  const int32_t k = q->per_channel ? c : 0;
  return tfk_requant_out(acc, q->multiplier[k], q->shift[k], offset, lo, hi);
}

/* out[r][c] for rows r0 <= r < rows, r0 + 1 == rows (the last, odd row; a fully connected layer's
 * only one): one input against four weight rows at a time, then two. */
TFK_ALWAYS_INLINE void matmul_row(const int8_t* x0, const int8_t* w, int32_t channels, int32_t depth,
                                  const int32_t* folded_bias, const tfk_channel_quant* q, int32_t off,
                                  int32_t lo, int32_t hi, int8_t* o, int full) {
  const int32_t* mult = q->multiplier;
  const int32_t* shift = q->shift;
  const int32_t step = q->per_channel ? 1 : 0;
  int32_t c = 0;
  for (; c + 4 <= channels; c += 4) {
    int32_t acc[4] = {folded_bias[c], folded_bias[c + 1], folded_bias[c + 2], folded_bias[c + 3]};
    dot_4x1(w + (int64_t)c * depth, depth, x0, acc);
    for (int32_t k = 0; k < 4; ++k) {
      o[c + k] = tfk_requant_out_r(acc[k], mult[(c + k) * step], shift[(c + k) * step], off, lo, hi, full);
    }
  }
  for (; c < channels; c += 2) {
    const int32_t c1 = c + 1 < channels ? c + 1 : c;
    int32_t acc[2] = {folded_bias[c], folded_bias[c1]};
    dot_2x1(w + (int64_t)c * depth, w + (int64_t)c1 * depth, x0, depth, acc);
    o[c] = tfk_requant_out_r(acc[0], mult[c * step], shift[c * step], off, lo, hi, full);
    o[c1] = tfk_requant_out_r(acc[1], mult[c1 * step], shift[c1 * step], off, lo, hi, full);
  }
}

/* out[r][c] for row pairs (pixels or batches) r, r + 1 < rows and channels c of a
 * [rows, depth] x [channels, depth]^T product with folded bias; `full` as in tfk_requant_out_r.
 * The quantization parameters are read into locals first: the int8 stores could alias them. */
TFK_ALWAYS_INLINE void matmul_pairs(const int8_t* in, int32_t rows, const int8_t* w, int32_t channels,
                                    int32_t depth, const int32_t* folded_bias, const tfk_channel_quant* q,
                                    int32_t off, int32_t lo, int32_t hi, int8_t* out, int full) {
  const int32_t* mult = q->multiplier;
  const int32_t* shift = q->shift;
  const int32_t step = q->per_channel ? 1 : 0;
  for (int32_t r = 0; r + 1 < rows; r += 2) {
    const int8_t* x0 = in + (int64_t)r * depth;
    const int8_t* x1 = x0 + depth;
    int8_t* o0 = out + (int64_t)r * channels;
    int8_t* o1 = o0 + channels;
    for (int32_t c = 0; c < channels; c += 2) {
      const int32_t c1 = c + 1 < channels ? c + 1 : c;
      int32_t acc[4] = {folded_bias[c], folded_bias[c], folded_bias[c1], folded_bias[c1]};
      dot_2x2(w + (int64_t)c * depth, w + (int64_t)c1 * depth, x0, x1, depth, acc);
      const int32_t m0 = mult[c * step], s0 = shift[c * step], m1 = mult[c1 * step], s1 = shift[c1 * step];
      if (full && s0 <= -2 && s1 <= -2) { /* nearly every channel: the shorter requantization */
        const int32_t k = 2 * off + 1, e0 = -s0 - 2, e1 = -s1 - 2;
        o0[c] = tfk_requant_rshift(acc[0], m0, e0, k);
        o1[c] = tfk_requant_rshift(acc[1], m0, e0, k);
        o0[c1] = tfk_requant_rshift(acc[2], m1, e1, k);
        o1[c1] = tfk_requant_rshift(acc[3], m1, e1, k);
        continue;
      }
      o0[c] = tfk_requant_out_r(acc[0], m0, s0, off, lo, hi, full);
      o1[c] = tfk_requant_out_r(acc[1], m0, s0, off, lo, hi, full);
      o0[c1] = tfk_requant_out_r(acc[2], m1, s1, off, lo, hi, full);
      o1[c1] = tfk_requant_out_r(acc[3], m1, s1, off, lo, hi, full);
    }
  }
}

TFK_NOINLINE TFK_NO_EARLY_SCHEDULE static void matmul_pairs_full(const int8_t* in, int32_t rows, const int8_t* w, int32_t channels, int32_t depth,
                              const int32_t* folded_bias, const tfk_channel_quant* q, int32_t off, int8_t* out) {
  matmul_pairs(in, rows, w, channels, depth, folded_bias, q, off, -128, 127, out, 1);
}

/* One row, any clamp (`full` is not a constant here: one copy of the row code, each output costs
 * a branch). */
TFK_NOINLINE TFK_NO_EARLY_SCHEDULE static void matmul_row_any(const int8_t* x0, const int8_t* w, int32_t channels,
                                                  int32_t depth, const int32_t* folded_bias,
                                                  const tfk_channel_quant* q, int32_t off, int32_t lo,
                                                  int32_t hi, int8_t* o) {
  matmul_row(x0, w, channels, depth, folded_bias, q, off, lo, hi, o, TFK_FULL_RANGE(lo, hi));
}

/* out = in x w^T: row pairs (full int8 range), then row by row. */
static void matmul_s8(const int8_t* in, int32_t rows, const int8_t* w, int32_t channels,
                      int32_t depth, const int32_t* folded_bias, const tfk_channel_quant* q,
                      int32_t output_offset, int32_t lo, int32_t hi, int8_t* out) {
  int32_t r = 0;
  if (TFK_FULL_RANGE(lo, hi)) {  /* nearly every layer */
    matmul_pairs_full(in, rows, w, channels, depth, folded_bias, q, output_offset, out);
    r = rows & ~1;
  }
  for (; r < rows; ++r) {  /* the odd last row; every row of a clamped output (one copy of the code) */
    matmul_row_any(in + (int64_t)r * depth, w, channels, depth, folded_bias, q, output_offset, lo, hi,
                   out + (int64_t)r * channels);
  }
}

void tfk_conv2d_1x1_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                            const tfk_dims* in_dims, const int8_t* in, const tfk_dims* filter_dims,
                            const int8_t* filter, const int32_t* folded_bias,
                            const tfk_dims* out_dims, int8_t* out) {
  (void)filter_dims;
  matmul_s8(in, out_dims->n * out_dims->h * out_dims->w, filter, out_dims->c, in_dims->c,
            folded_bias, q, p->output_offset, p->act_min, p->act_max, out);
}

void tfk_fully_connected_fast_s8(const tfk_fc_params* p, const tfk_channel_quant* q,
                                 int32_t batches, int32_t depth, int32_t units, const int8_t* in,
                                 const int8_t* weights, const int32_t* folded_bias, int8_t* out) {
  matmul_s8(in, batches, weights, units, depth, folded_bias, q, p->output_offset, p->act_min,
            p->act_max, out);
}

void tfk_conv2d_1x1_inplace_fast_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                    const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                    const int8_t* filter, const int32_t* folded_bias,
                                    const tfk_dims* out_dims, int8_t* inout, int8_t* scratch) {
  const int32_t cin = in_dims->c, cout = out_dims->c;
  const int32_t pixels = out_dims->n * out_dims->h * out_dims->w;
  (void)filter_dims;
  for (int32_t px = 0; px < pixels; px += 2) {
    const int32_t rows = px + 1 < pixels ? 2 : 1;
    /* Outputs of pixels px, px+1 end at (px+2)*Cout <= (px+2)*Cin: later inputs stay intact. */
    memcpy(scratch, inout + (int64_t)px * cin, (size_t)(rows * cin));
    matmul_s8(scratch, rows, filter, cout, cin, folded_bias, q, p->output_offset, p->act_min,
              p->act_max, inout + (int64_t)px * cout);
  }
}

/* One output pixel of a k x k convolution with taps outside the image skipped (border pixels):
 * the SIMD kernel of tfk_fast_spatial.c on a one-pixel output whose padding puts it at (y0, x0). */
static void conv_pixel(const tfk_conv_params* p, const tfk_channel_quant* q, const tfk_dims* in_dims,
                       const int8_t* in, const tfk_dims* f_dims, const int8_t* filter,
                       const int32_t* bias, int32_t y0, int32_t x0, int32_t out_c, int8_t* o) {
  tfk_conv_params one = *p;
  one.pad_top = -y0;
  one.pad_left = -x0;
  const tfk_dims in_one = {1, in_dims->h, in_dims->w, in_dims->c}, out_one = {1, 1, 1, out_c};
  tfk_conv2d_fast_s8(&one, q, &in_one, in, f_dims, filter, bias, &out_one, o);
}

TFK_NO_EARLY_SCHEDULE void tfk_conv2d_simd_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                              const tfk_dims* in_dims, const int8_t* in,
                                              const tfk_dims* filter_dims, const int8_t* filter,
                                              const int32_t* bias, const int32_t* folded_bias,
                                              const tfk_dims* out_dims, int8_t* out) {
  const int32_t in_h = in_dims->h, in_w = in_dims->w, in_c = in_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, out_c = out_dims->c;
  const int32_t sh = p->stride_h, sw = p->stride_w, dh = p->dilation_h, dw = p->dilation_w;
  const int64_t k_size = (int64_t)k_h * k_w * in_c;
  if (k_size <= TFK_IM2COL_MAX) {  /* small filters: im2col, borders included */
    tfk_conv2d_fast_s8(p, q, in_dims, in, filter_dims, filter, bias, out_dims, out);
    return;
  }
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_h * in_w * in_c;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * sh - p->pad_top;
      const int rows_in = y0 >= 0 && y0 + (k_h - 1) * dh < in_h;
      int8_t* o_row = out + ((int64_t)b * out_dims->h + oy) * out_dims->w * out_c;
      for (int32_t ox = 0; ox < out_dims->w;) {
        const int32_t x0 = ox * sw - p->pad_left;
        const int pair_in = rows_in && ox + 1 < out_dims->w && x0 >= 0 && x0 + sw + (k_w - 1) * dw < in_w;
        if (!pair_in) {
          conv_pixel(p, q, in_dims, in_b, filter_dims, filter, bias, y0, x0, out_c, o_row + (int64_t)ox * out_c);
          ++ox;
          continue;
        }
        int8_t* o0 = o_row + (int64_t)ox * out_c;
        int8_t* o1 = o0 + out_c;
        for (int32_t oc = 0; oc < out_c; oc += 2) {
          const int32_t oc1 = oc + 1 < out_c ? oc + 1 : oc;
          int32_t acc[4] = {folded_bias[oc], folded_bias[oc], folded_bias[oc1], folded_bias[oc1]};
          for (int32_t ky = 0; ky < k_h; ++ky) {
            if (dw == 1) {  /* a kernel row is k_w * in_c contiguous bytes in input and filter */
              const int8_t* xa = in_b + ((int64_t)(y0 + ky * dh) * in_w + x0) * in_c;
              const int64_t tap = (int64_t)ky * k_w * in_c;
              dot_2x2(filter + oc * k_size + tap, filter + oc1 * k_size + tap, xa,
                      xa + (int64_t)sw * in_c, k_w * in_c, acc);
              continue;
            }
            for (int32_t kx = 0; kx < k_w; ++kx) {
              const int8_t* xa = in_b + ((int64_t)(y0 + ky * dh) * in_w + x0 + kx * dw) * in_c;
              const int64_t tap = ((int64_t)ky * k_w + kx) * in_c;
              dot_2x2(filter + oc * k_size + tap, filter + oc1 * k_size + tap, xa, xa + (int64_t)sw * in_c,
                      in_c, acc);
            }
          }
          o0[oc] = requant(acc[0], q, oc, p->output_offset, p->act_min, p->act_max);
          o1[oc] = requant(acc[1], q, oc, p->output_offset, p->act_min, p->act_max);
          o0[oc1] = requant(acc[2], q, oc1, p->output_offset, p->act_min, p->act_max);
          o1[oc1] = requant(acc[3], q, oc1, p->output_offset, p->act_min, p->act_max);
        }
        ox += 2;
      }
    }
  }
}
