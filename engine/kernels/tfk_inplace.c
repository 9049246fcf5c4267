/* In-place convolution kernels: the output overwrites the input in the same buffer. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"

static int32_t channel_index(const tfk_channel_quant* q, int32_t c) { return q->per_channel ? c : 0; }

/* 3x3 without dilation, stride 1 or 2 across, the full int8 range and at least 16 outputs per
 * channel: channel by channel over an int16 plane with SMLAD (depthwise_planes_3x3). Smaller
 * outputs (3x3 and less on VWW) cost less row by row, four channels at a time: a channel's plane
 * setup is then spread over too few outputs. */
static int planes_3x3(const tfk_conv_params* p, const tfk_dims* f_dims, const tfk_dims* out_dims) {
  return out_dims->h * out_dims->w >= 16 && f_dims->h == 3 && f_dims->w == 3 &&
         p->dilation_h == 1 && p->dilation_w == 1 && (p->stride_w == 1 || p->stride_w == 2) &&
         p->depth_multiplier == 1 && p->input_offset >= -255 && p->input_offset <= 255 &&
         TFK_FULL_RANGE(p->act_min, p->act_max);
}

/* The int16 plane of depthwise_planes_3x3: every window of the output, padding included
 * ((out_h - 1) * stride_h + 3 rows of (out_w - 1) * stride_w + 3), and 4 bytes that the last
 * window's pair loads may read past its end. */
static int32_t planes_3x3_size(const tfk_conv_params* p, const tfk_dims* out_dims, int32_t* ph,
                               int32_t* pw) {
  *ph = (out_dims->h - 1) * p->stride_h + 3;
  *pw = (out_dims->w - 1) * p->stride_w + 3;
  return *ph * *pw * 2 + 4;
}

/* One channel plane (the plane-by-plane fallback) or two input rows (the row ring), whichever is
 * larger. */
static int32_t ring_buffer_size(const tfk_dims* in_dims) {
  const int32_t plane = in_dims->h * in_dims->w, rows = 2 * in_dims->w * in_dims->c;
  return plane > rows ? plane : rows;
}

