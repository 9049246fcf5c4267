// How a project file sets up the searches: the "search" object of a project (written by the
// studio's project settings, or by hand) applied over a preset. Keys, all optional:
//
//   "search": {
//     "dataset": "fashion-mnist" | "mnist:DIR" | "cifar10:DIR",
//     "sram_bytes", "flash_bytes",   budgets (default: the device's SRAM and flash; for SpArSe the
//                                    working memory and flash of the exported point, default 64 KB)
//     "macs", "instructions",        TinyNAS limits (0: none)
//     "planner": "best" | "patch" | "tflm",
//     "preset": "quick" | "full",    used when the command line gives no --preset (default quick)
//     "size_objective": "flash" | "nonzero",     SpArSe: model size as flash bytes (default) or
//                                                non-zero parameters (convolutions then prune too)
//     "memory_objective": "sparse" | "best",     SpArSe: working memory as SpArSe defines it
//                                                (default) or the engine's best plan
//     "objectives": ["error", "size", "memory"]  SpArSe: what the search optimises (default all;
//                                                the error always); the others stay budgets
//     "train_images", "epochs", "population", "generations", "iterations", "verify"
//                                    overrides of the preset (0 or absent: the preset's value)
//     "candidates"                   TinyNAS: stop the evolution (or random search) once this
//                                    many candidates are measured (0 or absent: no limit), so
//                                    that random search makes exactly an evolution's evaluations
//     "retrain_epochs"               TinyNAS: train the winner from scratch for this many epochs
//                                    with the `train` recipe instead of fine-tuning it from the
//                                    supernet (0 or absent: the preset's choice)
//     "stem_stride", "stage_strides" TinyNAS: the space's layout (setSpaceLayout), e.g. 1 and
//                                    [2, 2, 1, 1] for a full-resolution stem ending at 7x7 on
//                                    28x28 (absent: mcunetSpace's, stem 2 and [1, 2, 2, 1])
//   }
//
// The older "sparse": {"memory_bytes", "flash_bytes"} object is still read by SpArSe.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "engine/status.h"
#include "search/sparse_run.h"
#include "search/tinynas.h"

namespace tinyforge::tool {

Status applySearchProject(const nlohmann::json& project, TinyNasOptions* options, std::string* dataset);
Status applySparseProject(const nlohmann::json& project, SparseRunOptions* options, std::string* dataset);
// The preset a run uses: `commandLine` when given, else the project's "search": {"preset"}, else
// "quick"; an error when the project's value is not a string.
Result<std::string> searchPreset(const nlohmann::json& project, const std::string& commandLine);

}  // namespace tinyforge::tool
