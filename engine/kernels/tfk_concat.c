/* CONCATENATION int8 (inputs share the output's quantization). */
#include <string.h>

#include "tfk.h"

void tfk_concat_s8(int32_t count, const int8_t* const* inputs, const int32_t* inner_sizes,
                   int32_t outer, int8_t* out) {
  for (int32_t o = 0; o < outer; ++o) {
    for (int32_t i = 0; i < count; ++i) {
      memcpy(out, inputs[i] + (int64_t)o * inner_sizes[i], (size_t)inner_sizes[i]);
      out += inner_sizes[i];
    }
  }
}
