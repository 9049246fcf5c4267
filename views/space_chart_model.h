// What the search-space view draws, taken from TinyNAS stage 1's SpaceReport: per (width,
// resolution) pair with fitting networks a MACs CDF as a step polyline, and the heat-map grid
// (widths as columns, resolutions as rows) with mean MACs and fitting fraction per cell, plus the
// heat map's colour scale. Qt value types only (no widgets) so it can be tested against the report.
//
//   SpaceChartModel m = buildSpaceChartModel(optimizeSpace(space, budget, {.samples = 200}));
//   m.curves[i].points;  m.grid.cell(col, row).meanMacs;  heatScale(m.grid, HeatMode::kFitFraction)
#pragma once
#include <QColor>
#include <QPointF>
#include <QString>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/status.h"
#include "search/search_space.h"

namespace tinyforge::views {

struct SpaceCurve {
  int32_t pair = -1;  // index into SpaceReport::pairs
  double width = 0;
  int32_t resolution = 0;
  QString label;  // "w0.50 r24"
  bool chosen = false;
  // x = MACs in millions, y = fraction of fitting networks with MACs <= x: a step function
  // (x_1, 0), (x_1, c_1), (x_2, c_1), (x_2, c_2), ..., (x_k, 1) over the distinct MACs x_i.
  std::vector<QPointF> points;
};

struct SpaceCell {
  int32_t pair = -1;  // index into SpaceReport::pairs; -1: the grid point was not measured
  double width = 0;
  int32_t resolution = 0;
  int32_t sampled = 0, fitting = 0;
  double meanMacs = 0;     // over fitting networks
  double fitFraction = 0;  // fitting / sampled
  bool chosen = false;
};

struct SpaceGrid {
  std::vector<double> widths;        // columns, ascending
  std::vector<int32_t> resolutions;  // rows, ascending (row 0 = smallest resolution)
  std::vector<SpaceCell> cells;      // row-major: cells[row * columns() + col]
  int32_t columns() const { return int32_t(widths.size()); }
  int32_t rows() const { return int32_t(resolutions.size()); }
  const SpaceCell& cell(int32_t col, int32_t row) const {
    return cells[size_t(row * columns() + col)];
  }
  int32_t columnOf(double width) const;     // -1 if not a column
  int32_t rowOf(int32_t resolution) const;  // -1 if not a row
};

struct SpaceChartModel {
  std::vector<SpaceCurve> curves;  // one per pair with fitting > 0, in report order
  SpaceGrid grid;
  int32_t best = -1;  // index into the report's pairs; -1 when nothing fits
  int32_t pairs = 0;
  int64_t evaluations = 0;
  double seconds = 0;
  double maxMacsM = 0;  // largest fitting network, millions (the chart's x range)
  const SpaceCurve* chosenCurve() const;
  const SpaceCell* chosenCell() const;
};

QString pairLabel(double width, int32_t resolution);  // "w0.50 r24"
QString formatMacsM(double macs);                     // 1234567 -> "1.23 M"
QString formatPercent(double fraction);               // 0.0512 -> "5.1%", 0.28 -> "28%"
QColor chosenPairColour();                            // red: the chosen pair, curve and cell

SpaceChartModel buildSpaceChartModel(const SpaceReport& report);

// The inverse of spaceReportToJson (extra keys such as "space" or "budget" are ignored); checks
// what the views rely on: macs_cdf ascending with `fitting` entries, fitting <= sampled, "best"
// naming a pair with fitting networks.
Result<SpaceReport> spaceReportFromJson(const nlohmann::json& json);
Result<SpaceChartModel> spaceChartModelFromJson(const nlohmann::json& json);

// The heat map's colour scale: viridis (dark purple -> blue -> green -> yellow) from `lo` to
// `hi`; values outside are clamped.
enum class HeatMode { kMeanMacs, kFitFraction };
struct ColourScale {
  double lo = 0, hi = 1;
  double position(double value) const;  // 0..1
  QColor colourAt(double value) const;
};
QColor rampColour(double t);              // t in 0..1, clamped
QColor textColourOn(const QColor& fill);  // black or white, whichever reads better
// kFitFraction: 0..1; kMeanMacs: smallest..largest mean MACs (M) of cells with fitting networks.
ColourScale heatScale(const SpaceGrid& grid, HeatMode mode);
// The value a cell shows in a mode: mean MACs in millions, or the fitting fraction.
double cellValue(const SpaceCell& cell, HeatMode mode);
QString cellText(const SpaceCell& cell, HeatMode mode);  // "1.23 M", "82%", "0 fit", "-"

}  // namespace tinyforge::views
