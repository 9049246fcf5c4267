#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "app/cli/cli.h"
#include "engine/executor.h"
#include "engine/io/tflite_import.h"

namespace tinyforge::cli {
namespace {

struct RunArgs {
  std::string model;
  std::vector<std::string> inputs;
  std::string outputDir;
  bool dumpAll = false;
};

bool parseRunArgs(const Args& args, RunArgs* r, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if ((a == "--input" || a == "--output-dir") && i + 1 >= args.size()) {
      *error = a + " needs a value";
      return false;
    }
    if (a == "--input") {
      r->inputs.push_back(args[++i]);
    } else if (a == "--output-dir") {
      r->outputDir = args[++i];
    } else if (a == "--dump-all") {
      r->dumpAll = true;
    } else if (!a.empty() && a[0] == '-') {
      *error = "unknown option '" + a + "'";
      return false;
    } else if (r->model.empty()) {
      r->model = a;
    } else {
      *error = "more than one model given ('" + a + "')";
      return false;
    }
  }
  if (r->model.empty() || r->inputs.empty() || r->outputDir.empty()) {
    *error = "usage: tinyforge-cli run MODEL --input FILE [--input FILE ...] --output-dir DIR [--dump-all]";
    return false;
  }
  return true;
}

bool writeFile(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return bool(out);
}

}  // namespace

int cmdRun(const Args& args) {
  RunArgs r;
  std::string error;
  if (!parseRunArgs(args, &r, &error)) return fail("run: " + error, 2);
  Result<Graph> graph = importTfliteFile(r.model);
  if (!graph) return fail(r.model + ": " + graph.error());
  const Graph& g = graph.value();
  if (r.inputs.size() != g.inputs.size()) {
    return fail("run: model has " + std::to_string(g.inputs.size()) + " inputs, " +
                std::to_string(r.inputs.size()) + " --input given");
  }
  std::vector<std::vector<uint8_t>> inputs;
  for (const std::string& path : r.inputs) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail("run: cannot read input '" + path + "'");
    inputs.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  Result<TensorValues> values = runGraph(g, inputs);
  if (!values) return fail("run: " + values.error());
  std::error_code ec;
  std::filesystem::create_directories(r.outputDir, ec);
  if (ec) return fail("run: cannot create output directory '" + r.outputDir + "': " + ec.message());
  std::vector<TensorId> toWrite = g.outputs;
  if (r.dumpAll) {
    toWrite.clear();
    for (size_t i = 0; i < g.tensors.size(); ++i) {
      if (!g.tensors[i].isConstant && !values.value()[i].empty()) toWrite.push_back(TensorId(i));
    }
  }
  for (TensorId id : toWrite) {
    const auto path = std::filesystem::path(r.outputDir) / (std::to_string(id) + ".bin");
    if (!writeFile(path, values.value()[size_t(id)])) return fail("run: cannot write '" + path.string() + "'");
  }
  std::cout << "wrote " << toWrite.size() << " tensor(s) to " << r.outputDir << "\n";
  return 0;
}

}  // namespace tinyforge::cli
