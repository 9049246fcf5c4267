/* In-place convolution kernels: the output overwrites the input in the same buffer. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"

static int32_t channel_index(const tfk_channel_quant* q, int32_t c) { return q->per_channel ? c : 0; }

/* One channel plane (the plane-by-plane fallback) or two input rows (the row ring), whichever is
 * larger. */
int32_t tfk_depthwise_conv2d_inplace_get_buffer_size(const tfk_dims* in_dims) {
  const int32_t plane = in_dims->h * in_dims->w, rows = 2 * in_dims->w * in_dims->c;
  return plane > rows ? plane : rows;
}

/* One output channel computed from one input channel plane (H x W, no channel stride). The
 * parameters are copied to locals: stores through int8_t* may alias anything, so the compiler
 * would otherwise reload them after every output. */
static void depthwise_plane(const tfk_conv_params* p, int32_t multiplier, int32_t shift, int32_t bias,
                            const int8_t* plane, const tfk_dims* in_dims, const int8_t* filter,
                            const tfk_dims* filter_dims, int32_t c, const tfk_dims* out_dims,
                            int8_t* out) {
  const int32_t channels = out_dims->c, k_w = filter_dims->w, k_h = filter_dims->h;
  const int32_t in_w = in_dims->w, in_h = in_dims->h, out_w = out_dims->w, out_h = out_dims->h;
  const int32_t sh = p->stride_h, sw = p->stride_w, dh = p->dilation_h, dw = p->dilation_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left, in_off = p->input_offset;
  const int32_t out_off = p->output_offset, lo = p->act_min, hi = p->act_max;
  int8_t w_local[64];
  const int32_t taps = k_h * k_w;
  const int use_local = taps <= 64;
  if (use_local) {
    for (int32_t t = 0; t < taps; ++t) w_local[t] = filter[t * channels + c];
  }
  /* 3x3 without dilation: interior outputs take all nine taps with the input offset folded in. */
  const int fast3x3 = use_local && k_h == 3 && k_w == 3 && dh == 1 && dw == 1;
  int32_t folded = bias;
  for (int32_t t = 0; fast3x3 && t < 9; ++t) folded += in_off * w_local[t];
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const int32_t y0 = oy * sh - pad_top;
    int32_t ky0, ky1;
    tfk_tap_range(y0, dh, k_h, in_h, &ky0, &ky1);
    int8_t* o = out + oy * out_w * channels + c;
    const int rows_inside = y0 >= 0 && y0 + 2 < in_h;
    for (int32_t ox = 0; ox < out_w; ++ox, o += channels) {
      const int32_t x0 = ox * sw - pad_left;
      if (fast3x3 && rows_inside && x0 >= 0 && x0 + 2 < in_w) {
        const int8_t* r0 = plane + y0 * in_w + x0;
        const int8_t* r1 = r0 + in_w;
        const int8_t* r2 = r1 + in_w;
        int32_t acc = folded + w_local[0] * r0[0] + w_local[1] * r0[1] + w_local[2] * r0[2] +
                      w_local[3] * r1[0] + w_local[4] * r1[1] + w_local[5] * r1[2] +
                      w_local[6] * r2[0] + w_local[7] * r2[1] + w_local[8] * r2[2];
        acc = tfk_mbqm(acc, multiplier, shift) + out_off;
        *o = (int8_t)tfk_clamp(acc, lo, hi);
        continue;
      }
      int32_t kx0, kx1;
      tfk_tap_range(x0, dw, k_w, in_w, &kx0, &kx1);
      int32_t acc = bias;
      for (int32_t ky = ky0; ky < ky1; ++ky) {
        const int8_t* x = plane + (y0 + ky * dh) * in_w + x0 + kx0 * dw;
        if (use_local) {
          const int8_t* w = w_local + ky * k_w;
          for (int32_t kx = kx0; kx < kx1; ++kx, x += dw) acc += w[kx] * (*x + in_off);
        } else {
          const int8_t* w = filter + (ky * k_w + kx0) * channels + c;
          for (int32_t kx = kx0; kx < kx1; ++kx, x += dw, w += channels) acc += *w * (*x + in_off);
        }
      }
      acc = tfk_mbqm(acc, multiplier, shift) + out_off;
      *o = (int8_t)tfk_clamp(acc, lo, hi);
    }
  }
}

/* Input rows 0 .. saved(oy) - 1 lie (partly) under output rows 0 .. oy. */
static int32_t rows_under_output(int32_t oy, int64_t out_row, int64_t in_row, int32_t in_h) {
  /* 32-bit division (one instruction on Cortex-M3 and up, no 64-bit division routine): a
   * tensor's bytes fit 31 bits. */
  const uint32_t end = (uint32_t)((oy + 1) * out_row), row = (uint32_t)in_row;
  const int32_t rows = (int32_t)((end + row - 1) / row);
  return rows < in_h ? rows : in_h;
}

