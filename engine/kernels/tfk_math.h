/* Fixed-point helpers shared by the kernels (TFLite / gemmlowp semantics, double rounding). */
#ifndef TINYFORGE_KERNELS_TFK_MATH_H_
#define TINYFORGE_KERNELS_TFK_MATH_H_

#include <stdint.h>
#include <string.h>

/* SaturatingRoundingDoublingHighMul. gemmlowp computes (ab + nudge) / 2^31 with C division,
 * nudge = 2^30 for ab >= 0 and 1 - 2^30 otherwise; for every ab that equals the arithmetic
 * shift (ab + 2^30) >> 31 (for ab < 0 the division truncates toward zero, which adds 2^31 - 1
 * before the shift, and 1 - 2^30 + 2^31 - 1 = 2^30), which needs no 64-bit division. */
static inline int32_t tfk_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

/* RoundingDivideByPOT: round to nearest, ties away from zero. */
static inline int32_t tfk_rdbp(int32_t x, int32_t exponent) {
  const int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* MultiplyByQuantizedMultiplier (shift > 0 = left). */
static inline int32_t tfk_mbqm(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  return tfk_rdbp(tfk_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* tfk_mbqm for a multiplier >= 0 (every multiplier the kernels get: [2^30, 2^31) or 0) with both
 * roundings done in one 64-bit sum. For a right shift e >= 1, RoundingDivideByPOT(r, e) with
 * r = floor((ab + 2^30) / 2^31) equals floor((r + 2^(e-1) - [r < 0]) / 2^e), and nested floors
 * of divisions by powers of two compose: = (ab + 2^30 + (2^(e-1) - [r < 0]) 2^31) >> (31 + e).
 * [r < 0] may be taken as [x < 0]: they differ only for -2^30 <= ab < 0, where r = 0 and both
 * give 0. The high word of the sum, shifted right by e - 1, is the result (e <= 31). */
/* tfk_requantize's right shift e = e1 + 1 >= 1, with r = 2^e1 given (kernels that reuse one
 * shift for many outputs compute it once). */
static inline int32_t tfk_requantize_by(int32_t x, int32_t multiplier, int32_t e1, int32_t r) {
  /* c = 2^(e-1) - [x < 0] >= 0; c * 2^31 + 2^30 has disjoint bits, so | is + */
  const int32_t c = r - (x < 0 ? 1 : 0);
  const int64_t sum = (int64_t)x * multiplier + (int64_t)(((uint64_t)(uint32_t)c << 31) | (1u << 30));
  return (int32_t)(sum >> 32) >> e1;
}

/* tfk_requantize for a shift <= 0: as tfk_requantize_by, and e1 = -1 (r unused) is no shift. */
static inline int32_t tfk_requantize_right(int32_t x, int32_t multiplier, int32_t e1, int32_t r) {
  if (e1 < 0) return (int32_t)(((int64_t)x * multiplier + ((int64_t)1 << 30)) >> 31);
  return tfk_requantize_by(x, multiplier, e1, r);
}

static inline int32_t tfk_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  if (shift >= 0) {
    const int64_t ab = (int64_t)(int32_t)((uint32_t)x << shift) * multiplier;
    return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
  }
  return tfk_requantize_by(x, multiplier, -shift - 1, (int32_t)(1u << (-shift - 1)));
}

static inline int32_t tfk_clamp(int32_t x, int32_t lo, int32_t hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* Kernel taps k in [*begin, *end) with 0 <= origin + k * dilation < size (inside the image). */
static inline void tfk_tap_range(int32_t origin, int32_t dilation, int32_t taps, int32_t size,
                                 int32_t* begin, int32_t* end) {
  int32_t b = 0, e = taps;
  while (b < e && origin + b * dilation < 0) ++b;
  while (e > b && origin + (e - 1) * dilation >= size) --e;
  *begin = b;
  *end = e;
}

/* Cortex-M4/M7 DSP instructions (ACLE) with portable C equivalents: the same kernel code runs
 * on the host (tests), on M4/M7 (one instruction each) and on M0+/M3. A "pair" holds two int16
 * lanes: bits 0-15 and 16-31. */
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#include <arm_acle.h>
#define TFK_HAS_DSP 1
#else
#define TFK_HAS_DSP 0
#endif

static inline uint32_t tfk_load4(const int8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
/* Four bytes at p, or the n < 4 that are left, zero-padded (a dot product's last group). */
static inline uint32_t tfk_load_tail4(const int8_t* p, int32_t n) {
  uint32_t t = 0;
  for (int32_t k = 0; k < n; ++k) t |= (uint32_t)(uint8_t)p[k] << (8 * k);
  return t;
}
/* Two int16 lanes: lo in bits 0-15, hi in bits 16-31. */
static inline int32_t tfk_pair16(int32_t lo, int32_t hi) {
  return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}
static inline uint32_t tfk_ror8(uint32_t v) { return (v >> 8) | (v << 24); }
#if TFK_HAS_DSP
/* Bytes 0 and 2 of v, sign extended, plus the lanes of `add`. */
static inline int32_t tfk_sxtab16(int32_t add, uint32_t v) { return (int32_t)__sxtab16(add, v); }
static inline int32_t tfk_sxtb16(uint32_t v) { return (int32_t)__sxtb16(v); }
/* tfk_sxtab16(add, tfk_ror8(v)) and tfk_sxtb16(tfk_ror8(v)) in one instruction each (GCC does not
 * fold the rotation into the intrinsics). */
static inline int32_t tfk_sxtab16_ror8(int32_t add, uint32_t v) {
  int32_t r;
  __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(add), "r"(v));
  return r;
}
static inline int32_t tfk_sxtb16_ror8(uint32_t v) {
  int32_t r;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(v));
  return r;
}
static inline int32_t tfk_smlad(int32_t a, int32_t b, int32_t acc) { return __smlad(a, b, acc); }
static inline int32_t tfk_smlabb(int32_t a, int32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t tfk_smlatt(int32_t a, int32_t b, int32_t acc) { return __smlatt(a, b, acc); }
static inline int32_t tfk_smlabt(int32_t a, int32_t b, int32_t acc) { return __smlabt(a, b, acc); }
static inline int32_t tfk_smlatb(int32_t a, int32_t b, int32_t acc) { return __smlatb(a, b, acc); }
static inline int32_t tfk_sadd16(int32_t a, int32_t b) { return (int32_t)__sadd16(a, b); }
#else
static inline int32_t tfk_lo16(int32_t v) { return (int16_t)(uint16_t)((uint32_t)v & 0xFFFFu); }
static inline int32_t tfk_hi16(int32_t v) { return (int16_t)(uint16_t)((uint32_t)v >> 16); }
static inline int32_t tfk_sxtab16(int32_t add, uint32_t v) {
  return tfk_pair16(tfk_lo16(add) + (int8_t)(uint8_t)(v & 0xFFu),
                    tfk_hi16(add) + (int8_t)(uint8_t)((v >> 16) & 0xFFu));
}
static inline int32_t tfk_sxtb16(uint32_t v) { return tfk_sxtab16(0, v); }
static inline int32_t tfk_sxtab16_ror8(int32_t add, uint32_t v) { return tfk_sxtab16(add, tfk_ror8(v)); }
static inline int32_t tfk_sxtb16_ror8(uint32_t v) { return tfk_sxtb16(tfk_ror8(v)); }
static inline int32_t tfk_smlad(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tfk_lo16(a) * tfk_lo16(b) + tfk_hi16(a) * tfk_hi16(b)));
}
static inline int32_t tfk_smlabb(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tfk_lo16(a) * tfk_lo16(b)));
}
static inline int32_t tfk_smlatt(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tfk_hi16(a) * tfk_hi16(b)));
}
static inline int32_t tfk_smlabt(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tfk_lo16(a) * tfk_hi16(b)));
}
static inline int32_t tfk_smlatb(int32_t a, int32_t b, int32_t acc) {
  return (int32_t)((uint32_t)acc + (uint32_t)(tfk_hi16(a) * tfk_lo16(b)));
}
static inline int32_t tfk_sadd16(int32_t a, int32_t b) {
  return tfk_pair16(tfk_lo16(a) + tfk_lo16(b), tfk_hi16(a) + tfk_hi16(b));
}
#endif
#if defined(__GNUC__)
#define TFK_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define TFK_ALWAYS_INLINE static inline
#endif

