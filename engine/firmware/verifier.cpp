#include "engine/firmware/verifier.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/firmware/process.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

Status checkTools() {
  const std::pair<const char*, const char*> tools[] = {
      {"arm-none-eabi-gcc", "gcc-arm-none-eabi libnewlib-arm-none-eabi"},
      {"arm-none-eabi-size", "binutils-arm-none-eabi"},
      {"qemu-system-arm", "qemu-system-arm"},
      {"make", "make"}};
  for (const auto& [tool, package] : tools) {
    if (!haveTool(tool)) {
      return Status::error(std::string("missing toolchain: ") + tool +
                           " not found; install the Debian package(s) " + package);
    }
  }
  return Status::ok();
}

std::string firstErrorLine(const std::string& log) {
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("error") != std::string::npos) return line;
  }
  return log.substr(0, 300);
}

// Berkeley-style figures from `size -A`: flash = text-like + data, ram = data + bss.
void readSizes(const std::string& elf, VerifyReport* r) {
  const ProcessResult p = runProcess("arm-none-eabi-size -A " + shellQuote(elf), 60);
  std::istringstream in(p.output);
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string name;
    int64_t size = 0;
    if (!(fields >> name >> size)) continue;
    if (name == ".text" || name == ".ARM.exidx") r->flashBytes += size;
    if (name == ".data") {
      r->flashBytes += size;
      r->ramBytes += size;
    }
    if (name == ".bss") r->ramBytes += size;
  }
}

// From the symbol table: the linked arena (g_arena), the model's constants (k_t* weights and
// op<i>_* parameters, see engine/codegen) and the test data (tf_test_*).
void readSymbols(const std::string& elf, VerifyReport* r) {
  const ProcessResult p = runProcess("arm-none-eabi-nm -S " + shellQuote(elf), 60);
  std::istringstream in(p.output);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string addr, size, type, name;
    if (!(f >> addr >> size >> type >> name)) continue;
    const int64_t bytes = std::stoll(size, nullptr, 16);
    const bool readOnly = type == "r" || type == "R" || type == "t" || type == "T";
    if (name == "g_arena") r->arenaBytes = bytes;
    if (readOnly && (name.rfind("k_t", 0) == 0 || (name.rfind("op", 0) == 0 && name.find('_') != std::string::npos))) {
      r->modelConstantBytes += bytes;
    }
    if (readOnly && name.rfind("tf_test_", 0) == 0) r->testDataBytes += bytes;
  }
  r->codeBytes = r->flashBytes - r->modelConstantBytes - r->testDataBytes;
}

// The library's figures from build/library.elf, less the caller (Reset_Handler in
// app/library_main.c), so that they are the library's own.
void readLibrarySizes(const std::string& elf, VerifyReport* r) {
  VerifyReport lib;
  readSizes(elf, &lib);
  int64_t caller = 0;
  const ProcessResult p = runProcess("arm-none-eabi-nm -S " + shellQuote(elf), 60);
  std::istringstream in(p.output);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string addr, size, type, name;
    if (f >> addr >> size >> type >> name && name == "Reset_Handler") caller = std::stoll(size, nullptr, 16);
  }
  r->libraryFlashBytes = lib.flashBytes - caller;
  r->libraryRamBytes = lib.ramBytes;
}

Status parseRun(const std::string& output, const nlohmann::json& meta, VerifyReport* r) {
  std::istringstream in(output);
  bool begun = false, ended = false;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string tag, key;
    f >> tag;
    if (tag == "TF-BEGIN") begun = true;
    if (tag == "TF-END") ended = true;
    if (tag != "TF") continue;
    f >> key;
    int64_t a = 0, b = 0;
    if (key == "match" && f >> a) r->match = a == 1;
    if (key == "ticks" && f >> a) r->instructions = a * kInstructionsPerTick;
    if (key == "stack" && f >> a) r->stackBytes = a;
    if (key == "layer" && f >> a >> b) {
      LayerInstructions l{int32_t(a), "", "", b * kInstructionsPerTick};
      if (meta.contains("ops") && size_t(a) < meta["ops"].size()) {
        l.kind = meta["ops"][size_t(a)].value("kind", "");
        l.name = meta["ops"][size_t(a)].value("name", "");
      }
      r->perLayer.push_back(l);
    }
    if (key == "fault") return Status::error("the firmware faulted in the emulator: " + line);
  }
  if (!begun || !ended) return Status::error("the firmware printed no complete report");
  return Status::ok();
}

}  // namespace

