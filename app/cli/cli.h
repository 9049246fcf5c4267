// tinyforge-cli commands. Each returns the process exit code and prints one-line errors.
#pragma once

#include <string>
#include <vector>

namespace tinyforge::cli {

using Args = std::vector<std::string>;

int cmdInspect(const Args& args);
int cmdRun(const Args& args);
int cmdPlan(const Args& args);
int cmdExport(const Args& args);
int cmdVerify(const Args& args);
int cmdSpace(const Args& args);
int cmdTrain(const Args& args);
int cmdSearch(const Args& args);
int cmdSparseSearch(const Args& args);
int cmdSearchExport(const Args& args);

// "tinyforge-cli: <message>" on stderr; returns 1 (or `code`).
int fail(const std::string& message, int code = 1);

}  // namespace tinyforge::cli
