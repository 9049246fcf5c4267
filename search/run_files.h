// What the searches and the trainer write: JSON files written atomically, and the firmware of a
// chosen int8 model, exported and verified in QEMU with a test image as input.
//
//   writeJsonFile("out/report.json", report);
//   Result<nlohmann::json> fw = exportAndVerify(graph, test, {"stm32f746", "best", 4096}, "out/firmware", true, &cancel);
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/graph.h"
#include "engine/status.h"
#include "search/dataset.h"

namespace tinyforge {

// Temporary file, then rename: a reader never sees half a file.
Status writeTextFile(const std::string& path, const std::string& text);
Status writeJsonFile(const std::string& path, const nlohmann::json& json);

struct FirmwareTarget {
  std::string device = "stm32f746";
  std::string planner = "best";
  int64_t stackBytes = 4096;
};

// Exports the firmware project to `dir` with test image 0 of `test` as the embedded input; with
// `verify`, builds and runs it in QEMU and returns verifyReportJson; otherwise the export summary.
Result<nlohmann::json> exportAndVerify(const Graph& graph, const Dataset& test, const FirmwareTarget& target,
                                       const std::string& dir, bool verify, const std::atomic<bool>* cancel);

}  // namespace tinyforge
