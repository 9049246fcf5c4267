/* Fixed-point helpers shared by the kernels (TFLite / gemmlowp semantics, double rounding). */
#ifndef TINYFORGE_KERNELS_TFK_MATH_H_
#define TINYFORGE_KERNELS_TFK_MATH_H_

#include <stdint.h>

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

#endif /* TINYFORGE_KERNELS_TFK_MATH_H_ */
