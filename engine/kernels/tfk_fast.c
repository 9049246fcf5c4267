/* Fast paths for 1x1 convolution and fully connected layers, bit-exact with the reference:
 * the input offset is folded into the bias at code generation time (tfk_fold_input_offset),
 * outputs are computed in 2 x 2 blocks (two pixels or batches x two channels; a single row four
 * channels at a time), and on Cortex-M4/M7 four int8 products are accumulated with two SMLAD
 * (ACLE) instructions; the same code runs on the host with tfk_math.h's C equivalents. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"
#include "tfk_rows4.h"

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

/* Four rows of weights (w, w + stride, ...) against one input vector of `depth` bytes: the
 * input's bytes are extended once for all four. */
TFK_ALWAYS_INLINE void dot_4x1(const int8_t* w, int32_t stride, const int8_t* x0, int32_t depth,
                               int32_t acc[4]) {
  const int8_t* w0 = w;
  const int8_t* w1 = w0 + stride;
  const int8_t* w2 = w1 + stride;
  const int8_t* w3 = w2 + stride;
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

/* One output of matmul_row: with `uniform` (a constant: per-tensor quantization, the full int8
 * range and a right shift of at least 2) the short requantization with m, e and k hoisted out of
 * the loops (10 instructions an output instead of 24), else channel c's tfk_requant_out_r. */
TFK_ALWAYS_INLINE int8_t row_output(int32_t acc, const int32_t* mult, const int32_t* shift,
                                    int32_t c, int32_t off, int32_t lo, int32_t hi, int full,
                                    int uniform, int32_t um, int32_t ue, int32_t uk) {
  if (uniform) return tfk_requant_rshift(acc, um, ue, uk);
  return tfk_requant_out_r(acc, mult[c], shift[c], off, lo, hi, full);
}

/* out[r][c] for rows r0 <= r < rows, r0 + 1 == rows (the last, odd row; a fully connected layer's
 * only one): one input against four weight rows at a time, then two. */
TFK_ALWAYS_INLINE void matmul_row(const int8_t* x0, const int8_t* w, int32_t channels,
                                  int32_t depth, const int32_t* folded_bias,
                                  const tfk_channel_quant* q, int32_t off, int32_t lo, int32_t hi,
                                  int8_t* o, int full, int uniform) {
  const int32_t* mult = q->multiplier;
  const int32_t* shift = q->shift;
  const int32_t step = q->per_channel ? 1 : 0;
  const int32_t um = mult[0], ue = -shift[0] - 2, uk = 2 * off + 1;
  int32_t c = 0;
  for (; c + 4 <= channels; c += 4) {
    int32_t acc[4] = {folded_bias[c], folded_bias[c + 1], folded_bias[c + 2], folded_bias[c + 3]};
    dot_4x1(w + (int64_t)c * depth, depth, x0, depth, acc);
    for (int32_t k = 0; k < 4; ++k) {
      o[c + k] =
          row_output(acc[k], mult, shift, (c + k) * step, off, lo, hi, full, uniform, um, ue, uk);
    }
  }
  for (; c < channels; c += 2) {
    const int32_t c1 = c + 1 < channels ? c + 1 : c;
    int32_t acc[2] = {folded_bias[c], folded_bias[c1]};
    dot_2x1(w + (int64_t)c * depth, w + (int64_t)c1 * depth, x0, depth, acc);
    o[c] = row_output(acc[0], mult, shift, c * step, off, lo, hi, full, uniform, um, ue, uk);
    o[c1] = row_output(acc[1], mult, shift, c1 * step, off, lo, hi, full, uniform, um, ue, uk);
  }
}

/* Two input rows as 16-bit lanes plus offp's lanes (0, or tfk_offset_pair of an input offset),
 * four bytes t0..t3 at a time: row 0's (t0, t2) and (t1, t3), then row 1's (what SXTB16 makes of
 * four filter bytes), a last group of fewer than four bytes padded with zeros (the weights' tail
 * is zero there too). */
static void extend_rows(const int8_t* x0, const int8_t* x1, int32_t depth, int32_t offp,
                        int32_t* out) {
  int32_t d = 0;
  for (; d + 4 <= depth; d += 4, out += 4) {
    const uint32_t a = tfk_load4(x0 + d), b = tfk_load4(x1 + d);
    out[0] = tfk_sxtab16(offp, a);
    out[1] = tfk_sxtab16_ror8(offp, a);
    out[2] = tfk_sxtab16(offp, b);
    out[3] = tfk_sxtab16_ror8(offp, b);
  }
  if (d < depth) {
    const uint32_t a = tfk_load_tail4(x0 + d, depth - d), b = tfk_load_tail4(x1 + d, depth - d);
    out[0] = tfk_sxtab16(offp, a);
    out[1] = tfk_sxtab16_ror8(offp, a);
    out[2] = tfk_sxtab16(offp, b);
    out[3] = tfk_sxtab16_ror8(offp, b);
  }
}

/* One group of four bytes of two weight rows against two extended input rows: two SXTB16 per
 * weight word, eight SMLAD. */
TFK_ALWAYS_INLINE void group_2x2_ext(uint32_t wa, uint32_t wb, const int32_t* xq, int32_t* a00,
                                     int32_t* a01, int32_t* a10, int32_t* a11) {
  const int32_t x0e = xq[0], x0o = xq[1], x1e = xq[2], x1o = xq[3];
  const int32_t wae = tfk_sxtb16(wa), wao = tfk_sxtb16_ror8(wa);
  const int32_t wbe = tfk_sxtb16(wb), wbo = tfk_sxtb16_ror8(wb);
  *a00 = tfk_smlad(wao, x0o, tfk_smlad(wae, x0e, *a00));
  *a01 = tfk_smlad(wao, x1o, tfk_smlad(wae, x1e, *a01));
  *a10 = tfk_smlad(wbo, x0o, tfk_smlad(wbe, x0e, *a10));
  *a11 = tfk_smlad(wbo, x1o, tfk_smlad(wbe, x1e, *a11));
}

#if TFK_HAS_DSP && defined(__GNUC__)
/* Half of a group: one weight row's word (from w, advanced) extended (t4, t5) and multiplied
 * with both input rows' lanes (t0, t1 and t2, t3) into that row's two accumulators. */
#define TFK_ASM_HALF(t0, t1, t2, t3, t4, t5, a0, a1, w) \
  "ldr " t4 ", [" w "], #4\n\t"                        \
  "sxtb16 " t5 ", " t4 "\n\t"                          \
  "sxtb16 " t4 ", " t4 ", ror #8\n\t"                  \
  "smlad " a0 ", " t5 ", " t0 ", " a0 "\n\t"           \
  "smlad " a0 ", " t4 ", " t1 ", " a0 "\n\t"           \
  "smlad " a1 ", " t5 ", " t2 ", " a1 "\n\t"           \
  "smlad " a1 ", " t4 ", " t3 ", " a1 "\n\t"
/* One four-byte group of a 2 x 2 assembly dot product over extended rows, its registers named by
 * the caller (operand names or fixed registers): the two input rows' lanes (t0..t3 from xq), then
 * each weight row's half (w0, w1). */
#define TFK_ASM_GROUP(t0, t1, t2, t3, t4, t5, a00, a01, a10, a11, xq, w0, w1) \
  "ldrd " t0 ", " t1 ", [" xq "], #8\n\t"                                    \
  "ldrd " t2 ", " t3 ", [" xq "], #8\n\t"                                    \
  TFK_ASM_HALF(t0, t1, t2, t3, t4, t5, a00, a01, w0)                          \
  TFK_ASM_HALF(t0, t1, t2, t3, t4, t5, a10, a11, w1)
/* dot_2x2_ext's group, with its operand names */
#define TFK_ASM_GROUP_2X2                                                                      \
  TFK_ASM_GROUP("%[t0]", "%[t1]", "%[t2]", "%[t3]", "%[t4]", "%[t5]", "%[a00]", "%[a01]", "%[a10]", \
                "%[a11]", "%[xq]", "%[w0]", "%[w1]")
#endif

/* Two weight rows against two extended input rows (extend_rows). On Cortex-M4/M7 (use_asm) the loop
 * over pairs of groups is assembly: fourteen registers live (four accumulators, three pointers and
 * the end, four input lanes, a weight word and its extension) leave GCC's loop one spill and a few
 * moves longer. Per eight bytes: four LDRD of input lanes, four LDR of weights, eight SXTB16,
 * sixteen SMLAD and the loop's compare and branch. */
TFK_ALWAYS_INLINE void dot_2x2_ext(const int8_t* w0, const int8_t* w1, const int32_t* xq,
                                   int32_t depth, int32_t acc[4], int use_asm) {
  int32_t a00 = acc[0], a01 = acc[1], a10 = acc[2], a11 = acc[3];
  int32_t groups = depth >> 2;
#if TFK_HAS_DSP && defined(__GNUC__)
  if (use_asm && groups >= 2) {
    const int8_t* end = w0 + (depth & ~7);
    uint32_t t0, t1, t2, t3, t4, t5;
    __asm__ volatile("1:\n\t" TFK_ASM_GROUP_2X2 TFK_ASM_GROUP_2X2
                     "cmp %[w0], %[end]\n\t"
                     "bne 1b\n\t"
                     : [a00] "+r"(a00), [a01] "+r"(a01), [a10] "+r"(a10), [a11] "+r"(a11),
                       [xq] "+r"(xq), [w0] "+r"(w0), [w1] "+r"(w1), [t0] "=&r"(t0), [t1] "=&r"(t1),
                       [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5)
                     : [end] "r"(end)
                     : "cc", "memory");
  }
  if (use_asm) groups &= 1;
#else
  (void)use_asm;
#endif
  for (int32_t g = 0; g < groups; ++g, w0 += 4, w1 += 4, xq += 4) {
    group_2x2_ext(tfk_load4(w0), tfk_load4(w1), xq, &a00, &a01, &a10, &a11);
  }
  if (depth & 3) {
    group_2x2_ext(tfk_load_tail4(w0, depth & 3), tfk_load_tail4(w1, depth & 3), xq, &a00, &a01,
                  &a10, &a11);
  }
  acc[0] = a00;
  acc[1] = a01;
  acc[2] = a10;
  acc[3] = a11;
}

#if TFK_HAS_DSP && defined(__GNUC__) && defined(__thumb2__)
#include <stddef.h>
/* The state of blocks_asm, read and written by its assembly at fixed offsets. */
typedef struct {
  const int32_t* xq;     /*  0: the extended row pair */
  const int8_t* w;       /*  4: the next channel pair's first weight row */
  const int8_t* w_end;   /*  8: w after the last channel pair */
  int32_t depth;         /* 12: bytes per weight row, a multiple of eight */
  const int32_t* fb;     /* 16: the next channel pair's folded bias */
  const int32_t* m;      /* 20: its multipliers (per channel) */
  const int32_t* s;      /* 24: its shifts */
  int8_t* o;             /* 28: its outputs of row 0 */
  int8_t* o1;            /* 32: its outputs of row 1 */
  int32_t k;             /* 36: 2 * output_offset + 1 */
  int32_t acc[4];        /* 40: a block left to the caller: a00, a01, a10, a11 */
} blocks_state;
_Static_assert(offsetof(blocks_state, w) == 4 && offsetof(blocks_state, depth) == 12 &&
                   offsetof(blocks_state, m) == 20 && offsetof(blocks_state, o) == 28 &&
                   offsetof(blocks_state, k) == 36 && offsetof(blocks_state, acc) == 40,
               "blocks_asm reads blocks_state at these offsets");

/* blocks_asm's group: r8 the input lanes, r9 and r10 the two weight rows, r4..r7 the
 * accumulators a00, a01, a10, a11. */
#define TFK_ASM_GROUP_FIXED \
  TFK_ASM_GROUP("r0", "r1", "r2", "r3", "r12", "lr", "r4", "r5", "r6", "r7", "r8", "r9", "r10")

/* tfk_requant_rshift of accumulator `acc` with multiplier `m` and e = -shift - 2 in `e` (k in r8),
 * stored at [o] with o advanced: one output. */
#define TFK_ASM_REQUANT(acc, m, e, o) TFK_ASM_REQUANT_TO(acc, m, e, "r8", "r0", "r1", "[" o "], #1")

/* Every block of channel_pairs in assembly (Cortex-M4/M7, per-channel quantization, depth a
 * multiple of eight): the loop's state stays in blocks_state and moves with LDM/STM around the
 * dot product, which needs every register. Returns 0 when all blocks are done, 1 when the block
 * just computed has a channel whose shift is above -2: its accumulators are in st->acc and
 * st->m, s, o, o1 still point at it, for the caller's general requantization. */
__attribute__((naked, noinline)) static int blocks_asm(blocks_state* st __attribute__((unused))) {
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "push {r0}\n\t"
      "mov r12, r0\n\t"
      "1:\n\t"
      "ldm r12, {r8, r9, r10, r11, lr}\n\t" /* xq, w, w_end (unused here), depth, fb */
      "ldrd r4, r6, [lr], #8\n\t"
      "str lr, [r12, #16]\n\t"
      "mov r5, r4\n\t"
      "mov r7, r6\n\t"
      "add r11, r9, r11\n\t" /* the end of row 0 */
      "mov r10, r11\n\t"     /* row 1 */
      "2:\n\t" TFK_ASM_GROUP_FIXED TFK_ASM_GROUP_FIXED
      "cmp r9, r11\n\t"
      "bne 2b\n\t"
      "ldr r12, [sp]\n\t"
      "str r10, [r12, #4]\n\t" /* the next channel pair */
      "add r12, r12, #20\n\t"
      "ldm r12, {r0, r1, r2, r3, r8}\n\t" /* m, s, o, o1, k */
      "ldrd r9, r10, [r1], #8\n\t"
      "mvn r9, r9\n\t"
      "subs r9, r9, #1\n\t" /* e0 = -s0 - 2, negative when s0 > -2 */
      "bmi 8f\n\t"
      "mvn r10, r10\n\t"
      "subs r10, r10, #1\n\t"
      "bmi 8f\n\t"
      "ldrd r11, lr, [r0], #8\n\t"
      "stm r12, {r0, r1}\n\t"
      TFK_ASM_REQUANT("r4", "r11", "r9", "r2") TFK_ASM_REQUANT("r6", "lr", "r10", "r2")
      TFK_ASM_REQUANT("r5", "r11", "r9", "r3") TFK_ASM_REQUANT("r7", "lr", "r10", "r3")
      "strd r2, r3, [r12, #8]\n\t"
      "ldr r12, [sp]\n\t"
      "ldrd r0, r1, [r12, #4]\n\t"
      "cmp r0, r1\n\t"
      "bne 1b\n\t"
      "movs r0, #0\n\t"
      "b 9f\n\t"
      "8:\n\t"
      "add r12, r12, #20\n\t"
      "stm r12, {r4, r5, r6, r7}\n\t"
      "movs r0, #1\n\t"
      "9:\n\t"
      "add sp, sp, #4\n\t"
      "pop {r4-r11, pc}\n\t");
}
#endif

