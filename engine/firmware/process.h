// Running the external tools of firmware builds (make, arm-none-eabi-*, qemu-system-arm).
//
//   ProcessResult r = runProcess("make -C " + shellQuote(dir), 300);
//   if (r.timedOut) ...; else if (r.exitCode != 0) std::cerr << r.output;
#pragma once

#include <string>

namespace tinyforge {

struct ProcessResult {
  int exitCode = -1;
  bool timedOut = false;
  std::string output;  // stdout and stderr
};

// Runs `command` through /bin/sh under `timeout` (seconds).
ProcessResult runProcess(const std::string& command, int timeoutSeconds);
// 'text' with single quotes escaped: safe as one shell word.
std::string shellQuote(const std::string& text);
// Whether `tool` is on PATH.
bool haveTool(const std::string& tool);

}  // namespace tinyforge
