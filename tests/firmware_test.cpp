// Firmware export and verification in QEMU (Cortex-M4 and M7 boards): bit-exact outputs,
// instruction counts, sizes; and the errors a user can run into.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "engine/firmware/device.h"
#include "engine/firmware/exporter.h"
#include "engine/firmware/process.h"
#include "engine/firmware/verifier.h"
#include "engine/io/tflite_import.h"
#include "engine/ops/op_util.h"
#include "search/arch_spec.h"
#include "tests/golden_data.h"
#include "tests/random_graphs.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

namespace fs = std::filesystem;

bool haveFirmwareTools() {
  return haveTool("arm-none-eabi-gcc") && haveTool("qemu-system-arm");
}

#define TINYFORGE_REQUIRE_FIRMWARE_TOOLS()                                                   \
  do {                                                                                       \
    if (!haveFirmwareTools()) {                                                              \
      if (test::runningInCi()) FAIL() << "CI=true but arm-none-eabi-gcc or qemu is missing"; \
      GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm not installed (make test installs them)"; \
    }                                                                                        \
  } while (0)

TEST(Devices, ProfilesAreCompiledIn) {
  const std::vector<std::string> names = deviceNames();
  for (const std::string n : {"stm32f746", "stm32h743", "stm32f412", "nrf52840", "rp2040", "mps2-an386", "mps2-an500"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  Result<DeviceProfile> d = findDevice("stm32f746");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().sramBytes, 320 * 1024);
  EXPECT_EQ(d.value().flashBytes, 1024 * 1024);
  EXPECT_EQ(d.value().machine, "mps2-an500");
  Result<DeviceProfile> bad = findDevice("esp32");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("unknown device 'esp32' (known: "), std::string::npos) << bad.error();
}

class FirmwareTest : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(FirmwareTest, ExportBuildRunMatchesGolden) {
  TINYFORGE_REQUIRE_SHARED();
  TINYFORGE_REQUIRE_FIRMWARE_TOOLS();
  const auto& [stem, device] = GetParam();
  Result<Graph> g = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
  ASSERT_TRUE(g.ok()) << g.error();
  const nlohmann::json manifest = test::readManifest(stem);
  const auto& c = manifest["cases"][0];
  ExportOptions o;
  o.device = device;
  o.testInputs = test::caseInputs(stem, manifest, c);
  for (TensorId out : g.value().outputs) {  // the firmware compares against the golden bytes
    for (const auto& t : c["tensors"]) {
      if (t["index"].get<TensorId>() == out) {
        o.expectedOutputs.push_back(test::readFileBytes(test::sharedDir() / "golden" / stem / t["file"].get<std::string>()));
      }
    }
  }
  ASSERT_EQ(o.expectedOutputs.size(), g.value().outputs.size());
  const fs::path dir = fs::temp_directory_path() / ("tinyforge_fw_" + stem + "_" + device);
  fs::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(g.value(), o, dir.string());
  ASSERT_TRUE(e.ok()) << e.error();
  Result<VerifyReport> v = verifyFirmware(dir.string());
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_TRUE(v.value().match);
  EXPECT_GT(v.value().instructions, 0);
  EXPECT_EQ(v.value().perLayer.size(), g.value().ops.size());
  int64_t layers = 0;
  for (const auto& l : v.value().perLayer) layers += l.instructions;
  EXPECT_LE(layers, v.value().instructions + 40);
  EXPECT_GT(v.value().stackBytes, 0);
  // RAM = the planner's arena (exactly, as linked) + the test app's bookkeeping; + stack.
  EXPECT_EQ(v.value().arenaBytes, std::max<int64_t>(e.value().arenaBytes, 16));
  EXPECT_EQ(v.value().predictedPeakBytes, e.value().arenaBytes);
  EXPECT_GE(v.value().ramBytes, v.value().arenaBytes);
  EXPECT_LE(v.value().ramBytes, v.value().arenaBytes + 1024);
  EXPECT_GE(v.value().flashBytes, e.value().constantBytes);
  // Flash = the model's constants + the test data + code; the code stays under 20 KB.
  EXPECT_GE(v.value().modelConstantBytes, e.value().constantBytes);
  EXPECT_GT(v.value().testDataBytes, 0);
  EXPECT_LE(v.value().codeBytes, 20 * 1024);
  // The model library alone (build/library.elf): the constants and kernels without the test app's
  // startup, profiling, semihosting and test data; the arena in RAM.
  EXPECT_GE(v.value().libraryFlashBytes, v.value().modelConstantBytes);
  EXPECT_LT(v.value().libraryFlashBytes, v.value().flashBytes - v.value().testDataBytes);
  EXPECT_GE(v.value().libraryRamBytes, v.value().arenaBytes);
  EXPECT_LE(v.value().libraryRamBytes, v.value().ramBytes);
  // The exporter's flash estimate (code_size.h) against the built library: never below it, and
  // within 512 B or 2 %.
  const int64_t estimate = v.value().predictedLibraryFlashBytes,
                measured = v.value().libraryFlashBytes;
  EXPECT_EQ(estimate, e.value().libraryFlashEstimate);
  EXPECT_GE(estimate, measured);
  EXPECT_LE(estimate - measured, std::max<int64_t>(512, measured / 50));
}

INSTANTIATE_TEST_SUITE_P(
    SmallModels, FirmwareTest,
    ::testing::Values(
        std::make_pair(std::string("tflm_hello_world_int8"), std::string("mps2-an386")),
        std::make_pair(std::string("tflm_micro_speech_quantized"), std::string("stm32f412")),
        std::make_pair(std::string("mlperftiny_kws_ref_model"), std::string("stm32f746")),
        std::make_pair(std::string("mlperftiny_ad01_int8"), std::string("mps2-an386")),
        // Cortex-M0+ (Thumb-1 only: the startup code's assembly must be unified syntax).
        std::make_pair(std::string("tflm_hello_world_int8"), std::string("rp2040"))),
    [](const auto& param) {
      std::string n = param.param.first + "_" + param.param.second;
      for (char& ch : n) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
      return n;
    });

TEST(Firmware, ModelThatDoesNotFitSaysWhichLimitAndByHowMuch) {
  TINYFORGE_REQUIRE_SHARED();
  Result<Graph> g = importTfliteFile((test::sharedDir() / "models/tflm_xtensa_mobilenet_v2_quantized_1x3x224x224.tflite").string());
  ASSERT_TRUE(g.ok());
  ExportOptions o;
  o.device = "stm32f412";
  const fs::path dir = fs::temp_directory_path() / "tinyforge_fw_too_big";
  fs::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(g.value(), o, dir.string());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().find("does not fit stm32f412: SRAM needs"), std::string::npos) << e.error();
  EXPECT_NE(e.error().find("over by"), std::string::npos) << e.error();
  EXPECT_FALSE(fs::exists(dir)) << "nothing is written when the model does not fit";
}

// The sparse fully connected kernel in firmware: bit-exact in QEMU, and its encoding is what
// flash holds (measured with arm-none-eabi-nm / size).
TEST(Firmware, SparseFullyConnectedRunsBitExactInQemu) {
  TINYFORGE_REQUIRE_FIRMWARE_TOOLS();
  std::mt19937 rng(7);
  const Graph g = test::sparseFcGraph(&rng);
  const fs::path dir = fs::temp_directory_path() / "tinyforge_fw_sparse";
  fs::remove_all(dir);
  ExportOptions o;
  o.device = "mps2-an386";
  Result<ExportSummary> e = exportFirmware(g, o, dir.string());
  ASSERT_TRUE(e.ok()) << e.error();
  Result<VerifyReport> v = verifyFirmware(dir.string());
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_TRUE(v.value().match);
  const Tensor& w = g.tensor(g.ops.back().inputs[1]);
  // Everything but the FC weights, plus their sparse encoding, is less than the dense weights.
  EXPECT_LT(v.value().modelConstantBytes, e.value().constantBytes);
  EXPECT_GT(w.byteSize(), 1000);
}

// `layers`, then a global pool and a fully connected classifier, as a graph.
Result<Graph> classifierGraph(ArchSpec spec, std::vector<LayerSpec> layers) {
  LayerSpec pool;
  pool.type = LayerType::kGlobalPool;
  LayerSpec fc;
  fc.type = LayerType::kFullyConnected;
  fc.out = spec.classes;
  layers.push_back(pool);
  layers.push_back(fc);
  spec.layers = std::move(layers);
  return archToGraph(spec);
}

// Raises every other channel's weight scale of the ops `pick` selects so that those channels
// requantize with a right shift below 2 (a kernel's general requantization between channels that
// take the short one); returns how many channels now do.
int32_t raiseEveryOtherScale(Graph* g, const std::function<bool(const Op&)>& pick) {
  int32_t raised = 0;
  for (const Op& op : g->ops) {
    if (!pick(op)) continue;
    Tensor& w = g->tensors[size_t(op.inputs[1])];
    for (size_t c = 0; c < w.quant.scale.size(); c += 2) w.quant.scale[c] *= 4096.0f;
    const ConvCall call = prepareConvCall(*g, op, op.kind == OpKind::kDepthwiseConv2D);
    for (int32_t sh : call.quant.shift) raised += sh > -2 ? 1 : 0;
  }
  return raised;
}

// Exports `g` for mps2-an386 into a fresh temporary folder named `name`, checks the generated
// model.c with `checkCode`, builds it and runs it in QEMU: the outputs must equal the host's.
void expectQemuMatchesHost(const Graph& g, const std::string& name,
                           const std::function<void(const std::string&)>& checkCode) {
  const fs::path dir = fs::temp_directory_path() / ("tinyforge_fw_" + name);
  fs::remove_all(dir);
  ExportOptions o;
  o.device = "mps2-an386";
  Result<ExportSummary> e = exportFirmware(g, o, dir.string());
  ASSERT_TRUE(e.ok()) << e.error();
  std::ifstream model(dir / "model" / "model.c");
  checkCode(std::string((std::istreambuf_iterator<char>(model)), std::istreambuf_iterator<char>()));
  Result<VerifyReport> v = verifyFirmware(dir.string());
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_TRUE(v.value().match);
  fs::remove_all(dir);
}

// The Cortex-M4/M7 assembly of the fast kernels' 2 x 2 dot products over extended rows, against
// the host reference in QEMU: pointwise depths with an even and an odd number of four-byte groups
// and remainders of 1 to 3 bytes, odd channel counts, an odd number of pixels (81), a 3x3
// convolution over whole-word kernel rows (Cin 12), an im2col layer (Cin 1) and the full int8
// range (no activation). Depths 16 and 24 run every block in assembly (blocks_asm); on the
// depth-16 layer every other channel's weight scale is raised so that its requantization shifts
// right by less than 2, which hands those blocks back to the C requantization.
TEST(Firmware, ExtendedDotProductsMatchTheHostInQemu) {
  TINYFORGE_REQUIRE_FIRMWARE_TOOLS();
  auto conv = [](int32_t out, int32_t kernel) {
    LayerSpec l;
    l.out = out;
    l.kernel = kernel;
    l.activation = Activation::kNone;
    return l;
  };
  ArchSpec spec;
  spec.name = "dot_shapes";
  spec.inputH = spec.inputW = 9;
  // depths 1 (im2col), 12 x 9 taps, then 9 = 2 groups + 1, 20 = 5 groups, 7 = 1 + 3, 13 = 3 + 1
  Result<Graph> g =
      classifierGraph(spec, {conv(12, 3), conv(9, 3), conv(20, 1), conv(7, 1), conv(13, 1),
                             conv(6, 1), conv(16, 1), conv(11, 1), conv(24, 1), conv(8, 1)});
  ASSERT_TRUE(g.ok()) << g.error();
  const Graph& graph = g.value();
  const int32_t raised = raiseEveryOtherScale(&g.value(), [&](const Op& op) {
    return op.kind == OpKind::kConv2D && graph.tensor(op.inputs[0]).shape[3] == 16;
  });
  ASSERT_GT(raised, 0) << "no channel requantizes with a right shift below 2";
  expectQemuMatchesHost(graph, "dot_shapes", [](const std::string&) {});
}

// The Cortex-M4/M7 assembly of the four-row fully connected path (rows4_asm), against the host
// reference in QEMU: depth 256 in two chunks with 136 units (a second batch of 8 units) and a
// clamped output (the accumulators requantized in C), depth 136 (a last chunk of one eight-byte
// step, an odd count) with 64 units requantized in assembly, depth 64 with 131 per-channel units
// (three rows left over), then a depth-131 classifier on the other path.
TEST(Firmware, FourRowFullyConnectedMatchesTheHostInQemu) {
  TINYFORGE_REQUIRE_FIRMWARE_TOOLS();
  auto fc = [](int32_t out, Activation act) {
    LayerSpec l;
    l.type = LayerType::kFullyConnected;
    l.out = out;
    l.activation = act;
    return l;
  };
  ArchSpec spec;
  spec.name = "fc_rows4";
  spec.inputH = spec.inputW = 4;
  spec.inputC = 16;
  spec.classes = 12;
  spec.layers = {fc(136, Activation::kRelu6), fc(64, Activation::kNone), fc(131, Activation::kNone),
                 fc(12, Activation::kNone)};
  Result<Graph> g = archToGraph(spec);
  ASSERT_TRUE(g.ok()) << g.error();
  int32_t fcSeen = 0;
  for (const Op& op : g.value().ops) {  // the third layer per channel
    if (op.kind != OpKind::kFullyConnected || ++fcSeen != 3) continue;
    Tensor& w = g.value().tensors[size_t(op.inputs[1])];
    const float scale = w.quant.scale[0];
    w.quant.scale.resize(size_t(w.shape[0]));
    w.quant.zeroPoint.assign(size_t(w.shape[0]), 0);
    for (size_t c = 0; c < w.quant.scale.size(); ++c)
      w.quant.scale[c] = scale * (0.5f + 0.25f * float(c % 5));
  }
  expectQemuMatchesHost(g.value(), "fc_rows4", [](const std::string& code) {
    size_t calls = 0;
    for (size_t at = code.find("tfk_fully_connected_rows4_s8("); at != std::string::npos;
         at = code.find("tfk_fully_connected_rows4_s8(", at + 1)) {
      ++calls;
    }
    EXPECT_EQ(calls, 3u);
  });
}

// The Cortex-M4/M7 assembly of the in-place 3x3 depthwise planes (plane_asm), against the host
// reference in QEMU: stride 1 over an even width (pairs only) and an odd one (pairs and a single
// per row), stride 2 (singles only), and on one layer every other channel's weight scale raised so
// that its requantization shifts right by less than 2 (the C loop) between channels in assembly.
TEST(Firmware, InPlaceDepthwisePlanesMatchTheHostInQemu) {
  TINYFORGE_REQUIRE_FIRMWARE_TOOLS();
  auto layer = [](LayerType type, int32_t out, int32_t stride) {
    LayerSpec l;
    l.type = type;
    l.out = out;
    l.kernel = 3;
    l.stride = stride;
    l.activation = Activation::kNone;  // the planes need the full int8 range
    return l;
  };
  ArchSpec spec;
  spec.name = "dw_planes";
  spec.inputH = spec.inputW = 10;
  // 10x10 (even: pairs), stride 2 to 5x5 (singles), then 5x5 (a pair, a pair and a single)
  Result<Graph> g = classifierGraph(
      spec,
      {layer(LayerType::kConv, 8, 1), layer(LayerType::kDepthwiseSeparable, 8, 1),
       layer(LayerType::kDepthwiseSeparable, 12, 2), layer(LayerType::kDepthwiseSeparable, 12, 1)});
  ASSERT_TRUE(g.ok()) << g.error();
  const Graph& graph = g.value();
  const int32_t raised = raiseEveryOtherScale(&g.value(), [&](const Op& op) {
    return op.kind == OpKind::kDepthwiseConv2D && graph.tensor(op.inputs[0]).shape[2] == 10;
  });
  ASSERT_GT(raised, 0) << "no channel requantizes with a right shift below 2";
  expectQemuMatchesHost(graph, "dw_planes", [](const std::string& code) {
    size_t planes = 0;
    for (size_t at = code.find("tfk_depthwise_conv2d_3x3_planes_to_s8("); at != std::string::npos;
         at = code.find("tfk_depthwise_conv2d_3x3_planes_to_s8(", at + 1)) {
      ++planes;
    }
    EXPECT_EQ(planes, 3u) << "every depthwise layer should run in place over planes";
  });
}

TEST(Firmware, VerifyErrors) {
  Result<VerifyReport> v = verifyFirmware("/nonexistent/project");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().find("not a TinyForge firmware project"), std::string::npos);
  // A missing toolchain names the package to install.
  const fs::path dir = fs::temp_directory_path() / "tinyforge_fw_notools";
  fs::create_directories(dir);
  std::ofstream(dir / "tinyforge.json") << "{}";
  const char* path = std::getenv("PATH");
  const std::string saved = path ? path : "";
  setenv("PATH", "/nonexistent", 1);
  v = verifyFirmware(dir.string());
  setenv("PATH", saved.c_str(), 1);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().find("install the Debian package"), std::string::npos) << v.error();
}

