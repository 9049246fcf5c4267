/* The four-row fully connected path's inner part (tfk_fully_connected_rows4_s8 in tfk_fast.c):
 * internal to the kernels. */
#ifndef TINYFORGE_KERNELS_TFK_ROWS4_H_
#define TINYFORGE_KERNELS_TFK_ROWS4_H_

#include <stdint.h>

/* What tfk_rows4_run does for one chunk of the input: every group of four rows of a batch of
 * units; the Cortex-M4/M7 assembly reads and writes it at fixed offsets. */
typedef struct {
  const int32_t* xq;   /*  0: the chunk's lanes */
  int32_t bytes;       /*  4: one group's weight bytes in this chunk (4 n, a multiple of 32) */
  const int32_t* from; /*  8: the accumulators the groups start from (advanced) */
  int32_t* acc;        /* 12: where they are left when o is 0 (advanced) */
  const int8_t* w;     /* 16: the first group's weights in this chunk */
  int32_t skip;        /* 20: 4 (depth - n): from a group's end in this chunk to the next group */
  const int8_t* w_end; /* 24: w after the last group */
  int8_t* o;           /* 28: the outputs, requantized here (last chunk, uniform), or 0 */
  int32_t m, e, k;     /* 32: the uniform requantization (tfk_requant_rshift) */
} tfk_rows4_state;

/* Every group of the batch against one chunk: acc (or, with o, the outputs) from `from` plus the
 * groups' re-laid rows (tfk_fc_rows4_layout) against the lanes. Assembly on Cortex-M4/M7 (per
 * group the accumulators from `from`, the loop over the chunk two eight-element steps a turn,
 * entered at the second when their number is odd, then the four outputs requantized or the
 * accumulators stored), C elsewhere. */
void tfk_rows4_run(tfk_rows4_state* st);

#endif /* TINYFORGE_KERNELS_TFK_ROWS4_H_ */
