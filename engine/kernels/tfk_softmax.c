/* SOFTMAX int8 -> int8 (TFLite reference Softmax with gemmlowp fixed-point exp / reciprocal). */
#include "tfk.h"
#include "tfk_math.h"

/* x * 2^n with saturation (gemmlowp SaturatingRoundingMultiplyByPOT for n > 0). */
static int32_t sat_shl(int32_t x, int32_t n) {
  const int32_t limit = (int32_t)(((int64_t)1 << (31 - n)) - 1);
  if (x > limit) return INT32_MAX;
  if (x < -limit) return INT32_MIN;
  return (int32_t)((uint32_t)x << n);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static int32_t exp_quarter(int32_t a) {
  const int32_t constant_term = 1895147668;
  const int32_t constant_1_over_3 = 715827883;
  const int32_t x = a + (1 << 28);
  const int32_t x2 = tfk_srdhm(x, x);
  const int32_t x3 = tfk_srdhm(x2, x);
  const int32_t x4 = tfk_srdhm(x2, x2);
  const int32_t x4_over_4 = tfk_rdbp(x4, 2);
  const int32_t t = tfk_rdbp(tfk_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + tfk_srdhm(constant_term, x + t);
}

/* exp(a) for a <= 0 in Q5.26; result Q0.31. */
static int32_t exp_neg(int32_t a) {
  static const int32_t k_mult[7] = {1672461947, 1302514674, 790015084, 290630308,
                                    39332535,   720401,     242};
  if (a == 0) return INT32_MAX;
  const int32_t quarter = 1 << 24; /* 1/4 in Q5.26 */
  const int32_t a_mod = (a & (quarter - 1)) - quarter;
  int32_t result = exp_quarter((int32_t)((uint32_t)a_mod << 5));
  const int32_t remainder = a_mod - a;
  for (int k = 0; k < 7; ++k) {
    if (remainder & (1 << (24 + k))) result = tfk_srdhm(result, k_mult[k]);
  }
  /* Inputs below -32 (the Q5.26 range) give 0; diff_min keeps us inside. */
  return result;
}

/* 1 / (1 + x) for x in [0, 1), Q0.31 in, Q1.30-ish out (gemmlowp one_over_one_plus_x_for_x_in_0_1). */
static int32_t one_over_one_plus_x(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  const int32_t c48_over_17 = 1515870810;
  const int32_t cneg32_over_17 = -1010580540;
  int32_t x = c48_over_17 + tfk_srdhm(half_denominator, cneg32_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = tfk_srdhm(half_denominator, x);
    const int32_t one_minus = (1 << 29) - half_denominator_times_x;
    x = x + sat_shl(tfk_srdhm(x, one_minus), 2);
  }
  return sat_shl(x, 1);
}

static int32_t count_leading_zeros(uint32_t v) {
  int32_t n = 0;
  if (v == 0) return 32;
  while (!(v & 0x80000000u)) {
    v <<= 1;
    ++n;
  }
  return n;
}

static void softmax_row(const tfk_softmax_params* p, int32_t depth, const int8_t* in, int8_t* out) {
  int32_t max_in = -128;
  for (int32_t i = 0; i < depth; ++i)
    if (in[i] > max_in) max_in = in[i];
  int32_t sum = 0; /* Q12.19 */
  for (int32_t i = 0; i < depth; ++i) {
    const int32_t diff = in[i] - max_in;
    if (diff >= p->diff_min) {
      const int32_t scaled = tfk_srdhm((int32_t)((uint32_t)diff << p->input_left_shift),
                                       p->input_multiplier);
      sum += tfk_rdbp(exp_neg(scaled), 12);
    }
  }
  const int32_t headroom = count_leading_zeros((uint32_t)sum);
  const int32_t num_bits_over_unit = 12 - headroom;
  const int32_t shifted_minus_one =
      (int32_t)(((uint32_t)sum << headroom) - ((uint32_t)1 << 31));
  const int32_t recip = one_over_one_plus_x(shifted_minus_one);
  const int32_t exponent = num_bits_over_unit + 31 - 8;
  for (int32_t i = 0; i < depth; ++i) {
    const int32_t diff = in[i] - max_in;
    if (diff >= p->diff_min) {
      const int32_t scaled = tfk_srdhm((int32_t)((uint32_t)diff << p->input_left_shift),
                                       p->input_multiplier);
      const int32_t e = exp_neg(scaled);
      const int32_t v = tfk_rdbp(tfk_srdhm(recip, e), exponent) - 128;
      out[i] = (int8_t)tfk_clamp(v, -128, 127);
    } else {
      out[i] = -128;
    }
  }
}

void tfk_softmax_s8(const tfk_softmax_params* p, int32_t rows, int32_t depth, const int8_t* in,
                    int8_t* out) {
  for (int32_t r = 0; r < rows; ++r) {
    softmax_row(p, depth, in + (int64_t)r * depth, out + (int64_t)r * depth);
  }
}
