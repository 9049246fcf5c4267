// Calibrates the TinyNAS latency model (search/latency_model.h) for Cortex-M4 (QEMU mps2-an386)
// and Cortex-M7 (mps2-an500): samples networks from the TinyNAS space, exports each with the fast
// kernels and the best planner, measures per-layer instructions in QEMU (verifyFirmware), fits
// the model on the training networks and reports its error on held-out networks it never saw.
// Writes <out>/cortex-m4.json and <out>/cortex-m7.json.
//
//   ./bench/latency_calibration [--out resources/latency] [--train 24] [--heldout 12]
//       [--coverage 16] [--coverage-heldout 8] [--seed 1] [--cache measurements.json]
//       [--core cortex-m4|cortex-m7] [--layers layers.csv]
//
// --layers writes every measured layer (network, set, op, kernel, features, measured, predicted)
// as CSV, to see where a kernel's features miss.
//
// Training networks: TinyNAS samples plus a few "coverage" networks (plain k x k convolutions
// with Cin >= 2, depthwise-separable blocks, max pooling) for kernels the TinyNAS space never
// compiles to. Held-out networks: TinyNAS samples (the reported error) and a few coverage
// networks (the error outside the space). --cache keeps the measurements, so that a
// refit does not run QEMU again (networks are keyed by name, and a measurement is reused only for
// the same graph: same spec, same .tflite bytes).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "engine/firmware/exporter.h"
#include "engine/firmware/verifier.h"
#include "engine/io/tflite_export.h"
#include "engine/pipeline.h"
#include "search/latency_model.h"
#include "search/search_space.h"

namespace {

using namespace tinyforge;
namespace fs = std::filesystem;

struct Network {
  std::string name, set;  // "train", "coverage" (fitted on), "heldout", "coverage_heldout"
  ArchSpec spec;
};

struct Measurement {
  int64_t total = 0;
  std::vector<int64_t> perLayer;  // by op index of the planned graph
};

struct Options {
  std::string out = "resources/latency", cache, onlyCore, layers;
  int32_t train = 24, heldout = 12, coverage = 16, coverageHeldout = 8;
  uint64_t seed = 1;
};

template <typename T>
T pick(const std::vector<T>& v, std::mt19937_64* rng) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(*rng)];
}

// Layers the TinyNAS space never has: k x k convolutions on several channels, depthwise-separable
// blocks, max pooling; inputs of 1 to 4 channels.
ArchSpec coverageArch(std::mt19937_64* rng) {
  ArchSpec a;
  a.inputH = a.inputW = pick<int32_t>({16, 20, 24, 28}, rng);
  a.inputC = pick<int32_t>({1, 2, 3, 4}, rng);
  auto layer = [&](LayerType t, int32_t out, int32_t k, int32_t stride) {
    LayerSpec l;
    l.type = t;
    l.out = out;
    l.kernel = k;
    l.stride = stride;
    a.layers.push_back(l);
  };
  // (10 channels: kernel rows of 30 or 50 bytes keep the second convolution off the lanes path)
  layer(LayerType::kConv, pick<int32_t>({8, 10, 12, 16}, rng), pick<int32_t>({3, 5}, rng),
        pick<int32_t>({1, 2}, rng));
  layer(LayerType::kConv, pick<int32_t>({8, 16, 24}, rng), pick<int32_t>({3, 5}, rng),
        pick<int32_t>({1, 2}, rng));
  LayerSpec pool;
  pool.type = LayerType::kPool;
  pool.kernel = pool.stride = 2;
  pool.maxPool = true;
  a.layers.push_back(pool);
  layer(LayerType::kDepthwiseSeparable, pick<int32_t>({16, 24, 32}, rng),
        pick<int32_t>({3, 5, 7}, rng), pick<int32_t>({1, 2}, rng));
  layer(LayerType::kDepthwiseSeparable, pick<int32_t>({16, 32}, rng), 3, 1);
  layer(LayerType::kGlobalPool, 0, 1, 1);
  layer(LayerType::kFullyConnected, a.classes, 1, 1);
  a.layers.back().activation = Activation::kNone;
  a.name = "cov_r" + std::to_string(a.inputH) + "c" + std::to_string(a.inputC);
  for (const LayerSpec& l : a.layers) {
    if (l.type == LayerType::kConv || l.type == LayerType::kDepthwiseSeparable) {
      a.name += std::string(l.type == LayerType::kConv ? "_conv" : "_dws") + std::to_string(l.out) +
                "k" + std::to_string(l.kernel) + "s" + std::to_string(l.stride);
    }
  }
  return a;
}

