// Running the external tools of firmware builds (make, arm-none-eabi-*, qemu-system-arm).
//
//   ProcessResult r = runProcess("make -C " + shellQuote(dir), 300);
//   if (r.timedOut) ...; else if (r.exitCode != 0) std::cerr << r.output;
#pragma once
#include <atomic>
#include <functional>
#include <string>

namespace tinyforge {

struct ProcessResult {
  int exitCode = -1;
  bool timedOut = false;
  bool cancelled = false;
  std::string output;  // stdout and stderr
};

// What a caller can do while a command runs: stop it, and see its output as it comes.
struct ProcessHooks {
  const std::atomic<bool>* cancel = nullptr;             // set: the command's process group is killed
  std::function<void(const std::string&)> onOutput;      // called with each chunk read
};

// Runs `command` through /bin/sh in its own process group; past `timeoutSeconds` (or on cancel)
// the whole group is terminated (SIGTERM, then SIGKILL two seconds later).
ProcessResult runProcess(const std::string& command, int timeoutSeconds,
                         const ProcessHooks& hooks = {});

// 'text' with single quotes escaped: safe as one shell word.
std::string shellQuote(const std::string& text);

// Whether `tool` is on PATH.
bool haveTool(const std::string& tool);

}  // namespace tinyforge
