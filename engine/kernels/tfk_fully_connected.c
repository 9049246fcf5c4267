/* FULLY_CONNECTED int8 reference kernel (per-tensor or per-channel requantization). */
#include "tfk.h"
#include "tfk_math.h"

void tfk_fully_connected_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t batches,
                            int32_t depth, int32_t units, const int8_t* in, const int8_t* weights,
                            const int32_t* bias, int8_t* out) {
  for (int32_t b = 0; b < batches; ++b) {
    const int8_t* x = in + (int64_t)b * depth;
    for (int32_t u = 0; u < units; ++u) {
      const int8_t* w = weights + (int64_t)u * depth;
      int32_t acc = 0;
      for (int32_t d = 0; d < depth; ++d) acc += w[d] * (x[d] + p->input_offset);
      if (bias) acc += bias[u];
      const int32_t k = q->per_channel ? u : 0;
      acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
      out[(int64_t)b * units + u] = (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
    }
  }
}
