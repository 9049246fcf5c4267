// What the three commands of tinyforge-train (train, search, sparse-search) share: the stop
// flag that SIGINT/SIGTERM set (long work stops and keeps its checkpoint), one-line errors, and
// the datasets by name.
//
//   const std::atomic<bool>* stop = stopOnSignals();
//   Result<TrainData> d = loadTrainData("fashion-mnist");   // or mnist:DIR, cifar10:DIR
#pragma once
#include <atomic>
#include <string>

#include <nlohmann/json.hpp>

#include "search/dataset.h"
#include "search/trainer.h"

namespace tinyforge::tool {

const std::atomic<bool>* stopOnSignals();

// "tinyforge-cli <command>: <message>" on stderr; returns `code`.
int fail(const std::string& command, const std::string& message, int code = 1);

struct TrainData {
  Dataset train, test;
};
// "fashion-mnist" (Debian's package), "mnist:DIR" (IDX files), "cifar10:DIR" (binary batches).
Result<TrainData> loadTrainData(const std::string& name);

// A JSON file that must hold an object (the project, a run's run.json); errors name the file.
Result<nlohmann::json> readJsonObject(const std::string& path);

// A run folder's event log, DIR/events.jsonl: one JSON object per line, appended ("start", the
// progress of every stage, "end" with "ok" and "message"), each with "time" (seconds since the
// epoch). The studio follows a running search by reading it and, after the studio was closed,
// shows the run's curves from it. Batch progress is written at most every half second.
class EventLog {
 public:
  explicit EventLog(const std::string& dir);
  void write(nlohmann::json event);
  void progress(const TrainProgress& p);

 private:
  std::string m_path;
  double m_lastBatch = 0;
};

}  // namespace tinyforge::tool
