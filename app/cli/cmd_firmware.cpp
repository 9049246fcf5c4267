#include <iostream>

#include "app/cli/cli.h"
#include "engine/firmware/exporter.h"
#include "engine/firmware/verifier.h"
#include "engine/io/tflite_import.h"

namespace tinyforge::cli {

int cmdExport(const Args& args) {
  std::string model, out;
  ExportOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool hasValue = i + 1 < args.size();
    if (a == "--device" && hasValue) {
      o.device = args[++i];
    } else if (a == "--out" && hasValue) {
      out = args[++i];
    } else if (a == "--planner" && hasValue) {
      o.planner = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      return fail("export: unknown option or missing value '" + a + "'", 2);
    } else if (model.empty()) {
      model = a;
    } else {
      return fail("export: more than one model given ('" + a + "')", 2);
    }
  }
  if (model.empty() || out.empty()) {
    return fail(
        "export: usage: tinyforge-cli export MODEL --device DEV --out DIR [--planner "
        "best|patch|patch-recompute|tflm]",
        2);
  }
  Result<Graph> graph = importTfliteFile(model);
  if (!graph) return fail(model + ": " + graph.error());
  Result<ExportSummary> r = exportFirmware(graph.value(), o, out);
  if (!r) return fail("export: " + r.error());
  const ExportSummary& s = r.value();
  std::cout << "exported " << model << " for " << s.device << " (runs on QEMU " << s.machine
            << ") to " << s.directory << ": arena " << s.arenaBytes << " B of " << s.sramBytes
            << " B SRAM, model library about " << s.libraryFlashEstimate << " B (constants "
            << s.constantBytes << " B) of " << s.flashBytes << " B flash\n";
  return 0;
}

int cmdVerify(const Args& args) {
  std::string dir;
  bool json = false;
  for (const std::string& a : args) {
    if (a == "--json") json = true;
    else if (!a.empty() && a[0] == '-') return fail("verify: unknown option '" + a + "'", 2);
    else dir = a;
  }
  if (dir.empty()) return fail("verify: usage: tinyforge-cli verify DIR [--json]", 2);
  Result<VerifyReport> r = verifyFirmware(dir);
  if (!r) return fail("verify: " + r.error());
  const VerifyReport& v = r.value();
  if (json) {
    std::cout << verifyReportJson(v).dump(1) << "\n";
  } else {
    std::cout << "match: " << (v.match ? "yes (outputs equal the host reference)" : "NO") << "\n"
              << "instructions: " << v.instructions << " (SysTick under -icount, +-40)\n"
              << "flash: " << v.flashBytes << " B, RAM: " << v.ramBytes << " B static (arena "
              << v.arenaBytes << " B, predicted " << v.predictedPeakBytes << " B; other "
              << v.ramBytes - v.arenaBytes << " B) + " << v.stackBytes << " B stack\n"
              << "model library alone (build/library.elf): flash " << v.libraryFlashBytes
              << " B (estimated " << v.predictedLibraryFlashBytes << " B before the build), RAM "
              << v.libraryRamBytes << " B + stack\n";
    for (const LayerInstructions& l : v.perLayer) {
      std::cout << "  op " << l.op << " " << l.kind << ": " << l.instructions << "\n";
    }
  }
  return v.match ? 0 : 1;
}

}  // namespace tinyforge::cli
