#include "engine/firmware/process.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>

namespace tinyforge {

std::string shellQuote(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

ProcessResult runProcess(const std::string& command, int timeoutSeconds) {
  ProcessResult r;
  const std::string cmd = "timeout --kill-after=5 " + std::to_string(timeoutSeconds) + " sh -c " +
                          shellQuote(command) + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) {
    r.output = "cannot start: " + command;
    return r;
  }
  std::array<char, 4096> buf{};
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  r.timedOut = r.exitCode == 124 || r.exitCode == 137;
  return r;
}

bool haveTool(const std::string& tool) {
  return runProcess("command -v " + shellQuote(tool) + " >/dev/null", 10).exitCode == 0;
}

}  // namespace tinyforge
