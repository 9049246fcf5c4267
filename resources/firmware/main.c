/* TinyForge verification firmware: runs the model once on the embedded test input, compares
 * with the expected output, and reports through semihosting:
 *   TF match <0|1>, TF ticks <n>, TF layer <op> <ticks>, TF stack <bytes>
 * Under QEMU's -icount shift=0 SysTick counts one tick per 40 instructions. */
#include <stdint.h>
#include <string.h>

#include "model.h"
#include "test_data.h"

void tf_semihost_write(const char* text);
uint32_t tf_stack_high_water(void);

#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)

static volatile uint32_t g_wraps;
void SysTick_Handler(void) { g_wraps++; }

static uint64_t ticks(void) {
  uint32_t w, v;
  do {
    w = g_wraps;
    v = SYST_CVR;
  } while (w != g_wraps);
  return (uint64_t)w * 0x1000000u + (0xFFFFFFu - v);
}

static uint64_t g_layer_ticks[TF_MODEL_NUM_OPS];
static int g_layer = -1;
static uint64_t g_layer_start;

void tf_profile_mark(int index) {
  const uint64_t now = ticks();
  if (g_layer >= 0) g_layer_ticks[g_layer] += now - g_layer_start;
  g_layer = index;
  g_layer_start = ticks();
}

static void put_u64(const char* prefix, uint64_t v, const char* suffix) {
  char buf[24];
  int i = 23;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10u);
    v /= 10u;
  } while (v && i > 0);
  tf_semihost_write(prefix);
  tf_semihost_write(&buf[i]);
  tf_semihost_write(suffix);
}

/* The report, after the inference (not inlined: its frame is not on the stack during it). */
__attribute__((noinline)) static int report(uint64_t total, uint32_t stack) {
  int match = 1;
  for (int i = 0; i < TF_MODEL_NUM_OUTPUTS; ++i) {
    if (memcmp(tf_model_output(i), tf_test_expected[i], (size_t)tf_model_output_bytes(i)) != 0) match = 0;
  }
  tf_semihost_write("TF-BEGIN\n");
  put_u64("TF match ", (uint64_t)match, "\n");
  put_u64("TF ticks ", total, "\n");
  for (int op = 0; op < TF_MODEL_NUM_OPS; ++op) {
    put_u64("TF layer ", (uint64_t)op, " ");
    put_u64("", g_layer_ticks[op], "\n");
  }
  put_u64("TF stack ", stack, "\n");
  tf_semihost_write("TF-END\n");
  return match;
}

int main(void) {
  SYST_RVR = 0xFFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 7u; /* processor clock, interrupt, enable */
  while (SYST_CVR == 0) {
  }
  for (int i = 0; i < TF_MODEL_NUM_INPUTS; ++i) {
    memcpy(tf_model_input(i), tf_test_inputs[i], (size_t)tf_model_input_bytes(i));
  }
  const uint64_t start = ticks();
  tf_model_invoke();
  const uint64_t total = ticks() - start;
  /* the high-water mark of the inference (startup, input copy and invoke), before the report's
   * own calls add theirs: what TFLM's figures measure during Invoke() */
  const uint32_t stack = tf_stack_high_water();
  return report(total, stack) ? 0 : 1;
}
