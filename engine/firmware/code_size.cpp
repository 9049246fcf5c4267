#include "engine/firmware/code_size.h"

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "engine/firmware/embedded.h"
#include "engine/firmware/process.h"

namespace tinyforge {
namespace fs = std::filesystem;

namespace {

std::string joinFlags(const std::vector<std::string>& flags) {
  std::string s;
  for (const std::string& f : flags) s += " " + shellQuote(f);
  return s;
}

// "name" of a symbol in `file`, or of the function / object behind a section name
// (".text.name", ".rodata.name": function and data sections).
std::string symbolOfSection(const std::string& section) {
  for (const char* prefix : {".text.", ".rodata."}) {
    if (section.rfind(prefix, 0) == 0) return section.substr(std::strlen(prefix));
  }
  return "";
}

struct ObjectSymbols {
  std::map<std::string, int64_t> local, global;          // name -> bytes (code and read-only data)
  std::map<std::string, std::vector<std::string>> refs;  // name -> referenced names (unresolved)
};

// nm -S --defined-only: "addr size type name" (symbols without a size are skipped).
void readSymbols(const std::string& nmOutput, ObjectSymbols* o) {
  std::istringstream in(nmOutput);
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string addr, size, type, name;
    if (!(f >> addr >> size >> type >> name)) continue;
    if (type.size() != 1 || std::string("tTrR").find(type[0]) == std::string::npos) continue;
    const int64_t bytes = std::stoll(size, nullptr, 16);
    (std::islower(static_cast<unsigned char>(type[0])) ? o->local : o->global)[name] = bytes;
  }
}

// readelf -rW: "Relocation section '.rel.text.f' ..." then one line per entry, the symbol last.
void readReferences(const std::string& readelfOutput, ObjectSymbols* o) {
  std::istringstream in(readelfOutput);
  std::string owner;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Relocation section '", 0) == 0) {
      const size_t a = line.find('\'') + 1, b = line.find('\'', a);
      const std::string section = line.substr(a, b - a);  // ".rel.text.f"
      owner = section.rfind(".rel", 0) == 0 ? symbolOfSection(section.substr(section.find('.', 1)))
                                            : "";
      continue;
    }
    if (owner.empty() || line.empty() || !std::isxdigit(static_cast<unsigned char>(line[0])))
      continue;
    std::istringstream f(line);
    std::string offset, info, type, value, name;
    if (!(f >> offset >> info >> type >> value >> name)) continue;
    const std::string viaSection = symbolOfSection(name);
    o->refs[owner].push_back(viaSection.empty() ? name : viaSection);
  }
}

// Flash that each C library function (memcpy, the run-time's division, ...) adds with everything
// it calls: a program whose entry point is the function, linked as the firmware links
// (newlib-nano, --gc-sections), less one whose entry point is an empty function.
Status linkLibraryFunctions(const DeviceProfile& device, const std::string& workDir,
                            const std::set<std::string>& names,
                            std::map<std::string, int64_t>* sizes) {
  const std::string flags = joinFlags(device.cflags);
  const std::string dir = shellQuote(workDir);
  { std::ofstream(fs::path(workDir) / "tf_base.c") << "void tf_base(void) {}\n"; }
  const ProcessResult cc =
      runProcess("cd " + dir + " && arm-none-eabi-gcc" + flags + " -O2 -c tf_base.c", 60);
  if (cc.exitCode != 0)
    return Status::error("compiling tf_base.c failed:\n" + cc.output.substr(0, 400));
  const auto linked = [&](const std::string& entry) -> int64_t {
    const ProcessResult ld =
        runProcess("cd " + dir + " && arm-none-eabi-gcc" + flags +
                       " -nostartfiles -specs=nano.specs -specs=nosys.specs -Wl,--gc-sections"
                       " -Wl,-e," +
                       shellQuote(entry) + " -o tf_link.elf tf_base.o -lm" +
                       " && arm-none-eabi-size tf_link.elf",
                   60);
    if (ld.exitCode != 0) return -1;
    std::istringstream in(ld.output);
    std::string line;
    std::getline(in, line);  // header
    int64_t text = 0, data = 0;
    if (!(in >> text >> data)) return -1;
    return text + data;
  };
  const int64_t base = linked("tf_base");
  if (base < 0) return Status::error("linking an empty program with arm-none-eabi-gcc failed");
  for (const std::string& name : names) {
    const int64_t bytes = linked(name);
    if (bytes >= 0) (*sizes)[name] = std::max<int64_t>(0, bytes - base);
  }
  return Status::ok();
}

}  // namespace

