// tinyforge-cli as a user runs it: exit codes, one-line errors, and `run` output files.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/golden_data.h"
#include "tests/shared_data.h"

namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exitCode = -1;
  std::string output;  // stdout and stderr
};

CliResult runCli(const std::string& args) {
  CliResult r;
  const std::string cmd = std::string(TINYFORGE_CLI) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) r.output.append(buf.data(), n);
  const int status = pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

fs::path tempDir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("tinyforge_cli_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void writeBytes(const fs::path& p, const std::vector<uint8_t>& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

TEST(Cli, BadModelFilesGiveOneLineErrorsAndNonZeroExit) {
  const fs::path dir = tempDir("bad");
  writeBytes(dir / "empty.tflite", {});
  writeBytes(dir / "text.tflite", std::vector<uint8_t>(100, 'a'));
  std::vector<uint8_t> flipped = tinyforge::test::readFileBytes(
      fs::path(TINYFORGE_SOURCE_DIR) / "tests/fuzz/corpus/hello_world_int8.tflite");
  ASSERT_FALSE(flipped.empty());
  flipped[0] ^= 0x80;
  writeBytes(dir / "flipped.tflite", flipped);
  writeBytes(dir / "truncated.tflite", std::vector<uint8_t>(flipped.begin(), flipped.begin() + 100));
  for (const std::string name : {"missing.tflite", "empty.tflite", "text.tflite", "flipped.tflite",
                                 "truncated.tflite"}) {
    for (const std::string cmd : {"inspect", "plan"}) {
      const CliResult r = runCli(cmd + " " + (dir / name).string());
      EXPECT_NE(r.exitCode, 0) << name;
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
      EXPECT_NE(r.output.find("tinyforge-cli: "), std::string::npos) << r.output;
    }
  }
}

TEST(Cli, UsageErrors) {
  EXPECT_EQ(runCli("").exitCode, 2);
  EXPECT_EQ(runCli("frobnicate").exitCode, 2);
  EXPECT_EQ(runCli("run").exitCode, 2);
  EXPECT_EQ(runCli("plan x --planner").exitCode, 2);
  EXPECT_EQ(runCli("help").exitCode, 0);
  // Every command answers --help with its own usage, whatever else is on the line.
  for (const std::string command : {"inspect", "run", "plan", "export", "verify", "space"}) {
    const CliResult r = runCli(command + " --help");
    EXPECT_EQ(r.exitCode, 0) << command << ": " << r.output;
    EXPECT_NE(r.output.find("  " + command + " "), std::string::npos) << command << ": " << r.output;
    EXPECT_EQ(r.output.find("  inspect ") != std::string::npos, command == "inspect") << r.output;
  }
  EXPECT_EQ(runCli("export model.tflite -h").exitCode, 0);
  // The libtorch commands answer it themselves (tinyforge-train), with their options.
  for (const std::string command : {"train", "search", "sparse-search", "search-export"}) {
    const CliResult r = runCli(command + " --help");
    EXPECT_EQ(r.exitCode, 0) << command << ": " << r.output;
    EXPECT_NE(r.output.find("usage: tinyforge-cli " + command + " "), std::string::npos) << command << ": " << r.output;
    EXPECT_EQ(r.output.find("unknown option"), std::string::npos) << command << ": " << r.output;
  }
}

TEST(Cli, InspectAndPlanTheBundledModel) {
  const std::string model = std::string(TINYFORGE_SOURCE_DIR) + "/resources/models/person_detect.tflite";
  CliResult r = runCli("inspect " + model);
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("total: 31 ops, 7157888 MACs"), std::string::npos) << r.output;
  r = runCli("inspect --json " + model);
  ASSERT_EQ(r.exitCode, 0);
  EXPECT_EQ(nlohmann::json::parse(r.output)["totals"]["macs"], 7157888);
  r = runCli("plan " + model + " --planner tflm --json");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto plan = nlohmann::json::parse(r.output);
  EXPECT_EQ(plan["peak_bytes"], 55296);
  EXPECT_TRUE(plan.contains("lower_bound_bytes") && plan.contains("steps") && plan.contains("peak_step"));
  r = runCli("plan " + model + " --planner nonsense");
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("choices: tflm, best"), std::string::npos) << r.output;
}

TEST(Cli, SpaceTakesTheProjectsLayout) {
  // The layout options are the project's "stem_stride" / "stage_strides" (search_space.h).
  CliResult r = runCli("space --samples 5 --json --stem-stride 1 --stage-strides 2,2,1,1");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(j["space"]["stem_stride"], 1);
  std::vector<int> strides;
  for (const auto& stage : j["space"]["stages"]) strides.push_back(stage["stride"].get<int>());
  EXPECT_EQ(strides, (std::vector<int>{2, 2, 1, 1}));
  r = runCli("space --samples 5 --json");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output.substr(r.output.find('{')))["space"]["stem_stride"], 2);
  r = runCli("space --stage-strides 2,3,1,1");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("stage_strides must be 1 or 2 (got 3)"), std::string::npos) << r.output;
  r = runCli("space --stem-stride x");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_NE(r.output.find("not a number"), std::string::npos) << r.output;
}

TEST(Cli, RunWritesOutputsAndDumpsEveryTensor) {
  TINYFORGE_REQUIRE_SHARED();
  const std::string stem = "mlperftiny_kws_ref_model";
  const auto manifest = tinyforge::test::readManifest(stem);
  const auto& c = manifest["cases"][0];
  const fs::path dir = tempDir("run");
  const auto inputs = tinyforge::test::caseInputs(stem, manifest, c);
  writeBytes(dir / "in.bin", inputs[0]);
  const std::string model = (tinyforge::test::sharedDir() / "models" / (stem + ".tflite")).string();
  CliResult r = runCli("run " + model + " --input " + (dir / "in.bin").string() + " --output-dir " +
                       (dir / "out").string() + " --dump-all");
  ASSERT_EQ(r.exitCode, 0) << r.output;
  for (const auto& t : c["tensors"]) {
    const auto got = tinyforge::test::readFileBytes(dir / "out" / (std::to_string(t["index"].get<int>()) + ".bin"));
    const auto want = tinyforge::test::readFileBytes(tinyforge::test::sharedDir() / "golden" / stem /
                                                     t["file"].get<std::string>());
    EXPECT_EQ(got, want) << "tensor " << t["index"];
  }
  r = runCli("run " + model + " --input " + (dir / "in.bin").string() + " --input " +
             (dir / "in.bin").string() + " --output-dir " + (dir / "out2").string());
  EXPECT_NE(r.exitCode, 0);
  writeBytes(dir / "short.bin", {1, 2, 3});
  r = runCli("run " + model + " --input " + (dir / "short.bin").string() + " --output-dir " + (dir / "o3").string());
  EXPECT_NE(r.exitCode, 0);
  EXPECT_NE(r.output.find("needs 490 bytes"), std::string::npos) << r.output;
}

}  // namespace
