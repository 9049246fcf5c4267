/* The four-row fully connected path's loop over the groups of a chunk (tfk_rows4.h) and the
 * weight layout it reads (tfk_fc_rows4_layout, tfk.h). */
#include <string.h>

#include "tfk.h"
#include "tfk_math.h"
#include "tfk_rows4.h"

void tfk_fc_rows4_layout(const int8_t* weights, int32_t depth, int32_t units, int8_t* out) {
  const int32_t groups = units >> 2;
  for (int32_t g = 0; g < groups; ++g) {
    for (int32_t d = 0; d < depth; d += 8) {
      for (int32_t r = 0; r < 4; ++r, out += 8) {
        memcpy(out, weights + (int64_t)(4 * g + r) * depth + d, 8);
      }
    }
  }
  memcpy(out, weights + (int64_t)groups * 4 * depth, (size_t)(units - 4 * groups) * (size_t)depth);
}

#if TFK_HAS_DSP && defined(__GNUC__) && defined(__thumb2__)
#include <stddef.h>
_Static_assert(offsetof(tfk_rows4_state, from) == 8 && offsetof(tfk_rows4_state, acc) == 12 &&
                   offsetof(tfk_rows4_state, skip) == 20 &&
                   offsetof(tfk_rows4_state, w_end) == 24 && offsetof(tfk_rows4_state, o) == 28 &&
                   offsetof(tfk_rows4_state, m) == 32,
               "tfk_rows4_run reads tfk_rows4_state at these offsets");
/* clang-format off */
/* One row of tfk_rows4_run's group: two weight words (r11, r12) from r9 against the lanes r0..r3
 * into accumulator `a`. */
#define TFK_ASM_ROW4(a)                              \
  "ldm r9!, {r11, r12}\n\t"                          \
  "sxtb16 lr, r11\n\t"                               \
  "smlad " a ", lr, r0, " a "\n\t"                   \
  "sxtb16 lr, r11, ror #8\n\t"                       \
  "smlad " a ", lr, r1, " a "\n\t"                   \
  "sxtb16 lr, r12\n\t"                               \
  "smlad " a ", lr, r2, " a "\n\t"                   \
  "sxtb16 lr, r12, ror #8\n\t"                       \
  "smlad " a ", lr, r3, " a "\n\t"
/* Eight input elements against four rows: 37 instructions for 32 multiply-accumulates. */
#define TFK_ASM_GROUP4 \
  "ldm r8!, {r0, r1, r2, r3}\n\t" TFK_ASM_ROW4("r4") TFK_ASM_ROW4("r5") TFK_ASM_ROW4("r6") TFK_ASM_ROW4("r7")
/* Accumulator `a` requantized with m, e, k in r1, r2, r3 and stored at [r0], r0 advanced. */
#define TFK_ASM_OUT4(a) TFK_ASM_REQUANT_TO(a, "r1", "r2", "r3", "r11", "lr", "[r0], #1")
/* clang-format on */

/* Cortex-M4/M7: the state moves through r12 (reloaded from the stack) around the loop, which
 * needs every other register. */
__attribute__((naked, noinline)) void tfk_rows4_run(tfk_rows4_state* st __attribute__((unused))) {
  __asm__ volatile(
      "push {r4-r11, lr}\n\t"
      "push {r0}\n\t"
      "ldr r9, [r0, #16]\n\t"
      "3:\n\t"
      "ldr r12, [sp]\n\t"
      "ldm r12, {r0, r1, r2}\n\t" /* xq, bytes, from */
      "ldm r2!, {r4, r5, r6, r7}\n\t"
      "str r2, [r12, #8]\n\t"
      "mov r8, r0\n\t"
      "add r10, r9, r1\n\t"
      "tst r1, #32\n\t"
      "bne 2f\n\t"
      "1:\n\t" TFK_ASM_GROUP4
      "2:\n\t" TFK_ASM_GROUP4
      "cmp r9, r10\n\t"
      "bne 1b\n\t"
      "ldr r12, [sp]\n\t"
      "ldr r0, [r12, #20]\n\t"
      "add r9, r9, r0\n\t" /* the next group */
      "ldr r0, [r12, #28]\n\t"
      "cbnz r0, 4f\n\t"
      "ldr r0, [r12, #12]\n\t"
      "stm r0!, {r4, r5, r6, r7}\n\t"
      "str r0, [r12, #12]\n\t"
      "b 5f\n\t"
      "4:\n\t"
      "add r3, r12, #32\n\t"
      "ldm r3, {r1, r2, r3}\n\t" /* m, e, k */
      TFK_ASM_OUT4("r4") TFK_ASM_OUT4("r5") TFK_ASM_OUT4("r6") TFK_ASM_OUT4("r7")
      "str r0, [r12, #28]\n\t"
      "5:\n\t"
      "ldr r0, [r12, #24]\n\t"
      "cmp r9, r0\n\t"
      "bne 3b\n\t"
      "add sp, sp, #4\n\t"
      "pop {r4-r11, pc}\n\t");
}
#else
void tfk_rows4_run(tfk_rows4_state* st) {
  for (const int8_t* w = st->w; w != st->w_end; w += st->skip) {
    int32_t acc[4] = {st->from[0], st->from[1], st->from[2], st->from[3]};
    st->from += 4;
    const int32_t* xq = st->xq;
    for (const int8_t* end = w + st->bytes; w != end; xq += 4) {
      for (int32_t r = 0; r < 4; ++r, w += 8) {
        const uint32_t a = tfk_load4(w), b = tfk_load4(w + 4);
        acc[r] = tfk_smlad(tfk_sxtb16_ror8(a), xq[1], tfk_smlad(tfk_sxtb16(a), xq[0], acc[r]));
        acc[r] = tfk_smlad(tfk_sxtb16_ror8(b), xq[3], tfk_smlad(tfk_sxtb16(b), xq[2], acc[r]));
      }
    }
    for (int32_t r = 0; r < 4; ++r) {
      if (st->o) {
        *st->o++ = tfk_requant_rshift(acc[r], st->m, st->e, st->k);
      } else {
        *st->acc++ = acc[r];
      }
    }
  }
}
#endif
