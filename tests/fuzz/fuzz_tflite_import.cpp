// Fuzz target for the .tflite importer: any byte string must give a graph or a one-line error,
// never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/io/tflite_import.h"
#include "engine/model_summary.h"
#include "engine/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinyforge::Result<tinyforge::Graph> g = tinyforge::importTflite(std::span<const uint8_t>(data, size));
  if (g.ok()) {
    // An accepted graph is valid and can be summarised (shapes, MACs) without trouble.
    if (!tinyforge::validateGraph(g.value())) __builtin_trap();
    (void)tinyforge::summarizeModel(g.value());
  } else if (g.error().empty() || g.error().find('\n') != std::string::npos) {
    __builtin_trap();  // errors are one non-empty line
  }
  return 0;
}
