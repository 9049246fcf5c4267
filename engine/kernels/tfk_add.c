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

/* tfk_add_fast_s8's rescales, read once from the parameters: locals, which the int8 stores cannot
 * alias. o*: the offsets shifted left; e*, r*: the right shifts' forms of tfk_requantize_right. */
typedef struct {
  int32_t ls, oa, ob, ma, mb, mo, ea, eb, eo, ra, rb, ro;
} add_rescale;

TFK_ALWAYS_INLINE add_rescale add_rescale_of(const tfk_add_params* p) {
  add_rescale r;
  r.ls = p->left_shift;
  r.oa = (int32_t)((uint32_t)p->input1_offset << r.ls);
  r.ob = (int32_t)((uint32_t)p->input2_offset << r.ls);
  r.ma = p->input1_multiplier;
  r.mb = p->input2_multiplier;
  r.mo = p->output_multiplier;
  r.ea = -p->input1_shift - 1;
  r.eb = -p->input2_shift - 1;
  r.eo = -p->output_shift - 1;
  r.ra = r.ea < 0 ? 0 : (int32_t)(1u << r.ea);
  r.rb = r.eb < 0 ? 0 : (int32_t)(1u << r.eb);
  r.ro = r.eo < 0 ? 0 : (int32_t)(1u << r.eo);
  return r;
}

/* Input x rescaled: (x + offset) << left_shift as x << left_shift + (offset << left_shift) (one
 * instruction), then the input's multiplier. */
TFK_ALWAYS_INLINE int32_t add_input(int32_t x, int32_t ls, int32_t o, int32_t m, int32_t e,
                                    int32_t r) {
  return tfk_requantize_right((int32_t)((uint32_t)x << ls) + o, m, e, r);
}

TFK_ALWAYS_INLINE void add_fast_body(const tfk_add_params* p, int32_t size, const int8_t* a,
                                     const int8_t* b, int8_t* out, int full) {
  const add_rescale r = add_rescale_of(p);
  const int32_t off = p->output_offset, lo = p->act_min, hi = p->act_max;
  for (int32_t i = 0; i < size; ++i) {
    const int32_t sum = add_input(a[i], r.ls, r.oa, r.ma, r.ea, r.ra) +
                        add_input(b[i], r.ls, r.ob, r.mb, r.eb, r.rb);
    out[i] = tfk_saturate_r(tfk_requantize_right(sum, r.mo, r.eo, r.ro) + off, lo, hi, full);
  }
}

/* Each input's rescale depends on its int8 value alone: two tables of 256 rescaled values, indexed
 * by the input byte, built with add_fast_body's own expressions (bit-exact by construction), then
 * per element two loads, an add and the output's requantization: about 15 instructions instead of
 * 46 on Cortex-M4/M7. Building the tables costs about 7,000 instructions (two 1 KB tables on the
 * stack), which pays from TFK_ADD_TABLE_MIN elements (tfk.h). */
TFK_NOINLINE static void add_tables(const tfk_add_params* p, int32_t size, const int8_t* a,
                                    const int8_t* b, int8_t* out) {
  int32_t ta[256], tb[256];
  const add_rescale r = add_rescale_of(p);
  for (int32_t v = -128; v < 128; ++v) {
    ta[(uint8_t)v] = add_input(v, r.ls, r.oa, r.ma, r.ea, r.ra);
    tb[(uint8_t)v] = add_input(v, r.ls, r.ob, r.mb, r.eb, r.rb);
  }
  const uint8_t* ua = (const uint8_t*)a;
  const uint8_t* ub = (const uint8_t*)b;
  const int32_t off = p->output_offset;
  if (TFK_FULL_RANGE(p->act_min, p->act_max) && p->output_shift <= -2) {
    const int32_t e = -p->output_shift - 2, k = 2 * off + 1;
    for (int32_t i = 0; i < size; ++i)
      out[i] = tfk_requant_rshift(ta[ua[i]] + tb[ub[i]], r.mo, e, k);
    return;
  }
  const int32_t lo = p->act_min, hi = p->act_max;
  for (int32_t i = 0; i < size; ++i) {
    out[i] = (int8_t)tfk_clamp(tfk_requantize_right(ta[ua[i]] + tb[ub[i]], r.mo, r.eo, r.ro) + off,
                               lo, hi);
  }
}

/* Every rescale a right shift or none (the multipliers are at most one, as TFLite computes them
 * for int8): the fast paths' condition. */
static int add_fast_params(const tfk_add_params* p) {
  return p->input1_shift <= 0 && p->input2_shift <= 0 && p->output_shift <= 0 &&
         p->input1_shift >= -31 && p->input2_shift >= -31 && p->output_shift >= -31 &&
         p->input1_multiplier >= 0 && p->input2_multiplier >= 0 && p->output_multiplier >= 0;
}

int tfk_add_uses_tables(const tfk_add_params* p, int32_t size) {
  return add_fast_params(p) && size >= TFK_ADD_TABLE_MIN;
}

int tfk_add_uses_rescaled(const tfk_add_params* p) { return add_fast_params(p); }

void tfk_add_fast_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b, int8_t* out) {
  if (add_fast_params(p)) {
    tfk_add_rescaled_s8(p, size, a, b, out);
  } else {
    tfk_add_s8(p, size, a, b, out);
  }
}

void tfk_add_rescaled_s8(const tfk_add_params* p, int32_t size, const int8_t* a, const int8_t* b,
                         int8_t* out) {
  if (size >= TFK_ADD_TABLE_MIN) {
    add_tables(p, size, a, b, out);
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