/* A kernel's variants that it calls one after the other: not inlined into it, so that their
 * stack frames do not add up. */
#if defined(__GNUC__)
#define TFK_NOINLINE __attribute__((noinline))
#else
#define TFK_NOINLINE
#endif

/* On a function whose unrolled loop keeps many accumulators: GCC's scheduling before register
 * allocation starts many loads early and then spills the accumulators; without it the loop
 * runs in fewer instructions (measured on the depthwise rows and the fully connected rows). */
#if defined(__GNUC__) && !defined(__clang__)
#define TFK_NO_EARLY_SCHEDULE __attribute__((optimize("no-schedule-insns")))
#else
#define TFK_NO_EARLY_SCHEDULE
#endif

/* On a function whose byte loops are a few bytes long: GCC would otherwise turn them into calls
 * of memset and memcpy, which cost more than the loops at these sizes (measured on im2col). */
#if defined(__GNUC__) && !defined(__clang__)
#define TFK_NO_LIBCALL_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define TFK_NO_LIBCALL_LOOPS
#endif

/* Requantizes, adds the output offset and clamps: one int8 output. */
TFK_ALWAYS_INLINE int8_t tfk_requant_out(int32_t acc, int32_t multiplier, int32_t shift,
                                          int32_t offset, int32_t lo, int32_t hi) {
  return (int8_t)tfk_clamp(tfk_requantize(acc, multiplier, shift) + offset, lo, hi);
}

