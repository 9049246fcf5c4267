// runProcess: output, exit codes, time limit, cancel and live output.
#include "engine/firmware/process.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace tinyforge {
namespace {

TEST(Process, OutputAndExitCode) {
  const ProcessResult r = runProcess("echo hello; echo oops >&2; exit 3", 10);
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_FALSE(r.timedOut);
  EXPECT_NE(r.output.find("hello"), std::string::npos);
  EXPECT_NE(r.output.find("oops"), std::string::npos);
}

TEST(Process, TimeLimitKillsTheWholeGroup) {
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = runProcess("sleep 30 & sleep 30; echo never", 1);
  EXPECT_TRUE(r.timedOut);
  EXPECT_EQ(r.exitCode, 124);
  EXPECT_EQ(r.output.find("never"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Process, CancelStopsAndOutputArrivesAsItComes) {
  std::atomic<bool> cancel{false};
  std::string seen;
  ProcessHooks hooks{&cancel, [&](const std::string& chunk) {
                       seen += chunk;
                       if (seen.find("started") != std::string::npos) cancel = true;
                     }};
  const ProcessResult r = runProcess("echo started; sleep 30; echo never", 60, hooks);
  EXPECT_TRUE(r.cancelled);
  EXPECT_FALSE(r.timedOut);
  EXPECT_NE(seen.find("started"), std::string::npos);
  EXPECT_EQ(r.output.find("never"), std::string::npos);
}

}  // namespace
}  // namespace tinyforge