int32_t tfk_depthwise_conv2d_inplace_get_buffer_size(const tfk_conv_params* p,
                                                     const tfk_dims* in_dims,
                                                     const tfk_dims* filter_dims,
                                                     const tfk_dims* out_dims) {
  int32_t ph, pw;
  return planes_3x3(p, filter_dims, out_dims) ? planes_3x3_size(p, out_dims, &ph, &pw)
                                              : ring_buffer_size(in_dims);
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

/* Two outputs of stride 1 over one kernel row of the int16 plane at r (w01: the pair of taps 0
 * and 1, w2: tap 2 in the bottom half, or in the top half where `top`, a constant): the lanes
 * (x0, x1), (x1, x2) and (x2, x3). */
TFK_ALWAYS_INLINE void dw3_row_pair(const uint8_t* r, int32_t w01, int32_t w2, int top, int32_t* a0,
                                    int32_t* a1) {
  const int32_t x01 = (int32_t)tfk_load4((const int8_t*)r);
  const int32_t x12 = (int32_t)tfk_load4((const int8_t*)r + 2);
  const int32_t x23 = (int32_t)tfk_load4((const int8_t*)r + 4);
  *a0 = top ? tfk_smlatb(w2, x23, tfk_smlad(w01, x01, *a0)) : tfk_smlabb(w2, x23, tfk_smlad(w01, x01, *a0));
  *a1 = top ? tfk_smlatt(w2, x23, tfk_smlad(w01, x12, *a1)) : tfk_smlabt(w2, x23, tfk_smlad(w01, x12, *a1));
}

/* One output over one kernel row: (x0, x1) and (x2, x3), the top lane unused; w2 as above. */
TFK_ALWAYS_INLINE int32_t dw3_row_one(const uint8_t* r, int32_t w01, int32_t w2, int top, int32_t acc) {
  const int32_t x23 = (int32_t)tfk_load4((const int8_t*)r + 4);
  acc = tfk_smlad(w01, (int32_t)tfk_load4((const int8_t*)r), acc);
  return top ? tfk_smlatb(w2, x23, acc) : tfk_smlabb(w2, x23, acc);
}

/* The general requantization, for the rare channel whose right shift is below 2 (not inlined: it
 * would double the loops' code). */
TFK_NOINLINE static int8_t requant_general(int32_t acc, int32_t multiplier, int32_t shift,
                                           int32_t offset) {
  return tfk_requant_out_r(acc, multiplier, shift, offset, -128, 127, 1);
}

/* One channel's 3x3 taps as int16 lanes (k01: taps 0 and 1, k2: tap 2, ...) and its bias. */
typedef struct {
  int32_t k01, k2, k34, k5, k67, k8, bias;
} plane_taps;

/* The outputs of one channel from its int16 plane (see tfk_depthwise_conv2d_3x3_planes_s8):
 * `rshift` 1 with the short requantization (m, e = -shift - 2, rk = 2 * offset + 1), a constant
 * where inlined, so that the fast copy calls nothing and keeps its taps in registers; 0 with the
 * general one (m, shift in e, offset in rk). */
TFK_ALWAYS_INLINE void plane_outputs(const uint8_t* r, const plane_taps* t, int32_t row_bytes,
                                     int32_t step, int32_t out_h, int32_t out_w, int32_t pairs,
                                     int32_t next, int32_t m, int32_t e, int32_t rk, int8_t* o,
                                     int32_t c_n, int rshift) {
  /* taps 2 and 5 in one register: one fewer for the loops to keep */
  const int32_t k0 = t->k01, k25 = tfk_pair16(t->k2, t->k5), k3 = t->k34, k6 = t->k67, k8 = t->k8,
                b = t->bias;
  for (int32_t oy = 0; oy < out_h; ++oy, r += step) {
    const uint8_t* x = r;
    int32_t ox = 0;
    for (; ox < pairs; ox += 2, x += 4, o += 2 * c_n) {
      int32_t a0 = b, a1 = b;
      dw3_row_pair(x, k0, k25, 0, &a0, &a1);
      dw3_row_pair(x + row_bytes, k3, k25, 1, &a0, &a1);
      dw3_row_pair(x + 2 * row_bytes, k6, k8, 0, &a0, &a1);
      if (rshift) {
        o[0] = tfk_requant_rshift(a0, m, e, rk);
        o[c_n] = tfk_requant_rshift(a1, m, e, rk);
      } else {
        o[0] = requant_general(a0, m, e, rk);
        o[c_n] = requant_general(a1, m, e, rk);
      }
    }
    for (; ox < out_w; ++ox, x += next, o += c_n) {
      int32_t a0 = dw3_row_one(x, k0, k25, 0, b);
      a0 = dw3_row_one(x + row_bytes, k3, k25, 1, a0);
      a0 = dw3_row_one(x + 2 * row_bytes, k6, k8, 0, a0);
      o[0] = rshift ? tfk_requant_rshift(a0, m, e, rk) : requant_general(a0, m, e, rk);
    }
  }
}

#if TFK_HAS_DSP && defined(__GNUC__) && defined(__thumb2__)
#include <stddef.h>
#define TFK_PLANE_ASM 1
/* The state of plane_asm, copied to its stack and read there at fixed offsets. */
typedef struct {
  int32_t k01, k25, k34, k67, k8; /*  0: the taps as plane_outputs keeps them (k25: 2 and 5) */
  int32_t b0, b1;                 /* 20: the bias, once per accumulator */
  int32_t m, e, k;                /* 28: the short requantization's multiplier, e and k */
  int32_t row_bytes;              /* 40 */
  int32_t step;                   /* 44: from one output row's plane row to the next */
  int32_t pair_bytes; /* 48: how far the pairs of one output row move along the plane row */
  int32_t singles;    /* 52: the outputs of a row taken one at a time */
  int32_t next;       /* 56: how far a single output moves along the plane row */
  int32_t rows;       /* 60: output rows left */
  const uint8_t* r;   /* 64: the plane row of the current output row */
  int8_t* o;          /* 68: the first output */
  int32_t c_n;        /* 72: the output stride */
} plane_state;
_Static_assert(offsetof(plane_state, m) == 28 && offsetof(plane_state, row_bytes) == 40 &&
                   offsetof(plane_state, rows) == 60 && offsetof(plane_state, c_n) == 72 &&
                   sizeof(plane_state) == 76,
               "plane_asm reads plane_state at these offsets");

/* One kernel row of a pair of outputs: the row's pointer `x` (advanced by a pair), its taps 0 and
 * 1 in `w01` and tap 2 by `b0` / `b1` (the SMLA forms that take the bottom or top half of the tap
 * register `w2`); lr the loaded lanes, r10 and r11 the accumulators. */
/* clang-format off */
#define PLANE_ASM_ROW_PAIR(x, w01, w2, b0, b1)        \
  "ldr lr, [" x "]\n\t"                             \
  "smlad r10, " w01 ", lr, r10\n\t"                 \
  "ldr lr, [" x ", #2]\n\t"                         \
  "smlad r11, " w01 ", lr, r11\n\t"                 \
  "ldr lr, [" x ", #4]!\n\t"                        \
  "smla" b0 " r10, " w2 ", lr, r10\n\t"             \
  "smla" b1 " r11, " w2 ", lr, r11\n\t"
/* The same for one output (r10), x not advanced. */
#define PLANE_ASM_ROW_ONE(x, w01, w2, b0)             \
  "ldr lr, [" x "]\n\t"                             \
  "smlad r10, " w01 ", lr, r10\n\t"                 \
  "ldr lr, [" x ", #4]\n\t"                         \
  "smla" b0 " r10, " w2 ", lr, r10\n\t"
/* clang-format on */

/* plane_outputs with the short requantization in Cortex-M4/M7 assembly: the state sits on the
 * stack, so that one LDM from sp reloads the taps and the bias for every output pair and fourteen
 * registers hold the loop (the three row pointers, the output, the end of the pairs, the output
 * stride, the taps, two accumulators and the loaded lanes): about 43 instructions a pair against
 * GCC's 60 with spills. r0, r2, r3: the pointers of the window's three plane rows; r1: the
 * output; r4: the end of the pairs, then the singles left; r5..r9: the taps, then m, e, k and
 * the requantization's temporaries; r12: the output stride. */
__attribute__((naked, noinline)) static void plane_asm(const plane_state* st
                                                       __attribute__((unused))) {
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "sub sp, sp, #76\n\t"
      "ldm r0!, {r1-r10}\n\t"
      "stm sp, {r1-r10}\n\t"
      "ldm r0, {r1-r9}\n\t"
      "add r12, sp, #40\n\t"
      "stm r12, {r1-r9}\n\t"
      "mov r0, r7\n\t"
      "mov r1, r8\n\t"
      "mov r12, r9\n\t"
      "1:\n\t" /* an output row: r0 its plane row */
      "ldr lr, [sp, #40]\n\t"
      "add r2, r0, lr\n\t"
      "add r3, r2, lr\n\t"
      "ldr lr, [sp, #48]\n\t"
      "cmp lr, #0\n\t"
      "add r4, r0, lr\n\t"
      "beq 3f\n\t"
      "2:\n\t" /* a pair of outputs */
      "ldm sp, {r5-r11}\n\t"
      PLANE_ASM_ROW_PAIR("r0", "r5", "r6", "bb", "bt")
      PLANE_ASM_ROW_PAIR("r2", "r7", "r6", "tb", "tt")
      PLANE_ASM_ROW_PAIR("r3", "r8", "r9", "bb", "bt")
      "ldrd r5, r6, [sp, #28]\n\t"
      "ldr r7, [sp, #36]\n\t"
      TFK_ASM_REQUANT_TO("r10", "r5", "r6", "r7", "r8", "r9", "[r1]")
      TFK_ASM_REQUANT_TO("r11", "r5", "r6", "r7", "r8", "r9", "[r1, r12]")
      "add r1, r1, r12, lsl #1\n\t"
      "cmp r0, r4\n\t"
      "bne 2b\n\t"
      "3:\n\t" /* the single outputs */
      "ldr r4, [sp, #52]\n\t"
      "cmp r4, #0\n\t"
      "beq 5f\n\t"
      "4:\n\t"
      "ldm sp, {r5-r10}\n\t"
      PLANE_ASM_ROW_ONE("r0", "r5", "r6", "bb")
      PLANE_ASM_ROW_ONE("r2", "r7", "r6", "tb")
      PLANE_ASM_ROW_ONE("r3", "r8", "r9", "bb")
      "ldr lr, [sp, #56]\n\t"
      "add r0, r0, lr\n\t"
      "add r2, r2, lr\n\t"
      "add r3, r3, lr\n\t"
      "ldrd r5, r6, [sp, #28]\n\t"
      "ldr r7, [sp, #36]\n\t"
      TFK_ASM_REQUANT_TO("r10", "r5", "r6", "r7", "r8", "r9", "[r1]")
      "add r1, r1, r12\n\t"
      "subs r4, r4, #1\n\t"
      "bne 4b\n\t"
      "5:\n\t" /* the next output row */
      "ldr r0, [sp, #64]\n\t"
      "ldr lr, [sp, #44]\n\t"
      "add r0, r0, lr\n\t"
      "str r0, [sp, #64]\n\t"
      "ldr lr, [sp, #60]\n\t"
      "subs lr, lr, #1\n\t"
      "str lr, [sp, #60]\n\t"
      "bne 1b\n\t"
      "add sp, sp, #76\n\t"
      "pop {r4-r11, pc}\n\t");
}
#undef PLANE_ASM_ROW_PAIR
#undef PLANE_ASM_ROW_ONE
#else
TFK_NOINLINE TFK_NO_EARLY_SCHEDULE static void plane_outputs_rshift(
    const uint8_t* r, const plane_taps* t, int32_t row_bytes, int32_t step, int32_t out_h,
    int32_t out_w, int32_t pairs, int32_t next, int32_t m, int32_t e, int32_t rk, int8_t* o,
    int32_t c_n) {
  plane_outputs(r, t, row_bytes, step, out_h, out_w, pairs, next, m, e, rk, o, c_n, 1);
}
#endif

