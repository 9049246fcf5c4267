#include "views/search_results_model.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "search/pareto.h"
#include "views/timeline_model.h"

namespace tinyforge::views {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string typeName(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

// Reads one candidate's keys, collecting the first error with the candidate and the key named.
class CandidateReader {
 public:
  CandidateReader(const nlohmann::json& object, size_t index) : m_object(object), m_index(index) {}

  double number(const char* key, bool required = true) {
    const auto it = m_object.find(key);
    if (it == m_object.end()) {
      if (required) fail(std::string("'") + key + "' missing");
      return kNaN;
    }
    if (!it->is_number()) {
      fail(std::string("'") + key + "' is " + typeName(*it) + ", expected a number");
      return kNaN;
    }
    return it->get<double>();
  }
  int64_t integer(const char* key, int64_t fallback) {
    const auto it = m_object.find(key);
    return it != m_object.end() && it->is_number() ? it->get<int64_t>() : fallback;
  }
  bool boolean(const char* key) {
    const auto it = m_object.find(key);
    if (it == m_object.end() || !it->is_boolean()) {
      fail(std::string("'") + key + "' " +
           (it == m_object.end() ? "missing" : "is " + typeName(*it) + ", expected true or false"));
      return false;
    }
    return it->get<bool>();
  }
  QString text(const char* key) {
    const auto it = m_object.find(key);
    return it != m_object.end() && it->is_string() ? QString::fromStdString(it->get<std::string>())
                                                   : QString();
  }
  const std::string& error() const { return m_error; }

 private:
  void fail(const std::string& what) {
    if (m_error.empty())
      m_error = "history.json candidate " + std::to_string(m_index) + ": " + what;
  }
  const nlohmann::json& m_object;
  size_t m_index;
  std::string m_error;
};

void setMetric(SearchPoint* p, SearchMetric m, double v) { p->metrics[size_t(m)] = v; }

Result<SearchPoint> tinyNasPoint(const nlohmann::json& c, size_t i) {
  SearchPoint p;
  p.method = SearchMethod::kTinyNas;
  p.index = int32_t(i);
  p.metrics.fill(kNaN);
  CandidateReader r(c, i);
  p.feasible = r.boolean("feasible");
  const double accuracy = r.number("accuracy");
  setMetric(&p, SearchMetric::kPeakSram, r.number("peak_sram_bytes"));
  setMetric(&p, SearchMetric::kFlash, r.number("flash_bytes"));
  setMetric(&p, SearchMetric::kMacs, r.number("macs"));
  const double instructions = r.number("instructions", false);
  if (!r.error().empty()) return Result<SearchPoint>::failure(r.error());
  if (instructions > 0) setMetric(&p, SearchMetric::kLatency, instructions);
  p.measured = accuracy >= 0;
  if (p.measured) setMetric(&p, SearchMetric::kAccuracy, accuracy);
  p.params = r.integer("params", 0);
  p.violation = r.text("violation");
  const int64_t generation = r.integer("generation", 0);
  p.label = QStringLiteral("#%1 gen %2").arg(i).arg(generation);
  p.raw = c;
  return p;
}

Result<SearchPoint> sparsePoint(const nlohmann::json& c, size_t i) {
  SearchPoint p;
  p.method = SearchMethod::kSparse;
  p.index = int32_t(i);
  p.metrics.fill(kNaN);
  CandidateReader r(c, i);
  const double accuracy = r.number("validation_accuracy");
  setMetric(&p, SearchMetric::kPeakSram, r.number("peak_sram_best_bytes"));
  setMetric(&p, SearchMetric::kFlash, r.number("flash_bytes"));
  setMetric(&p, SearchMetric::kWorkingMemory, r.number("working_memory_bytes"));
  if (!r.error().empty()) return Result<SearchPoint>::failure(r.error());
  p.measured = accuracy >= 0;
  if (p.measured) setMetric(&p, SearchMetric::kAccuracy, accuracy);
  p.params = r.integer("params", 0);
  p.nonzeroParams = r.integer("nonzero_params", -1);
  QString source = r.text("source");
  p.label =
      QStringLiteral("#%1 %2").arg(i).arg(source.isEmpty() ? QStringLiteral("sparse") : source);
  p.raw = c;
  return p;
}

Result<SearchResults> parseCandidates(const nlohmann::json& list, SearchMethod method) {
  SearchResults out;
  out.method = method;
  out.points.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) {
      return Result<SearchResults>::failure("history.json candidate " + std::to_string(i) + " is " +
                                            typeName(list[i]) + ", expected an object");
    }
    Result<SearchPoint> p =
        method == SearchMethod::kTinyNas ? tinyNasPoint(list[i], i) : sparsePoint(list[i], i);
    if (!p) return p.status();
    out.points.push_back(std::move(p).value());
  }
  return out;
}

}  // namespace

