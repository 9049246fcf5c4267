/* FULLY_CONNECTED int8 reference kernel (per-tensor or per-channel requantization). */
#include "tfk.h"
#include "tfk_math.h"

/* Unit u's output from its accumulator (bias included). */
static int8_t fc_output(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t u,
                        int32_t acc) {
  const int32_t k = q->per_channel ? u : 0;
  acc = tfk_mbqm(acc, q->multiplier[k], q->shift[k]) + p->output_offset;
  return (int8_t)tfk_clamp(acc, p->act_min, p->act_max);
}

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
      out[(int64_t)b * units + u] = fc_output(p, q, u, acc);
    }
  }
}

void tfk_fc_accumulate_s8(const tfk_fc_params* p, const int8_t* x, int32_t n, const int8_t* w,
                          int32_t depth, int32_t units, int32_t* acc) {
  for (int32_t u = 0; u < units; ++u) {
    const int8_t* row = w + (int64_t)u * depth;
    int32_t sum = 0;
    for (int32_t i = 0; i < n; ++i) sum += row[i] * (x[i] + p->input_offset);
    acc[u] += sum;
  }
}

void tfk_fc_requantize_s8(const tfk_fc_params* p, const tfk_channel_quant* q, int32_t units,
                          const int32_t* acc, int8_t* out) {
  for (int32_t u = 0; u < units; ++u) out[u] = fc_output(p, q, u, acc[u]);
}
