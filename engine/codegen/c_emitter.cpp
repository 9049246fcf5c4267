#include "engine/codegen/c_emitter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cstring>

namespace tinyforge {
namespace {

std::string join(std::initializer_list<int64_t> values) {
  std::string s = "{";
  bool first = true;
  for (int64_t v : values) {
    s += (first ? "" : ", ") + std::to_string(v);
    first = false;
  }
  return s + "}";
}

// INT32_MIN cannot be written as a plain literal in C.
std::string cInt(int64_t v) { return v == INT32_MIN ? "(-2147483647 - 1)" : std::to_string(v); }

std::string byteArray(const std::vector<uint8_t>& data) {
  std::string s;
  s.reserve(data.size() * 5);
  for (size_t i = 0; i < data.size(); ++i) {
    if (i % 24 == 0) s += "\n ";
    s += " " + std::to_string(int(int8_t(data[i]))) + ",";
  }
  return s;
}

std::string int32Array(const std::vector<uint8_t>& data) {
  std::string s;
  const size_t n = data.size() / 4;
  for (size_t i = 0; i < n; ++i) {
    int32_t v;
    std::memcpy(&v, data.data() + 4 * i, 4);
    if (i % 8 == 0) s += "\n ";
    s += " " + cInt(v) + ",";
  }
  return s;
}

int64_t roundUp4(int64_t n) { return (n + 3) / 4 * 4; }

// Bytes of an element of a declared type: the tfk_* structs hold 32-bit fields and pointers, so a
// struct literal is 4 bytes per item.
int64_t elementBytes(const std::string& type) {
  if (type == "int8_t" || type == "uint8_t") return 1;
  if (type == "int16_t" || type == "uint16_t") return 2;
  return 4;
}

}  // namespace

int64_t declaredDataBytes(const std::string& text) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  int64_t bytes = 0;
  const std::string key = "static const ";
  for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
    size_t i = at + key.size();
    const size_t typeEnd = text.find(' ', i);
    if (typeEnd == std::string::npos) break;
    const std::string type = text.substr(i, typeEnd - i);
    const bool isStruct = type.rfind("tfk_", 0) == 0;
    i = typeEnd;
    for (;;) {          // declarators: "name[] = {...}" or "name = {...}", separated by commas
      size_t open = i;  // the initializer, unless the statement ends first
      while (open < text.size() && text[open] != '{' && text[open] != ';') ++open;
      if (open >= text.size() || text[open] == ';') {
        i = open;
        break;
      }
      int depth = 0;
      int64_t items = 0;
      bool any = false;
      size_t j = open;
      for (; j < text.size(); ++j) {
        const char c = text[j];
        if (c == '{')
          ++depth;
        else if (c == '}' && --depth == 0)
          break;
        else if (c == ',' && depth == 1)
          ++items;
        else if (depth == 1 && !isSpace(c))
          any = true;
      }
      // A trailing comma (the constant arrays' style) does not start another item.
      size_t last = j;
      while (last > open && isSpace(text[last - 1])) --last;
      if (any) items += text[last - 1] == ',' ? 0 : 1;
      bytes += roundUp4(items * (isStruct ? 4 : elementBytes(type)));
      i = j + 1;
      while (i < text.size() && isSpace(text[i])) ++i;
      if (i >= text.size() || text[i] != ',') break;
      ++i;
    }
    at = i;
  }
  return bytes;
}

CEmitter::CEmitter(const Graph& graph, const MemoryPlan& plan, bool fastKernels,
                   bool renderConstants)
    : m_graph(graph),
      m_plan(plan),
      m_fastKernels(fastKernels),
      m_renderConstants(renderConstants),
      m_constantNames(graph.tensors.size()) {}

void CEmitter::beginLoop(int64_t count) {
  m_body += m_indent + "for (int32_t k = 0; k < " + std::to_string(count) + "; ++k) {\n";
  m_indent += "  ";
  ++m_calls;
}

void CEmitter::endLoop() {
  m_indent.resize(m_indent.size() - 2);
  m_body += m_indent + "}\n";
}

