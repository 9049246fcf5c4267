#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "engine/plan/schedule.h"

namespace tinyforge {
namespace {

TensorId addTensor(Graph* g, int32_t bytes) {
  Tensor t;
  t.name = "t" + std::to_string(g->tensors.size());
  t.shape = {bytes};
  g->tensors.push_back(t);
  return TensorId(g->tensors.size() - 1);
}

void addOp(Graph* g, std::vector<TensorId> in, std::vector<TensorId> out) {
  Op op;
  op.kind = OpKind::kConcatenation;
  op.inputs = std::move(in);
  op.outputs = std::move(out);
  g->ops.push_back(op);
}

// x -> p1 (big) -> q1 (small); x -> p2 (big) -> q2 (small); concat(q1, q2).
// File order runs both big ops first.
Graph twoBranches() {
  Graph g;
  const TensorId x = addTensor(&g, 16);
  const TensorId p1 = addTensor(&g, 1024), p2 = addTensor(&g, 1024);
  const TensorId q1 = addTensor(&g, 16), q2 = addTensor(&g, 16), out = addTensor(&g, 32);
  addOp(&g, {x}, {p1});
  addOp(&g, {x}, {p2});
  addOp(&g, {p1}, {q1});
  addOp(&g, {p2}, {q2});
  addOp(&g, {q1, q2}, {out});
  g.inputs = {x};
  g.outputs = {out};
  return g;
}

TEST(Schedule, FileOrderPeakCountsEverythingLive) {
  const Graph g = twoBranches();
  EXPECT_EQ(orderPeakBytes(g, {0, 1, 2, 3, 4}), 16 + 1024 + 1024);  // at op 1: x, p1, p2
}

TEST(Schedule, ExactSearchInterleavesBranches) {
  const Graph g = twoBranches();
  const ScheduleResult r = minimumPeakOrder(g);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.peakBytes, 16 + 1024 + 16);
  EXPECT_EQ(r.peakBytes, orderPeakBytes(g, r.order));
  ASSERT_EQ(r.order.size(), 5u);
  EXPECT_EQ(r.order.back(), 4);
}

TEST(Schedule, GreedyFallbackIsAValidOrderAndNoWorseThanFileOrderHere) {
  const Graph g = twoBranches();
  const ScheduleResult r = minimumPeakOrder(g, /*stateLimit=*/1);
  EXPECT_FALSE(r.exact);
  ASSERT_EQ(r.order.size(), 5u);
  EXPECT_LE(r.peakBytes, orderPeakBytes(g, {0, 1, 2, 3, 4}));
}

// Random branchy DAGs: the exact order is a topological order, and no random topological order
// beats it.
TEST(Schedule, ExactIsMinimalOnRandomDags) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    Graph g;
    g.inputs = {addTensor(&g, 16 * int32_t(1 + rng() % 8))};
    std::vector<TensorId> available = g.inputs;
    const int ops = 3 + int(rng() % 7);
    for (int i = 0; i < ops; ++i) {
      std::vector<TensorId> in = {available[rng() % available.size()]};
      if (rng() % 3 == 0) in.push_back(available[rng() % available.size()]);
      const TensorId out = addTensor(&g, 16 * int32_t(1 + rng() % 64));
      addOp(&g, in, {out});
      available.push_back(out);
    }
    g.outputs = {available.back()};
    const ScheduleResult r = minimumPeakOrder(g);
    ASSERT_TRUE(r.exact);
    std::vector<int32_t> order(g.ops.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = int32_t(i);
    // File order is topological by construction; try random topological shuffles.
    for (int k = 0; k < 30; ++k) {
      std::vector<int32_t> o;
      std::vector<bool> done(g.ops.size(), false);
      std::vector<bool> have(g.tensors.size(), false);
      for (TensorId t : g.inputs) have[size_t(t)] = true;
      while (o.size() < g.ops.size()) {
        std::vector<int32_t> ready;
        for (size_t i = 0; i < g.ops.size(); ++i) {
          if (done[i]) continue;
          bool ok = true;
          for (TensorId t : g.ops[i].inputs) ok = ok && have[size_t(t)];
          if (ok) ready.push_back(int32_t(i));
        }
        const int32_t pick = ready[rng() % ready.size()];
        done[size_t(pick)] = true;
        for (TensorId t : g.ops[size_t(pick)].outputs) have[size_t(t)] = true;
        o.push_back(pick);
      }
      EXPECT_LE(r.peakBytes, orderPeakBytes(g, o));
    }
  }
}

}  // namespace
}  // namespace tinyforge
