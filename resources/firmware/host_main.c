/* Host runner for a generated TinyForge model library (model.c + kernels): reads raw input
 * bytes, runs one inference, writes raw output bytes.
 *   cc -std=c99 -O2 -I. -Ikernels model.c kernels/tfk_*.c host_main.c -lm -o run_model
 *   ./run_model in0.bin [in1.bin ...] out0.bin [out1.bin ...]
 */
#include <stdio.h>

#include "model.h"

static int read_exact(const char* path, int8_t* dst, long bytes) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    return 1;
  }
  const long n = (long)fread(dst, 1, (size_t)bytes, f);
  const int extra = fgetc(f) != EOF;
  fclose(f);
  if (n != bytes || extra) {
    fprintf(stderr, "%s: expected %ld bytes\n", path, bytes);
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 1 + TF_MODEL_NUM_INPUTS + TF_MODEL_NUM_OUTPUTS) {
    fprintf(stderr, "usage: %s INPUT... OUTPUT... (%d inputs, %d outputs)\n", argv[0],
            TF_MODEL_NUM_INPUTS, TF_MODEL_NUM_OUTPUTS);
    return 2;
  }
  for (int i = 0; i < TF_MODEL_NUM_INPUTS; ++i) {
    if (read_exact(argv[1 + i], tf_model_input(i), tf_model_input_bytes(i))) return 1;
  }
  if (tf_model_invoke() != 0) return 1;
  for (int i = 0; i < TF_MODEL_NUM_OUTPUTS; ++i) {
    FILE* f = fopen(argv[1 + TF_MODEL_NUM_INPUTS + i], "wb");
    if (!f || fwrite(tf_model_output(i), 1, (size_t)tf_model_output_bytes(i), f) !=
                  (size_t)tf_model_output_bytes(i)) {
      fprintf(stderr, "cannot write %s\n", argv[1 + TF_MODEL_NUM_INPUTS + i]);
      return 1;
    }
    fclose(f);
  }
  return 0;
}