Result<VerifyReport> verifyFirmware(const std::string& dir, const VerifyOptions& options) {
  std::ifstream metaFile(fs::path(dir) / "tinyforge.json");
  if (!metaFile) return Result<VerifyReport>::failure(dir + " is not a TinyForge firmware project (no tinyforge.json)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(metaFile);
  } catch (const std::exception& e) {
    return Result<VerifyReport>::failure(dir + "/tinyforge.json: " + e.what());
  }
  if (Status s = checkTools(); !s) return s;
  VerifyReport r;
  r.machine = meta.value("machine", "mps2-an386");
  r.predictedPeakBytes = meta.value("predicted_peak_bytes", int64_t(0));
  r.predictedLibraryFlashBytes = meta.value("predicted_library_flash_bytes", int64_t(0));
  const ProcessHooks hooks{options.cancel, options.onOutput};
  if (options.onStage) options.onStage("building with arm-none-eabi-gcc");
  const ProcessResult build = runProcess("make -C " + shellQuote(dir), options.buildTimeoutSeconds, hooks);
  r.log = build.output;
  if (build.cancelled) return Result<VerifyReport>::failure("cancelled");
  if (build.timedOut) return Result<VerifyReport>::failure("build timed out");
  if (build.exitCode != 0) return Result<VerifyReport>::failure("build failed: " + firstErrorLine(build.output));
  const std::string elf = (fs::path(dir) / "build" / "firmware.elf").string();
  readSizes(elf, &r);
  readSymbols(elf, &r);
  const fs::path library = fs::path(dir) / "build" / "library.elf";
  if (fs::exists(library)) readLibrarySizes(library.string(), &r);  // absent in projects exported before it
  if (options.onStage) options.onStage("running in qemu-system-arm -machine " + r.machine);
  const ProcessResult run = runProcess(
      "qemu-system-arm -machine " + shellQuote(r.machine) +
          " -nographic -monitor none -serial none -semihosting-config enable=on,target=native"
          " -icount shift=0 -kernel " + shellQuote(elf),
      options.runTimeoutSeconds, hooks);
  r.log += run.output;
  if (run.cancelled) return Result<VerifyReport>::failure("cancelled");
  if (run.timedOut) {
    return Result<VerifyReport>::failure("the emulator run did not finish within " +
                                         std::to_string(options.runTimeoutSeconds) + " s (hang?)");
  }
  if (run.exitCode == 3) return Result<VerifyReport>::failure("the firmware faulted in the emulator (exit code 3)");
  if (Status s = parseRun(run.output, meta, &r); !s) return s;
  if (run.exitCode != 0 && run.exitCode != 1) {
    return Result<VerifyReport>::failure("the emulator exited with code " + std::to_string(run.exitCode));
  }
  return r;
}

nlohmann::json verifyReportJson(const VerifyReport& r) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerInstructions& l : r.perLayer) {
    layers.push_back({{"op", l.op}, {"kind", l.kind}, {"name", l.name}, {"instructions", l.instructions}});
  }
  return {{"match", r.match},
          {"instructions", r.instructions},
          {"instruction_granularity", kInstructionsPerTick},
          {"per_layer", layers},
          {"flash_bytes", r.flashBytes},
          {"ram_bytes", r.ramBytes},
          {"stack_bytes", r.stackBytes},
          {"predicted_peak_bytes", r.predictedPeakBytes},
          {"arena_bytes", r.arenaBytes},
          {"other_static_bytes", r.ramBytes - r.arenaBytes},
          {"model_constant_bytes", r.modelConstantBytes},
          {"test_data_bytes", r.testDataBytes},
          {"code_bytes", r.codeBytes},
          {"library_flash_bytes", r.libraryFlashBytes},
          {"library_ram_bytes", r.libraryRamBytes},
          {"predicted_library_flash_bytes", r.predictedLibraryFlashBytes},
          {"machine", r.machine}};
}

}  // namespace tinyforge
