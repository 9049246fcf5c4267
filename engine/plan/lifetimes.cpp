#include "engine/plan/lifetimes.h"

#include <algorithm>
#include <string>

#include "engine/ops/op_util.h"

namespace tinyforge {
namespace {

bool validTensor(const Graph& g, TensorId t) { return t >= 0 && size_t(t) < g.tensors.size(); }

std::string tensorLabel(const Graph& g, TensorId t) {
  return "tensor '" + g.tensor(t).name + "' (id " + std::to_string(t) + ")";
}

std::string stepLabel(const Op& op, int32_t opIndex, size_t position) {
  return opLabel(op) + " (op " + std::to_string(opIndex) + ", step " +
         std::to_string(position + 1) + ")";
}

Status checkPermutation(const Graph& g, const std::vector<int32_t>& order) {
  if (order.size() != g.ops.size()) {
    return Status::error("op order has " + std::to_string(order.size()) + " entries, the graph " +
                         std::to_string(g.ops.size()) + " ops");
  }
  std::vector<bool> seen(g.ops.size(), false);
  for (int32_t op : order) {
    if (op < 0 || size_t(op) >= g.ops.size()) {
      return Status::error("op order names op " + std::to_string(op) + ", the graph has " +
                           std::to_string(g.ops.size()) + " ops");
    }
    if (seen[size_t(op)])
      return Status::error("op order names op " + std::to_string(op) + " twice");
    seen[size_t(op)] = true;
  }
  return Status::ok();
}

Status checkIoIds(const Graph& g) {
  for (const auto* list : {&g.inputs, &g.outputs}) {
    for (TensorId t : *list) {
      if (!validTensor(g, t)) {
        return Status::error("graph " + std::string(list == &g.inputs ? "input" : "output") +
                             " names tensor " + std::to_string(t) + ", the graph has " +
                             std::to_string(g.tensors.size()) + " tensors");
      }
    }
  }
  return Status::ok();
}

// Each op reads only constants, graph inputs and tensors made at an earlier step.
Status checkDataflow(const Graph& g, const std::vector<int32_t>& order) {
  std::vector<bool> available(g.tensors.size(), false);
  for (TensorId t : g.inputs) available[size_t(t)] = true;
  for (size_t k = 0; k < order.size(); ++k) {
    const Op& op = g.ops[size_t(order[k])];
    for (TensorId t : op.inputs) {
      if (t == kNoTensor) continue;
      if (!validTensor(g, t)) {
        return Status::error(stepLabel(op, order[k], k) + ": input tensor id " + std::to_string(t) +
                             " does not exist");
      }
      if (!g.tensor(t).isConstant && !available[size_t(t)]) {
        return Status::error(stepLabel(op, order[k], k) + " reads " + tensorLabel(g, t) +
                             " before any op of the order produces it");
      }
    }
    for (TensorId t : op.outputs) {
      if (!validTensor(g, t)) {
        return Status::error(stepLabel(op, order[k], k) + ": output tensor id " +
                             std::to_string(t) + " does not exist");
      }
      available[size_t(t)] = true;
    }
  }
  return Status::ok();
}

}  // namespace

Status checkOrder(const Graph& graph, const std::vector<int32_t>& order) {
  if (Status s = checkPermutation(graph, order); !s) return s;
  if (Status s = checkIoIds(graph); !s) return s;
  return checkDataflow(graph, order);
}

Result<std::vector<TensorLifetime>> tensorLifetimes(const Graph& graph,
                                                    const std::vector<int32_t>& order) {
  if (Status s = checkOrder(graph, order); !s) return s;
  const size_t n = graph.tensors.size();
  std::vector<int32_t> first(n, -1), last(n, -1);
  auto created = [&](TensorId t, int32_t step) { first[size_t(t)] = last[size_t(t)] = step; };
  auto used = [&](TensorId t, int32_t step) { last[size_t(t)] = std::max(last[size_t(t)], step); };
  for (TensorId t : graph.inputs) created(t, 0);
  for (TensorId t : graph.outputs) created(t, 0);
  for (size_t k = 0; k < order.size(); ++k) {
    const int32_t step = int32_t(k) + 1;
    const Op& op = graph.ops[size_t(order[k])];
    for (TensorId t : op.outputs) created(t, step);
    for (TensorId t : op.inputs) {
      if (t != kNoTensor) used(t, step);
    }
  }
  for (TensorId t : graph.outputs) used(t, int32_t(order.size()));

  std::vector<TensorLifetime> lifetimes;
  for (size_t t = 0; t < n; ++t) {
    const Tensor& tensor = graph.tensors[t];
    if (tensor.isConstant || first[t] < 0) continue;
    const int64_t bytes = tensor.byteSize();
    if (bytes < 0) {
      return Status::error(tensorLabel(graph, TensorId(t)) + ": negative size " +
                           std::to_string(bytes) + " from shape " + shapeString(tensor.shape));
    }
    if (bytes == 0) continue;
    lifetimes.push_back({TensorId(t), first[t], last[t], alignArenaBytes(bytes)});
  }
  return lifetimes;
}

std::vector<int64_t> liveBytesPerStep(const std::vector<TensorLifetime>& lifetimes,
                                      const std::vector<ScratchBuffer>& scratch, int32_t steps) {
  // Difference array: +bytes at firstStep, -bytes after lastStep.
  std::vector<int64_t> delta(size_t(std::max(steps, 0)) + 1, 0);
  auto add = [&](int32_t firstStep, int32_t lastStep, int64_t bytes) {
    const int32_t lo = std::max(firstStep, 0), hi = std::min(lastStep, steps - 1);
    if (lo > hi) return;
    delta[size_t(lo)] += bytes;
    delta[size_t(hi) + 1] -= bytes;
  };
  for (const TensorLifetime& l : lifetimes) add(l.firstStep, l.lastStep, l.bytes);
  for (const ScratchBuffer& s : scratch) add(s.step, s.step, s.bytes);
  std::vector<int64_t> live(size_t(std::max(steps, 0)), 0);
  int64_t running = 0;
  for (size_t s = 0; s < live.size(); ++s) {
    running += delta[s];
    live[s] = running;
  }
  return live;
}

int32_t peakStep(const std::vector<int64_t>& liveBytes) {
  if (liveBytes.empty()) return 0;
  return int32_t(std::max_element(liveBytes.begin(), liveBytes.end()) - liveBytes.begin());
}

std::vector<TensorId> tensorsLiveAt(const std::vector<TensorLifetime>& lifetimes, int32_t step) {
  std::vector<TensorId> live;
  for (const TensorLifetime& l : lifetimes) {
    if (l.firstStep <= step && step <= l.lastStep) live.push_back(l.tensor);
  }
  std::sort(live.begin(), live.end());
  return live;
}

void summarizeLiveness(MemoryPlan* plan) {
  plan->liveBytes =
      liveBytesPerStep(plan->lifetimes, plan->scratch, int32_t(plan->order.size()) + 1);
  plan->peakStep = peakStep(plan->liveBytes);
  plan->peakTensors = tensorsLiveAt(plan->lifetimes, plan->peakStep);
  plan->lowerBoundBytes = plan->liveBytes.empty() ? 0 : plan->liveBytes[size_t(plan->peakStep)];
}

}  // namespace tinyforge
