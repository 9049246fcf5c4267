// Fuzz target for the .tflite importer: any byte string must give a graph or a one-line error,
// never a crash, a hang or undefined behaviour.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "engine/io/tflite_import.h"
#include "engine/model_summary.h"
#include "engine/validate.h"
#include "tests/fuzz/fuzz_outcome.h"

namespace {

FuzzOutcome g_lastOutcome = FuzzOutcome::kImported;

bool isFileError(const std::string& e) {
  for (const char* prefix : {"empty file", "too small", "not a .tflite", "corrupt .tflite",
                             "file larger"}) {
    if (e.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

FuzzOutcome lastFuzzOutcome() { return g_lastOutcome; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tinyforge::Result<tinyforge::Graph> g =
      tinyforge::importTflite(std::span<const uint8_t>(data, size));
  if (g.ok()) {
    g_lastOutcome = FuzzOutcome::kImported;
    // An accepted graph is valid and can be summarised (shapes, MACs) without trouble.
    if (!tinyforge::validateGraph(g.value())) __builtin_trap();
    (void)tinyforge::summarizeModel(g.value());
    return 0;
  }
  if (g.error().empty() || g.error().find('\n') != std::string::npos) {
    __builtin_trap();  // errors are one non-empty line
  }
  g_lastOutcome = isFileError(g.error()) ? FuzzOutcome::kRejectedFile
                                         : FuzzOutcome::kRejectedContent;
  return 0;
}
