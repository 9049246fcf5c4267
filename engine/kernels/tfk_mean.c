/* MEAN over H and W, int8 (TFLite reference QuantizedMeanOrSum): the sum of (x - zp_in) is
 * requantized once with a multiplier that already contains 1 / (H * W); see
 * tfk_mean_hw_multiplier. */
#include "tfk.h"
#include "tfk_math.h"

void tfk_mean_hw_s8(const tfk_mean_params* p, const tfk_dims* in_dims, const int8_t* in,
                    int8_t* out) {
  const int32_t n_elems = in_dims->h * in_dims->w;
  const int32_t channels = in_dims->c;
  for (int32_t b = 0; b < in_dims->n; ++b) {
    const int8_t* in_b = in + (int64_t)b * n_elems * channels;
    for (int32_t c = 0; c < channels; ++c) {
      int32_t acc = 0;
      for (int32_t i = 0; i < n_elems; ++i) acc += in_b[(int64_t)i * channels + c] - p->input_zero_point;
      acc = tfk_mbqm(acc, p->multiplier, p->shift) + p->output_zero_point;
      out[(int64_t)b * channels + c] = (int8_t)tfk_clamp(acc, -128, 127);
    }
  }
}

void tfk_mean_hw_multiplier(int32_t multiplier, int32_t shift, int32_t count, int32_t* out_multiplier,
                            int32_t* out_shift) {
  int32_t log2 = 0;
  while (((int64_t)1 << (log2 + 1)) <= (int64_t)count) ++log2;
  if (log2 > 32) log2 = 32;
  if (log2 > 31 + shift) log2 = 31 + shift;
  *out_multiplier = (int32_t)((((int64_t)multiplier) << log2) / count);
  *out_shift = shift - log2;
}
