/* Strided row copies: the tiles of a patch stage in and out of their scratch slots. */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"

TFK_NO_LIBCALL_LOOPS void tfk_copy_rows(int8_t* dst, int32_t dst_stride, const int8_t* src,
                                        int32_t src_stride, int32_t rows, int32_t bytes) {
  if (dst_stride == bytes && src_stride == bytes) { /* whole rows: one run */
    bytes *= rows;
    rows = 1;
  }
  for (; rows > 0; --rows, dst += dst_stride, src += src_stride) {
    int8_t* d = dst;
    const int8_t* s = src;
    int32_t n = bytes;
    for (; n >= 4; n -= 4, d += 4, s += 4) {
      const uint32_t v = tfk_load4(s);
      memcpy(d, &v, 4);
    }
    for (; n > 0; --n) *d++ = *s++;
  }
}
