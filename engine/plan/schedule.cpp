#include "engine/plan/schedule.h"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace tinyforge {
namespace {

int64_t align16(int64_t n) { return (n + 15) / 16 * 16; }

// The dataflow facts the search needs, computed once.
struct Dataflow {
  std::vector<int64_t> bytes;                 // per tensor, 0 for constants
  std::vector<int32_t> producer;              // per tensor, -1 = graph input or constant
  std::vector<int32_t> consumerCount;         // per tensor: distinct consuming ops
  std::vector<bool> graphOutput;
  std::vector<std::vector<TensorId>> opInputs;   // distinct activation inputs per op
  std::vector<std::vector<TensorId>> opOutputs;
  std::vector<std::vector<int32_t>> opPreds;     // ops that must run before
};

Dataflow analyze(const Graph& g) {
  Dataflow d;
  const size_t n = g.tensors.size();
  d.bytes.assign(n, 0);
  d.producer.assign(n, -1);
  d.consumerCount.assign(n, 0);
  d.graphOutput.assign(n, false);
  for (size_t t = 0; t < n; ++t) {
    if (!g.tensors[t].isConstant) d.bytes[t] = align16(g.tensors[t].byteSize());
  }
  for (TensorId t : g.outputs) d.graphOutput[size_t(t)] = true;
  d.opInputs.resize(g.ops.size());
  d.opOutputs.resize(g.ops.size());
  d.opPreds.resize(g.ops.size());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].outputs) {
      d.producer[size_t(t)] = int32_t(i);
      d.opOutputs[i].push_back(t);
    }
  }
  for (size_t i = 0; i < g.ops.size(); ++i) {
    for (TensorId t : g.ops[i].inputs) {
      if (t < 0 || g.tensor(t).isConstant) continue;
      auto& in = d.opInputs[i];
      if (std::find(in.begin(), in.end(), t) != in.end()) continue;
      in.push_back(t);
      ++d.consumerCount[size_t(t)];
      if (d.producer[size_t(t)] >= 0) d.opPreds[i].push_back(d.producer[size_t(t)]);
    }
  }
  return d;
}

// Search state: which ops ran, how many consumers each tensor still waits for, live bytes.
struct State {
  std::vector<uint64_t> done;
  std::vector<int32_t> pending;
  int64_t live = 0;
  size_t executed = 0;
};

bool isDone(const State& s, int32_t op) { return (s.done[size_t(op) / 64] >> (op % 64)) & 1; }

bool isReady(const Dataflow& d, const State& s, int32_t op) {
  if (isDone(s, op)) return false;
  for (int32_t p : d.opPreds[size_t(op)]) {
    if (!isDone(s, p)) return false;
  }
  return true;
}

State initialState(const Graph& g, const Dataflow& d) {
  State s;
  s.done.assign((g.ops.size() + 63) / 64, 0);
  s.pending = d.consumerCount;
  for (TensorId t : g.inputs) s.live += d.bytes[size_t(t)];
  return s;
}

// Executes `op`; returns the live bytes during the step.
int64_t execute(const Dataflow& d, State* s, int32_t op) {
  int64_t produced = 0;
  for (TensorId t : d.opOutputs[size_t(op)]) produced += d.bytes[size_t(t)];
  const int64_t during = s->live + produced;
  s->live = during;
  for (TensorId t : d.opOutputs[size_t(op)]) {
    if (s->pending[size_t(t)] == 0 && !d.graphOutput[size_t(t)]) s->live -= d.bytes[size_t(t)];
  }
  for (TensorId t : d.opInputs[size_t(op)]) {
    if (--s->pending[size_t(t)] == 0 && !d.graphOutput[size_t(t)]) s->live -= d.bytes[size_t(t)];
  }
  s->done[size_t(op) / 64] |= uint64_t(1) << (op % 64);
  ++s->executed;
  return during;
}

std::string key(const State& s) {
  return std::string(reinterpret_cast<const char*>(s.done.data()), s.done.size() * 8);
}

struct ExactSearch {
  const Dataflow& d;
  size_t opCount;
  int64_t limit;
  std::unordered_map<std::string, std::pair<int64_t, int32_t>> memo;  // best peak, first op
  bool overflow = false;

  int64_t best(const State& s) {
    if (s.executed == opCount) return 0;
    const std::string k = key(s);
    if (auto it = memo.find(k); it != memo.end()) return it->second.first;
    if (int64_t(memo.size()) >= limit) {
      overflow = true;
      return 0;
    }
    int64_t bestPeak = INT64_MAX;
    int32_t bestOp = -1;
    for (size_t op = 0; op < opCount && !overflow; ++op) {
      if (!isReady(d, s, int32_t(op))) continue;
      State next = s;
      const int64_t during = execute(d, &next, int32_t(op));
      if (during >= bestPeak) continue;
      const int64_t peak = std::max(during, best(next));
      if (peak < bestPeak) {
        bestPeak = peak;
        bestOp = int32_t(op);
      }
    }
    memo[k] = {bestPeak, bestOp};
    return bestPeak;
  }
};

std::vector<int32_t> greedyOrder(const Graph& g, const Dataflow& d) {
  State s = initialState(g, d);
  std::vector<int32_t> order;
  int64_t peak = 0;
  while (s.executed < g.ops.size()) {
    int32_t chosen = -1;
    int64_t chosenPeak = INT64_MAX, chosenAfter = INT64_MAX;
    for (size_t op = 0; op < g.ops.size(); ++op) {
      if (!isReady(d, s, int32_t(op))) continue;
      State next = s;
      const int64_t stepPeak = std::max(peak, execute(d, &next, int32_t(op)));
      if (stepPeak < chosenPeak || (stepPeak == chosenPeak && next.live < chosenAfter)) {
        chosen = int32_t(op);
        chosenPeak = stepPeak;
        chosenAfter = next.live;
      }
    }
    if (chosen < 0) break;  // not a DAG in file order: validateGraph rejects such graphs
    peak = std::max(peak, execute(d, &s, chosen));
    order.push_back(chosen);
  }
  return order;
}

}  // namespace

int64_t orderPeakBytes(const Graph& graph, const std::vector<int32_t>& order) {
  const Dataflow d = analyze(graph);
  State s = initialState(graph, d);
  int64_t peak = s.live;
  for (int32_t op : order) peak = std::max(peak, execute(d, &s, op));
  return peak;
}

ScheduleResult minimumPeakOrder(const Graph& graph, int64_t stateLimit) {
  const Dataflow d = analyze(graph);
  ScheduleResult r;
  ExactSearch search{d, graph.ops.size(), stateLimit, {}, false};
  const State start = initialState(graph, d);
  search.best(start);
  r.statesVisited = int64_t(search.memo.size());
  if (!search.overflow) {
    State s = start;
    while (s.executed < graph.ops.size()) {
      const int32_t op = search.memo.at(key(s)).second;
      if (op < 0) break;
      execute(d, &s, op);
      r.order.push_back(op);
    }
    r.exact = r.order.size() == graph.ops.size();
  }
  if (!r.exact) r.order = greedyOrder(graph, d);
  r.peakBytes = orderPeakBytes(graph, r.order);
  return r;
}

}  // namespace tinyforge
