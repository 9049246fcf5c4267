/* ADD int8 (TFLite integer_ops::Add): both inputs rescaled to a common scale, then summed. */
#include "tfk.h"
#include "tfk_math.h"

static int8_t add_one(const tfk_add_params* p, int8_t a, int8_t b) {
  const int32_t sa = (int32_t)((uint32_t)(a + p->input1_offset) << p->left_shift);
  const int32_t sb = (int32_t)((uint32_t)(b + p->input2_offset) << p->left_shift);
  const int32_t ra = tfk_mbqm(sa, p->input1_multiplier, p->input1_shift);
  const int32_t rb = tfk_mbqm(sb, p->input2_multiplier, p->input2_shift);
  const int32_t sum = ra + rb;
  const int32_t o = tfk_mbqm(sum, p->output_multiplier, p->output_shift) + p->output_offset;
  return (int8_t)tfk_clamp(o, p->act_min, p->act_max);
}

void tfk_add_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b,
                int8_t* out) {
  for (int32_t i = 0; i < size; ++i) out[i] = add_one(p, a[i], b[i]);
}

static int64_t bcast_index(const tfk_dims* d, int32_t n, int32_t h, int32_t w, int32_t c) {
  const int32_t bn = d->n == 1 ? 0 : n, bh = d->h == 1 ? 0 : h;
  const int32_t bw = d->w == 1 ? 0 : w, bc = d->c == 1 ? 0 : c;
  return (((int64_t)bn * d->h + bh) * d->w + bw) * d->c + bc;
}

void tfk_add_broadcast_s8(const tfk_add_params* p, const tfk_dims* a_dims, const int8_t* a,
                          const tfk_dims* b_dims, const int8_t* b, const tfk_dims* out_dims,
                          int8_t* out) {
  int64_t i = 0;
  for (int32_t n = 0; n < out_dims->n; ++n)
    for (int32_t h = 0; h < out_dims->h; ++h)
      for (int32_t w = 0; w < out_dims->w; ++w)
        for (int32_t c = 0; c < out_dims->c; ++c, ++i)
          out[i] = add_one(p, a[bcast_index(a_dims, n, h, w, c)], b[bcast_index(b_dims, n, h, w, c)]);
}

void tfk_mul_broadcast_s8(const tfk_mul_params* p, const tfk_dims* a_dims, const int8_t* a,
                          const tfk_dims* b_dims, const int8_t* b, const tfk_dims* out_dims,
                          int8_t* out) {
  int64_t i = 0;
  for (int32_t n = 0; n < out_dims->n; ++n)
    for (int32_t h = 0; h < out_dims->h; ++h)
      for (int32_t w = 0; w < out_dims->w; ++w)
        for (int32_t c = 0; c < out_dims->c; ++c, ++i) {
          const int32_t x = a[bcast_index(a_dims, n, h, w, c)] + p->input1_offset;
          const int32_t y = b[bcast_index(b_dims, n, h, w, c)] + p->input2_offset;
          const int32_t o = tfk_mbqm(x * y, p->output_multiplier, p->output_shift) + p->output_offset;
          out[i] = (int8_t)tfk_clamp(o, p->act_min, p->act_max);
        }
}
