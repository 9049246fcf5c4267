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

/* The parameters of tfk_add_fast_s8 read once: locals, which the int8 stores cannot alias. */
TFK_ALWAYS_INLINE void add_fast_body(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b,
                                     int8_t* out, int full) {
  const int32_t ls = p->left_shift;
  const int32_t oa = (int32_t)((uint32_t)p->input1_offset << ls), ob = (int32_t)((uint32_t)p->input2_offset << ls);
  const int32_t ma = p->input1_multiplier, mb = p->input2_multiplier, mo = p->output_multiplier;
  const int32_t ea = -p->input1_shift - 1, eb = -p->input2_shift - 1, eo = -p->output_shift - 1;
  const int32_t ra = ea < 0 ? 0 : (int32_t)(1u << ea), rb = eb < 0 ? 0 : (int32_t)(1u << eb);
  const int32_t ro = eo < 0 ? 0 : (int32_t)(1u << eo);
  const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
  for (int32_t i = 0; i < size; ++i) {
    /* (x + offset) << left_shift as x << left_shift + (offset << left_shift): one instruction */
    const int32_t sa = (int32_t)((uint32_t)a[i] << ls) + oa, sb = (int32_t)((uint32_t)b[i] << ls) + ob;
    const int32_t sum = tfk_requantize_right(sa, ma, ea, ra) + tfk_requantize_right(sb, mb, eb, rb);
    out[i] = tfk_saturate_r(tfk_requantize_right(sum, mo, eo, ro) + off, lo, hi, full);
  }
}

void tfk_add_fast_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b, int8_t* out) {
  /* Every rescale a right shift or none (the multipliers are at most one, as TFLite computes them
   * for int8) */
  if (p->input1_shift > 0 || p->input2_shift > 0 || p->output_shift > 0 || p->input1_shift < -31 ||
      p->input2_shift < -31 || p->output_shift < -31 || p->input1_multiplier < 0 || p->input2_multiplier < 0 ||
      p->output_multiplier < 0) {
    tfk_add_s8(p, size, a, b, out);
  } else if (TFK_FULL_RANGE(p->act_min, p->act_max)) {
    add_fast_body(p, size, a, b, out, 1);
  } else {
    add_fast_body(p, size, a, b, out, 0);
  }
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
