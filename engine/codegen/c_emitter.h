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
#include "engine/ops/op_def.h"
#include "engine/plan/memory_plan.h"

namespace tinyforge {

std::string cCommentSafe(const std::string& text);

// A spatial op run on one tile of a patch stage: pointers into the tile slots and local geometry.
struct RegionCall {
  std::string in, out;        // C pointer expressions
  std::string in2;            // ADD's second input ("" for one-input ops)
  std::string scratch = "0";  // the stage's kernel scratch (OpDef::regionScratch bytes)
  RegionArgs geo;             // the local geometry (its pointers unused)
};

class CEmitter {
 public:
  // renderConstants false: constant arrays are named but not written out (the calls and the
  // functions they link are all a flash estimate needs; see emitFootprint).
  CEmitter(const Graph& graph, const MemoryPlan& plan, bool fastKernels = true,
           bool renderConstants = true);
  // false: every op calls the plain reference kernel (the baseline the benchmarks compare to).
  bool fastKernels() const { return m_fastKernels; }

  // The op being emitted (set by the model emitter before each op's emit()).
  void beginOp(int32_t opIndex, int32_t step);
  // Switches the op whose constants are declared, without a layer marker (ops inside a stage).
  void selectOp(int32_t opIndex) { m_opPrefix = m_prefix = "op" + std::to_string(opIndex); }
  // "op7": the prefix of this op's per-op constants (quantization); see declareOnce.
  const std::string& opPrefix() const { return m_opPrefix; }
  // The prefix of this call's declarations: "op7", or "op7_t3" for tile 3 of a patch stage.
  const std::string& prefix() const { return m_prefix; }
  // Patch stages: the next emit() runs on a region (nullptr: whole tensors again).
  void setRegion(const RegionCall* region, const std::string& callPrefix);
  const RegionCall* region() const { return m_region; }
  // Declares `text` unless a declaration with this key was already made.
  void declareOnce(const std::string& key, const std::string& text);
  void comment(const std::string& text) { m_body += "  /* " + cCommentSafe(text) + " */\n"; }

  // C expression of a tensor's address: "(g_arena + 1024)" for activations, the name of its
  // const array for constants (declared once, in flash).
  std::string tensor(TensorId id);
  // "(g_arena + N)" of the current step's scratch buffer, or "0" when none was planned.
  std::string scratch() const;
  bool sameBuffer(TensorId a, TensorId b) const;

  void declare(const std::string& text);
  // One statement of the invoke function; the functions it calls are recorded (functions()).
  void call(const std::string& text);
  // The statements until endLoop() run `count` times, with "k" = 0 .. count - 1 (repeated patch
  // tiles). The code-size model counts a loop as one call (its counter and branch).
  void beginLoop(int64_t count);
  void endLoop();

  const std::string& declarations() const { return m_decls; }
  const std::string& body() const { return m_body; }
  // The kernel and C library functions the invoke function calls, each once, sorted.
  std::vector<std::string> functions() const;
  int32_t calls() const { return m_calls; }
  // Const data the declarations so far define in flash: the constant tensors referenced and the
  // per-op arrays and parameter structs (declaredDataBytes), each rounded up to 4 bytes.
  int64_t dataBytes() const { return m_dataBytes; }

 private:
  const Graph& m_graph;
  const MemoryPlan& m_plan;
  bool m_fastKernels = true;
  bool m_renderConstants = true;
  int32_t m_calls = 0;
  int64_t m_dataBytes = 0;
  std::vector<std::string> m_functions;
  std::string m_prefix, m_opPrefix;
  const RegionCall* m_region = nullptr;
  std::vector<std::string> m_declared;
  int32_t m_step = 0;
  std::string m_indent = "  ";
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
// Declares "static const int8_t name[]" with `count` rows of `bytes` values from `rows` (rows
// `bytes` apart), each padded with zeros to `stride` bytes (>= bytes), and returns name.
std::string declarePaddedRows(CEmitter& e, const std::string& name, const int8_t* rows,
                              int32_t count, int32_t bytes, int32_t stride);
// The call of tfk_conv2d_im2col_s8 for the current op: its `count` filter rows of `patch` bytes
// declared as "<prefix>_iw" with each row padded to TFK_IM2COL_ROW(patch) bytes (the assembly's
// eight-byte step). "<prefix>_p", "<opPrefix>_q", "<prefix>_di" and "<prefix>_do" must be
// declared; filterDims names the filter's tfk_dims, in, bias and out are C expressions.
void callIm2col(CEmitter& e, const std::string& filterDims, const int8_t* rows, int32_t count,
                int32_t patch, const std::string& in, const std::string& bias,
                const std::string& out);
// Bytes of the const objects that C declarations ("static const T name[] = {...}, ...;") define:
// elements x their size for arrays, 4 per item for the tfk_* struct literals; each rounded up to 4.
int64_t declaredDataBytes(const std::string& text);
// A C comment body with anything that could end the comment or the line removed.
std::string cCommentSafe(const std::string& text);


}  // namespace tinyforge
