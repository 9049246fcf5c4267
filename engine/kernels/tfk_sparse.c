/* Unstructured-sparse FULLY_CONNECTED: only the non-zero weights are stored and multiplied.
 * Row u's weights are vals[row_start[u] .. row_start[u+1]) at input columns cols[...]. With the
 * input offset folded into the bias (tfk_fold_input_offset over the dense weights), the int32
 * sum is the dense one term for term minus zero terms: bit-exact with the reference kernel. */
#include "tfk.h"
#include "tfk_math.h"

void tfk_fully_connected_sparse_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t batches,
                                   int32_t depth, int32_t units, const int8_t* in,
                                   const uint16_t* row_start, const uint16_t* cols, const int8_t* vals,
                                   const int32_t* folded_bias, int8_t* out) {
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* x = in + (int64_t)b * depth;
    for (int32_t u = 0; u < units; ++u) {
      int32_t acc = folded_bias[u];
      for (int32_t k = row_start[u]; k < row_start[u + 1]; ++k) acc += vals[k] * x[cols[k]];
      const int32_t c = q->per_channel ? u : 0;
      out[(int64_t)b * units + u] =
          (int8_t)tfk_clamp(tfk_mbqm(acc, q->multiplier[c], q->shift[c]) + p->output_offset, p->act_min,
                            p->act_max);
    }
  }
}
