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
};

// Checks the fit before writing anything: arena + stack against SRAM, constants plus an
// estimate of the code against flash; the error says which limit and by how much.
Result<ExportSummary> exportFirmware(const Graph& graph, const ExportOptions& options,
                                     const std::string& outDir);

// Bytes of flash besides the model's constants: kernels and generated code in the model library.
// Measured with the fast kernels (library flash - model constants, arm-none-eabi-size): 19,926 B
// on MLPerf VWW (every depthwise path linked) and 19,778 B on the 64 KB TinyNAS winner
// (w0.35 r28, full-resolution stem), 9.7 KB on KWS (only the paths its layers call are linked).
// The exporter's pre-build check and the searches' flash estimate use it; the exported
// firmware's flash is measured after the build.
constexpr int64_t kCodeBytesEstimate = 20 * 1024;

}  // namespace tinyforge