/* The 2 x 2 blocks of one extended row pair (xq) and `pairs` channel pairs from weight row w0;
 * mq: 1 for per-channel quantization, else 0. Each block: its dot products, four requantizations
 * (the short form where both channels shift right by at least 2, nearly every channel) and four
 * stores to o and o1 (the second row's outputs). */
TFK_NOINLINE TFK_NO_EARLY_SCHEDULE static void channel_pairs(const int32_t* xq, const int8_t* w0,
                                                             int32_t depth, int32_t pairs,
                                                             const int32_t* fb, const int32_t* m,
                                                             const int32_t* s, int32_t mq,
                                                             int32_t off, int8_t* o, int8_t* o1) {
  const int32_t k = 2 * off + 1;
#if TFK_HAS_DSP && defined(__GNUC__) && defined(__thumb2__)
  if (mq && (depth & 7) == 0 && pairs > 0) { /* nearly every layer */
    blocks_state st = {xq, w0, w0 + 2 * pairs * depth, depth, fb, m, s, o, o1, k, {0, 0, 0, 0}};
    while (blocks_asm(&st)) {
      const int32_t m0 = st.m[0], m1 = st.m[1], s0 = st.s[0], s1 = st.s[1];
      st.o[0] = tfk_requant_out_r(st.acc[0], m0, s0, off, -128, 127, 1);
      st.o1[0] = tfk_requant_out_r(st.acc[1], m0, s0, off, -128, 127, 1);
      st.o[1] = tfk_requant_out_r(st.acc[2], m1, s1, off, -128, 127, 1);
      st.o1[1] = tfk_requant_out_r(st.acc[3], m1, s1, off, -128, 127, 1);
      if (st.w == st.w_end) break;
      st.m += 2;
      st.s += 2;
      st.o += 2;
      st.o1 += 2;
    }
    return;
  }
#endif
  for (; pairs > 0; --pairs, w0 += 2 * depth, fb += 2, m += 2 * mq, s += 2 * mq, o += 2, o1 += 2) {
    int32_t acc[4] = {fb[0], fb[0], fb[1], fb[1]};
    dot_2x2_ext(w0, w0 + depth, xq, depth, acc, 1);
    const int32_t m0 = m[0], m1 = m[mq], s0 = s[0], s1 = s[mq];
    if (s0 <= -2 && s1 <= -2) {
      const int32_t e0 = -s0 - 2, e1 = -s1 - 2;
      o[0] = tfk_requant_rshift(acc[0], m0, e0, k);
      o1[0] = tfk_requant_rshift(acc[1], m0, e0, k);
      o[1] = tfk_requant_rshift(acc[2], m1, e1, k);
      o1[1] = tfk_requant_rshift(acc[3], m1, e1, k);
      continue;
    }
    o[0] = tfk_requant_out_r(acc[0], m0, s0, off, -128, 127, 1);
    o1[0] = tfk_requant_out_r(acc[1], m0, s0, off, -128, 127, 1);
    o[1] = tfk_requant_out_r(acc[2], m1, s1, off, -128, 127, 1);
    o1[1] = tfk_requant_out_r(acc[3], m1, s1, off, -128, 127, 1);
  }
}

