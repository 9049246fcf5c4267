// Writes the C of one planned model: constants in flash, one static arena, and an invoke
// function that is a straight list of kernel calls with literal offsets.
//
//   CEmitter e(model.graph, model.plan);
//   for each op in plan order: opDef(op.kind).emit(graph, op, e);   // see emitModelC
//   e.declarations();  e.body();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/kernels/tfk.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

class CEmitter {
 public:
  CEmitter(const Graph& graph, const MemoryPlan& plan, bool fastKernels = true);
  // false: every op calls the plain reference kernel (the baseline the benchmarks compare to).
  bool fastKernels() const { return m_fastKernels; }

  // The op being emitted (set by the model emitter before each op's emit()).
  void beginOp(int32_t opIndex, int32_t step);
  // "op7": the prefix for this op's declarations.
  const std::string& prefix() const { return m_prefix; }

  // C expression of a tensor's address: "(g_arena + 1024)" for activations, the name of its
  // const array for constants (declared once, in flash).
  std::string tensor(TensorId id);
  // "(g_arena + N)" of the current step's scratch buffer, or "0" when none was planned.
  std::string scratch() const;
  bool sameBuffer(TensorId a, TensorId b) const;

  void declare(const std::string& text) { m_decls += text; }
  void call(const std::string& text) { m_body += "  " + text + "\n"; }

  const std::string& declarations() const { return m_decls; }
  const std::string& body() const { return m_body; }

 private:
  const Graph& m_graph;
  const MemoryPlan& m_plan;
  bool m_fastKernels = true;
  std::string m_prefix;
  int32_t m_step = 0;
  std::vector<std::string> m_constantNames;  // per tensor id, "" until declared
  std::string m_decls, m_body;
};

// Literals of the kernel parameter structs, e.g. "{-3, 5, 1, 1, 1, 1, 0, 0, -128, 127, 1}".
std::string cLiteral(const tfk_conv_params& p);
std::string cLiteral(const tfk_dims& d);
std::string cLiteral(const tfk_fc_params& p);
std::string cLiteral(const tfk_add_params& p);
std::string cLiteral(const tfk_pool_params& p);
std::string cLiteral(const tfk_softmax_params& p);
std::string cLiteral(const tfk_mean_params& p);
std::string cIntArray(const std::vector<int32_t>& values);
// A C comment body with anything that could end the comment or the line removed.
std::string cCommentSafe(const std::string& text);

}  // namespace tinyforge
