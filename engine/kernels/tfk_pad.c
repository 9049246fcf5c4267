/* PAD int8, 4-D. */
#include <string.h>

#include "tfk.h"

void tfk_pad_s8(const tfk_dims* in_dims, const int8_t* in, const int32_t before[4],
                const int32_t after[4], int8_t pad_value, int8_t* out) {
  const int32_t on = in_dims->n + before[0] + after[0], oh = in_dims->h + before[1] + after[1];
  const int32_t ow = in_dims->w + before[2] + after[2], oc = in_dims->c + before[3] + after[3];
  const int64_t total = (int64_t)on * oh * ow * oc;
  memset(out, pad_value, (size_t)total);
  for (int32_t n = 0; n < in_dims->n; ++n)
    for (int32_t h = 0; h < in_dims->h; ++h)
      for (int32_t w = 0; w < in_dims->w; ++w) {
        const int8_t* src = in + (((int64_t)n * in_dims->h + h) * in_dims->w + w) * in_dims->c;
        int8_t* dst = out + ((((int64_t)n + before[0]) * oh + h + before[1]) * ow + w + before[2]) * oc +
                      before[3];
        memcpy(dst, src, (size_t)in_dims->c);
      }
}