TFK_NOINLINE static void plane_outputs_general(const uint8_t* r, const plane_taps* t,
                                               int32_t row_bytes, int32_t step, int32_t out_h,
                                               int32_t out_w, int32_t pairs, int32_t next,
                                               int32_t m, int32_t shift, int32_t offset, int8_t* o,
                                               int32_t c_n) {
  plane_outputs(r, t, row_bytes, step, out_h, out_w, pairs, next, m, shift, offset, o, c_n, 0);
}

/* 3x3 depthwise channel by channel: channel c's input plane is copied into scratch as int16 lanes
 * of x + input_offset inside a border of zeros (the padding, which adds nothing once the offset is
 * added), then each output of channel c takes its window's rows as pairs of lanes (one SMLAD and
 * one SMLABB or SMLABT per kernel row) and is written to channel c of `out` (which may be `in`:
 * see tfk_depthwise_conv2d_3x3_planes_s8). No border cases and the channel's quantization hoisted
 * out of its loop: about three instructions per tap on Cortex-M4/M7. Stride 1 goes two outputs at a
 * time (they share a load per row); stride 2 and an odd last output one at a time, in the same
 * loop: one copy of the code (flash), which costs stride 2 about one instruction per output row. */
void tfk_depthwise_conv2d_3x3_planes_to_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                           const tfk_dims* in_dims, const int8_t* in,
                                           const tfk_dims* filter_dims, const int8_t* filter,
                                           const int32_t* bias, const tfk_dims* out_dims,
                                           int8_t* out, int8_t* scratch) {
  (void)filter_dims;
  int32_t ph, pw;
  const int32_t size = planes_3x3_size(p, out_dims, &ph, &pw);
  const int32_t c_n = in_dims->c, in_h = in_dims->h, in_w = in_dims->w, out_h = out_dims->h,
                out_w = out_dims->w;
  const int32_t top = p->pad_top, left = p->pad_left, sh = p->stride_h, off = p->input_offset;
  const int32_t out_off = p->output_offset, offp = tfk_offset_pair(off);
  const int32_t pairs = p->stride_w == 1 ? out_w & ~1 : 0, next = 2 * p->stride_w;
  /* the input rows and columns that fall inside the plane */
  const int32_t y0 = top < 0 ? -top : 0, y1 = in_h < ph - top ? in_h : ph - top;
  const int32_t x0 = left < 0 ? -left : 0, x1 = in_w < pw - left ? in_w : pw - left;
  uint8_t* plane = (uint8_t*)scratch;
  const int32_t row_bytes = pw * 2, step = sh * row_bytes;
  memset(plane, 0, (size_t)size);
  const int32_t n_pairs = (x1 - x0) >> 1, odd = (x1 - x0) & 1, pair_step = 2 * c_n;
  const int64_t s_step = (int64_t)in_w * c_n;
  const int8_t* s_first = in + ((int64_t)y0 * in_w + x0) * c_n;
  uint8_t* d_first = plane + ((y0 + top) * pw + x0 + left) * 2;
  for (int32_t c = 0; c < c_n; ++c) {
    const int8_t* s_row = s_first + c;
    uint8_t* d_row = d_first;
    for (int32_t y = y0; y < y1; ++y, s_row += s_step, d_row += row_bytes) {
      const int8_t* s = s_row;
      uint8_t* d = d_row;
      for (int32_t i = 0; i < n_pairs; ++i, s += pair_step, d += 4) { /* one lane add, one store */
        const int32_t v = tfk_sadd16(tfk_pair16(s[0], s[c_n]), offp);
        memcpy(d, &v, 4);
      }
      if (odd) {
        const int16_t v = (int16_t)(*s + off);
        memcpy(d, &v, 2);
      }
    }
    const int8_t* w = filter + c;
    const plane_taps t = {tfk_pair16(w[0], w[c_n]),     w[2 * c_n], tfk_pair16(w[3 * c_n], w[4 * c_n]),
                          w[5 * c_n],                   tfk_pair16(w[6 * c_n], w[7 * c_n]), w[8 * c_n],
                          bias ? bias[c] : 0};
    const int32_t k = q->per_channel ? c : 0, m = q->multiplier[k], sft = q->shift[k];
    if (sft <= -2) {
#ifdef TFK_PLANE_ASM
      const plane_state st = {.k01 = t.k01,
                              .k25 = tfk_pair16(t.k2, t.k5),
                              .k34 = t.k34,
                              .k67 = t.k67,
                              .k8 = t.k8,
                              .b0 = t.bias,
                              .b1 = t.bias,
                              .m = m,
                              .e = -sft - 2,
                              .k = 2 * out_off + 1,
                              .row_bytes = row_bytes,
                              .step = step,
                              .pair_bytes = pairs * 2,
                              .singles = out_w - pairs,
                              .next = next,
                              .rows = out_h,
                              .r = plane,
                              .o = out + c,
                              .c_n = c_n};
      plane_asm(&st);
#else
      plane_outputs_rshift(plane, &t, row_bytes, step, out_h, out_w, pairs, next, m, -sft - 2,
                           2 * out_off + 1, out + c, c_n);
#endif
    } else {
      plane_outputs_general(plane, &t, row_bytes, step, out_h, out_w, pairs, next, m, sft, out_off,
                            out + c, c_n);
    }
  }
}

