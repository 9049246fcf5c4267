// Lifetimes, TFLM's greedy planner and checkPlan: hand-built graphs, TFLM's own planner test
// vectors, the golden `head` of every shared model, and random graphs.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/io/tflite_import.h"
#include "engine/plan/lifetimes.h"
#include "engine/plan/memory_plan.h"
#include "engine/plan/schedule.h"
#include "engine/plan/tflm_planner.h"
#include "tests/shared_data.h"

namespace tinyforge {
namespace {

TensorId addTensor(Graph* g, int32_t bytes, bool constant = false) {
  Tensor t;
  t.name = "t" + std::to_string(g->tensors.size());
  t.shape = {bytes};
  t.isConstant = constant;
  if (constant) t.data.assign(size_t(bytes), 0);
  g->tensors.push_back(t);
  return TensorId(g->tensors.size() - 1);
}

void addOp(Graph* g, std::vector<TensorId> in, std::vector<TensorId> out,
           OpKind kind = OpKind::kConcatenation) {
  Op op;
  op.kind = kind;
  op.name = "op" + std::to_string(g->ops.size());
  op.inputs = std::move(in);
  op.outputs = std::move(out);
  g->ops.push_back(op);
}

// x(10 B) -conv(w)-> a(100) -conv-> b(40) -add(a)-> c(20) = output; w is a constant.
Graph residual() {
  Graph g;
  const TensorId x = addTensor(&g, 10), w = addTensor(&g, 64, true);
  const TensorId a = addTensor(&g, 100), b = addTensor(&g, 40), c = addTensor(&g, 20);
  addOp(&g, {x, w}, {a}, OpKind::kConv2D);
  addOp(&g, {a, w}, {b}, OpKind::kConv2D);
  addOp(&g, {b, a}, {c}, OpKind::kAdd);
  g.inputs = {x};
  g.outputs = {c};
  return g;
}

void expectLifetime(const TensorLifetime& l, TensorId t, int32_t first, int32_t last,
                    int64_t bytes) {
  EXPECT_EQ(l.tensor, t);
  EXPECT_EQ(l.firstStep, first) << "tensor " << t;
  EXPECT_EQ(l.lastStep, last) << "tensor " << t;
  EXPECT_EQ(l.bytes, bytes) << "tensor " << t;
}

TEST(Lifetimes, ResidualFollowsTflmSteps) {
  const Graph g = residual();
  const auto l = tensorLifetimes(g, fileOrder(g));
  ASSERT_TRUE(l.ok()) << l.error();
  ASSERT_EQ(l.value().size(), 4u);             // the constant is not planned
  expectLifetime(l.value()[0], 0, 0, 1, 16);   // input: step 0 to its reader
  expectLifetime(l.value()[1], 2, 1, 3, 112);  // a: made at 1, read by the add at 3
  expectLifetime(l.value()[2], 3, 2, 3, 48);
  expectLifetime(l.value()[3], 4, 3, 3, 32);  // output: to the last step (3)
  EXPECT_EQ(liveBytesPerStep(l.value(), {}, stepCount(g)),
            (std::vector<int64_t>{16, 128, 160, 192}));
}

TEST(Lifetimes, OutputsReadLaterUnusedAndEmptyTensors) {
  Graph g;
  const TensorId x = addTensor(&g, 16), y = addTensor(&g, 32), z = addTensor(&g, 48);
  const TensorId dead = addTensor(&g, 64), unused = addTensor(&g, 80), empty = addTensor(&g, 0);
  addOp(&g, {x}, {y, dead});
  addOp(&g, {y}, {z, empty});
  g.inputs = {x};
  g.outputs = {y, z};  // y is a graph output that op 1 also reads
  const auto l = tensorLifetimes(g, fileOrder(g));
  ASSERT_TRUE(l.ok()) << l.error();
  ASSERT_EQ(l.value().size(), 4u);  // neither `unused` nor the zero-byte tensor
  expectLifetime(l.value()[1], y, 1, 2, 32);
  expectLifetime(l.value()[2], z, 2, 2, 48);
  expectLifetime(l.value()[3], dead, 1, 1, 64);  // made, never read: lives on its step
  EXPECT_EQ(tensorsLiveAt(l.value(), 1), (std::vector<TensorId>{x, y, dead}));
  (void)unused;
  (void)empty;
}

TEST(Lifetimes, RejectsBadOrders) {
  const Graph g = residual();
  auto bad = tensorLifetimes(g, {0, 1});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("2 entries, the graph 3 ops"), std::string::npos) << bad.error();
  bad = tensorLifetimes(g, {0, 0, 2});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("op 0 twice"), std::string::npos) << bad.error();
  bad = tensorLifetimes(g, {1, 0, 2});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("CONV_2D 'op1' (op 1, step 1) reads tensor 't2'"), std::string::npos)
      << bad.error();
}

