#include "engine/firmware/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>

namespace tinyforge {

std::string shellQuote(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

namespace {

using Clock = std::chrono::steady_clock;

int exitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// Terminates the group, then kills it if it is still there after the grace period.
void stopGroup(pid_t pid, Clock::time_point* killAt, bool* termSent) {
  if (!*termSent) {
    kill(-pid, SIGTERM);
    *termSent = true;
    *killAt = Clock::now() + std::chrono::seconds(2);
  } else if (Clock::now() >= *killAt) {
    kill(-pid, SIGKILL);
  }
}

}  // namespace

ProcessResult runProcess(const std::string& command, int timeoutSeconds, const ProcessHooks& hooks) {
  ProcessResult r;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    r.output = "cannot create a pipe for: " + command;
    return r;
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    r.output = "cannot start: " + command;
    return r;
  }
  if (pid == 0) {  // child: only async-signal-safe calls until exec
    setpgid(0, 0);
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);
  close(fds[1]);
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
  Clock::time_point killAt{};
  bool termSent = false, eof = false;
  std::array<char, 4096> buf{};
  int status = 0;
  bool reaped = false;
  while (!reaped) {
    if (!eof) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 100) > 0) {
        const ssize_t n = read(fds[0], buf.data(), buf.size());
        if (n > 0) {
          r.output.append(buf.data(), size_t(n));
          if (hooks.onOutput) hooks.onOutput(std::string(buf.data(), size_t(n)));
        } else if (n == 0) {
          eof = true;
        }
      }
    } else {
      usleep(20000);
    }
    if (hooks.cancel && hooks.cancel->load()) r.cancelled = true;
    if (!r.cancelled && Clock::now() >= deadline) r.timedOut = true;
    if (r.cancelled || r.timedOut) stopGroup(pid, &killAt, &termSent);
    if (eof || termSent) reaped = waitpid(pid, &status, WNOHANG) == pid;
  }
  close(fds[0]);
  r.exitCode = exitCodeOf(status);
  if (r.timedOut) r.exitCode = 124;
  return r;
}

bool haveTool(const std::string& tool) {
  return runProcess("command -v " + shellQuote(tool) + " >/dev/null", 10).exitCode == 0;
}

}  // namespace tinyforge