bool SearchPoint::has(SearchMetric m) const { return std::isfinite(metric(m)); }

int32_t SearchResults::feasibleCount() const {
  return int32_t(
      std::count_if(points.begin(), points.end(), [](const SearchPoint& p) { return p.feasible; }));
}

int32_t SearchResults::measuredCount() const {
  return int32_t(std::count_if(points.begin(), points.end(),
                               [](const SearchPoint& p) { return p.feasible && p.measured; }));
}

Result<SearchResults> parseSearchHistory(const nlohmann::json& history) {
  if (history.is_array()) return parseCandidates(history, SearchMethod::kTinyNas);
  if (!history.is_object()) {
    return Result<SearchResults>::failure("history.json is " + typeName(history) +
                                          ", expected a TinyNAS array or a SpArSe object");
  }
  const auto candidates = history.find("candidates");
  if (candidates == history.end() || !candidates->is_array()) {
    return Result<SearchResults>::failure(
        "history.json: object without a 'candidates' array (not a SpArSe history)");
  }
  Result<SearchResults> out = parseCandidates(*candidates, SearchMethod::kSparse);
  if (!out) return out;
  const auto hv = history.find("hypervolume");
  if (hv != history.end()) {
    if (!hv->is_array())
      return Result<SearchResults>::failure("history.json: 'hypervolume' is not an array");
    for (size_t i = 0; i < hv->size(); ++i) {
      if (!(*hv)[i].is_number()) {
        return Result<SearchResults>::failure("history.json: hypervolume " + std::to_string(i) +
                                              " is " + typeName((*hv)[i]) + ", expected a number");
      }
      out.value().hypervolume.push_back((*hv)[i].get<double>());
    }
  }
  return out;
}

Result<SearchResults> parseSearchHistoryText(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Result<SearchResults>::failure("history.json is not valid JSON");
  return parseSearchHistory(j);
}

Status attachSparseFront(const nlohmann::json& front, SearchResults* results) {
  if (!front.is_array())
    return Status::error("front.json is " + typeName(front) + ", expected an array");
  for (size_t i = 0; i < front.size(); ++i) {
    const nlohmann::json& f = front[i];
    const auto it = f.is_object() ? f.find("iteration") : f.end();
    const auto acc = f.is_object() ? f.find("int8_test_accuracy") : f.end();
    if (it == f.end() || !it->is_number_integer() || acc == f.end() || !acc->is_number()) {
      return Status::error("front.json entry " + std::to_string(i) +
                           ": needs a whole 'iteration' and a numeric 'int8_test_accuracy'");
    }
    const int64_t k = it->get<int64_t>();
    if (k < 0 || size_t(k) >= results->points.size()) {
      return Status::error("front.json entry " + std::to_string(i) + ": iteration " +
                           std::to_string(k) + " is not in history.json (" +
                           std::to_string(results->points.size()) + " candidates)");
    }
    results->points[size_t(k)].int8TestAccuracy = acc->get<double>();
  }
  return Status::ok();
}

QString metricName(SearchMetric m) {
  switch (m) {
    case SearchMetric::kAccuracy:
      return QStringLiteral("accuracy");
    case SearchMetric::kPeakSram:
      return QStringLiteral("peak SRAM");
    case SearchMetric::kFlash:
      return QStringLiteral("flash");
    case SearchMetric::kMacs:
      return QStringLiteral("MACs");
    case SearchMetric::kLatency:
      return QStringLiteral("latency");
    case SearchMetric::kWorkingMemory:
      return QStringLiteral("working memory");
  }
  return {};
}

QString metricAxisTitle(SearchMetric m) {
  switch (m) {
    case SearchMetric::kAccuracy:
      return QStringLiteral("accuracy (%)");
    case SearchMetric::kMacs:
      return QStringLiteral("MACs (M)");
    case SearchMetric::kLatency:
      return QStringLiteral("latency (M instr)");
    default:
      return metricName(m) + QStringLiteral(" (KB)");
  }
}

bool isMaximised(SearchMetric m) { return m == SearchMetric::kAccuracy; }

double displayValue(SearchMetric m, double raw) {
  switch (m) {
    case SearchMetric::kAccuracy:
      return raw * 100.0;
    case SearchMetric::kMacs:
    case SearchMetric::kLatency:
      return raw / 1e6;
    default:
      return raw / 1024.0;
  }
}

double displayValue(SearchMetric m, const SearchPoint& p) { return displayValue(m, p.metric(m)); }

