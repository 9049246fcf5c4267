// Where the tests find ../shared (real models and golden data).
//
//   TINYFORGE_REQUIRE_SHARED();   // skips with a message, or fails under CI=true
//   auto model = sharedDir() / "models" / "tflm_hello_world_int8.tflite";
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace tinyforge::test {

// The shared directory (TINYFORGE_SHARED env var, else ../shared beside the source tree).
std::filesystem::path sharedDir();
bool sharedAvailable();
bool runningInCi();
std::vector<uint8_t> readFileBytes(const std::filesystem::path& path);
// Names of the .tflite models in shared/models, sorted.
std::vector<std::string> sharedModelStems();

}  // namespace tinyforge::test

// Skip the test when ../shared is missing, except under CI=true where that is a failure.
#define TINYFORGE_REQUIRE_SHARED()                                                       \
  do {                                                                                   \
    if (!::tinyforge::test::sharedAvailable()) {                                         \
      if (::tinyforge::test::runningInCi()) {                                            \
        FAIL() << "CI=true but the shared data is missing at "                           \
               << ::tinyforge::test::sharedDir();                                        \
      }                                                                                  \
      GTEST_SKIP() << "shared data (models, golden) not found at "                       \
                   << ::tinyforge::test::sharedDir() << "; set TINYFORGE_SHARED to run"; \
    }                                                                                    \
  } while (0)