/* An odd last channel of channel_pairs as the pair (c, c), in C (small code for a rare case). */
TFK_NOINLINE static void last_channel(const int32_t* xq, const int8_t* w, int32_t depth,
                                      int32_t bias, int32_t m, int32_t s, int32_t off, int8_t* o,
                                      int8_t* o1) {
  int32_t acc[4] = {bias, bias, bias, bias};
  dot_2x2_ext(w, w, xq, depth, acc, 0);
  *o = tfk_requant_out_r(acc[0], m, s, off, -128, 127, 1);
  *o1 = tfk_requant_out_r(acc[1], m, s, off, -128, 127, 1);
}

/* Every output channel of one extended row pair: channel_pairs, then an odd last channel. */
TFK_ALWAYS_INLINE void all_channels(const int32_t* xq, const int8_t* w, int32_t depth,
                                    int32_t channels, const int32_t* fb, const tfk_channel_quant* q,
                                    int32_t off, int8_t* o, int8_t* o1) {
  const int32_t mq = q->per_channel ? 1 : 0, last = channels - 1;
  channel_pairs(xq, w, depth, channels >> 1, fb, q->multiplier, q->shift, mq, off, o, o1);
  if (channels & 1) {
    last_channel(xq, w + (int64_t)last * depth, depth, fb[last], q->multiplier[last * mq],
                 q->shift[last * mq], off, o + last, o1 + last);
  }
}