std::vector<Network> sampleNetworks(const Options& o) {
  const SearchSpace space = mcunetSpace(28, 28, 1, 10);
  std::mt19937_64 rng(o.seed), coverageRng(o.seed + 1000);
  std::vector<Network> nets;
  std::set<std::string> trainSpecs;
  auto tinynas = [&](const std::string& set, int32_t i) {
    ArchSpec spec;
    do {  // a held-out network is never one of the training networks
      const double w = pick(space.widths, &rng);
      const int32_t r = pick(space.resolutions, &rng);
      spec = sampleArch(space, w, r, &rng);
    } while (set == "heldout" && trainSpecs.count(spec.name));
    if (set == "train") trainSpecs.insert(spec.name);
    nets.push_back({set + std::to_string(i), set, spec});
  };
  for (int32_t i = 0; i < o.train; ++i) tinynas("train", i);
  for (int32_t i = 0; i < o.coverage; ++i)
    nets.push_back({"coverage" + std::to_string(i), "coverage", coverageArch(&coverageRng)});
  for (int32_t i = 0; i < o.heldout; ++i) tinynas("heldout", i);
  for (int32_t i = 0; i < o.coverageHeldout; ++i) {
    nets.push_back({"covheld" + std::to_string(i), "coverage_heldout", coverageArch(&coverageRng)});
  }
  return nets;
}

Result<Measurement> measure(const Graph& graph, const std::string& device, const fs::path& dir) {
  ExportOptions eo;
  eo.device = device;
  eo.planner = "best";
  eo.fastKernels = true;
  fs::remove_all(dir);
  Result<ExportSummary> e = exportFirmware(graph, eo, dir.string());
  if (!e) return Result<Measurement>::failure("export: " + e.error());
  Result<VerifyReport> v = verifyFirmware(dir.string());
  fs::remove_all(dir);
  if (!v) return Result<Measurement>::failure("verify: " + v.error());
  if (!v.value().match) return Result<Measurement>::failure("verify: output mismatch");
  Measurement m;
  m.total = v.value().instructions;
  for (const LayerInstructions& l : v.value().perLayer) {
    if (l.op < 0) continue;
    if (size_t(l.op) >= m.perLayer.size()) m.perLayer.resize(size_t(l.op) + 1, 0);
    m.perLayer[size_t(l.op)] = l.instructions;
  }
  return m;
}

// Per-layer samples plus the per-inference remainder (total minus the layers, at least 0).
std::vector<LayerSample> samplesOf(const std::vector<LayerFeatures>& layers, const Measurement& m) {
  std::vector<LayerSample> s;
  int64_t sum = 0;
  for (size_t i = 0; i < layers.size() && i < m.perLayer.size(); ++i) {
    s.push_back({layers[i], m.perLayer[i]});
    sum += m.perLayer[i];
  }
  s.push_back({invokeFeatures(), std::max<int64_t>(0, m.total - sum)});
  return s;
}

struct Row {
  const Network* net = nullptr;
  int64_t macs = 0, measured = 0, predicted = 0, graphOnly = 0;
};

void printRows(const std::vector<Row>& rows, const std::string& set) {
  std::printf("  %-10s %-52s %9s %11s %11s %8s %8s\n", "network", "spec", "MACs", "measured",
              "predicted", "rel.err", "graph");
  for (const Row& r : rows) {
    if (r.net->set != set) continue;
    std::string spec = r.net->spec.name.substr(0, 52);
    std::printf("  %-10s %-52s %9lld %11lld %11lld %+7.2f%% %+7.2f%%\n", r.net->name.c_str(),
                spec.c_str(), (long long)r.macs, (long long)r.measured, (long long)r.predicted,
                100.0 * double(r.predicted - r.measured) / double(r.measured),
                100.0 * double(r.graphOnly - r.measured) / double(r.measured));
  }
}

