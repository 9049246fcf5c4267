// What the three commands of tinyforge-train (train, search, sparse-search) share: the stop
// flag that SIGINT/SIGTERM set (long work stops and keeps its checkpoint), one-line errors, and
// the datasets by name.
//
//   const std::atomic<bool>* stop = stopOnSignals();
//   Result<TrainData> d = loadTrainData("fashion-mnist");   // or mnist:DIR, cifar10:DIR
#pragma once
#include <atomic>
#include <string>

#include "search/dataset.h"

namespace tinyforge::tool {

const std::atomic<bool>* stopOnSignals();

// "tinyforge-cli <command>: <message>" on stderr; returns `code`.
int fail(const std::string& command, const std::string& message, int code = 1);

struct TrainData {
  Dataset train, test;
};
// "fashion-mnist" (Debian's package), "mnist:DIR" (IDX files), "cifar10:DIR" (binary batches).
Result<TrainData> loadTrainData(const std::string& name);

}  // namespace tinyforge::tool