Result<CodeSizeTable> measureKernelCode(const DeviceProfile& device, const std::string& workDir) {
  if (!haveTool("arm-none-eabi-gcc") || !haveTool("arm-none-eabi-nm") ||
      !haveTool("arm-none-eabi-readelf")) {
    return Status::error(
        "arm-none-eabi-gcc not found: install Debian's gcc-arm-none-eabi and "
        "binutils-arm-none-eabi (make deps)");
  }
  std::error_code ec;
  fs::create_directories(workDir, ec);
  if (ec) return Status::error("cannot create " + workDir + ": " + ec.message());
  std::vector<std::string> objects;
  std::string sources;
  for (const EmbeddedFile* f : embeddedFilesUnder("engine/kernels/")) {
    const fs::path name = fs::path(f->path).filename();
    std::ofstream(fs::path(workDir) / name, std::ios::binary)
        .write(f->data, std::streamsize(f->size));
    if (name.extension() == ".c") {
      sources += " " + shellQuote(name.string());
      objects.push_back(name.stem().string() + ".o");
    }
  }
  // The firmware Makefile's compile flags (resources/firmware/Makefile.in).
  const ProcessResult cc =
      runProcess("cd " + shellQuote(workDir) + " && arm-none-eabi-gcc" + joinFlags(device.cflags) +
                     " -std=c99 -O2 -ffunction-sections -fdata-sections -I. -c" + sources,
                 600);
  if (cc.exitCode != 0)
    return Status::error("compiling the kernels failed:\n" + cc.output.substr(0, 2000));

  CodeSizeTable t;
  t.core = device.core;
  t.device = device.name;
  std::map<std::string, ObjectSymbols> perObject;
  for (const std::string& obj : objects) {
    const std::string path = (fs::path(workDir) / obj).string();
    const ProcessResult nm =
        runProcess("arm-none-eabi-nm -S --defined-only " + shellQuote(path), 60);
    const ProcessResult re = runProcess("arm-none-eabi-readelf -rW " + shellQuote(path), 60);
    if (nm.exitCode != 0 || re.exitCode != 0) return Status::error("reading " + obj + " failed");
    ObjectSymbols& o = perObject[obj];
    readSymbols(nm.output, &o);
    readReferences(re.output, &o);
  }
  std::set<std::string> defined, external = {"memcpy", "memset"};  // the generated code's own calls
  for (const auto& [obj, o] : perObject) {
    for (const auto& [name, bytes] : o.global) defined.insert(name);
  }
  for (const auto& [obj, o] : perObject) {
    for (const auto& [owner, refs] : o.refs) {
      for (const std::string& r : refs) {
        // Merged-constant sections (".rodata.str1.1" -> "str1.1") are not functions to link.
        if (!o.local.count(r) && !defined.count(r) && r.find('.') == std::string::npos) external.insert(r);
      }
    }
  }
  std::map<std::string, int64_t> library;
  if (Status s = linkLibraryFunctions(device, workDir, external, &library); !s) return s;
  // A reference resolves to the object's own local symbol first, then a global.
  for (const auto& [obj, o] : perObject) {
    const auto key = [&](const std::string& name) {
      return o.local.count(name) ? name + "@" + obj : name;
    };
    for (const auto* symbols : {&o.local, &o.global}) {
      for (const auto& [name, bytes] : *symbols) {
        CodeFunction& f = t.functions[key(name)];
        f.bytes = bytes;
        if (auto r = o.refs.find(name); r != o.refs.end()) {
          std::set<std::string> seen;
          for (const std::string& ref : r->second) {
            const std::string k = key(ref);
            if (k != key(name) && seen.insert(k).second) f.calls.push_back(k);
          }
        }
      }
    }
  }
  // C library functions with everything they link (shared run-time helpers count in each).
  for (const auto& [name, bytes] : library) t.functions[name].bytes = bytes;
  return t;
}

