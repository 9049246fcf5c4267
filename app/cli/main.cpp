// tinyforge-cli: the TinyForge pipeline from the command line (no Qt).
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>

#include "app/cli/cli.h"

namespace tinyforge::cli {

int fail(const std::string& message, int code) {
  std::cerr << "tinyforge-cli: " << message << "\n";
  return code;
}

}  // namespace tinyforge::cli

namespace {

constexpr const char* kUsage =
    "usage: tinyforge-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  inspect MODEL [--json]           per-layer table: op, shapes, params, MACs, weight bytes\n"
    "  run MODEL --input FILE [--input FILE ...] --output-dir DIR [--dump-all]\n"
    "                                   run the int8 reference engine on raw input bytes; writes\n"
    "                                   DIR/<tensor_index>.bin per output (every tensor with\n"
    "                                   --dump-all)\n"
    "  plan MODEL [--planner tflm|best|patch|patch-recompute] [--json] [--steps]\n"
    "                                   memory plan: arena size, lower bound, the peak and the\n"
    "                                   tensors that cause it (per step with --steps)\n"
    "  export MODEL --device DEV --out DIR [--planner best|patch|patch-recompute|tflm]\n"
    "                                   write a firmware project (model library, bare-metal app,\n"
    "                                   linker script, Makefile/CMake, test data, README)\n"
    "  verify DIR [--json]              build it with arm-none-eabi-gcc, run it in QEMU, report\n"
    "                                   match, instructions per layer, flash, RAM, stack\n"
    "  space [--device DEV] [--sram B --flash B] [--samples N] [--planner P] [--json]\n"
    "        [--stem-stride S] [--stage-strides A,B,C,D]\n"
    "                                   TinyNAS stage 1 on the Fashion-MNIST MCUNet space: per\n"
    "                                   (width, resolution) the MACs of sampled networks that fit\n"
    "                                   (layout: a project's stem_stride / stage_strides)\n"
    "  train SPEC.json --out DIR [--dataset fashion-mnist] [--epochs N] [--subset K] [--json]\n"
    "                                   train the network (libtorch), convert it to int8; writes\n"
    "                                   DIR/checkpoint.pt, model.tflite, report.json (resumes a\n"
    "                                   killed run from its checkpoint)\n"
    "  search --project P.json --out DIR [--preset quick|full] [--json]\n"
    "         [--method evolution|random]\n"
    "                                   TinyNAS: space optimization, supernet, evolution (or\n"
    "                                   random search) under the project's budgets, fine-tune,\n"
    "                                   int8, firmware verified in QEMU\n"
    "  sparse-search --project P.json --out DIR [--preset quick|full] [--method bayes|random]\n"
    "                                   SpArSe: Bayesian search over architecture and pruning;\n"
    "                                   Pareto front of error, flash and working memory\n"
    "  search-export --run DIR --candidate N --out FILE.tflite [--epochs E]\n"
    "                                   any candidate of a search's history as an int8 model\n"
    "                                   (with --epochs: trained again from scratch for E epochs)\n"
    "  help                             this text\n";

// The lines of kUsage about one command (its synopsis and description), or "" when none.
std::string commandUsage(const std::string& command) {
  std::istringstream in(kUsage);
  std::string line, text;
  bool inside = false;
  while (std::getline(in, line)) {
    const bool synopsis = line.size() > 2 && line.compare(0, 2, "  ") == 0 && line[2] != ' ';
    if (synopsis) inside = line.compare(2, command.size() + 1, command + " ") == 0;
    if (inside) text += line + "\n";
  }
  return text.empty() ? text : "usage: tinyforge-cli\n" + text;
}

bool asksForHelp(const tinyforge::cli::Args& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tinyforge::cli;
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  Args args(argv + 2, argv + argc);
  try {
    // The libtorch commands (train, search, ...) answer --help themselves, with their options.
    const bool torchCommand = command == "train" || command == "search" || command == "sparse-search" ||
                              command == "search-export";
    if (!torchCommand && asksForHelp(args) && !commandUsage(command).empty()) {
      std::cout << commandUsage(command);
      return 0;
    }
    if (command == "inspect") return cmdInspect(args);
    if (command == "run") return cmdRun(args);
    if (command == "plan") return cmdPlan(args);
    if (command == "export") return cmdExport(args);
    if (command == "verify") return cmdVerify(args);
    if (command == "space") return cmdSpace(args);
    if (command == "train") return cmdTrain(args);
    if (command == "search") return cmdSearch(args);
    if (command == "sparse-search") return cmdSparseSearch(args);
    if (command == "search-export") return cmdSearchExport(args);
    if (command == "help" || command == "--help" || command == "-h") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "tinyforge-cli: unknown command '" << command << "'\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    return fail(std::string("internal error: ") + e.what());
  }
}
