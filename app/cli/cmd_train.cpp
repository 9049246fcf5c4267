// `tinyforge-cli train ...` and `search ...`: run tinyforge-train (beside this program), which links libtorch,
// so that every other command starts without loading it.
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

#include "app/cli/cli.h"

namespace tinyforge::cli {

namespace {

int runTrainTool(const std::vector<std::string>& toolArgs, const std::string& command) {
  char self[PATH_MAX] = {0};
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string dir = n > 0 ? std::string(self, size_t(n)) : std::string();
  dir = dir.substr(0, dir.find_last_of('/') + 1);
  const std::string tool = dir + "tinyforge-train";
  if (access(tool.c_str(), X_OK) != 0) {
    return fail(command + ": " + tool + " is missing (build with libtorch: apt-get install libtorch-dev, then make)");
  }
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(tool.c_str()));
  for (const std::string& a : toolArgs) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(tool.c_str(), argv.data());
  return fail(command + ": cannot run " + tool);
}

}  // namespace

int cmdTrain(const Args& args) { return runTrainTool(args, "train"); }

int cmdSparseSearch(const Args& args) {
  std::vector<std::string> toolArgs = {"--sparse-search"};
  toolArgs.insert(toolArgs.end(), args.begin(), args.end());
  return runTrainTool(toolArgs, "sparse-search");
}

int cmdSearchExport(const Args& args) {
  std::vector<std::string> toolArgs = {"--search-export"};
  toolArgs.insert(toolArgs.end(), args.begin(), args.end());
  return runTrainTool(toolArgs, "search-export");
}

int cmdSearch(const Args& args) {
  std::vector<std::string> toolArgs = {"--search"};
  toolArgs.insert(toolArgs.end(), args.begin(), args.end());
  return runTrainTool(toolArgs, "search");
}

}  // namespace tinyforge::cli