/* Row pairs for the full int8 range. Rows of at most TFK_PAIR_DEPTH_MAX bytes (nearly every
 * layer): each row pair is extended to 16-bit lanes once for all channels (all_channels). */
TFK_NOINLINE static void matmul_pairs_full(const int8_t* in, int32_t rows, const int8_t* w,
                                           int32_t channels, int32_t depth,
                                           const int32_t* folded_bias, const tfk_channel_quant* q,
                                           int32_t off, int8_t* out) {
  /* sized to the rows: a C99 array of at most 4 * TFK_PAIR_DEPTH_MAX B */
  int32_t xq[(depth + 3) / 4 * 4];
  for (int32_t r = 0; r + 1 < rows; r += 2) {
    const int8_t* x0 = in + (int64_t)r * depth;
    int8_t* o0 = out + (int64_t)r * channels;
    extend_rows(x0, x0 + depth, depth, 0, xq);
    all_channels(xq, w, depth, channels, folded_bias, q, off, o0, o0 + channels);
  }
}

/* One row, any clamp (`full` is not a constant here: one copy of the row code, each output costs
 * a branch). */
TFK_NOINLINE TFK_NO_EARLY_SCHEDULE static void matmul_row_any(const int8_t* x0, const int8_t* w, int32_t channels,
                                                  int32_t depth, const int32_t* folded_bias,
                                                  const tfk_channel_quant* q, int32_t off, int32_t lo,
                                                  int32_t hi, int8_t* o) {
  matmul_row(x0, w, channels, depth, folded_bias, q, off, lo, hi, o, TFK_FULL_RANGE(lo, hi), 0);
}