QString formatMetric(SearchMetric m, const SearchPoint& p) {
  if (!p.has(m))
    return m == SearchMetric::kAccuracy ? QStringLiteral("not measured") : QStringLiteral("n/a");
  const double v = p.metric(m);
  const auto exact = QString::fromStdString(formatCount(int64_t(std::llround(v))));
  switch (m) {
    case SearchMetric::kAccuracy:
      return QStringLiteral("%1 %").arg(v * 100.0, 0, 'f', 2);
    case SearchMetric::kMacs:
    case SearchMetric::kLatency:
      return QStringLiteral("%1 M (%2)").arg(displayValue(m, v), 0, 'f', 2).arg(exact);
    default:
      return QStringLiteral("%1 (%2 B)")
          .arg(QString::fromStdString(formatBytes(int64_t(v))))
          .arg(exact);
  }
}

std::vector<SearchMetric> availableMetrics(const SearchResults& results) {
  std::vector<SearchMetric> out = {SearchMetric::kAccuracy, SearchMetric::kPeakSram,
                                   SearchMetric::kFlash};
  if (results.method == SearchMethod::kTinyNas) {
    out.push_back(SearchMetric::kMacs);
    const bool latency =
        std::any_of(results.points.begin(), results.points.end(),
                    [](const SearchPoint& p) { return p.has(SearchMetric::kLatency); });
    if (latency) out.push_back(SearchMetric::kLatency);
  } else {
    out.push_back(SearchMetric::kWorkingMemory);
  }
  return out;
}

QString describePoint(const SearchResults& results, const SearchPoint& p) {
  QString s = QStringLiteral("<b>%1</b>").arg(p.label.toHtmlEscaped());
  if (!p.feasible) {
    s += QStringLiteral("<br>infeasible: %1").arg(p.violation.toHtmlEscaped());
  }
  for (SearchMetric m : availableMetrics(results)) {
    s += QStringLiteral("<br>%1: %2").arg(metricName(m), formatMetric(m, p));
  }
  s += QStringLiteral("<br>params: %1").arg(QString::fromStdString(formatCount(p.params)));
  if (p.nonzeroParams >= 0) {
    s += QStringLiteral("<br>non-zero params: %1")
             .arg(QString::fromStdString(formatCount(p.nonzeroParams)));
  }
  if (p.int8TestAccuracy >= 0) {
    s += QStringLiteral("<br>int8 test accuracy: %1 %").arg(p.int8TestAccuracy * 100.0, 0, 'f', 2);
  }
  return s;
}

std::vector<int32_t> frontFor(const SearchResults& results, SearchMetric x, SearchMetric y) {
  std::vector<int32_t> candidates;
  std::vector<Objectives> objectives;
  for (const SearchPoint& p : results.points) {
    if (!p.feasible || !p.measured || !p.has(x) || !p.has(y)) continue;
    candidates.push_back(p.index);
    objectives.push_back(
        {isMaximised(x) ? -p.metric(x) : p.metric(x), isMaximised(y) ? -p.metric(y) : p.metric(y)});
  }
  std::vector<int32_t> front;
  for (size_t k : paretoFront(objectives)) front.push_back(candidates[k]);
  const auto& pts = results.points;
  std::sort(front.begin(), front.end(), [&](int32_t a, int32_t b) {
    const double xa = pts[size_t(a)].metric(x), xb = pts[size_t(b)].metric(x);
    return xa != xb ? xa < xb : pts[size_t(a)].metric(y) < pts[size_t(b)].metric(y);
  });
  return front;
}

std::vector<QPointF> frontStaircase(const SearchResults& results, const std::vector<int32_t>& front,
                                    SearchMetric x, SearchMetric y) {
  std::vector<QPointF> out;
  for (size_t k = 0; k < front.size(); ++k) {
    const SearchPoint& p = results.points[size_t(front[k])];
    const QPointF here(displayValue(x, p), displayValue(y, p));
    if (k > 0) {
      // Minimised x: the previous point's y holds until this x; maximised x: this y from the
      // previous x on.
      const QPointF prev = out.back();
      out.push_back(isMaximised(x) ? QPointF(prev.x(), here.y()) : QPointF(here.x(), prev.y()));
    }
    out.push_back(here);
  }
  return out;
}

std::vector<double> bestAccuracySoFar(const SearchResults& results) {
  std::vector<double> out;
  out.reserve(results.points.size());
  double best = kNaN;
  for (const SearchPoint& p : results.points) {
    if (p.feasible && p.measured && !(p.metric(SearchMetric::kAccuracy) <= best)) {
      best = p.metric(SearchMetric::kAccuracy);
    }
    out.push_back(best);
  }
  return out;
}

}  // namespace tinyforge::views