TEST(Firmware, HostileNamesNeverReachPaths) {
  // Tensor and op names with path separators and C comment terminators: the project only has
  // fixed file names, and names appear only inside sanitised comments.
  Graph g;
  Tensor in;
  in.name = "../../../../tmp/evil */ #error";
  in.shape = {1, 4};
  in.quant.scale = {0.5f};
  in.quant.zeroPoint = {0};
  g.tensors = {in, in};
  g.tensors[1].name = "/etc/passwd";
  Op op;
  op.kind = OpKind::kReshape;
  op.name = "../x";
  op.inputs = {0};
  op.outputs = {1};
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {1};
  g.name = "../../escape";
  const fs::path dir = fs::temp_directory_path() / "tinyforge_fw_hostile";
  fs::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(g, ExportOptions{}, dir.string());
  ASSERT_TRUE(e.ok()) << e.error();
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(f.path(), dir).string();
    EXPECT_EQ(rel.find(".."), std::string::npos) << rel;
    EXPECT_EQ(rel.find("evil"), std::string::npos) << rel;
  }
  std::ifstream src(dir / "model/model.c");
  const std::string text((std::istreambuf_iterator<char>(src)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.find("*/ #error"), std::string::npos);
  if (haveFirmwareTools()) {
    Result<VerifyReport> v = verifyFirmware(dir.string());
    ASSERT_TRUE(v.ok()) << v.error();
    EXPECT_TRUE(v.value().match);
  }
}

}  // namespace
}  // namespace tinyforge