/* In place: channel c's plane is copied before output channel c, the only bytes it writes (they
 * lie on input channel c's, out H*W <= in H*W), overwrites it. */
void tfk_depthwise_conv2d_3x3_planes_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                        const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                        const int8_t* filter, const int32_t* bias,
                                        const tfk_dims* out_dims, int8_t* inout, int8_t* scratch) {
  tfk_depthwise_conv2d_3x3_planes_to_s8(p, q, in_dims, inout, filter_dims, filter, bias, out_dims,
                                        inout, scratch);
}

int32_t tfk_depthwise_conv2d_3x3_planes_buffer_size(const tfk_conv_params* p,
                                                    const tfk_dims* out_dims) {
  int32_t ph, pw;
  return planes_3x3_size(p, out_dims, &ph, &pw);
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
  const int32_t slots = ring_buffer_size(in_dims) / (in_dims->w * in_dims->c);
  return !planes_3x3(p, filter_dims, out_dims) && p->depth_multiplier == 1 &&
         p->input_offset >= -255 && p->input_offset <= 255 && out_dims->c == in_dims->c &&
         ring_fits(p, in_dims, filter_dims, out_dims, slots);
}

int tfk_depthwise_conv2d_inplace_uses_planes(const tfk_conv_params* p, const tfk_dims* filter_dims,
                                             const tfk_dims* out_dims) {
  return planes_3x3(p, filter_dims, out_dims);
}

