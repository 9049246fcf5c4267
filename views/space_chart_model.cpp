#include "views/space_chart_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>

namespace tinyforge::views {

namespace {

// The cumulative step function over ascending MACs; duplicates collapse into one riser.
std::vector<QPointF> cdfSteps(const std::vector<int64_t>& macsSorted) {
  std::vector<QPointF> points;
  const double n = double(macsSorted.size());
  double below = 0;
  for (size_t i = 0; i < macsSorted.size();) {
    size_t j = i;
    while (j < macsSorted.size() && macsSorted[j] == macsSorted[i]) ++j;
    const double x = double(macsSorted[i]) / 1e6;
    const double above = j == macsSorted.size() ? 1.0 : double(j) / n;
    points.emplace_back(x, below);
    points.emplace_back(x, above);
    below = above;
    i = j;
  }
  return points;
}

SpaceGrid buildGrid(const SpaceReport& report) {
  SpaceGrid g;
  for (const PairReport& p : report.pairs) {
    g.widths.push_back(p.width);
    g.resolutions.push_back(p.resolution);
  }
  std::sort(g.widths.begin(), g.widths.end());
  g.widths.erase(std::unique(g.widths.begin(), g.widths.end()), g.widths.end());
  std::sort(g.resolutions.begin(), g.resolutions.end());
  g.resolutions.erase(std::unique(g.resolutions.begin(), g.resolutions.end()), g.resolutions.end());
  g.cells.resize(g.widths.size() * g.resolutions.size());
  for (int32_t row = 0; row < g.rows(); ++row) {
    for (int32_t col = 0; col < g.columns(); ++col) {
      SpaceCell& c = g.cells[size_t(row * g.columns() + col)];
      c.width = g.widths[size_t(col)];
      c.resolution = g.resolutions[size_t(row)];
    }
  }
  for (size_t i = 0; i < report.pairs.size(); ++i) {
    const PairReport& p = report.pairs[i];
    SpaceCell& c = g.cells[size_t(g.rowOf(p.resolution) * g.columns() + g.columnOf(p.width))];
    c.pair = int32_t(i);
    c.sampled = p.sampled;
    c.fitting = p.fitting;
    c.meanMacs = p.meanMacs;
    c.fitFraction = p.sampled > 0 ? double(p.fitting) / double(p.sampled) : 0.0;
    c.chosen = int32_t(i) == report.best;
  }
  return g;
}

// Typed reads that name the key and the pair instead of throwing.
template <typename T>
bool read(const nlohmann::json& j, const char* key, T* out, std::string* error,
          const std::string& where) {
  const auto it = j.find(key);
  const bool ok =
      it != j.end() && (std::is_floating_point_v<T> ? it->is_number() : it->is_number_integer());
  if (!ok) {
    *error = where + ": '" + key + "' missing or not a number";
    return false;
  }
  *out = it->template get<T>();
  return true;
}

Status readPair(const nlohmann::json& j, size_t index, PairReport* p) {
  const std::string where = "space report pair " + std::to_string(index);
  std::string error;
  if (!j.is_object()) return Status::error(where + ": not an object");
  if (!read(j, "width", &p->width, &error, where) ||
      !read(j, "resolution", &p->resolution, &error, where) ||
      !read(j, "sampled", &p->sampled, &error, where) ||
      !read(j, "fitting", &p->fitting, &error, where) ||
      !read(j, "mean_macs", &p->meanMacs, &error, where)) {
    return Status::error(error);
  }
  const auto cdf = j.find("macs_cdf");
  if (cdf == j.end() || !cdf->is_array())
    return Status::error(where + ": 'macs_cdf' missing or not an array");
  for (const nlohmann::json& m : *cdf) {
    if (!m.is_number_integer()) return Status::error(where + ": 'macs_cdf' holds a non-integer");
    p->macsSorted.push_back(m.get<int64_t>());
  }
  if (p->fitting < 0 || p->fitting > p->sampled) {
    return Status::error(where + ": fitting " + std::to_string(p->fitting) + " of sampled " +
                         std::to_string(p->sampled));
  }
  if (p->macsSorted.size() != size_t(p->fitting)) {
    return Status::error(where + ": 'macs_cdf' has " + std::to_string(p->macsSorted.size()) +
                         " entries, fitting is " + std::to_string(p->fitting));
  }
  if (!std::is_sorted(p->macsSorted.begin(), p->macsSorted.end())) {
    return Status::error(where + ": 'macs_cdf' is not ascending");
  }
  return Status::ok();
}

}  // namespace

int32_t SpaceGrid::columnOf(double width) const {
  const auto it = std::find(widths.begin(), widths.end(), width);
  return it == widths.end() ? -1 : int32_t(it - widths.begin());
}

int32_t SpaceGrid::rowOf(int32_t resolution) const {
  const auto it = std::find(resolutions.begin(), resolutions.end(), resolution);
  return it == resolutions.end() ? -1 : int32_t(it - resolutions.begin());
}

const SpaceCurve* SpaceChartModel::chosenCurve() const {
  for (const SpaceCurve& c : curves) {
    if (c.chosen) return &c;
  }
  return nullptr;
}

const SpaceCell* SpaceChartModel::chosenCell() const {
  for (const SpaceCell& c : grid.cells) {
    if (c.chosen) return &c;
  }
  return nullptr;
}

QString pairLabel(double width, int32_t resolution) {
  return QStringLiteral("w%1 r%2").arg(width, 0, 'f', 2).arg(resolution);
}

QString formatMacsM(double macs) {
  const double m = macs / 1e6;
  const int decimals = m < 10 ? 2 : m < 100 ? 1 : 0;
  return QStringLiteral("%1 M").arg(m, 0, 'f', decimals);
}

QString formatPercent(double fraction) {
  const double p = 100.0 * fraction;
  return QStringLiteral("%1%").arg(p, 0, 'f', p > 0 && p < 9.95 ? 1 : 0);
}

QColor chosenPairColour() { return QColor(229, 57, 53); }

SpaceChartModel buildSpaceChartModel(const SpaceReport& report) {
  SpaceChartModel m;
  m.best = report.best;
  m.pairs = int32_t(report.pairs.size());
  m.evaluations = report.evaluations;
  m.seconds = report.seconds;
  for (size_t i = 0; i < report.pairs.size(); ++i) {
    const PairReport& p = report.pairs[i];
    if (p.macsSorted.empty()) continue;
    SpaceCurve c;
    c.pair = int32_t(i);
    c.width = p.width;
    c.resolution = p.resolution;
    c.label = pairLabel(p.width, p.resolution);
    c.chosen = int32_t(i) == report.best;
    c.points = cdfSteps(p.macsSorted);
    m.maxMacsM = std::max(m.maxMacsM, double(p.macsSorted.back()) / 1e6);
    m.curves.push_back(std::move(c));
  }
  m.grid = buildGrid(report);
  return m;
}

Result<SpaceReport> spaceReportFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Result<SpaceReport>::failure("space report: not a JSON object");
  const auto pairs = json.find("pairs");
  if (pairs == json.end() || !pairs->is_array()) {
    return Result<SpaceReport>::failure("space report: 'pairs' missing or not an array");
  }
  SpaceReport r;
  for (size_t i = 0; i < pairs->size(); ++i) {
    PairReport p;
    if (Status s = readPair((*pairs)[i], i, &p); !s) return s;
    r.pairs.push_back(std::move(p));
  }
  std::string error;
  if (json.contains("evaluations") &&
      !read(json, "evaluations", &r.evaluations, &error, "space report")) {
    return Result<SpaceReport>::failure(error);
  }
  if (json.contains("seconds") && !read(json, "seconds", &r.seconds, &error, "space report")) {
    return Result<SpaceReport>::failure(error);
  }
  const auto best = json.find("best");
  if (best != json.end() && !best->is_null()) {
    double width = 0;
    int32_t resolution = 0;
    if (!best->is_object() || !read(*best, "width", &width, &error, "space report best") ||
        !read(*best, "resolution", &resolution, &error, "space report best")) {
      return Result<SpaceReport>::failure(error.empty() ? "space report: 'best' is not an object"
                                                        : error);
    }
    for (size_t i = 0; i < r.pairs.size(); ++i) {
      if (r.pairs[i].width == width && r.pairs[i].resolution == resolution) r.best = int32_t(i);
    }
    if (r.best < 0 || r.pairs[size_t(r.best)].fitting == 0) {
      return Result<SpaceReport>::failure("space report: best " +
                                          pairLabel(width, resolution).toStdString() +
                                          " is not a pair with fitting networks");
    }
  }
  return r;
}

