// One-click firmware export: a complete project for a device that builds with
// arm-none-eabi-gcc and runs in QEMU, verified against the host reference.
//
//   ExportOptions o;  o.device = "stm32f746";  o.planner = "best";
//   Result<ExportSummary> r = exportFirmware(graph, o, "out/fw");
//   // out/fw: model/ (portable library: model.c/h + kernels), app/ (startup, main, test data),
//   //         link.ld, Makefile, CMakeLists.txt + arm-none-eabi.cmake, README.md, tinyforge.json
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/status.h"

namespace tinyforge {

struct ExportOptions {
  std::string device = "mps2-an386";
  std::string planner = "best";
  int64_t stackBytes = 4096;
  bool fastKernels = true;  // false: plain reference kernels (the benchmark baseline)
  // Test input bytes per graph input; empty: splitmix64 seed 1 (as the golden cases).
  std::vector<std::vector<uint8_t>> testInputs;
  // Expected output bytes per graph output; empty: the host reference executor's outputs.
  std::vector<std::vector<uint8_t>> expectedOutputs;
};

struct ExportSummary {
  std::string directory;
  std::string device, machine, planner;
  int64_t arenaBytes = 0;      // the plan's peak (static arena)
  int64_t constantBytes = 0;   // weights, biases and operands in flash
  int64_t sramBytes = 0, flashBytes = 0;  // the device's budgets
  int64_t libraryFlashEstimate = 0;       // the model library's flash, estimated (code_size.h)
};

// Checks the fit before writing anything: arena + stack against SRAM, the model library's
// estimated flash (code_size.h) against flash; the error says which limit and by how much.
Result<ExportSummary> exportFirmware(const Graph& graph, const ExportOptions& options,
                                     const std::string& outDir);

}  // namespace tinyforge
