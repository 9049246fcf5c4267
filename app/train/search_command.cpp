// `tinyforge-cli search --project P.json [--preset quick|full] --out DIR`: TinyNAS end to end.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "engine/firmware/device.h"
#include "app/train/tool_support.h"
#include "search/tinynas.h"

namespace {

constexpr const char* kSearchUsage =
    "usage: tinyforge-cli search --project P.json --out DIR [--preset quick|full] [--method evolution|random]\n"
    "       [--json]\n"
    "The project names the device and may hold \"search\": {\"sram_bytes\", \"flash_bytes\", \"macs\",\n"
    "\"instructions\", \"planner\"}; without them the device's SRAM and flash are the budget.\n"
    "Writes DIR/report.json, history.json, space.json, model.tflite and the firmware project;\n"
    "an interrupted search resumes from DIR/supernet.pt.\n";

int fail(const std::string& message, int code = 1) { return tinyforge::tool::fail("search", message, code); }

// Budgets and device from the project file.
tinyforge::Status applyProject(const std::string& path, tinyforge::TinyNasOptions* o) {
  using namespace tinyforge;
  std::ifstream f(path);
  if (!f) return Status::error("cannot open " + path);
  const nlohmann::json j = nlohmann::json::parse(f, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::error(path + " is not a JSON object");
  o->device = j.value("device", o->device);
  Result<DeviceProfile> d = findDevice(o->device);
  if (!d) return Status::error(path + ": " + d.status().message());
  o->constraints.budget.sramBytes = d.value().sramBytes;
  o->constraints.budget.flashBytes = d.value().flashBytes;
  o->constraints.maxMacs = 0;
  o->constraints.budget.planner = j.value("planner", std::string("best"));
  if (j.contains("search")) {
    const nlohmann::json& s = j["search"];
    try {
      o->constraints.budget.sramBytes = s.value("sram_bytes", o->constraints.budget.sramBytes);
      o->constraints.budget.flashBytes = s.value("flash_bytes", o->constraints.budget.flashBytes);
      o->constraints.maxMacs = s.value("macs", int64_t(0));
      o->constraints.maxInstructions = s.value("instructions", int64_t(0));
      o->constraints.budget.planner = s.value("planner", o->constraints.budget.planner);
    } catch (const std::exception& e) {
      return Status::error(path + ": \"search\": " + e.what());
    }
  }
  return Status::ok();
}

}  // namespace

int runSearchCommand(const std::vector<std::string>& args) {
  using namespace tinyforge;
  std::string project, preset = "quick", out, method = "evolution";
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const bool v = i + 1 < args.size();
    if (args[i] == "--project" && v) project = args[++i];
    else if (args[i] == "--preset" && v) preset = args[++i];
    else if (args[i] == "--out" && v) out = args[++i];
    else if (args[i] == "--json") json = true;
    else if (args[i] == "--method" && v) method = args[++i];
    else if (args[i] == "--help" || args[i] == "-h") return std::cerr << kSearchUsage, 0;
    else return fail("unknown option or missing value '" + args[i] + "'\n" + kSearchUsage, 2);
  }
  if (project.empty() || out.empty()) return fail("--project and --out are required\n" + std::string(kSearchUsage), 2);
  Result<TinyNasOptions> o = tinyNasPreset(preset);
  if (!o) return fail(o.status().message(), 2);
  if (Status s = applyProject(project, &o.value()); !s) return fail(s.message());
  o.value().outDir = out;
  if (method != "evolution" && method != "random") return fail("--method must be evolution or random", 2);
  o.value().evolution.randomOnly = method == "random";
  Result<tool::TrainData> data = tool::loadTrainData("fashion-mnist");
  if (!data) return fail(data.status().message());
  const std::atomic<bool>* stop = tool::stopOnSignals();
  auto progress = [](const TrainProgress& p) {
    if (p.stage == "evolution") {
      std::fprintf(stderr, "evolution generation %d/%d candidate %lld/%lld: validation accuracy %.4f\n", p.epoch,
                   p.epochs, static_cast<long long>(p.batch), static_cast<long long>(p.batches), p.accuracy);
    } else if (p.batches > 0) {
      std::fprintf(stderr, "%s epoch %d/%d batch %lld/%lld: loss %.4f\n", p.stage.c_str(), p.epoch, p.epochs,
                   static_cast<long long>(p.batch), static_cast<long long>(p.batches), p.loss);
    } else {
      std::fprintf(stderr, "%s\n", p.stage.c_str());
    }
  };
  Result<nlohmann::json> r = runTinyNas(data.value().train, data.value().test, o.value(), progress, stop);
  if (!r) return fail(r.status().message() + (stop->load() ? " (run again with the same --out to resume)" : ""));
  if (json) {
    std::cout << r.value().dump(2) << "\n";
  } else {
    const nlohmann::json& j = r.value();
    std::printf("chosen width %.2f, resolution %d; winner int8 test accuracy %.4f (float %.4f)\n",
                j["chosen"]["width"].get<double>(), j["chosen"]["resolution"].get<int>(),
                j["int8_test_accuracy"].get<double>(), j["float_test_accuracy"].get<double>());
    std::printf("peak SRAM %lld B, %lld MACs; report in %s/report.json, firmware in %s/firmware\n",
                j["peak_sram_bytes"].get<long long>(), j["macs"].get<long long>(), out.c_str(), out.c_str());
  }
  return 0;
}