/* One row with matmul_row's `uniform` requantization (see row_uniform). */
TFK_NOINLINE TFK_NO_EARLY_SCHEDULE static void matmul_row_uniform(const int8_t* x0, const int8_t* w,
                                                                  int32_t channels, int32_t depth,
                                                                  const int32_t* folded_bias,
                                                                  const tfk_channel_quant* q,
                                                                  int32_t off, int8_t* o) {
  matmul_row(x0, w, channels, depth, folded_bias, q, off, -128, 127, o, 1, 1);
}

/* Can a row take matmul_row_uniform? Per-tensor quantization, the full int8 range and a right
 * shift of at least 2: most fully connected layers (TFLM's are per-tensor). */
static int row_uniform(const tfk_channel_quant* q, int32_t lo, int32_t hi) {
  return !q->per_channel && q->shift[0] <= -2 && TFK_FULL_RANGE(lo, hi);
}

/* out = in x w^T: row pairs (full int8 range, rows of at most TFK_PAIR_DEPTH_MAX bytes), then row
 * by row (an odd last row; every row of a clamped output or of deeper rows). */
static void matmul_s8(const int8_t* in, int32_t rows, const int8_t* w, int32_t channels,
                      int32_t depth, const int32_t* folded_bias, const tfk_channel_quant* q,
                      int32_t output_offset, int32_t lo, int32_t hi, int8_t* out) {
  int32_t r = 0;
  if (TFK_FULL_RANGE(lo, hi) && rows >= 2 && depth <= TFK_PAIR_DEPTH_MAX) { /* nearly every layer */
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
  if (batches == 1 && row_uniform(q, p->act_min, p->act_max)) {
    matmul_row_uniform(in, weights, units, depth, folded_bias, q, p->output_offset, out);
    return;
  }
  if (batches == 1) { /* nearly every model: one row, without matmul_s8's frame on the stack */
    matmul_row_any(in, weights, units, depth, folded_bias, q, p->output_offset, p->act_min,
                   p->act_max, out);
    return;
  }
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

/* n bytes from src to dst, a word at a time while four are left. */
static inline void copy_bytes(int8_t* dst, const int8_t* src, int32_t n) {
  for (; n >= 4; n -= 4, dst += 4, src += 4) {
    const uint32_t v = tfk_load4(src);
    memcpy(dst, &v, 4);
  }
  for (; n > 0; --n) *dst++ = *src++;
}

/* n copies of byte v at dst. */
static inline void fill_bytes(int8_t* dst, int8_t v, int32_t n) {
  for (; n > 0; --n) *dst++ = v;
}

/* One output pixel's patch for im2col, in (ky, kx, ic) order like a filter row: the input bytes,
 * and the input's zero point (-input_offset, which adds nothing once the offset is added) at
 * padding. Inside the image (no dilation across) each kernel row is copied whole; at a border
 * kernel row by kernel row, the taps inside the image a contiguous run (without dilation across)
 * between runs of zero points. */
TFK_NO_LIBCALL_LOOPS static void im2col_patch(const tfk_conv_params* p, const tfk_dims* in_dims,
                                              const int8_t* in_b, const tfk_dims* f_dims,
                                              int32_t y0, int32_t x0, int8_t* r) {
  const int32_t in_c = in_dims->c, k_w = f_dims->w, dh = p->dilation_h, dw = p->dilation_w;
  const int32_t row = k_w * in_c;
  const int8_t zero = (int8_t)(-p->input_offset);
  if (dw == 1 && y0 >= 0 && y0 + (f_dims->h - 1) * dh < in_dims->h && x0 >= 0 &&
      x0 + k_w <= in_dims->w) { /* inside the image: whole kernel rows */
    const int8_t* src = in_b + ((int64_t)y0 * in_dims->w + x0) * in_c;
    const int64_t step = (int64_t)dh * in_dims->w * in_c;
    for (int32_t ky = 0; ky < f_dims->h; ++ky, src += step, r += row) copy_bytes(r, src, row);
    return;
  }
  int32_t kx0, kx1;
  tfk_tap_range(x0, dw, k_w, in_dims->w, &kx0, &kx1);
  for (int32_t ky = 0, iy = y0; ky < f_dims->h; ++ky, iy += dh, r += row) {
    if (iy < 0 || iy >= in_dims->h || kx0 >= kx1) {
      fill_bytes(r, zero, row);
      continue;
    }
    const int8_t* src = in_b + ((int64_t)iy * in_dims->w + x0) * in_c;
    fill_bytes(r, zero, kx0 * in_c);
    if (dw == 1) {
      copy_bytes(r + kx0 * in_c, src + kx0 * in_c, (kx1 - kx0) * in_c);
    } else {
      for (int32_t kx = kx0; kx < kx1; ++kx)
        copy_bytes(r + kx * in_c, src + (int64_t)kx * dw * in_c, in_c);
    }
    fill_bytes(r + kx1 * in_c, zero, (k_w - kx1) * in_c);
  }
}

/* im2col for the full int8 range (nearly every model; a clamped output keeps the code small), an
 * input zero point that is an int8 (the padding byte) and a bias (every converted model has one). */
int tfk_conv2d_uses_im2col(const tfk_conv_params* p, const tfk_dims* in_dims,
                           const tfk_dims* f_dims, int has_bias) {
  return f_dims->h * f_dims->w * in_dims->c <= TFK_IM2COL_MAX && TFK_FULL_RANGE(p->act_min, p->act_max) &&
         p->input_offset >= -127 && p->input_offset <= 128 && has_bias;
}

void tfk_conv2d_im2col_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                          const tfk_dims* in_dims, const int8_t* in, const tfk_dims* f_dims,
                          const int8_t* filter, int32_t row, const int32_t* bias,
                          const tfk_dims* out_dims, int8_t* out) {
  int8_t raw[2][TFK_IM2COL_MAX];
  int32_t xq[TFK_IM2COL_MAX]; /* (row + 3) / 4 groups of four lanes */
  const int32_t out_w = out_dims->w, out_c = out_dims->c, pixels = out_dims->h * out_w;
  const int32_t offp = tfk_offset_pair(p->input_offset);
  /* the bytes between the patch and the row meet zero weights: any defined value */
  memset(raw, 0, sizeof raw);
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_dims->h * in_dims->w * in_dims->c;
    int8_t* out_b = out + (int64_t)b * pixels * out_c;
    for (int32_t px = 0; px < pixels; px += 2) {
      const int two = px + 1 < pixels;
      for (int32_t k = 0; k < 1 + two; ++k) {
        const int32_t oy = (px + k) / out_w, ox = (px + k) % out_w;
        im2col_patch(p, in_dims, in_b, f_dims, oy * p->stride_h - p->pad_top,
                     ox * p->stride_w - p->pad_left, raw[k]);
      }
      extend_rows(raw[0], raw[two], row, offp, xq);
      int8_t* o0 = out_b + (int64_t)px * out_c;
      /* an odd last pixel: its copy is written twice */
      all_channels(xq, filter, row, out_c, bias, q, p->output_offset, o0, two ? o0 + out_c : o0);
    }
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

int tfk_conv2d_simd_uses_lanes(const tfk_conv_params* p, const tfk_dims* in_dims,
                               const tfk_dims* f_dims) {
  const int64_t run = (int64_t)f_dims->w * in_dims->c;
  return p->dilation_w == 1 && run % 4 == 0 && f_dims->h * run <= TFK_CONV_LANES_MAX &&
         TFK_FULL_RANGE(p->act_min, p->act_max) && p->input_offset >= -127 &&
         p->input_offset <= 128;
}

/* The patches of two output pixels with window origins (y0, xa) and (y0, xb) as 16-bit lanes
 * (extend_rows), kernel row by kernel row (`run` = k_w * Cin bytes, a multiple of four): a row
 * inside the image for both pixels extended straight from the input, another gathered first into
 * raw0 / raw1 with zero points at the padding (im2col_patch on one kernel row), which add nothing
 * once the folded bias is in. */
static void pair_lanes(const tfk_conv_params* p, const tfk_dims* in_dims, const int8_t* in_b,
                       const tfk_dims* f_dims, int32_t y0, int32_t xa, int32_t xb, int8_t* raw0,
                       int8_t* raw1, int32_t* xq) {
  const int32_t in_w = in_dims->w, in_c = in_dims->c, k_w = f_dims->w, run = k_w * in_c;
  const tfk_dims one_row = {f_dims->n, 1, k_w, f_dims->c};
  const int cols_in = xa >= 0 && xb >= 0 && xa + k_w <= in_w && xb + k_w <= in_w;
  for (int32_t ky = 0, iy = y0; ky < f_dims->h; ++ky, iy += p->dilation_h, xq += run) {
    if (cols_in && iy >= 0 && iy < in_dims->h) {
      const int8_t* r = in_b + (int64_t)iy * in_w * in_c;
      extend_rows(r + (int64_t)xa * in_c, r + (int64_t)xb * in_c, run, 0, xq);
      continue;
    }
    im2col_patch(p, in_dims, in_b, &one_row, iy, xa, raw0);
    im2col_patch(p, in_dims, in_b, &one_row, iy, xb, raw1);
    extend_rows(raw0, raw1, run, 0, xq);
  }
}

/* Every output row in pixel pairs (an odd last pixel paired with itself, its outputs written
 * twice), border pixels included; per pair both patches as lanes (pair_lanes), then all_channels
 * over each filter as one row of k_size bytes with the folded bias. */
TFK_NO_EARLY_SCHEDULE void tfk_conv2d_lanes_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                               const tfk_dims* in_dims, const int8_t* in,
                                               const tfk_dims* f_dims, const int8_t* filter,
                                               const int32_t* folded_bias, const tfk_dims* out_dims,
                                               int8_t* out) {
  const int32_t run = f_dims->w * in_dims->c, k_size = f_dims->h * run;
  const int32_t out_w = out_dims->w, out_c = out_dims->c, sw = p->stride_w;
  /* C99 arrays of the filter's size: 4 * k_size + 2 * run <= 5 * TFK_CONV_LANES_MAX bytes */
  int32_t xq[k_size];
  int8_t raw[2][run];
  for (int32_t b = 0; b < out_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * in_dims->h * in_dims->w * in_dims->c;
    for (int32_t oy = 0; oy < out_dims->h; ++oy) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      int8_t* o_row = out + ((int64_t)b * out_dims->h + oy) * out_w * out_c;
      for (int32_t ox = 0; ox < out_w; ox += 2) {
        const int two = ox + 1 < out_w;
        const int32_t xa = ox * sw - p->pad_left, xb = two ? xa + sw : xa;
        pair_lanes(p, in_dims, in_b, f_dims, y0, xa, xb, raw[0], raw[1], xq);
        int8_t* o0 = o_row + (int64_t)ox * out_c;
        all_channels(xq, filter, k_size, out_c, folded_bias, q, p->output_offset, o0,
                     two ? o0 + out_c : o0);
      }
    }
  }
}

