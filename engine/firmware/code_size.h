// Flash of a model library, estimated from its generated code: the const data model.c defines
// (constant tensors it references, per-op arrays and parameter structs), the closure of the
// kernel functions its invoke function calls (each function's bytes measured from the kernels
// compiled for the core), and the invoke function itself (bytes per call statement, fitted).
//
//   Result<const CodeSizeTable*> t = codeSizeTable("cortex-m7");    // resources/codesize/
//   Result<CodeFootprint> f = emitFootprint(planned);               // no constants written out
//   int64_t flash = estimateLibraryFlash(*t.value(), f.value());
//
// resources/codesize/<core>.json is written by bench/code_size_table, which compiles
// engine/kernels with the firmware's flags (measureKernelCode) and fits the per-call bytes on
// exported libraries (arm-none-eabi-size of build/library.elf). The test
// CodeSize.TablesMatchTheKernels compiles the kernels again and fails when a table is stale.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/codegen/model_emitter.h"
#include "engine/firmware/device.h"
#include "engine/status.h"

namespace tinyforge {

struct CodeFunction {
  int64_t bytes = 0;               // code, or read-only data the code references
  std::vector<std::string> calls;  // functions and data it references (keys of the table)
};

struct CodeSizeTable {
  std::string core;    // "cortex-m4", ...
  std::string device;  // the profile whose compiler flags were used
  // Keys: global names ("tfk_add_s8", "memcpy"); file-local ones as "name@file.o".
  std::map<std::string, CodeFunction> functions;
  // Library flash besides const data and linked functions (the invoke function, the accessors,
  // alignment):
  // fixedBytes + perCallBytes x the invoke function's statements (fitted by bench/code_size_table).
  int64_t fixedBytes = 0;
  int64_t perCallBytes = 0;
  nlohmann::json calibration;  // provenance and the fit's error, written by the bench tool
};

// Compiles the embedded kernels with `device`'s flags (the firmware Makefile's -O2, function and
// data sections) in `workDir` and reads every function's size and references with
// arm-none-eabi-nm and -readelf; a C library function (memcpy, a run-time division, ...) counts
// what linking it alone adds, with all it calls.
// fixedBytes and perCallBytes are left 0. Errors: toolchain missing, a compile error.
Result<CodeSizeTable> measureKernelCode(const DeviceProfile& device, const std::string& workDir);

// Bytes of the functions `called` links: their closure over references, each counted once.
// Unknown names count 0.
int64_t linkedBytes(const CodeSizeTable& table, const std::vector<std::string>& called);

// The model library's flash (what verify reports as library_flash_bytes).
int64_t estimateLibraryFlash(const CodeSizeTable& table, const CodeFootprint& footprint);
// The same with the core's embedded table; a core without one (or an unreadable table) gets the
// const data + kCodeBytesEstimate.
int64_t estimateLibraryFlash(const std::string& core, const CodeFootprint& footprint);
// Of a planned model, through emitFootprint (the fast kernels unless told otherwise).
Result<int64_t> estimateLibraryFlash(const std::string& core, const PlannedModel& model,
                                     bool fastKernels = true);

// Bytes of code for a core without a code-size table: the largest library code measured with the
// fast kernels (library flash - const data) was 19,926 B (MLPerf VWW, every depthwise path linked).
constexpr int64_t kCodeBytesEstimate = 20 * 1024;

nlohmann::json codeSizeToJson(const CodeSizeTable& table);
Result<CodeSizeTable> codeSizeFromJson(const nlohmann::json& json);  // errors name the field

// The table for a core, from the embedded resources/codesize/<core>.json (parsed once).
Result<const CodeSizeTable*> codeSizeTable(const std::string& core);

}  // namespace tinyforge
