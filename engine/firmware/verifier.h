// Builds an exported firmware project with arm-none-eabi-gcc (-Wall -Werror), runs it in QEMU
// under -icount and reads back what it measured.
//
//   Result<VerifyReport> r = verifyFirmware("out/fw");
//   r.value().match, r.value().instructions, r.value().perLayer[i].instructions
//
// Instructions are counted with SysTick under `-icount shift=0`: one tick every 40 executed
// instructions on mps2, so each figure is exact to 40 instructions; per-layer figures include
// the profiling hook (about a dozen instructions per layer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/status.h"

namespace tinyforge {

struct LayerInstructions {
  int32_t op = 0;
  std::string kind, name;
  int64_t instructions = 0;
};

struct VerifyReport {
  bool match = false;
  int64_t instructions = 0;
  std::vector<LayerInstructions> perLayer;
  int64_t flashBytes = 0;   // text + data (arm-none-eabi-size)
  int64_t ramBytes = 0;     // data + bss, without the stack reservation
  int64_t stackBytes = 0;   // measured high-water mark (painted stack)
  int64_t predictedPeakBytes = 0;
  int64_t arenaBytes = 0;   // size of the static arena in the linked firmware (g_arena)
  int64_t modelConstantBytes = 0;  // flash: weights, biases, requantization constants, params
  int64_t testDataBytes = 0;       // flash: the embedded test input and expected output
  int64_t codeBytes = 0;           // flash: everything else (kernels, model code, startup, app)
  // The model library alone (build/library.elf: model/ linked with the smallest caller, whose
  // own code is left out): what the model costs in a user's firmware, without the test app.
  int64_t libraryFlashBytes = 0;  // text + data
  int64_t libraryRamBytes = 0;    // data + bss (the arena and the library's static data)
  int64_t predictedLibraryFlashBytes = 0;  // the exporter's estimate (code_size.h), 0 if absent
  std::string machine;
  std::string log;          // build and emulator output
};

struct VerifyOptions {
  int buildTimeoutSeconds = 600;
  int runTimeoutSeconds = 300;  // an emulator run past this is reported as a hang
  const std::atomic<bool>* cancel = nullptr;  // set: the build or run is stopped, "cancelled"
  std::function<void(const std::string&)> onOutput;  // build and emulator output as it comes
  std::function<void(const std::string&)> onStage;   // "building", "running in qemu", ...
};

// Errors: a missing toolchain (names the Debian package), a failed build (with the compiler's
// first error), an emulator run that hangs (time limit) or faults.
Result<VerifyReport> verifyFirmware(const std::string& dir, const VerifyOptions& options = {});
nlohmann::json verifyReportJson(const VerifyReport& report);

// Instructions per SysTick tick under -icount shift=0 on the mps2 boards (25 MHz SysTick).
constexpr int64_t kInstructionsPerTick = 40;

}  // namespace tinyforge