TFK_NO_EARLY_SCHEDULE void tfk_conv2d_pairs_s8(const tfk_conv_params* p, const tfk_channel_quant* q,
                                               const tfk_dims* in_dims, const int8_t* in,
                                               const tfk_dims* filter_dims, const int8_t* filter,
                                               const int32_t* bias, const int32_t* folded_bias,
                                               const tfk_dims* out_dims, int8_t* out) {
  const int32_t in_h = in_dims->h, in_w = in_dims->w, in_c = in_dims->c;
  const int32_t k_h = filter_dims->h, k_w = filter_dims->w, out_c = out_dims->c;
  const int32_t sh = p->stride_h, sw = p->stride_w, dh = p->dilation_h, dw = p->dilation_w;
  const int64_t k_size = (int64_t)k_h * k_w * in_c;
  /* otherwise pixel pairs inside the image (2 x 2 dot products per kernel row), the other
   * pixels one at a time with their taps outside the image skipped */
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

/* One input row as 16-bit lanes: per four bytes x0..x3, (x0, x2) and (x1, x3). */
static void extend_row(const int8_t* x, int32_t n, int32_t* xq) {
  for (const int32_t* end = xq + n / 2; xq != end; x += 4, xq += 2) {
    const uint32_t a = tfk_load4(x);
    xq[0] = tfk_sxtb16(a);
    xq[1] = tfk_sxtb16_ror8(a);
  }
}

void tfk_fully_connected_rows4_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t depth,
                                  int32_t units, const int8_t* in, const int8_t* weights4,
                                  const int32_t* folded_bias, int8_t* out) {
  const int32_t lo = p->act_min, hi = p->act_max, off = p->output_offset;
  const int32_t grouped = units & ~3, step = q->per_channel ? 1 : 0;
  const int full = TFK_FULL_RANGE(lo, hi), uniform = row_uniform(q, lo, hi);
  /* on the stack: the chunk's lanes, and the accumulators where they outlive a chunk (several
   * chunks) or are requantized in C (not uniform) */
  int32_t xq[(depth < TFK_FC_ROWS4_CHUNK ? depth : TFK_FC_ROWS4_CHUNK) / 2];
  const int keep = !uniform || depth > TFK_FC_ROWS4_CHUNK;
  int32_t acc[keep ? (grouped < TFK_FC_ROWS4_BATCH ? grouped : TFK_FC_ROWS4_BATCH) : 1];
  tfk_rows4_state st;
  st.m = q->multiplier[0];
  st.e = -q->shift[0] - 2;
  st.k = 2 * off + 1;
  for (int32_t u0 = 0; u0 < grouped; u0 += TFK_FC_ROWS4_BATCH) {
    const int32_t count = grouped - u0 < TFK_FC_ROWS4_BATCH ? grouped - u0 : TFK_FC_ROWS4_BATCH;
    for (int32_t d0 = 0; d0 < depth; d0 += TFK_FC_ROWS4_CHUNK) {
      const int32_t n = depth - d0 < TFK_FC_ROWS4_CHUNK ? depth - d0 : TFK_FC_ROWS4_CHUNK;
      extend_row(in + d0, n, xq);
      st.xq = xq;
      st.bytes = 4 * n;
      st.from = d0 == 0 ? folded_bias + u0 : acc; /* the first chunk from the bias */
      st.acc = acc;
      st.w = weights4 + (int64_t)u0 * depth + 4 * d0;
      st.skip = 4 * (depth - n);
      st.w_end = st.w + (int64_t)count * depth;
      st.o = uniform && d0 + n == depth ? out + u0 : 0; /* the last chunk requantizes */
      tfk_rows4_run(&st);
    }
    if (uniform) continue;
    for (int32_t c = 0; c < count; ++c) {
      out[u0 + c] = row_output(acc[c], q->multiplier, q->shift, (u0 + c) * step, off, lo, hi, full,
                               0, 0, 0, 0);
    }
  }
  if (grouped == units) return;
  /* the last units % 4 rows, stored unchanged after the groups */
  const tfk_channel_quant rest = {q->multiplier + grouped * step, q->shift + grouped * step,
                                  q->per_channel};
  const int8_t* w = weights4 + (int64_t)grouped * depth;
  if (uniform) {
    matmul_row_uniform(in, w, units - grouped, depth, folded_bias + grouped, &rest, off,
                       out + grouped);
  } else {
    matmul_row_any(in, w, units - grouped, depth, folded_bias + grouped, &rest, off, lo, hi,
                   out + grouped);
  }
}

void tfk_fc_accumulate_fast_s8(const int8_t* x, int32_t n, const int8_t* w, int32_t depth,
                               int32_t units, int32_t* acc) {
  int32_t u = 0;
  for (; u + 4 <= units; u += 4) dot_4x1(w + (int64_t)u * depth, depth, x, n, acc + u);
  for (; u < units; u += 2) {
    const int32_t u1 = u + 1 < units ? u + 1 : u;
    int32_t a[2] = {acc[u], acc[u1]};
    dot_2x1(w + (int64_t)u * depth, w + (int64_t)u1 * depth, x, n, a);
    acc[u1] = a[1];
    acc[u] = a[0]; /* last: when u1 == u, a[0] is the one sum */
  }
}