nlohmann::json errorJson(const std::vector<Row>& rows, const std::string& set,
                         bool graphOnly = false) {
  std::vector<double> measured, predicted;
  for (const Row& r : rows) {
    if (r.net->set != set) continue;
    measured.push_back(double(r.measured));
    predicted.push_back(double(graphOnly ? r.graphOnly : r.predicted));
  }
  const LatencyError e = latencyError(measured, predicted);
  return {{"networks", measured.size()},
          {"mean_abs_rel_error", e.meanAbsRelative},
          {"max_abs_rel_error", e.maxAbsRelative},
          {"spearman", e.spearman}};
}

struct Planned {
  Graph graph;
  PlannedModel model;
  std::vector<LayerFeatures> features;       // from the plan (in-place use exact)
  std::vector<LayerFeatures> graphFeatures;  // from the planned graph alone
  int64_t macs = 0;
  std::string fingerprint;  // of the graph as a .tflite: the cache's measurement is of this graph
};

// FNV-1a of the graph's .tflite bytes, in hex ("" when it cannot be written).
std::string graphFingerprint(const Graph& g) {
  Result<std::vector<uint8_t>> bytes = exportTflite(g);
  if (!bytes) return "";
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : bytes.value()) h = (h ^ b) * 1099511628211ull;
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", (unsigned long long)h);
  return text;
}

std::map<std::string, Planned> planAll(const std::vector<Network>& nets) {
  std::map<std::string, Planned> out;
  for (const Network& n : nets) {
    Result<Graph> g = archToGraph(n.spec);
    Result<PlannedModel> p = g ? planModel(g.value(), "best") : Result<PlannedModel>(g.status());
    if (!p) {
      std::printf("%s: %s\n", n.name.c_str(), p.error().c_str());
      continue;
    }
    out[n.name] = {g.value(), p.value(), latencyFeatures(p.value()),
                   latencyFeatures(p.value().graph), archCost(n.spec).macs,
                   graphFingerprint(g.value())};
  }
  return out;
}

// Measures every network (or takes it from the cache) on one device; the cache is updated.
std::map<std::string, Measurement> measureAll(const std::vector<Network>& nets,
                                              const std::map<std::string, Planned>& planned,
                                              const std::string& core, const std::string& device,
                                              nlohmann::json* cache) {
  std::map<std::string, Measurement> out;
  const fs::path work =
      fs::temp_directory_path() / ("tinyforge_latency_" + core + "_" + std::to_string(::getpid()));
  for (const Network& n : nets) {
    if (!planned.count(n.name)) continue;
    nlohmann::json& c = (*cache)[core][n.name];
    const std::string& fingerprint = planned.at(n.name).fingerprint;
    if (c.is_object() && c.value("spec", std::string()) == n.spec.name && !fingerprint.empty() &&
        c.value("graph", std::string()) == fingerprint) {
      out[n.name] = {c["total"].get<int64_t>(), c["per_layer"].get<std::vector<int64_t>>()};
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    Result<Measurement> m = measure(planned.at(n.name).graph, device, work);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!m) {
      std::printf("  %s %s: %s (skipped)\n", core.c_str(), n.name.c_str(), m.error().c_str());
      continue;
    }
    std::printf("  %s %-10s %11lld instructions, %zu layers, %.1f s\n", core.c_str(),
                n.name.c_str(), (long long)m.value().total, m.value().perLayer.size(), s);
    std::fflush(stdout);
    out[n.name] = m.value();
    c = {{"spec", n.spec.name},
         {"graph", fingerprint},
         {"total", m.value().total},
         {"per_layer", m.value().perLayer}};
  }
  fs::remove_all(work);
  return out;
}

// Per-kernel mean absolute relative error of one set's layers (those above 1000 instructions).
void printKernelErrors(const LatencyModel& model, const std::vector<Network>& nets,
                       const std::string& set, const std::map<std::string, Planned>& planned,
                       const std::map<std::string, Measurement>& measured) {
  std::map<std::string, std::pair<double, int32_t>> err;
  for (const Network& n : nets) {
    if (n.set != set || !measured.count(n.name)) continue;
    const Planned& p = planned.at(n.name);
    const Measurement& m = measured.at(n.name);
    for (size_t i = 0; i < p.features.size() && i < m.perLayer.size(); ++i) {
      if (m.perLayer[i] < 1000) continue;
      auto& [sum, count] = err[latencyKernelName(p.features[i].kernel)];
      sum += std::fabs(predictLayer(model, p.features[i]) - double(m.perLayer[i])) /
             double(m.perLayer[i]);
      ++count;
    }
  }
  std::printf("  %s layers, mean |rel. error| per kernel (layers):", set.c_str());
  for (const auto& [name, e] : err)
    std::printf("  %s %.2f%% (%d)", name.c_str(), 100.0 * e.first / e.second, e.second);
  std::printf("\n");
}

