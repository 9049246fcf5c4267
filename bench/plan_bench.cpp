// Plans per second of the "tflm" planner on MobileNetV2-like graphs (30 to 60 ops), with the
// lifetime pass alone as the baseline measured in the same run.
//
//   ./plan_bench            # prints one line per graph size; no assertions
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/plan/lifetimes.h"
#include "engine/plan/memory_plan.h"
#include "engine/plan/tflm_planner.h"

namespace tinyforge {
namespace {

TensorId addActivation(Graph* g, std::vector<int32_t> shape) {
  Tensor t;
  t.name = "a" + std::to_string(g->tensors.size());
  t.shape = std::move(shape);
  g->tensors.push_back(std::move(t));
  return TensorId(g->tensors.size() - 1);
}

TensorId addWeights(Graph* g) {
  Tensor t;
  t.name = "w" + std::to_string(g->tensors.size());
  t.shape = {16};
  t.data.assign(16, 0);
  t.isConstant = true;
  g->tensors.push_back(std::move(t));
  return TensorId(g->tensors.size() - 1);
}

TensorId addOp(Graph* g, OpKind kind, std::vector<TensorId> in, std::vector<int32_t> outShape) {
  const TensorId out = addActivation(g, std::move(outShape));
  Op op;
  op.kind = kind;
  op.name = "op" + std::to_string(g->ops.size());
  op.inputs = std::move(in);
  op.outputs = {out};
  g->ops.push_back(std::move(op));
  return out;
}

// Stem conv, then inverted residual blocks (expand 1x1, depthwise 3x3, project 1x1, and a
// residual ADD when the shape repeats) until `targetOps`, then mean + classifier.
Graph mobileNetV2Like(int32_t targetOps) {
  Graph g;
  int32_t hw = 112, c = 16;
  TensorId x = addActivation(&g, {1, 224, 224, 3});
  g.inputs = {x};
  x = addOp(&g, OpKind::kConv2D, {x, addWeights(&g)}, {1, hw, hw, c});
  for (int32_t block = 0; int32_t(g.ops.size()) + 2 < targetOps; ++block) {
    const bool down = block % 3 == 0 && hw > 7;
    const int32_t outHw = down ? hw / 2 : hw, outC = down ? c + 8 : c;
    const TensorId e = addOp(&g, OpKind::kConv2D, {x, addWeights(&g)}, {1, hw, hw, c * 6});
    const TensorId d =
        addOp(&g, OpKind::kDepthwiseConv2D, {e, addWeights(&g)}, {1, outHw, outHw, c * 6});
    TensorId p = addOp(&g, OpKind::kConv2D, {d, addWeights(&g)}, {1, outHw, outHw, outC});
    if (!down) p = addOp(&g, OpKind::kAdd, {p, x}, {1, outHw, outHw, outC});
    x = p;
    hw = outHw;
    c = outC;
  }
  x = addOp(&g, OpKind::kMean, {x, addWeights(&g)}, {1, c});
  x = addOp(&g, OpKind::kFullyConnected, {x, addWeights(&g)}, {1, 1000});
  g.outputs = {x};
  return g;
}

template <typename F>
double perSecond(F&& run) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  int64_t runs = 0;
  double seconds = 0;
  do {
    for (int i = 0; i < 50; ++i) run();
    runs += 50;
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
  } while (seconds < 0.3);
  return double(runs) / seconds;
}

}  // namespace
}  // namespace tinyforge

int main() {
  using namespace tinyforge;
  const TflmPlanner planner;
  std::printf("%-6s %-8s %14s %14s %14s %12s %10s\n", "ops", "tensors", "lifetimes/s",
              "tflm plans/s", "checkPlan/s", "plan/lifet.", "arena KiB");
  for (int32_t target : {30, 40, 50, 60}) {
    const Graph g = mobileNetV2Like(target);
    const std::vector<int32_t> order = fileOrder(g);
    const MemoryPlan plan = planner.plan(g, order).value();
    volatile int64_t sink = 0;
    const double lifetimesRate =
        perSecond([&] { sink = sink + int64_t(tensorLifetimes(g, order).value().size()); });
    const double planRate =
        perSecond([&] { sink = sink + planner.plan(g, order).value().arenaBytes; });
    const double checkRate = perSecond([&] { sink = sink + int64_t(checkPlan(g, plan).isOk()); });
    std::printf("%-6zu %-8zu %14.0f %14.0f %14.0f %11.2fx %10.1f\n", g.ops.size(), g.tensors.size(),
                lifetimesRate, planRate, checkRate, lifetimesRate / planRate,
                double(plan.arenaBytes) / 1024.0);
  }
  return 0;
}