void CEmitter::call(const std::string& text) {
  m_body += m_indent + text + "\n";
  ++m_calls;
  // Every identifier followed by '(' that names a kernel (tfk_...) or memcpy / memset.
  for (size_t i = 0; i < text.size();) {
    const auto ident = [](char c) {
      return c == '_' || std::isalnum(static_cast<unsigned char>(c));
    };
    if (!ident(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && ident(text[j])) ++j;
    const std::string name = text.substr(i, j - i);
    if (j < text.size() && text[j] == '(' &&
        (name.rfind("tfk_", 0) == 0 || name == "memcpy" || name == "memset") &&
        std::find(m_functions.begin(), m_functions.end(), name) == m_functions.end()) {
      m_functions.push_back(name);
    }
    i = j;
  }
}

std::vector<std::string> CEmitter::functions() const {
  std::vector<std::string> f = m_functions;
  std::sort(f.begin(), f.end());
  return f;
}

void CEmitter::setRegion(const RegionCall* region, const std::string& callPrefix) {
  m_region = region;
  m_prefix = region ? callPrefix : m_opPrefix;
}

void CEmitter::declare(const std::string& text) {
  m_dataBytes += declaredDataBytes(text);
  if (m_renderConstants) m_decls += text;
}

void CEmitter::declareOnce(const std::string& key, const std::string& text) {
  for (const std::string& k : m_declared) {
    if (k == key) return;
  }
  m_declared.push_back(key);
  declare(text);
}

void CEmitter::beginOp(int32_t opIndex, int32_t step) {
  m_prefix = "op" + std::to_string(opIndex);
  m_opPrefix = m_prefix;
  m_region = nullptr;
  m_step = step;
  m_body += "  TF_LAYER_BEGIN(" + std::to_string(opIndex) + ");  /* " +
            cCommentSafe(std::string(opKindName(m_graph.ops[size_t(opIndex)].kind)) + " " +
                         m_graph.ops[size_t(opIndex)].name) +
            " */\n";
}

std::string CEmitter::tensor(TensorId id) {
  const Tensor& t = m_graph.tensor(id);
  if (!t.isConstant) return "(g_arena + " + std::to_string(m_plan.offsets[size_t(id)]) + ")";
  std::string& name = m_constantNames[size_t(id)];
  if (name.empty()) {
    name = "k_t" + std::to_string(id);
    m_dataBytes += roundUp4(int64_t(t.data.size()));
    if (!m_renderConstants) return name;
    const bool int32 = t.type == DType::kInt32;
    m_decls += "/* " + cCommentSafe(t.name) + " " + shapeString(t.shape) + " */\n";
    m_decls += std::string("static const ") + (int32 ? "int32_t " : "int8_t ") + name + "[" +
               std::to_string(int32 ? t.data.size() / 4 : t.data.size()) + "] TF_ALIGN4 = {" +
               (int32 ? int32Array(t.data) : byteArray(t.data)) + "\n};\n";
  }
  return name;
}

std::string CEmitter::scratch() const {
  for (const ScratchBuffer& s : m_plan.scratch) {
    if (s.step == m_step) return "(g_arena + " + std::to_string(s.offset) + ")";
  }
  return "0";
}

bool CEmitter::sameBuffer(TensorId a, TensorId b) const {
  return !m_graph.tensor(a).isConstant && m_plan.offsets[size_t(a)] == m_plan.offsets[size_t(b)];
}

std::string cLiteral(const tfk_conv_params& p) {
  return join({p.input_offset, p.output_offset, p.stride_h, p.stride_w, p.dilation_h, p.dilation_w,
               p.pad_top, p.pad_left, p.act_min, p.act_max, p.depth_multiplier});
}
std::string cLiteral(const tfk_dims& d) { return join({d.n, d.h, d.w, d.c}); }
std::string cLiteral(const tfk_fc_params& p) {
  return join({p.input_offset, p.output_offset, p.act_min, p.act_max});
}
std::string cLiteral(const tfk_add_params& p) {
  return join({p.input1_offset, p.input2_offset, p.left_shift, p.input1_multiplier, p.input1_shift,
               p.input2_multiplier, p.input2_shift, p.output_multiplier, p.output_shift,
               p.output_offset, p.act_min, p.act_max});
}
std::string cLiteral(const tfk_pool_params& p) {
  return join({p.stride_h, p.stride_w, p.filter_h, p.filter_w, p.pad_top, p.pad_left, p.act_min,
               p.act_max});
}
std::string cLiteral(const tfk_softmax_params& p) {
  return join({p.input_multiplier, p.input_left_shift, p.diff_min});
}
std::string cLiteral(const tfk_mean_params& p) {
  return join({p.input_zero_point, p.output_zero_point, p.multiplier, p.shift});
}

std::string declarePaddedRows(CEmitter& e, const std::string& name, const int8_t* rows,
                              int32_t count, int32_t bytes, int32_t stride) {
  std::vector<int32_t> values(size_t(count) * size_t(stride), 0);
  for (int32_t r = 0; r < count; ++r) {
    for (int32_t i = 0; i < bytes; ++i) values[size_t(r) * size_t(stride) + size_t(i)] = rows[int64_t(r) * bytes + i];
  }
  e.declareOnce(name, "static const int8_t " + name + "[] = " + cIntArray(values) + ";\n");
  return name;
}

void callIm2col(CEmitter& e, const std::string& filterDims, const int8_t* rows, int32_t count,
                int32_t patch, const std::string& in, const std::string& bias,
                const std::string& out) {
  const std::string& n = e.prefix();
  const int32_t row = TFK_IM2COL_ROW(patch);
  const std::string iw = declarePaddedRows(e, e.opPrefix() + "_iw", rows, count, patch, row);
  e.call("tfk_conv2d_im2col_s8(&" + n + "_p, &" + e.opPrefix() + "_q, &" + n +
         "_di, (const int8_t*)" + in + ", &" + filterDims + ", " + iw + ", " + std::to_string(row) +
         ", " + bias + ", &" + n + "_do, " + out + ");");
}

std::string cIntArray(const std::vector<int32_t>& values) {
  std::string s;
  s.reserve(2 + values.size() * 13);
  s += '{';
  char digits[16];
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ", ";
    if (values[i] == INT32_MIN) {
      s += cInt(values[i]);
      continue;
    }
    const auto r = std::to_chars(digits, digits + sizeof digits, values[i]);
    s.append(digits, r.ptr);
  }
  s += '}';
  return s;
}

std::string cCommentSafe(const std::string& text) {
  std::string s;
  for (size_t i = 0; i < text.size() && s.size() < 120; ++i) {
    const char c = text[i];
    if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') {
      s += "*_";
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      s += "/_";
      ++i;
    } else if (c >= 32 && c < 127 && c != '\\' && c != '?') {
      s += c;  // '?' avoids trigraphs, '\\' line splices
    } else {
      s += '_';
    }
  }
  return s;
}

}  // namespace tinyforge