// What the search pays per candidate: features from the planned model, then the model.
void printPredictionCost(const LatencyModel& model, const std::map<std::string, Planned>& planned) {
  const auto start = std::chrono::steady_clock::now();
  int64_t sum = 0, calls = 0;
  for (int repeat = 0; repeat < 20; ++repeat) {
    for (const auto& [name, p] : planned) {
      sum += predictInstructions(model, p.model);
      ++calls;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  prediction: %.1f us per network (features + model, %lld calls, checksum %lld)\n",
              1e6 * s / double(calls), (long long)calls, (long long)sum);
}

// Tables of the networks and per-kernel errors; records the errors in model->calibration.
void report(const std::vector<Network>& nets, const std::map<std::string, Planned>& planned,
            const std::map<std::string, Measurement>& measured, const Options& o, size_t samples,
            LatencyModel* model) {
  std::vector<Row> rows;
  for (const Network& n : nets) {
    if (!measured.count(n.name)) continue;
    const Planned& p = planned.at(n.name);
    rows.push_back({&n, p.macs, measured.at(n.name).total,
                    predictLatency(*model, p.features).instructions,
                    predictLatency(*model, p.graphFeatures).instructions});
  }
  std::printf("%s: training networks (fitted on)\n", model->core.c_str());
  for (const char* set : {"train", "coverage"}) printRows(rows, set);
  for (const char* set : {"train", "coverage"})
    printKernelErrors(*model, nets, set, planned, measured);
  std::printf("%s: held-out networks (not fitted on); 'graph': predicted without the plan\n",
              model->core.c_str());
  for (const char* set : {"heldout", "coverage_heldout"}) printRows(rows, set);
  for (const char* set : {"heldout", "coverage_heldout"}) {
    printKernelErrors(*model, nets, set, planned, measured);
  }
  printPredictionCost(*model, planned);
  model->calibration = {{"tool", "bench/latency_calibration"},
                        {"space", "mcunetSpace(28, 28, 1, 10)"},
                        {"planner", "best"},
                        {"fast_kernels", true},
                        {"seed", o.seed},
                        {"layer_samples", samples},
                        {"train", errorJson(rows, "train")},
                        {"coverage", errorJson(rows, "coverage")},
                        {"heldout", errorJson(rows, "heldout")},
                        {"heldout_graph_only", errorJson(rows, "heldout", true)},
                        {"coverage_heldout", errorJson(rows, "coverage_heldout")}};
}

// One CSV row per measured layer, appended to o.layers (the header when the file is empty).
void writeLayers(const LatencyModel& model, const std::vector<Network>& nets,
                 const std::map<std::string, Planned>& planned,
                 const std::map<std::string, Measurement>& measured, const std::string& path) {
  const bool fresh = !fs::exists(path) || fs::file_size(path) == 0;
  std::ofstream out(path, std::ios::app);
  if (fresh) {
    out << "core,network,set,op,kernel";
    for (const char* f : kLatencyFeatureNames) out << "," << f;
    out << ",measured,predicted\n";
  }
  for (const Network& n : nets) {
    if (!measured.count(n.name)) continue;
    const Planned& p = planned.at(n.name);
    const Measurement& m = measured.at(n.name);
    for (size_t i = 0; i < p.features.size() && i < m.perLayer.size(); ++i) {
      out << model.core << "," << n.name << "," << n.set << "," << i << ","
          << latencyKernelName(p.features[i].kernel);
      for (double x : p.features[i].x) out << "," << x;
      out << "," << m.perLayer[i] << "," << predictLayer(model, p.features[i]) << "\n";
    }
  }
}

// Measures (or reads from the cache), fits on the training and coverage networks, reports.
Result<LatencyModel> calibrate(const std::vector<Network>& nets,
                               const std::map<std::string, Planned>& planned,
                               const std::string& core, const std::string& device, const Options& o,
                               nlohmann::json* cache) {
  const auto start = std::chrono::steady_clock::now();
  std::printf("%s (%s): measuring %zu networks in QEMU\n", core.c_str(), device.c_str(),
              nets.size());
  const std::map<std::string, Measurement> measured =
      measureAll(nets, planned, core, device, cache);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<LayerSample> samples;
  for (const Network& n : nets) {
    if ((n.set != "train" && n.set != "coverage") || !measured.count(n.name)) continue;
    for (LayerSample& s : samplesOf(planned.at(n.name).features, measured.at(n.name))) {
      samples.push_back(s);
    }
  }
  Result<LatencyModel> model = fitLatencyModel(samples, core);
  if (!model) return model;
  model.value().device = device;
  report(nets, planned, measured, o, samples.size(), &model.value());
  if (!o.layers.empty()) writeLayers(model.value(), nets, planned, measured, o.layers);
  const nlohmann::json& c = model.value().calibration;
  std::printf(
      "%s: held-out %d networks: mean |rel. error| %.2f%%, max %.2f%%, Spearman %.4f "
      "(train: mean %.2f%%); measuring took %.0f s\n\n",
      core.c_str(), c["heldout"]["networks"].get<int>(),
      100 * c["heldout"]["mean_abs_rel_error"].get<double>(),
      100 * c["heldout"]["max_abs_rel_error"].get<double>(), c["heldout"]["spearman"].get<double>(),
      100 * c["train"]["mean_abs_rel_error"].get<double>(), seconds);
  return model;
}

bool parseArgs(int argc, char** argv, Options* o) {
  const std::map<std::string, std::string*> strings = {
      {"--out", &o->out}, {"--cache", &o->cache}, {"--core", &o->onlyCore}, {"--layers", &o->layers}};
  const std::map<std::string, int32_t*> counts = {{"--train", &o->train},
                                                  {"--heldout", &o->heldout},
                                                  {"--coverage", &o->coverage},
                                                  {"--coverage-heldout", &o->coverageHeldout}};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    char* end = nullptr;
    const long long n = std::strtoll(value.c_str(), &end, 10);
    const bool number = !value.empty() && *end == 0 && n >= 0 && n < (1 << 20);
    if (strings.count(flag)) {
      *strings.at(flag) = value;
    } else if (counts.count(flag) && number) {
      *counts.at(flag) = int32_t(n);
    } else if (flag == "--seed" && number) {
      o->seed = uint64_t(n);
    } else {
      return false;
    }
  }
  return argc % 2 == 1 && o->train > 0 && o->heldout > 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parseArgs(argc, argv, &o)) {
    std::fprintf(stderr,
                 "usage: latency_calibration [--out DIR] [--train N] [--heldout N] [--coverage N] "
                 "[--coverage-heldout N] [--seed S] [--cache FILE] [--core cortex-m4|cortex-m7] "
                 "[--layers FILE.csv]\n");
    return 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Network> nets = sampleNetworks(o);
  const std::map<std::string, Planned> planned = planAll(nets);
  nlohmann::json cache = nlohmann::json::object();
  if (!o.cache.empty() && fs::exists(o.cache))
    cache = nlohmann::json::parse(std::ifstream(o.cache), nullptr, false);
  if (!cache.is_object()) cache = nlohmann::json::object();
  const std::pair<std::string, std::string> cores[] = {{"cortex-m4", "mps2-an386"},
                                                       {"cortex-m7", "mps2-an500"}};
  for (const auto& [core, device] : cores) {
    if (!o.onlyCore.empty() && o.onlyCore != core) continue;
    Result<LatencyModel> m = calibrate(nets, planned, core, device, o, &cache);
    if (!o.cache.empty()) std::ofstream(o.cache) << cache.dump(1) << "\n";
    if (!m) {
      std::fprintf(stderr, "%s: %s\n", core.c_str(), m.error().c_str());
      return 1;
    }
    fs::create_directories(o.out);
    const fs::path path = fs::path(o.out) / (core + ".json");
    std::ofstream(path) << latencyModelToJson(m.value()).dump(1) << "\n";
    std::printf("wrote %s\n\n", path.string().c_str());
  }
  std::printf("calibration took %.0f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
