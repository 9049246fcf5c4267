#include "engine/plan/best_planner.h"

#include <algorithm>
#include <functional>
#include <numeric>

#include "engine/ops/op_def.h"
#include "engine/plan/lifetimes.h"
#include "engine/plan/schedule.h"

namespace tinyforge {
namespace {

// One rectangle of arena use: bytes [offset, offset + bytes) during steps [first, last].
struct Rect {
  int32_t first = 0, last = 0;
  int64_t bytes = 0;
};

// One arena buffer: a group of tensors sharing a base offset through in-place ops (each member
// keeps its own size and lifetime), or a scratch buffer.
struct Buffer {
  std::vector<Rect> parts;
  int64_t bytes() const {
    int64_t b = 0;
    for (const Rect& r : parts) b = std::max(b, r.bytes);
    return b;
  }
  int32_t first() const {
    int32_t f = INT32_MAX;
    for (const Rect& r : parts) f = std::min(f, r.first);
    return f;
  }
  int32_t last() const {
    int32_t l = 0;
    for (const Rect& r : parts) l = std::max(l, r.last);
    return l;
  }
};

struct Grouping {
  std::vector<int32_t> bufferOf;  // per tensor id; -1 = not planned
  std::vector<Buffer> buffers;    // tensor groups, then one per scratch buffer
  std::vector<ScratchBuffer> scratch;
  std::vector<InPlaceUse> inPlace;
};

int32_t root(std::vector<int32_t>* parent, int32_t x) {
  while ((*parent)[size_t(x)] != x) x = (*parent)[size_t(x)] = (*parent)[size_t((*parent)[size_t(x)])];
  return x;
}

bool isGraphOutput(const Graph& g, TensorId t) {
  return std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end();
}

// Picks the in-place input of the op at `step`, if its memory rule allows one that dies there.
void tryInPlace(const Graph& g, int32_t opIndex, int32_t step, const std::vector<int32_t>& lifeOf,
                const std::vector<TensorLifetime>& lifetimes, const std::vector<InPlaceRule>* rules,
                std::vector<int32_t>* parent, Grouping* out) {
  const Op& op = g.ops[size_t(opIndex)];
  if (op.inputs.empty() || op.inputs[0] < 0) return;
  const OpDef& def = opDef(op.kind);
  if (!def.inPlace || op.outputs.empty() || lifeOf[size_t(op.outputs[0])] < 0) return;
  const InPlaceRule rule = rules ? (*rules)[size_t(opIndex)] : def.inPlace(g, op);
  for (size_t i = 0; i < op.inputs.size() && i < 32; ++i) {
    const TensorId in = op.inputs[i];
    if (!((rule.inputMask >> i) & 1) || in < 0 || lifeOf[size_t(in)] < 0) continue;
    if (lifetimes[size_t(lifeOf[size_t(in)])].lastStep != step || isGraphOutput(g, in)) continue;
    (*parent)[size_t(op.outputs[0])] = root(parent, in);
    out->inPlace.push_back({step, opIndex, in, op.outputs[0]});
    if (rule.scratchBytes > 0) {
      out->scratch.push_back({step, alignArenaBytes(rule.scratchBytes), -1,
                              std::string(opKindName(op.kind)) + " '" + op.name + "' (op " +
                                  std::to_string(opIndex) + "): in-place scratch"});
    }
    return;
  }
}

Grouping groupBuffers(const Graph& g, const std::vector<int32_t>& order,
                      const std::vector<TensorLifetime>& lifetimes,
                      const std::vector<bool>& noInPlace,
                      const std::vector<std::pair<TensorId, TensorId>>& shared,
                      const std::vector<InPlaceRule>* rules) {
  Grouping r;
  std::vector<int32_t> lifeOf(g.tensors.size(), -1);
  for (size_t i = 0; i < lifetimes.size(); ++i) lifeOf[size_t(lifetimes[i].tensor)] = int32_t(i);
  std::vector<int32_t> parent(g.tensors.size());
  std::iota(parent.begin(), parent.end(), 0);
  for (size_t k = 0; k < order.size(); ++k) {
    if (size_t(order[k]) < noInPlace.size() && noInPlace[size_t(order[k])]) continue;
    tryInPlace(g, order[k], int32_t(k) + 1, lifeOf, lifetimes, rules, &parent, &r);
  }
  for (const auto& [a, b] : shared) parent[size_t(root(&parent, b))] = root(&parent, a);
  r.bufferOf.assign(g.tensors.size(), -1);
  std::vector<int32_t> bufferOfRoot(g.tensors.size(), -1);
  for (const TensorLifetime& l : lifetimes) {
    const int32_t rt = root(&parent, l.tensor);
    if (bufferOfRoot[size_t(rt)] < 0) {
      bufferOfRoot[size_t(rt)] = int32_t(r.buffers.size());
      r.buffers.emplace_back();
    }
    r.buffers[size_t(bufferOfRoot[size_t(rt)])].parts.push_back({l.firstStep, l.lastStep, l.bytes});
    r.bufferOf[size_t(l.tensor)] = bufferOfRoot[size_t(rt)];
  }
  for (const ScratchBuffer& s : r.scratch) r.buffers.push_back(Buffer{{{s.step, s.step, s.bytes}}});
  return r;
}

bool overlaps(const Rect& a, int64_t aOffset, const Rect& b, int64_t bOffset) {
  return a.first <= b.last && b.first <= a.last && aOffset < bOffset + b.bytes &&
         bOffset < aOffset + a.bytes;
}

// Places buffers in `priority` order, each at the lowest offset where none of its parts meets a
// part of an already placed buffer that is live at the same time. Candidate offsets are 0 and
// the ends of the time-overlapping parts.
std::vector<int64_t> firstFit(const std::vector<Buffer>& buffers, const std::vector<int32_t>& priority) {
  std::vector<int64_t> offset(buffers.size(), -1);
  std::vector<std::pair<const Rect*, int64_t>> placedParts;  // part, its buffer's offset
  std::vector<std::pair<const Rect*, int64_t>> conflicts;
  std::vector<int64_t> candidates;
  for (int32_t i : priority) {
    const Buffer& b = buffers[size_t(i)];
    const int32_t first = b.first(), last = b.last();
    conflicts.clear();
    for (const auto& pp : placedParts) {
      if (pp.first->first <= last && first <= pp.first->last) conflicts.push_back(pp);
    }
    candidates.assign(1, 0);
    for (const auto& [part, off] : conflicts) candidates.push_back(off + part->bytes);
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (int64_t c : candidates) {
      bool fits = true;
      for (size_t k = 0; k < conflicts.size() && fits; ++k) {
        for (const Rect& m : b.parts) {
          if (overlaps(m, c, *conflicts[k].first, conflicts[k].second)) {
            fits = false;
            break;
          }
        }
      }
      if (fits) {
        offset[size_t(i)] = c;
        break;
      }
    }
    for (const Rect& r : b.parts) placedParts.push_back({&r, offset[size_t(i)]});
  }
  return offset;
}

int64_t arenaOf(const std::vector<Buffer>& buffers, const std::vector<int64_t>& offsets) {
  int64_t end = 0;
  for (size_t i = 0; i < buffers.size(); ++i) end = std::max(end, offsets[i] + buffers[i].bytes());
  return end;
}

// Bytes each buffer occupies at `step` (0 when not live).
int64_t bytesAt(const Buffer& b, int32_t step) {
  int64_t bytes = 0;
  for (const Rect& r : b.parts) {
    if (r.first <= step && step <= r.last) bytes = std::max(bytes, r.bytes);
  }
  return bytes;
}

// The step where the buffers' live bytes add up to the most, and those bytes (no placement of
// these buffers needs a smaller arena).
int32_t busiestStep(const std::vector<Buffer>& b, int64_t* mostBytes) {
  int32_t steps = 0;
  for (const Buffer& x : b) steps = std::max(steps, x.last() + 1);
  int32_t best = 0;
  int64_t bestBytes = -1;
  for (int32_t s = 0; s < steps; ++s) {
    int64_t total = 0;
    for (const Buffer& x : b) total += bytesAt(x, s);
    if (total > bestBytes) {
      bestBytes = total;
      best = s;
    }
  }
  *mostBytes = std::max<int64_t>(bestBytes, 0);
  return best;
}

// Several placement priorities; returns the offsets of the smallest arena (the first that meets
// the live-bytes lower bound).
std::vector<int64_t> bestPlacement(const std::vector<Buffer>& b) {
  std::vector<int32_t> idx(b.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<int64_t> bytes(b.size()), life(b.size()), first(b.size()), atPeak(b.size());
  int64_t lowerBound = 0;
  const int32_t peak = busiestStep(b, &lowerBound);
  for (size_t i = 0; i < b.size(); ++i) {
    bytes[i] = b[i].bytes();
    life[i] = b[i].last() - b[i].first() + 1;
    first[i] = b[i].first();
    atPeak[i] = bytesAt(b[i], peak);
  }
  // Buffers live at the busiest step first (packed without gaps there), then largest first.
  auto peakFirst = [&](int32_t x, int32_t y, bool smallFirst) {
    const bool px = atPeak[size_t(x)] > 0, py = atPeak[size_t(y)] > 0;
    if (px != py) return px;
    if (px && atPeak[size_t(x)] != atPeak[size_t(y)]) {
      return smallFirst ? atPeak[size_t(x)] < atPeak[size_t(y)] : atPeak[size_t(x)] > atPeak[size_t(y)];
    }
    return bytes[size_t(x)] > bytes[size_t(y)];
  };
  const std::vector<std::function<bool(int32_t, int32_t)>> orders = {
      [&](int32_t x, int32_t y) { return bytes[size_t(x)] > bytes[size_t(y)]; },
      [&](int32_t x, int32_t y) { return bytes[size_t(x)] * life[size_t(x)] > bytes[size_t(y)] * life[size_t(y)]; },
      [&](int32_t x, int32_t y) { return life[size_t(x)] > life[size_t(y)]; },
      [&](int32_t x, int32_t y) { return first[size_t(x)] < first[size_t(y)]; },
      [&](int32_t x, int32_t y) { return peakFirst(x, y, true); },
      [&](int32_t x, int32_t y) { return peakFirst(x, y, false); },
  };
  std::vector<int64_t> best;
  int64_t bestArena = INT64_MAX;
  for (const auto& less : orders) {
    std::vector<int32_t> prio = idx;
    std::stable_sort(prio.begin(), prio.end(), less);
    std::vector<int64_t> offsets = firstFit(b, prio);
    const int64_t arena = arenaOf(b, offsets);
    if (arena < bestArena) {
      bestArena = arena;
      best = std::move(offsets);
    }
    if (bestArena <= lowerBound) break;  // no order can do better
  }
  return best;
}

void fillLiveness(const std::vector<Buffer>& buffers, MemoryPlan* plan) {
  const size_t steps = plan->order.size() + 1;
  plan->liveBytes.assign(steps, 0);
  std::vector<int64_t> groupAt(steps);
  for (const Buffer& b : buffers) {
    std::fill(groupAt.begin(), groupAt.end(), 0);
    for (const Rect& r : b.parts) {
      for (int32_t s = r.first; s <= r.last && size_t(s) < steps; ++s) {
        groupAt[size_t(s)] = std::max(groupAt[size_t(s)], r.bytes);
      }
    }
    for (size_t s = 0; s < steps; ++s) plan->liveBytes[s] += groupAt[s];
  }
  plan->peakStep = peakStep(plan->liveBytes);
  plan->peakTensors = tensorsLiveAt(plan->lifetimes, plan->peakStep);
  plan->lowerBoundBytes = steps ? plan->liveBytes[size_t(plan->peakStep)] : 0;
}

}  // namespace

std::vector<InPlaceRule> inPlaceRules(const Graph& graph) {
  std::vector<InPlaceRule> rules(graph.ops.size());
  for (size_t i = 0; i < graph.ops.size(); ++i) {
    const OpDef& def = opDef(graph.ops[i].kind);
    if (def.inPlace) rules[i] = def.inPlace(graph, graph.ops[i]);
  }
  return rules;
}

Result<MemoryPlan> placeBuffers(const Graph& graph, const std::vector<int32_t>& order,
                                PlacementRequest request, std::vector<int64_t>* spanOffsets) {
  Grouping grouping = groupBuffers(graph, order, request.lifetimes, request.noInPlace,
                                   request.shared, request.rules);
  const size_t groups = grouping.buffers.size() - grouping.scratch.size();
  const size_t scratchCount = grouping.scratch.size();
  for (const PlacementRequest::Span& span : request.spans) {
    grouping.buffers.push_back(Buffer{{{span.first, span.last, alignArenaBytes(span.bytes)}}});
  }
  const std::vector<int64_t> offsets = bestPlacement(grouping.buffers);
  MemoryPlan plan;
  plan.order = order;
  plan.lifetimes = std::move(request.lifetimes);
  plan.offsets.assign(graph.tensors.size(), -1);
  for (size_t t = 0; t < graph.tensors.size(); ++t) {
    if (grouping.bufferOf[t] >= 0) plan.offsets[t] = offsets[size_t(grouping.bufferOf[t])];
  }
  for (size_t i = 0; i < grouping.scratch.size(); ++i) grouping.scratch[i].offset = offsets[groups + i];
  plan.scratch = std::move(grouping.scratch);
  spanOffsets->clear();
  for (size_t i = 0; i < request.spans.size(); ++i) {
    const auto& span = request.spans[i];
    const int64_t offset = offsets[groups + scratchCount + i];
    spanOffsets->push_back(offset);
    for (int32_t step = span.first; step <= span.last; ++step) {
      plan.scratch.push_back({step, alignArenaBytes(span.bytes), offset, span.what});
    }
  }
  plan.inPlace = std::move(grouping.inPlace);
  plan.arenaBytes = arenaOf(grouping.buffers, offsets);
  fillLiveness(grouping.buffers, &plan);
  return plan;
}

Result<MemoryPlan> BestPlanner::planOrder(const Graph& graph, const std::vector<int32_t>& order) const {
  Result<std::vector<TensorLifetime>> lifetimes = tensorLifetimes(graph, order);
  if (!lifetimes) return lifetimes.status();
  PlacementRequest request;
  request.lifetimes = std::move(lifetimes).value();
  PlacementRequest outOfPlace = request;
  std::vector<int64_t> spanOffsets;
  Result<MemoryPlan> plan = placeBuffers(graph, order, std::move(request), &spanOffsets);
  if (!plan) return plan;
  // In-place ops bring kernel scratch (the in-place depthwise keeps the input rows it overwrites);
  // where that fragments the arena more than sharing saves, every op out of place is smaller.
  if (!plan.value().inPlace.empty()) {
    outOfPlace.noInPlace.assign(graph.ops.size(), true);
    Result<MemoryPlan> other = placeBuffers(graph, order, std::move(outOfPlace), &spanOffsets);
    if (other && other.value().arenaBytes < plan.value().arenaBytes) plan = std::move(other);
  }
  plan.value().planner = name();
  return plan;
}

Result<MemoryPlan> BestPlanner::plan(const Graph& graph, const std::vector<int32_t>& order) const {
  Result<MemoryPlan> best = planOrder(graph, order);
  if (!best) return best;
  const ScheduleResult schedule = minimumPeakOrder(graph);
  if (schedule.order.size() == graph.ops.size() && schedule.order != order) {
    Result<MemoryPlan> other = planOrder(graph, schedule.order);
    if (other && other.value().arenaBytes < best.value().arenaBytes) return other;
  }
  return best;
}

}  // namespace tinyforge
