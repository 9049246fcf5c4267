#include "app/train/search_settings.h"

#include <algorithm>

#include "engine/firmware/device.h"

namespace tinyforge::tool {

namespace {

// The "search" object (empty when absent); an error when it is not an object.
Result<nlohmann::json> searchSection(const nlohmann::json& project) {
  if (!project.contains("search")) return nlohmann::json::object();
  if (!project["search"].is_object()) return Status::error("\"search\" is not an object");
  return project["search"];
}

template <typename T>
void override(const nlohmann::json& s, const char* key, T* value) {
  if (s.contains(key) && s[key].get<T>() > 0) *value = s[key].get<T>();
}

}  // namespace

Status applySearchProject(const nlohmann::json& project, TinyNasOptions* o, std::string* dataset) {
  Result<nlohmann::json> section = searchSection(project);
  if (!section) return section.status();
  const nlohmann::json& s = section.value();
  try {
    o->device = project.value("device", o->device);
    Result<DeviceProfile> d = findDevice(o->device);
    if (!d) return d.status();
    o->constraints.budget.sramBytes = s.value("sram_bytes", d.value().sramBytes);
    o->constraints.budget.flashBytes = s.value("flash_bytes", d.value().flashBytes);
    o->constraints.maxMacs = s.value("macs", int64_t(0));
    o->constraints.maxInstructions = s.value("instructions", int64_t(0));
    o->constraints.budget.planner = s.value("planner", project.value("planner", std::string("best")));
    *dataset = s.value("dataset", *dataset);
    override(s, "train_images", &o->trainImages);
    override(s, "epochs", &o->supernet.train.epochs);
    override(s, "population", &o->evolution.population);
    override(s, "generations", &o->evolution.generations);
    override(s, "candidates", &o->evolution.maxMeasured);
    override(s, "retrain_epochs", &o->retrainEpochs);
    o->verify = s.value("verify", o->verify);
    o->stemStride = s.value("stem_stride", o->stemStride);
    o->stageStrides = s.value("stage_strides", o->stageStrides);
  } catch (const std::exception& e) {
    return Status::error(std::string("\"search\": ") + e.what());
  }
  if (o->constraints.budget.sramBytes <= 0 || o->constraints.budget.flashBytes <= 0) {
    return Status::error("\"search\": sram_bytes and flash_bytes must be positive");
  }
  return Status::ok();
}

Result<std::string> searchPreset(const nlohmann::json& project, const std::string& commandLine) {
  if (!commandLine.empty()) return commandLine;
  Result<nlohmann::json> section = searchSection(project);
  if (!section) return section.status();
  if (!section.value().contains("preset")) return std::string("quick");
  if (!section.value()["preset"].is_string()) return Status::error("\"search\": \"preset\" is not a string");
  return section.value()["preset"].get<std::string>();
}

Status applySparseProject(const nlohmann::json& project, SparseRunOptions* o, std::string* dataset) {
  Result<nlohmann::json> section = searchSection(project);
  if (!section) return section.status();
  const nlohmann::json& s = section.value();
  try {
    o->device = project.value("device", o->device);
    if (Result<DeviceProfile> d = findDevice(o->device); !d) return d.status();
    o->memoryBudget = s.value("sram_bytes", o->memoryBudget);
    o->flashBudget = s.value("flash_bytes", o->flashBudget);
    if (project.contains("sparse") && project["sparse"].is_object()) {
      o->memoryBudget = project["sparse"].value("memory_bytes", o->memoryBudget);
      o->flashBudget = project["sparse"].value("flash_bytes", o->flashBudget);
    }
    *dataset = s.value("dataset", *dataset);
    override(s, "train_images", &o->train.subset);
    override(s, "epochs", &o->train.epochs);
    override(s, "iterations", &o->iterations);
    o->verify = s.value("verify", o->verify);
    if (Status st = applyObjectiveKeys(s, &o->bayes); !st) return Status::error("\"search\": " + st.message());
  } catch (const std::exception& e) {
    return Status::error(std::string("\"search\": ") + e.what());
  }
  if (o->memoryBudget <= 0 || o->flashBudget <= 0) {
    return Status::error("\"search\": sram_bytes and flash_bytes must be positive");
  }
  return Status::ok();
}

}  // namespace tinyforge::tool