TEST(Lifetimes, PeakStepAndLowerBound) {
  const Graph g = residual();
  const auto plan = TflmPlanner().plan(g, fileOrder(g));
  ASSERT_TRUE(plan.ok()) << plan.error();
  EXPECT_EQ(plan.value().peakStep, 3);
  EXPECT_EQ(plan.value().peakTensors, (std::vector<TensorId>{2, 3, 4}));
  EXPECT_EQ(plan.value().lowerBoundBytes, 192);
  EXPECT_EQ(plan.value().lowerBoundBytes, orderPeakBytes(g, fileOrder(g)));
}

std::vector<int64_t> greedy(const std::vector<GreedyBuffer>& buffers, int64_t* arena) {
  const std::vector<int64_t> offsets = greedyOffsets(buffers);
  *arena = greedyArenaBytes(buffers, offsets);
  return offsets;
}

// The cases of TFLM's greedy_memory_planner_test.cc (unaligned sizes, as it uses).
TEST(PlanTflmGreedy, TflmTestVectors) {
  int64_t arena = 0;
  EXPECT_EQ(greedy({{10, 0, 1}, {20, 2, 3}}, &arena), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(arena, 20);
  EXPECT_EQ(greedy({{10, 0, 1}, {20, 1, 2}, {30, 2, 3}, {40, 3, 4}, {50, 0, 1}}, &arena),
            (std::vector<int64_t>{50, 70, 40, 0, 0}));
  EXPECT_EQ(arena, 90);
  greedy({{100, 0, 1}, {50, 2, 3}, {20, 1, 2}}, &arena);
  EXPECT_EQ(arena, 120);
  EXPECT_TRUE(greedyOffsets({}).empty());
}

TEST(PlanTflmGreedy, EqualSizesGoLastAddedFirst) {
  int64_t arena = 0;
  EXPECT_EQ(greedy({{16, 0, 1}, {16, 0, 1}, {16, 1, 2}}, &arena),
            (std::vector<int64_t>{32, 16, 0}));
  EXPECT_EQ(arena, 48);
}

TEST(PlanTflmGreedy, FillsTheFirstGapThatFits) {
  int64_t arena = 0;
  // 300 [0,2] at 0; 200 [3,4] at 0; 100 [2,3] must skip both: 300.
  // 50 [4,4] overlaps only the 200: goes after it at 200.
  EXPECT_EQ(greedy({{300, 0, 2}, {200, 3, 4}, {100, 2, 3}, {50, 4, 4}}, &arena),
            (std::vector<int64_t>{0, 0, 300, 200}));
  EXPECT_EQ(arena, 400);
}

TEST(PlanTflm, PlansAlignedOffsetsAndMeanScratch) {
  Graph g;
  const TensorId x = addTensor(&g, 7 * 7 * 64), axes = addTensor(&g, 8, true);
  const TensorId m = addTensor(&g, 64), y = addTensor(&g, 10), w = addTensor(&g, 640, true);
  g.tensors[size_t(x)].shape = {1, 7, 7, 64};
  g.tensors[size_t(m)].shape = {1, 64};
  addOp(&g, {x, axes}, {m}, OpKind::kMean);
  addOp(&g, {m, w}, {y}, OpKind::kFullyConnected);
  g.inputs = {x};
  g.outputs = {y};
  const auto plan = TflmPlanner().plan(g, fileOrder(g));
  ASSERT_TRUE(plan.ok()) << plan.error();
  const MemoryPlan& p = plan.value();
  ASSERT_EQ(p.scratch.size(), 1u);
  EXPECT_EQ(p.scratch[0].step, 1);
  EXPECT_EQ(p.scratch[0].bytes, 256);
  EXPECT_EQ(p.scratch[0].what, "MEAN 'op0' (op 0): int32 sums");
  EXPECT_EQ(p.offsets, (std::vector<int64_t>{0, -1, 3136 + 256, 0, -1}));
  EXPECT_EQ(p.scratch[0].offset, 3136);
  EXPECT_EQ(p.arenaBytes, 3136 + 256 + 64);
  EXPECT_EQ(p.lowerBoundBytes, p.arenaBytes);
  EXPECT_EQ(p.planner, "tflm");
  EXPECT_TRUE(checkPlan(g, p)) << checkPlan(g, p).message();
}

TEST(PlanTflm, FactoryKnowsTflmAndNamesTheChoices) {
  auto tflm = makePlanner("tflm");
  ASSERT_TRUE(tflm.ok());
  EXPECT_STREQ(tflm.value()->name(), "tflm");
  auto unknown = makePlanner("fancy");
  ASSERT_FALSE(unknown.ok());
  std::string choices;
  for (const std::string& n : plannerNames()) choices += (choices.empty() ? "" : ", ") + n;
  EXPECT_EQ(unknown.error(), "unknown memory planner 'fancy' (choices: " + choices + ")");
  EXPECT_EQ(choices.rfind("tflm", 0), 0u) << choices;
}

TEST(PlanTflm, CheckPlanFindsBrokenPlans) {
  const Graph g = residual();
  const MemoryPlan good = TflmPlanner().plan(g, fileOrder(g)).value();
  ASSERT_TRUE(checkPlan(g, good)) << checkPlan(g, good).message();
  MemoryPlan p = good;
  p.offsets[3] = p.offsets[2];  // b onto a while both live at step 3
  EXPECT_NE(checkPlan(g, p).message().find("overlaps"), std::string::npos);
  p = good;
  p.arenaBytes -= 16;
  EXPECT_NE(checkPlan(g, p).message().find("outside the arena"), std::string::npos);
  p = good;
  p.lifetimes[1].lastStep = 2;  // a's last reader runs at step 3
  EXPECT_NE(checkPlan(g, p).message().find("but lives in [1, 3]"), std::string::npos);
  p = good;
  p.offsets[1] = 0;  // the constant
  EXPECT_NE(checkPlan(g, p).message().find("unplanned tensor 't1'"), std::string::npos);
  p = good;
  p.lifetimes.pop_back();
  EXPECT_NE(checkPlan(g, p).message().find("'t4' (id 4) is not planned"), std::string::npos);
}

// ---- the shared models: our arena equals the `head` TFLM measured --------------------------

bool dtypeFromName(const std::string& name, DType* out) {
  for (DType t : {DType::kInt8, DType::kInt32, DType::kFloat32, DType::kUInt8, DType::kInt16,
                  DType::kInt64, DType::kBool}) {
    if (name == dtypeName(t)) return (*out = t), true;
  }
  return false;
}

// The graph a golden manifest describes: its operators and the shapes of its non-constant
// tensors (constants get a one-byte stand-in). Tensor ids are the .tflite indices.
Graph graphFromManifest(const nlohmann::json& m) {
  Graph g;
  int32_t count = 0;
  auto grow = [&](int32_t t) { count = std::max(count, t + 1); };
  for (const auto& op : m["operators"]) {
    for (int32_t t : op["inputs"]) grow(t);
    for (int32_t t : op["outputs"]) grow(t);
  }
  g.tensors.resize(size_t(count));
  for (Tensor& t : g.tensors) t = {"const", {1}, DType::kInt8, {}, {0}, true};
  for (const auto& t : m["cases"][0]["tensors"]) {
    Tensor& tensor = g.tensors[t["index"].get<size_t>()];
    tensor = {t["name"], t["shape"].get<std::vector<int32_t>>(), DType::kInt8, {}, {}, false};
    EXPECT_TRUE(dtypeFromName(t["dtype"], &tensor.type)) << t["dtype"];
    EXPECT_EQ(tensor.byteSize(), t["bytes"].get<int64_t>()) << tensor.name;
  }
  for (const auto& op : m["operators"]) {
    OpKind kind = OpKind::kAdd;
    EXPECT_TRUE(opKindFromName(op["op"], &kind)) << op["op"];
    addOp(&g, op["inputs"], op["outputs"], kind);
  }
  g.inputs = m["subgraph_inputs"].get<std::vector<TensorId>>();
  g.outputs = m["subgraph_outputs"].get<std::vector<TensorId>>();
  return g;
}

nlohmann::json readManifest(const std::string& stem) {
  std::ifstream in(test::sharedDir() / "golden" / stem / "manifest.json");
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

TEST(PlanTflmGolden, ArenaEqualsTflmHeadFromManifests) {
  TINYFORGE_REQUIRE_SHARED();
  const std::vector<std::string> stems = test::sharedModelStems();
  ASSERT_EQ(stems.size(), 8u);
  for (const std::string& stem : stems) {
    const nlohmann::json m = readManifest(stem);
    ASSERT_TRUE(m.is_object()) << stem;
    const Graph g = graphFromManifest(m);
    const auto plan = TflmPlanner().plan(g, fileOrder(g));
    ASSERT_TRUE(plan.ok()) << stem << ": " << plan.error();
    EXPECT_EQ(plan.value().arenaBytes, m["head"].get<int64_t>()) << stem;
    EXPECT_TRUE(checkPlan(g, plan.value())) << stem << ": " << checkPlan(g, plan.value()).message();
    EXPECT_LE(plan.value().lowerBoundBytes, plan.value().arenaBytes) << stem;
  }
}

// The same through the importer: the .tflite files give the same lifetimes and the same arena.
TEST(PlanTflmGolden, ArenaEqualsTflmHeadForImportedModels) {
  TINYFORGE_REQUIRE_SHARED();
  for (const std::string& stem : test::sharedModelStems()) {
    const nlohmann::json m = readManifest(stem);
    ASSERT_TRUE(m.is_object()) << stem;
    const auto g = importTfliteFile((test::sharedDir() / "models" / (stem + ".tflite")).string());
    ASSERT_TRUE(g.ok()) << stem << ": " << g.error();
    const auto plan = TflmPlanner().plan(g.value(), fileOrder(g.value()));
    ASSERT_TRUE(plan.ok()) << stem << ": " << plan.error();
    EXPECT_EQ(plan.value().arenaBytes, m["head"].get<int64_t>()) << stem;
    EXPECT_TRUE(checkPlan(g.value(), plan.value())) << stem;
    const Graph fromManifest = graphFromManifest(m);
    const auto expected = tensorLifetimes(fromManifest, fileOrder(fromManifest));
    ASSERT_TRUE(expected.ok()) << stem;
    ASSERT_EQ(plan.value().lifetimes.size(), expected.value().size()) << stem;
    for (size_t i = 0; i < expected.value().size(); ++i) {
      const TensorLifetime& e = expected.value()[i];
      SCOPED_TRACE(stem + " tensor " + std::to_string(e.tensor));
      expectLifetime(plan.value().lifetimes[i], e.tensor, e.firstStep, e.lastStep, e.bytes);
    }
  }
}

// VWW is where the order among equal sizes matters: TFLM's 73728 (lower bound 55296); adding
// the same buffers in the opposite order (a forward-index tie-break) would give 64512.
TEST(PlanTflmGolden, VwwNeedsTheReverseIndexTieBreak) {
  TINYFORGE_REQUIRE_SHARED();
  const nlohmann::json m = readManifest("mlperftiny_vww_96_int8");
  ASSERT_TRUE(m.is_object());
  const Graph g = graphFromManifest(m);
  const auto plan = TflmPlanner().plan(g, fileOrder(g));
  ASSERT_TRUE(plan.ok()) << plan.error();
  EXPECT_EQ(plan.value().arenaBytes, 73728);
  EXPECT_EQ(plan.value().lowerBoundBytes, 55296);
  std::vector<GreedyBuffer> reversed;
  for (const TensorLifetime& l : plan.value().lifetimes) {
    reversed.insert(reversed.begin(), {l.bytes, l.firstStep, l.lastStep});
  }
  EXPECT_EQ(greedyArenaBytes(reversed, greedyOffsets(reversed)), 64512);
}

// ---- random graphs ------------------------------------------------------------------------

// Chains, residual adds, concatenation-like joins, dead ends, two-output ops and MEANs.
Graph randomGraph(std::mt19937* rng) {
  auto pick = [&](size_t n) { return size_t((*rng)() % n); };
  auto bytes = [&] { return int32_t(1 + pick(4096)); };
  Graph g;
  const TensorId weights = addTensor(&g, 32, true);
  std::vector<TensorId> open = {addTensor(&g, bytes())};  // tensors later ops may read
  g.inputs = {open[0]};
  if (pick(4) == 0) g.inputs.push_back(addTensor(&g, bytes())), open.push_back(g.inputs[1]);
  const size_t ops = 1 + pick(30);
  for (size_t i = 0; i < ops; ++i) {
    const size_t kind = pick(10);
    std::vector<TensorId> in = {open.back()};
    if (kind < 3) in.push_back(open[pick(open.size())]);  // residual add / join
    if (kind == 3) in = {open[pick(open.size())], open[pick(open.size())], open.back()};
    if (kind == 4) in.push_back(weights);
    std::vector<TensorId> out = {addTensor(&g, bytes())};
    if (kind == 5) out.push_back(addTensor(&g, bytes()));  // a second output, maybe dead
    addOp(&g, in, out, kind == 6 ? OpKind::kMean : OpKind::kConcatenation);
    open.push_back(out[0]);
  }
  g.outputs = {open.back()};
  if (pick(3) == 0) g.outputs.push_back(open[pick(open.size())]);
  for (TensorId t : g.inputs) {  // every input read at least once keeps orderPeakBytes comparable
    if (std::find(g.outputs.begin(), g.outputs.end(), t) == g.outputs.end()) {
      g.ops[0].inputs.push_back(t);
    }
  }
  return g;
}

// A random topological order (Kahn's algorithm with random choices).
std::vector<int32_t> randomOrder(const Graph& g, std::mt19937* rng) {
  std::vector<int32_t> producer(g.tensors.size(), -1), order;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) producer[size_t(t)] = int32_t(i);
  }
  std::vector<bool> done(g.ops.size(), false);
  while (order.size() < g.ops.size()) {
    std::vector<int32_t> ready;
    for (size_t i = 0; i < g.ops.size(); ++i) {
      bool ok = !done[i];
      for (TensorId t : g.ops[i].inputs)
        ok = ok && (producer[size_t(t)] < 0 || done[size_t(producer[size_t(t)])]);
      if (ok) ready.push_back(int32_t(i));
    }
    const int32_t op = ready[(*rng)() % ready.size()];
    done[size_t(op)] = true;
    order.push_back(op);
  }
  return order;
}