namespace tinyforge {
namespace {

// Exports `stem` with a patch planner for `device`, the test input and expected output from
// golden case `caseIndex`, and verifies it in QEMU.
Result<VerifyReport> verifyPatchFirmware(const std::string& stem, size_t caseIndex,
                                         const std::string& device,
                                         const std::string& planner = "patch") {
  Result<Graph> g = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
  if (!g) return g.status();
  const nlohmann::json manifest = test::readManifest(stem);
  const auto& c = manifest["cases"][caseIndex];
  ExportOptions o;
  o.device = device;
  o.planner = planner;
  o.testInputs = test::caseInputs(stem, manifest, c);
  for (const auto& t : c["tensors"]) {
    if (t["index"].get<TensorId>() == g.value().outputs[0]) {
      o.expectedOutputs.push_back(test::readFileBytes(test::sharedDir() / "golden" / stem / t["file"].get<std::string>()));
    }
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("tinyforge_fw_" + planner + "_" + stem);
  std::filesystem::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(g.value(), o, dir.string());
  if (!e) return e.status();
  return verifyFirmware(dir.string());
}

TEST(FirmwarePatch, PatchBasedFirmwareMatchesGoldenInHalfTheTflmRam) {
  TINYFORGE_REQUIRE_SHARED();
  if (!haveTool("arm-none-eabi-gcc") || !haveTool("qemu-system-arm")) {
    if (test::runningInCi()) FAIL() << "CI=true but arm-none-eabi-gcc or qemu is missing";
    GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm not installed";
  }
  // Recomputing tiles: within half of TFLM's 55,296-byte arena (golden manifest `head`).
  Result<VerifyReport> recompute =
      verifyPatchFirmware("tflm_person_detect", 2, "stm32f412", "patch-recompute");  // real_person
  ASSERT_TRUE(recompute.ok()) << recompute.error();
  EXPECT_TRUE(recompute.value().match);
  EXPECT_LE(recompute.value().ramBytes, 55296 / 2);
  // Cached row strips (the 3x3 depthwise tiles on int16 planes): nothing computed twice, so
  // fewer instructions than recomputing, and the whole RAM (arena, static data, measured stack)
  // within half of TFLM's measured 84,084 B (anchors.md: 82,848 B static + 1,236 B stack).
  Result<VerifyReport> cached = verifyPatchFirmware("tflm_person_detect", 2, "stm32f412");
  ASSERT_TRUE(cached.ok()) << cached.error();
  EXPECT_TRUE(cached.value().match);
  EXPECT_EQ(cached.value().predictedPeakBytes, cached.value().arenaBytes);
  EXPECT_LE(cached.value().ramBytes + cached.value().stackBytes, 84084 / 2);
  EXPECT_LT(cached.value().instructions, recompute.value().instructions);
}

// The image classifier with each of its first two residual blocks (ADD inside, the second's
// strided shortcut too) run as one stage of cached row strips: the whole RAM within half of
// TFLM's measured 56,812 B (anchors.md: 55,568 B static + 1,244 B stack).
TEST(FirmwarePatch, ResidualBlocksMatchGoldenInHalfTheTflmRam) {
  TINYFORGE_REQUIRE_SHARED();
  if (!haveTool("arm-none-eabi-gcc") || !haveTool("qemu-system-arm")) {
    if (test::runningInCi()) FAIL() << "CI=true but arm-none-eabi-gcc or qemu is missing";
    GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm not installed";
  }
  Result<VerifyReport> v =
      verifyPatchFirmware("mlperftiny_ic_pretrainedResnet_quant", 0, "mps2-an386");
  ASSERT_TRUE(v.ok()) << v.error();
  EXPECT_TRUE(v.value().match);
  EXPECT_EQ(v.value().predictedPeakBytes, v.value().arenaBytes);
  EXPECT_LE(v.value().ramBytes + v.value().stackBytes, 56812 / 2);
}

// micro_speech with its fully connected layer fused into the depthwise layer's row strips: the
// whole RAM (arena, static data and the measured stack) within half of TFLM's measured 8,580 B
// (anchors.md: 7,344 B static + 1,236 B stack).
TEST(FirmwarePatch, FusedMicroSpeechMatchesGoldenInHalfTheTflmRam) {
  TINYFORGE_REQUIRE_SHARED();
  if (!haveTool("arm-none-eabi-gcc") || !haveTool("qemu-system-arm")) {
    if (test::runningInCi()) FAIL() << "CI=true but arm-none-eabi-gcc or qemu is missing";
    GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm not installed";
  }
  const nlohmann::json manifest = test::readManifest("tflm_micro_speech_quantized");
  for (size_t c = 0; c < manifest["cases"].size(); ++c) {
    SCOPED_TRACE("case " + std::to_string(c));
    Result<VerifyReport> v = verifyPatchFirmware("tflm_micro_speech_quantized", c, "mps2-an386");
    ASSERT_TRUE(v.ok()) << v.error();
    EXPECT_TRUE(v.value().match);
    EXPECT_EQ(v.value().predictedPeakBytes, v.value().arenaBytes);
    EXPECT_LE(v.value().ramBytes + v.value().stackBytes, 8580 / 2);
  }
}

}  // namespace
}  // namespace tinyforge

namespace tinyforge {
namespace {

// A firmware whose app hangs or faults: verify reports it instead of waiting or crashing.
TEST(FirmwareErrors, HangAndFaultAreReported) {
  if (!haveTool("arm-none-eabi-gcc") || !haveTool("qemu-system-arm")) {
    if (test::runningInCi()) FAIL() << "CI=true but arm-none-eabi-gcc or qemu is missing";
    GTEST_SKIP() << "arm-none-eabi-gcc / qemu-system-arm not installed";
  }
  Graph g;
  Tensor t;
  t.name = "x";
  t.shape = {1, 4};
  t.quant.scale = {0.5f};
  t.quant.zeroPoint = {0};
  g.tensors = {t, t};
  Op op;
  op.kind = OpKind::kReshape;
  op.inputs = {0};
  op.outputs = {1};
  g.ops = {op};
  g.inputs = {0};
  g.outputs = {1};
  const std::string stubs = "#include <stdint.h>\nvoid SysTick_Handler(void) {}\nvoid tf_profile_mark(int i) { (void)i; }\n";
  const std::pair<std::string, std::string> cases[] = {
      {"int main(void) { for (;;) { __asm__ volatile(\"nop\"); } }\n", "did not finish"},
      {"int main(void) { __builtin_trap(); return 0; }\n", "faulted"}};
  int i = 0;
  for (const auto& [mainC, expected] : cases) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("tinyforge_fw_bad" + std::to_string(i++));
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(exportFirmware(g, ExportOptions{}, dir.string()).ok());
    std::ofstream(dir / "app/main.c") << stubs << mainC;
    VerifyOptions o;
    o.runTimeoutSeconds = 3;
    Result<VerifyReport> v = verifyFirmware(dir.string(), o);
    ASSERT_FALSE(v.ok());
    EXPECT_NE(v.error().find(expected), std::string::npos) << v.error();
  }
}

}  // namespace
}  // namespace tinyforge