/* Can output rows be computed top to bottom with the input rows they overwrite kept in a ring of
 * `slots` rows? Each output row reads rows >= its first in-image row; a ring row is evicted only
 * when a newer row is saved. */
static int ring_fits(const tfk_conv_params* p, const tfk_dims* in_dims, const tfk_dims* f_dims,
                     const tfk_dims* out_dims, int32_t slots) {
  const int64_t in_row = (int64_t)in_dims->w * in_dims->c, out_row = (int64_t)out_dims->w * out_dims->c;
  if (slots < 1 || f_dims->h > TFK_DEPTHWISE_MAX_KH || out_row > in_row * in_dims->h) return 0;
  for (int32_t oy = 0; oy < out_dims->h; ++oy) {
    int32_t ky0, ky1;
    const int32_t y0 = oy * p->stride_h - p->pad_top;
    tfk_tap_range(y0, p->dilation_h, f_dims->h, in_dims->h, &ky0, &ky1);
    if (ky0 >= ky1) continue;
    const int32_t first = y0 + ky0 * p->dilation_h;
    const int32_t saved = rows_under_output(oy, out_row, in_row, in_dims->h);
    if (first < saved && first < saved - slots) return 0;
  }
  return 1;
}

/* Row by row, all channels four at a time: before output row oy is written, the input rows it
 * covers are copied into a ring of `slots` rows in scratch, and reads of those rows go there. */
static void depthwise_row_ring(const tfk_conv_params* p, const tfk_channel_quant* q,
                               const tfk_dims* in_dims, const tfk_dims* f_dims, const int8_t* filter,
                               const int32_t* bias, const tfk_dims* out_dims, int8_t* inout,
                               int8_t* scratch, int32_t slots) {
  const int64_t in_row = (int64_t)in_dims->w * in_dims->c, out_row = (int64_t)out_dims->w * out_dims->c;
  const int8_t* rows[TFK_DEPTHWISE_MAX_KH];
  int32_t saved = 0;
  for (int32_t oy = 0; oy < out_dims->h; ++oy) {
    const int32_t need = rows_under_output(oy, out_row, in_row, in_dims->h);
    for (; saved < need; ++saved) {
      memcpy(scratch + (int64_t)(saved % slots) * in_row, inout + saved * in_row, (size_t)in_row);
    }
    const int32_t y0 = oy * p->stride_h - p->pad_top;
    for (int32_t ky = 0; ky < f_dims->h; ++ky) {
      const int32_t iy = y0 + ky * p->dilation_h;
      rows[ky] = iy < 0 || iy >= in_dims->h ? 0
                 : iy < saved               ? scratch + (iy % slots) * in_row
                                            : inout + iy * in_row;
    }
    tfk_depthwise_conv2d_row_s8(p, q, in_dims, rows, f_dims, filter, bias, out_dims->w,
                                inout + oy * out_row);
  }
}

int tfk_depthwise_conv2d_inplace_uses_rows(const tfk_conv_params* p, const tfk_dims* in_dims,
                                           const tfk_dims* filter_dims, const tfk_dims* out_dims) {
  const int32_t slots = tfk_depthwise_conv2d_inplace_get_buffer_size(in_dims) / (in_dims->w * in_dims->c);
  return p->depth_multiplier == 1 && p->input_offset >= -255 && p->input_offset <= 255 &&
         out_dims->c == in_dims->c && ring_fits(p, in_dims, filter_dims, out_dims, slots);
}

void tfk_depthwise_conv2d_inplace_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                     const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                     const int8_t* filter, const int32_t* bias,
                                     const tfk_dims* out_dims, int8_t* inout, int8_t* scratch) {
  const int32_t channels = in_dims->c;
  const int32_t pixels = in_dims->h * in_dims->w;
  const int32_t slots = tfk_depthwise_conv2d_inplace_get_buffer_size(in_dims) / (in_dims->w * channels);
  if (tfk_depthwise_conv2d_inplace_uses_rows(p, in_dims, filter_dims, out_dims)) {
    depthwise_row_ring(p, q, in_dims, filter_dims, filter, bias, out_dims, inout, scratch, slots);
    return;
  }
  for (int32_t c = 0; c < channels; ++c) {
    for (int32_t i = 0; i < pixels; ++i) scratch[i] = inout[i * channels + c];
    const int32_t k = channel_index(q, c);
    depthwise_plane(p, q->multiplier[k], q->shift[k], bias ? bias[c] : 0, scratch, in_dims, filter,
                    filter_dims, c, out_dims, inout);
  }
}

/* Two input pixels: the fast variant (tfk_fast.c) works on pixel pairs. */
int32_t tfk_conv2d_1x1_inplace_get_buffer_size(const tfk_dims* in_dims) { return 2 * in_dims->c; }

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