Result<SpaceChartModel> spaceChartModelFromJson(const nlohmann::json& json) {
  Result<SpaceReport> r = spaceReportFromJson(json);
  if (!r) return r.status();
  return buildSpaceChartModel(r.value());
}

double ColourScale::position(double value) const {
  if (!(hi > lo)) return 1.0;
  return std::clamp((value - lo) / (hi - lo), 0.0, 1.0);
}

QColor ColourScale::colourAt(double value) const { return rampColour(position(value)); }

QColor rampColour(double t) {
  // viridis at 0, 0.25, 0.5, 0.75, 1
  static constexpr std::array<std::array<double, 3>, 5> kStops = {
      {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
  const double x = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * double(kStops.size() - 1);
  const size_t i = std::min(size_t(x), kStops.size() - 2);
  const double f = x - double(i);
  auto mix = [&](size_t k) {
    return int(std::lround(kStops[i][k] + (kStops[i + 1][k] - kStops[i][k]) * f));
  };
  return QColor(mix(0), mix(1), mix(2));
}

QColor textColourOn(const QColor& fill) {
  const double luminance = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
  return luminance > 0.45 ? QColor(Qt::black) : QColor(Qt::white);
}

ColourScale heatScale(const SpaceGrid& grid, HeatMode mode) {
  if (mode == HeatMode::kFitFraction) return {0.0, 1.0};
  ColourScale s{0.0, 0.0};
  bool any = false;
  for (const SpaceCell& c : grid.cells) {
    if (c.fitting <= 0) continue;
    const double v = c.meanMacs / 1e6;
    s.lo = any ? std::min(s.lo, v) : v;
    s.hi = any ? std::max(s.hi, v) : v;
    any = true;
  }
  if (s.hi <= s.lo) s.lo = 0;  // one value (or none): the ramp's top
  if (s.hi <= s.lo) s.hi = 1;
  return s;
}

double cellValue(const SpaceCell& cell, HeatMode mode) {
  return mode == HeatMode::kFitFraction ? cell.fitFraction : cell.meanMacs / 1e6;
}

QString cellText(const SpaceCell& cell, HeatMode mode) {
  if (cell.pair < 0) return QStringLiteral("-");
  if (cell.fitting == 0) return QStringLiteral("0 fit");
  if (mode == HeatMode::kMeanMacs) return formatMacsM(cell.meanMacs);
  const double percent = 100.0 * cell.fitFraction;
  return QStringLiteral("%1%").arg(percent, 0, 'f', percent < 9.95 ? 1 : 0);
}

}  // namespace tinyforge::views
