// MainWindow: one-click firmware export and "Build and verify in emulator" as jobs.
#include <QDir>
#include <algorithm>
#include <optional>
#include <QFileInfo>

#include "app/studio/main_window.h"
#include "engine/firmware/exporter.h"
#include "views/deploy_panel.h"
#include "views/layer_table_view.h"
#include "views/timeline_model.h"

namespace tinyforge::studio {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

struct DeployRequest {
  Graph graph;
  ExportOptions options;
  QString dir;
  bool verify = false;
};

struct DeployResult {
  ExportSummary exported;
  std::optional<VerifyReport> report;
};

JobOutcome runDeploy(const DeployRequest& r, DeployResult* out, JobContext& c) {
  c.progress(5, QObject::tr("exporting to %1").arg(r.dir));
  Result<ExportSummary> e = exportFirmware(r.graph, r.options, r.dir.toStdString());
  if (!e) return {false, q(e.status().message())};
  out->exported = e.value();
  c.log(QObject::tr("exported %1 for %2 (%3 planner): arena %4 B, constants %5 B\n")
            .arg(r.dir, q(e.value().device), q(e.value().planner))
            .arg(e.value().arenaBytes)
            .arg(e.value().constantBytes));
  if (!r.verify) return {true, {}};
  VerifyOptions v;
  v.cancel = c.cancelFlag();
  v.onOutput = [&c](const std::string& text) { c.log(q(text)); };
  v.onStage = [&c](const std::string& stage) {
    c.progress(stage.rfind("build", 0) == 0 ? 20 : 70, q(stage));
  };
  Result<VerifyReport> report = verifyFirmware(r.dir.toStdString(), v);
  if (!report) return {false, q(report.status().message())};
  out->report = report.value();
  return {true, {}};
}

}  // namespace

void MainWindow::exportFirmware(const QString& dir) {
  const ProjectData& d = m_doc.data();
  if (!m_analysis) {
    showError(tr("Open a model before exporting firmware."));
    return;
  }
  if (m_previewPlaceholder) {
    showError(tr("The views show a search candidate's architecture with placeholder weights. Use \"Export "
                 "firmware\" in the Search tab: it takes the candidate's trained weights."));
    return;
  }
  if (m_deployJob && m_deployJob->isRunning()) {
    showError(tr("An export or verification is already running."));
    return;
  }
  auto request = std::make_shared<DeployRequest>();
  request->graph = m_analysis->graph;
  request->options.device = d.device;
  request->options.planner = d.planner;
  request->options.stackBytes = d.stackBytes;
  request->options.fastKernels = d.fastKernels;
  request->dir = QDir::cleanPath(dir.isEmpty() ? m_doc.exportDir() : dir);
  request->verify = m_exportThenVerify;
  m_exportThenVerify = false;
  auto result = std::make_shared<DeployResult>();
  const std::string planner = d.planner;
  const QString title = request->verify ? tr("Build and verify") : tr("Export firmware");
  auto* job = new Job(title, [request, result](JobContext& c) { return runDeploy(*request, result.get(), c); });
  m_deploy->setBusy(true, title + "...");
  connect(job, &Job::progressed, m_deploy, [this](int percent, const QString& stage) {
    m_deploy->setProgress(percent);
    m_deploy->setBusy(true, stage);
  });
  connect(job, &Job::logged, m_deploy, &views::DeployPanel::appendLog);
  connect(job, &Job::finished, this, [this, request, result, planner](bool ok, const QString& message) {
    m_deploy->setBusy(false, ok ? tr("Done.") : tr("Failed."));
    if (!ok) {
      m_deploy->showError(message);
      showError(tr("%1 failed: %2").arg(request->verify ? tr("Verification") : tr("Export"), message));
      return;
    }
    clearError();
    m_lastExportDir = request->dir;
    m_deploy->showExported(request->dir, tr("%1, %2 planner: arena %3 B, model constants %4 B")
                                             .arg(q(result->exported.device), q(planner))
                                             .arg(result->exported.arenaBytes)
                                             .arg(result->exported.constantBytes));
    if (result->report) {
      m_lastVerify = *result->report;
      m_deploy->showResult(*result->report);
      applyMeasured(*result->report, planner);
      refreshNeeds();
      log(tr("verified: outputs %1, %2 instructions\n")
              .arg(result->report->match ? tr("match") : tr("DIFFER"))
              .arg(result->report->instructions));
    }
  });
  startJob(m_deployJob, job);
}

void MainWindow::verifyFirmware(const QString& dir) {
  m_exportThenVerify = true;
  exportFirmware(dir);
  m_exportThenVerify = false;
}

void MainWindow::applyMeasured(const VerifyReport& report, const std::string& planner) {
  const views::PlannerResult* p = m_analysis ? m_analysis->plan(planner) : nullptr;
  if (!p || !p->error.empty()) return;
  // Per op of the imported graph: the instructions of its planned op (fused PADs have none).
  std::vector<int64_t> perOp(m_analysis->graph.ops.size(), -1);
  std::vector<int64_t> byPlanned(p->model.graph.ops.size(), -1);
  for (const LayerInstructions& l : report.perLayer) {
    if (l.op >= 0 && size_t(l.op) < byPlanned.size()) byPlanned[size_t(l.op)] = l.instructions;
  }
  for (size_t i = 0; i < perOp.size(); ++i) {
    const bool fused = std::find(p->model.fusedPadOps.begin(), p->model.fusedPadOps.end(), int32_t(i)) !=
                       p->model.fusedPadOps.end();
    if (!fused && p->plannedOp[i] >= 0) perOp[i] = byPlanned[size_t(p->plannedOp[i])];
  }
  m_table->layers()->setMeasured(std::move(perOp));
}

}  // namespace tinyforge::studio
