/* QUANTIZE / DEQUANTIZE / int8 requantize. */
#include <math.h>

#include "tfk.h"
#include "tfk_math.h"

void tfk_quantize_f32_s8(int32_t size, const float* in, float scale, int32_t zero_point,
                         int8_t* out) {
  for (int32_t i = 0; i < size; ++i) {
    const float r = roundf(in[i] / scale);
    int32_t v;
    if (r >= 2147483520.0f) {
      v = 127;
    } else if (r <= -2147483520.0f || r != r) {
      v = -128;
    } else {
      v = (int32_t)r + zero_point;
    }
    out[i] = (int8_t)tfk_clamp(v, -128, 127);
  }
}

void tfk_requantize_s8(int32_t size, const int8_t* in, int32_t input_zero_point,
                       int32_t multiplier, int32_t shift, int32_t output_zero_point,
                       int8_t* out) {
  for (int32_t i = 0; i < size; ++i) {
    const int32_t v = tfk_mbqm(in[i] - input_zero_point, multiplier, shift) + output_zero_point;
    out[i] = (int8_t)tfk_clamp(v, -128, 127);
  }
}

void tfk_dequantize_s8_f32(int32_t size, const int8_t* in, double scale, int32_t zero_point,
                           float* out) {
  for (int32_t i = 0; i < size; ++i) out[i] = (float)(scale * (double)(in[i] - zero_point));
}