TEST(PlanTflmProperty, RandomGraphsGiveValidPlans) {
  std::mt19937 rng(2024);
  const TflmPlanner planner;
  for (int trial = 0; trial < 3000; ++trial) {
    const Graph g = randomGraph(&rng);
    for (const std::vector<int32_t>& order : {fileOrder(g), randomOrder(g, &rng)}) {
      const auto plan = planner.plan(g, order);
      ASSERT_TRUE(plan.ok()) << "trial " << trial << ": " << plan.error();
      const MemoryPlan& p = plan.value();
      const Status s = checkPlan(g, p);
      ASSERT_TRUE(s) << "trial " << trial << ": " << s.message();
      int64_t total = 0;
      for (const TensorLifetime& l : p.lifetimes) total += l.bytes;
      for (const ScratchBuffer& b : p.scratch) total += b.bytes;
      EXPECT_GE(p.arenaBytes, p.lowerBoundBytes);
      EXPECT_LE(p.arenaBytes, total);
      for (int64_t offset : p.offsets) EXPECT_EQ(offset % kArenaAlignment, offset < 0 ? -1 : 0);
      if (p.scratch.empty()) {
        EXPECT_EQ(p.lowerBoundBytes, orderPeakBytes(g, order)) << "trial " << trial;
      }
    }
  }
}

}  // namespace
}  // namespace tinyforge