int64_t linkedBytes(const CodeSizeTable& table, const std::vector<std::string>& called) {
  std::set<std::string> seen;
  std::vector<std::string> todo(called.begin(), called.end());
  int64_t bytes = 0;
  while (!todo.empty()) {
    const std::string name = std::move(todo.back());
    todo.pop_back();
    if (!seen.insert(name).second) continue;
    const auto it = table.functions.find(name);
    if (it == table.functions.end()) continue;
    bytes += it->second.bytes;
    for (const std::string& c : it->second.calls) todo.push_back(c);
  }
  return bytes;
}

int64_t estimateLibraryFlash(const CodeSizeTable& table, const CodeFootprint& f) {
  return f.dataBytes + linkedBytes(table, f.functions) + table.fixedBytes +
         table.perCallBytes * f.calls;
}

int64_t estimateLibraryFlash(const std::string& core, const CodeFootprint& f) {
  Result<const CodeSizeTable*> table = codeSizeTable(core);
  return table ? estimateLibraryFlash(*table.value(), f) : f.dataBytes + kCodeBytesEstimate;
}

Result<int64_t> estimateLibraryFlash(const std::string& core, const PlannedModel& model,
                                     bool fastKernels) {
  Result<CodeFootprint> f = emitFootprint(model, EmitOptions{fastKernels});
  if (!f) return f.status();
  return estimateLibraryFlash(core, f.value());
}

nlohmann::json codeSizeToJson(const CodeSizeTable& t) {
  nlohmann::json functions = nlohmann::json::object();
  for (const auto& [name, f] : t.functions)
    functions[name] = {{"bytes", f.bytes}, {"calls", f.calls}};
  return {{"format", "tinyforge-codesize"},
          {"version", 1},
          {"core", t.core},
          {"device", t.device},
          {"fixed_bytes", t.fixedBytes},
          {"per_call_bytes", t.perCallBytes},
          {"functions", functions},
          {"calibration", t.calibration}};
}

Result<CodeSizeTable> codeSizeFromJson(const nlohmann::json& j) {
  CodeSizeTable t;
  std::string field = "format";
  try {
    if (j.at("format").get<std::string>() != "tinyforge-codesize")
      return Status::error("not a code-size table");
    field = "core";
    t.core = j.at("core").get<std::string>();
    t.device = j.value("device", "");
    field = "fixed_bytes";
    t.fixedBytes = j.at("fixed_bytes").get<int64_t>();
    field = "per_call_bytes";
    t.perCallBytes = j.at("per_call_bytes").get<int64_t>();
    field = "functions";
    for (const auto& [name, f] : j.at("functions").items()) {
      field = "functions." + name;
      CodeFunction& cf = t.functions[name];
      cf.bytes = f.at("bytes").get<int64_t>();
      cf.calls = f.value("calls", std::vector<std::string>{});
      if (cf.bytes < 0) return Status::error("code-size table: " + field + ": negative bytes");
    }
    t.calibration = j.value("calibration", nlohmann::json::object());
  } catch (const std::exception& e) {
    return Status::error("code-size table: " + field + ": " + e.what());
  }
  return t;
}

Result<const CodeSizeTable*> codeSizeTable(const std::string& core) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<CodeSizeTable>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  if (auto it = cache.find(core); it != cache.end())
    return static_cast<const CodeSizeTable*>(it->second.get());
  const EmbeddedFile* f = embeddedFile("resources/codesize/" + core + ".json");
  if (!f) return Status::error("no code-size table for core '" + core + "' (resources/codesize/)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string(f->data, f->size));
  } catch (const std::exception& e) {
    return Status::error(std::string("resources/codesize/") + core + ".json: " + e.what());
  }
  Result<CodeSizeTable> t = codeSizeFromJson(j);
  if (!t) return t.status();
  auto& slot = cache[core];
  slot = std::make_unique<CodeSizeTable>(std::move(t).value());
  return static_cast<const CodeSizeTable*>(slot.get());
}

}  // namespace tinyforge
