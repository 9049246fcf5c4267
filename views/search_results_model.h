// What the Search view draws, read from a run folder's history.json: TinyNAS's array of
// candidateToJson objects or SpArSe's {"candidates": [...], "hypervolume": [...]}, as one list
// of points with the same metrics, the Pareto front for any two metrics (computed with
// search/pareto.h), SpArSe's hypervolume per iteration and the best accuracy so far.
// Qt-free apart from QString; no widgets.
//
//   Result<SearchResults> r = parseSearchHistory(nlohmann::json::parse(text));
//   std::vector<int32_t> front = frontFor(r.value(), SearchMetric::kPeakSram,
//                                         SearchMetric::kAccuracy);   // sorted along x
//   double kb = displayValue(SearchMetric::kPeakSram, r.value().points[front[0]]);
#pragma once
#include <QPointF>
#include <QString>
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/status.h"

namespace tinyforge::views {

enum class SearchMethod { kTinyNas, kSparse };

// Axes of the scatter. Accuracy is maximised, every other metric minimised.
enum class SearchMetric { kAccuracy, kPeakSram, kFlash, kMacs, kLatency, kWorkingMemory };
constexpr int kSearchMetricCount = 6;

struct SearchPoint {
  int32_t index = 0;  // position in history.json (the candidate index used by the views)
  QString label;      // "#12 gen 3" (TinyNAS), "#5 bayes" (SpArSe)
  SearchMethod method = SearchMethod::kTinyNas;
  // Raw values per SearchMetric: accuracy as a fraction, bytes, MACs, instructions; NaN when the
  // candidate has no such value (SpArSe: MACs and latency; unmeasured accuracy).
  std::array<double, kSearchMetricCount> metrics{};
  int64_t params = 0;
  int64_t nonzeroParams = -1;    // SpArSe only
  double int8TestAccuracy = -1;  // SpArSe front.json only (attachSparseFront)
  bool feasible = true;
  bool measured = false;  // accuracy >= 0
  QString violation;      // why infeasible ("SRAM 70,144 B (arena + stack) > ...")
  nlohmann::json raw;     // the candidate's JSON object as read

  double metric(SearchMetric m) const { return metrics[size_t(m)]; }
  bool has(SearchMetric m) const;  // a finite value
};

struct SearchResults {
  SearchMethod method = SearchMethod::kTinyNas;
  std::vector<SearchPoint> points;  // in history order
  std::vector<double> hypervolume;  // SpArSe: per iteration as written; empty for TinyNAS

  int32_t feasibleCount() const;
  int32_t measuredCount() const;  // feasible and measured
};

// Detects the format. Errors name the candidate and the key: "history.json candidate 3:
// 'peak_sram_bytes' is a string, expected a number".
Result<SearchResults> parseSearchHistory(const nlohmann::json& history);
// The same from text (a file being written may be cut short: an error, never an exception).
Result<SearchResults> parseSearchHistoryText(const std::string& text);
// Adds SpArSe front.json's int8 test accuracies to the matching points (by "iteration").
Status attachSparseFront(const nlohmann::json& front, SearchResults* results);

// "accuracy", "peak SRAM" ... and the axis titles with units: "accuracy (%)", "peak SRAM (KB)",
// "flash (KB)", "MACs (M)", "latency (M instr)", "working memory (KB)".
QString metricName(SearchMetric m);
QString metricAxisTitle(SearchMetric m);
bool isMaximised(SearchMetric m);
// Raw value to axis units (accuracy * 100, bytes / 1024, MACs and instructions / 1e6).
double displayValue(SearchMetric m, double raw);
double displayValue(SearchMetric m, const SearchPoint& p);
// "91.2 %", "61.2 KB (62,669 B)", "4.10 M (4,101,233)"; "n/a" without a value.
QString formatMetric(SearchMetric m, const SearchPoint& p);

// Metrics the method writes, in combo-box order; latency only when some candidate has it.
std::vector<SearchMetric> availableMetrics(const SearchResults& results);

// The tooltip / inspector text: label, feasibility (and violation), every available metric.
QString describePoint(const SearchResults& results, const SearchPoint& p);

// Indices (into points) of the Pareto front of the feasible measured points over (x, y) with
// accuracy maximised and the rest minimised (search/pareto.h paretoFront on -accuracy),
// sorted by x ascending (ties by y), ready for a staircase.
std::vector<int32_t> frontFor(const SearchResults& results, SearchMetric x, SearchMetric y);
// The staircase through the front in display units: the boundary of the region it dominates.
std::vector<QPointF> frontStaircase(const SearchResults& results, const std::vector<int32_t>& front,
                                    SearchMetric x, SearchMetric y);

// Per candidate count k (1..n): the best accuracy among the first k feasible measured
// candidates, as a fraction; NaN before the first one.
std::vector<double> bestAccuracySoFar(const SearchResults& results);

}  // namespace tinyforge::views