/* v clamped to [lo, hi] as an int8; `full` (TFK_FULL_RANGE(lo, hi)) saturates with one SSAT on
 * Cortex-M4/M7 instead of two compares. Where `full` is a constant (a kernel's loop specialised
 * for the full int8 range: no activation, or a ReLU whose zero point is -128) the choice costs
 * nothing per output. */
TFK_ALWAYS_INLINE int8_t tfk_saturate_r(int32_t v, int32_t lo, int32_t hi, int full) {
#if TFK_HAS_DSP
  if (full) return (int8_t)__ssat(v, 8);
#endif
  if (full) return (int8_t)tfk_clamp(v, -128, 127);
  return (int8_t)tfk_clamp(v, lo, hi);
}

/* tfk_requant_out with the saturation of tfk_saturate_r. */
TFK_ALWAYS_INLINE int8_t tfk_requant_out_r(int32_t acc, int32_t multiplier, int32_t shift,
                                            int32_t offset, int32_t lo, int32_t hi, int full) {
  return tfk_saturate_r(tfk_requantize(acc, multiplier, shift) + offset, lo, hi, full);
}
#define TFK_FULL_RANGE(lo, hi) ((lo) == -128 && (hi) == 127)

/* tfk_requant_out_r for the full int8 range and a right shift of at least 2 (shift <= -2: nearly
 * every channel), with the per-channel parts given: e = -shift - 2 and k = 2 * offset + 1, for a
 * kernel that requantizes many outputs of one channel. With S = x * m + 2^30 - [x < 0] 2^31 and
 * t = floor(S / 2^32), tfk_requantize_by's floor((S + 2^(30 - shift)) / 2^(31 - shift)) is
 * floor((t + 2^e) / 2^(e + 1)) = floor((floor(t / 2^e) + 1) / 2) (nested floors of divisions by
 * powers of two compose), and adding the offset inside the last halving is exact: one SMLAL, two
 * shifts, an add and SSAT. */
TFK_ALWAYS_INLINE int8_t tfk_requant_rshift(int32_t x, int32_t multiplier, int32_t e, int32_t k) {
  const uint32_t sign = (uint32_t)(x >> 31);
  const int64_t s =
      (int64_t)(((uint64_t)sign << 32) | (0x40000000u ^ (sign << 31))) + (int64_t)x * multiplier;
  const int32_t v = (((int32_t)(s >> 32)) >> e) + k;
  return tfk_saturate_r(v >> 1, -128, 127, 1);
}

/* tfk_requant_rshift in Cortex-M4/M7 assembly text, for the kernels whose loops are assembly:
 * accumulator `acc`, multiplier `m`, e in `e` and k in `k`, temporaries `lo` and `hi`, the int8
 * stored by STRB to `dst` (an addressing mode: "[r1]", "[r2], #1", ...). */
/* clang-format off */
#define TFK_ASM_REQUANT_TO(acc, m, e, k, lo, hi, dst) \
  "and " lo ", " acc ", #0x80000000\n\t"             \
  "eor " lo ", " lo ", #0x40000000\n\t"              \
  "asr " hi ", " acc ", #31\n\t"                     \
  "smlal " lo ", " hi ", " acc ", " m "\n\t"         \
  "asr " hi ", " hi ", " e "\n\t"                    \
  "add " hi ", " hi ", " k "\n\t"                    \
  "ssat " hi ", #8, " hi ", asr #1\n\t"              \
  "strb " hi ", " dst "\n\t"
/* clang-format on */

/* The input offset in both lanes (|offset| <= 255, so x + offset fits an int16 lane). */
static inline int32_t tfk_offset_pair(int32_t offset) { return tfk_pair16(offset, offset); }

#endif /* TINYFORGE_KERNELS_TFK_MATH_H_ */
