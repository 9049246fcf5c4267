/* The smallest program that uses the model library (model/): it fills the input, invokes the
 * model and reads the output. It is linked, never run: build/library.elf shows what the library
 * itself costs in a firmware (flash: code, weights and constants; RAM: the arena and its static
 * data), without this project's startup, profiling, semihosting and test data. */
#include "model.h"

void Reset_Handler(void);

void Reset_Handler(void) {
  for (;;) {
    tf_model_input(0)[0] = 0;
    tf_model_invoke();
    (void)*(volatile const int8_t*)tf_model_output(0);
  }
}
