/* TRANSPOSE int8, 4-D. */
#include "tfk.h"

void tfk_transpose_s8(const int32_t in_shape[4], const int8_t* in, const int32_t perm[4],
                      int8_t* out) {
  int64_t in_stride[4];
  in_stride[3] = 1;
  for (int i = 2; i >= 0; --i) in_stride[i] = in_stride[i + 1] * in_shape[i + 1];
  int32_t out_shape[4];
  int64_t stride[4];
  for (int i = 0; i < 4; ++i) {
    out_shape[i] = in_shape[perm[i]];
    stride[i] = in_stride[perm[i]];
  }
  int64_t o = 0;
  for (int32_t a = 0; a < out_shape[0]; ++a)
    for (int32_t b = 0; b < out_shape[1]; ++b)
      for (int32_t c = 0; c < out_shape[2]; ++c)
        for (int32_t d = 0; d < out_shape[3]; ++d)
          out[o++] = in[a * stride[0] + b * stride[1] + c * stride[2] + d * stride[3]];
}