void tfk_depthwise_conv2d_inplace_rows_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                          const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                          const int8_t* filter, const int32_t* bias,
                                          const tfk_dims* out_dims, int8_t* inout,
                                          int8_t* scratch) {
  if (tfk_depthwise_conv2d_inplace_uses_rows(p, in_dims, filter_dims, out_dims)) {
    tfk_depthwise_conv2d_ring_s8(p, q, in_dims, filter_dims, filter, bias, out_dims, inout,
                                 scratch);
  } else {
    tfk_depthwise_conv2d_int8_planes_s8(p, q, in_dims, filter_dims, filter, bias, out_dims, inout,
                                        scratch);
  }
}

void tfk_depthwise_conv2d_ring_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                  const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                  const int8_t* filter, const int32_t* bias,
                                  const tfk_dims* out_dims, int8_t* inout, int8_t* scratch) {
  const int32_t slots = ring_buffer_size(in_dims) / (in_dims->w * in_dims->c);
  depthwise_row_ring(p, q, in_dims, filter_dims, filter, bias, out_dims, inout, scratch, slots);
}

void tfk_depthwise_conv2d_int8_planes_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
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

void tfk_depthwise_conv2d_inplace_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                     const tfk_dims* in_dims, const tfk_dims* filter_dims,
                                     const int8_t* filter, const int32_t* bias,
                                     const tfk_dims* out_dims, int8_t* inout, int8_t* scratch) {
  if (!planes_3x3(p, filter_dims, out_dims)) {
    tfk_depthwise_conv2d_inplace_rows_s8(p, q, in_dims, filter_dims, filter, bias, out_dims, inout,
                                         scratch);
  } else {
    tfk_depthwise_conv2d_3x3_planes_s8(p, q, in_dims, filter_dims, filter, bias, out_dims, inout,
                                       scratch);
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
